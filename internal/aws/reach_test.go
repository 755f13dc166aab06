package aws

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// countingClient counts the requests the SDK hands to the transport.
type countingClient struct {
	next  sdkaws.HTTPClient
	calls atomic.Int32
}

func (c *countingClient) Do(r *http.Request) (*http.Response, error) {
	c.calls.Add(1)
	return c.next.Do(r)
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + l.Addr().String()
	_ = l.Close()
	return addr
}

// wrapTransport puts wrap between a location's reachability check and the
// real HTTP client, to count or disturb what reaches the network.
func wrapTransport(t *testing.T, s *Session, location string, wrap func(sdkaws.HTTPClient) sdkaws.HTTPClient) {
	t.Helper()
	cfg, err := s.Config(context.Background(), location)
	if err != nil {
		t.Fatal(err)
	}
	lc, ok := cfg.HTTPClient.(*locationClient)
	if !ok {
		t.Fatalf("HTTPClient is %T, want *locationClient", cfg.HTTPClient)
	}
	lc.next = wrap(lc.next)
}

func callerIdentity(ctx context.Context, t *testing.T, s *Session, location string) error {
	t.Helper()
	cfg, err := s.Config(ctx, location)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	return err
}

// A closed port is tried once (no retries despite max_retries = 5), then the
// location fails at once for the rest of the run without any connect; other
// locations are judged on their own.
func TestSession_unreachableFailsFast(t *testing.T) {
	s := NewSession(Settings{Endpoint: closedPort(t), AccessKey: "a", SecretKey: "b", MaxRetries: 5})
	counter := &countingClient{}
	wrapTransport(t, s, "us-east-1", func(next sdkaws.HTTPClient) sdkaws.HTTPClient { counter.next = next; return counter })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	start := time.Now()
	err := callerIdentity(ctx, t, s, "us-east-1")
	t.Logf("first call to a closed port failed after %.3fs: %v", time.Since(start).Seconds(), err)
	if !IsUnreachable(err) {
		t.Fatalf("IsUnreachable(%v) = false", err)
	}
	if loc := UnreachableLocation(err); loc != "us-east-1" {
		t.Errorf("UnreachableLocation = %q, want us-east-1", loc)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("the cause (connection refused) is lost: %v", err)
	}
	if n := counter.calls.Load(); n != 1 {
		t.Errorf("closed port tried %d times, want 1 (no retries once confirmed unreachable)", n)
	}
	if s.Unreachable("us-east-1") == nil {
		t.Error("us-east-1 not remembered as unreachable")
	}

	start = time.Now()
	err = callerIdentity(ctx, t, s, "us-east-1")
	t.Logf("second call failed after %.3fs", time.Since(start).Seconds())
	var ue *UnreachableError
	if !errors.As(err, &ue) || ue.Location != "us-east-1" {
		t.Fatalf("second call: want the cached UnreachableError, got %v", err)
	}
	if n := counter.calls.Load(); n != 1 {
		t.Errorf("second call reached the transport (%d calls), want none", n-1)
	}

	if s.Unreachable("eu-west-1") != nil {
		t.Error("eu-west-1 marked unreachable before any call")
	}
	err = callerIdentity(ctx, t, s, "eu-west-1")
	if UnreachableLocation(err) != "eu-west-1" {
		t.Errorf("eu-west-1: %v", err)
	}
}

// A reachable endpoint keeps the standard retries for 5xx and is never
// marked unreachable.
func TestSession_reachableKeepsRetries(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>busy</Message></Error></ErrorResponse>`))
	}))
	defer srv.Close()
	s := NewSession(Settings{Endpoint: srv.URL, AccessKey: "a", SecretKey: "b", MaxRetries: 1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := callerIdentity(ctx, t, s, "us-east-1")
	if err == nil || IsUnreachable(err) {
		t.Fatalf("503 answer: IsUnreachable(%v) = true", err)
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("503 tried %d times, want 2 (max_retries 1 + 1)", n)
	}
	if s.Unreachable("us-east-1") != nil {
		t.Error("a location that answers was marked unreachable")
	}
}

// flakyDial fails its first request with a dial error, then passes through.
type flakyDial struct {
	next  sdkaws.HTTPClient
	calls atomic.Int32
}

func (f *flakyDial) Do(r *http.Request) (*http.Response, error) {
	if f.calls.Add(1) == 1 {
		return nil, &url.Error{Op: "Post", URL: r.URL.String(), Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	}
	return f.next.Do(r)
}

// One failed connect to an endpoint that the probe then reaches is retried
// as before and does not write the location off.
func TestSession_transientDialFailureRetried(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(`<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/x</Arn><UserId>x</UserId></GetCallerIdentityResult></GetCallerIdentityResponse>`))
	}))
	defer srv.Close()
	s := NewSession(Settings{Endpoint: srv.URL, AccessKey: "a", SecretKey: "b", MaxRetries: 1})
	flaky := &flakyDial{}
	wrapTransport(t, s, "us-east-1", func(next sdkaws.HTTPClient) sdkaws.HTTPClient { flaky.next = next; return flaky })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	account, err := s.Verify(ctx)
	if err != nil {
		t.Fatalf("Verify after one failed connect: %v", err)
	}
	if account != "123456789012" {
		t.Errorf("account = %q", account)
	}
	if n := flaky.calls.Load(); n != 2 {
		t.Errorf("transport called %d times, want 2 (one failure, one retry)", n)
	}
	if s.Unreachable("us-east-1") != nil {
		t.Error("a transient connect failure marked the location unreachable")
	}
}

// A location declared lost is never contacted, not even once; others are.
func TestSession_lostLocationsNeverContacted(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			_ = c.Close()
		}
	}()
	s := NewSession(Settings{Endpoint: "http://" + l.Addr().String(), AccessKey: "a", SecretKey: "b", MaxRetries: 0,
		LostLocations: []string{"us-east-1"}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg, err := s.Config(ctx, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if UnreachableLocation(err) != "us-east-1" || !errors.Is(err, ErrDeclaredLost) || !IsUnreachable(err) {
		t.Fatalf("call to a lost location: %v", err)
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("the lost location was contacted %d time(s)", n)
	}
	// Verify asks a region that is not lost, so it does reach the endpoint.
	_, _ = s.Verify(ctx)
	if accepted.Load() == 0 {
		t.Error("Verify did not reach the endpoint through a region that is not lost")
	}
}

// The retry waits follow the SDK's schedule (a random wait below 2^n units
// after attempt n, 10 units once that is more), in seconds by default and in
// the unit HA_AWS_BACKOFF_UNIT gives.
func TestRetryBackoffSchedule(t *testing.T) {
	for _, tc := range []struct {
		env  string
		unit time.Duration
	}{{"", time.Second}, {"20ms", 20 * time.Millisecond}, {"nonsense", time.Second}} {
		t.Setenv(BackoffVar, tc.env)
		r, ok := newRetryer(5)().(interface {
			RetryDelay(int, error) (time.Duration, error)
		})
		if !ok {
			t.Fatal("the retryer has no RetryDelay")
		}
		for attempt := 1; attempt <= 6; attempt++ {
			ceiling := tc.unit << attempt
			if ceiling > 10*tc.unit {
				ceiling = 10 * tc.unit
			}
			var top time.Duration
			for i := 0; i < 200; i++ {
				d, err := r.RetryDelay(attempt, errors.New("throttled"))
				if err != nil {
					t.Fatal(err)
				}
				if d < 0 || d > ceiling {
					t.Fatalf("unit %v, attempt %d: wait %v outside [0, %v]", tc.unit, attempt, d, ceiling)
				}
				top = max(top, d)
			}
			// Jittered below the cap, the cap itself above it.
			if ceiling == 10*tc.unit && top != ceiling || ceiling < 10*tc.unit && (top == ceiling || top < ceiling/2) {
				t.Errorf("unit %v, attempt %d: longest of 200 waits %v, ceiling %v", tc.unit, attempt, top, ceiling)
			}
		}
	}
}

// A long unit reaches the cap without overflowing unit·2^attempt (an hour
// after 25 attempts is past any time.Duration).
func TestRetryBackoffLongUnit(t *testing.T) {
	b := jitterBackoff{unit: time.Hour, max: 10 * time.Hour}
	for _, attempt := range []int{4, 25, 40, 63, 100} {
		if d, err := b.BackoffDelay(attempt, nil); err != nil || d != b.max {
			t.Errorf("attempt %d: %v, %v; want the cap %v", attempt, d, err, b.max)
		}
	}
	for range 100 {
		if d, _ := b.BackoffDelay(3, nil); d < 0 || d >= 8*time.Hour {
			t.Fatalf("attempt 3: %v, want below 8h", d)
		}
	}
}
