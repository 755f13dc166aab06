package gcp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	compute "google.golang.org/api/compute/v1"
	dns "google.golang.org/api/dns/v1"
	sqladmin "google.golang.org/api/sqladmin/v1beta4"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

func TestSessionNeedsProject(t *testing.T) {
	_, err := New(&backend.Settings{})
	if err == nil || !strings.Contains(err.Error(), "HA_GCP_PROJECT") {
		t.Fatalf("want an error naming how to set the project, got %v", err)
	}
}

func TestLostLocationMakesNoCall(t *testing.T) {
	s := &backend.Settings{GCP: backend.GCPSettings{Project: "p", LostLocations: []string{"us-east1"}}}
	_, err := SessionFor(s, "us-east1")
	if !backend.IsUnreachable(err) {
		t.Fatalf("a lost location must be unreachable, got %v", err)
	}
	if _, err := SessionFor(s, "us-west1"); err != nil {
		t.Fatalf("other locations stay usable: %v", err)
	}
}

func TestClientOptionsCredentials(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "key.json")
	if err := os.WriteFile(file, []byte(`{"type":"service_account"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		gcp      backend.GCPSettings
		svc      Service
		wantOpts int
		wantErr  bool
	}{
		{"adc", backend.GCPSettings{Project: "p"}, Compute, 0, false},
		{"override without credentials", backend.GCPSettings{Project: "p", ComputeEndpoint: "http://127.0.0.1:1/compute/v1/"}, Compute, 2, false},
		{"json", backend.GCPSettings{Project: "p", Credentials: `{"type":"service_account"}`}, DNS, 1, false},
		{"file", backend.GCPSettings{Project: "p", Credentials: file}, SQLAdmin, 1, false},
		{"missing file", backend.GCPSettings{Project: "p", Credentials: filepath.Join(dir, "nope.json")}, Compute, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(&backend.Settings{GCP: tc.gcp})
			if err != nil {
				t.Fatal(err)
			}
			opts, err := s.ClientOptions(tc.svc)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if len(opts) != tc.wantOpts {
				t.Fatalf("got %d options, want %d", len(opts), tc.wantOpts)
			}
		})
	}
}

// googleError answers in Google's JSON error format.
func googleError(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"error":{"code":%d,"message":%q,"errors":[{"reason":%q,"message":%q,"domain":"global"}]}}`, code, msg, reason, msg)
}

// server answers health check GETs: the first fails answers fail with code,
// then the check is returned; it counts the calls.
func server(t *testing.T, fails int, code int, reason string) (*compute.Service, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if r.URL.Path != "/compute/v1/projects/p/global/healthChecks/hc" {
			googleError(w, 404, "notFound", "The resource 'projects/p/global/healthChecks/x' was not found")
			return
		}
		if int(n) <= fails {
			googleError(w, code, reason, "try again")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"kind":"compute#healthCheck","name":"hc","type":"TCP","tcpHealthCheck":{"port":80}}`)
	}))
	t.Cleanup(srv.Close)
	s, err := New(&backend.Settings{GCP: backend.GCPSettings{Project: "p", ComputeEndpoint: srv.URL + "/compute/v1/"}})
	if err != nil {
		t.Fatal(err)
	}
	opts, err := s.ClientOptions(Compute)
	if err != nil {
		t.Fatal(err)
	}
	c, err := compute.NewService(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, &calls
}

func fastBackoff(t *testing.T) {
	old := Backoff
	Backoff.Initial, Backoff.Max = time.Millisecond, 5*time.Millisecond
	t.Cleanup(func() { Backoff = old })
}

func TestCallRetriesThrottlingAndServerErrors(t *testing.T) {
	fastBackoff(t)
	for _, code := range []int{429, 503} {
		c, calls := server(t, 2, code, "rateLimitExceeded")
		got, err := Read(context.Background(), c.HealthChecks.Get("p", "hc").Do)
		if err != nil || got.Name != "hc" {
			t.Fatalf("%d: got %v, %v", code, got, err)
		}
		if calls.Load() < 3 {
			t.Fatalf("%d: %d calls, want the two failures retried", code, calls.Load())
		}
	}
}

func TestCallDoesNotRetryClientErrors(t *testing.T) {
	fastBackoff(t)
	for _, tc := range []struct {
		code   int
		reason string
	}{{400, "invalid"}, {403, "quotaExceeded"}, {403, "forbidden"}} {
		c, calls := server(t, 100, tc.code, tc.reason)
		_, err := Read(context.Background(), c.HealthChecks.Get("p", "hc").Do)
		if HTTPCode(err) != tc.code || calls.Load() != 1 {
			t.Fatalf("%d %s must not be retried: code %d after %d calls (%v)", tc.code, tc.reason, HTTPCode(err), calls.Load(), err)
		}
	}
}

// A 403 whose reason is a request-rate limit is throttling, retried as 429.
func TestCallRetriesRateLimit403(t *testing.T) {
	fastBackoff(t)
	for _, reason := range []string{"rateLimitExceeded", "userRateLimitExceeded"} {
		c, calls := server(t, 2, 403, reason)
		got, err := Read(context.Background(), c.HealthChecks.Get("p", "hc").Do)
		if err != nil || got.Name != "hc" || calls.Load() != 3 {
			t.Fatalf("403 %s: %d calls, got %v, %v", reason, calls.Load(), got, err)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	c, _ := server(t, 0, 0, "")
	_, err := Read(context.Background(), c.HealthChecks.Get("p", "gone").Do)
	if !IsNotFound(err) || IsTransportError(err) {
		t.Fatalf("404 must map to not found: %v", err)
	}
	if Reason(err) != "notFound" {
		t.Fatalf("reason = %q", Reason(err))
	}
	// The text users see is the one the earlier compute client gave.
	if want := "googleapi: Error 404: The resource 'projects/p/global/healthChecks/x' was not found"; err.Error() != want {
		t.Errorf("error text %q, want %q", err, want)
	}
	inUse := &OperationError{What: "delete health check hc", Code: "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE", HTTP: 400}
	if !IsInUse(fmt.Errorf("wrapped: %w", inUse)) || Retryable(inUse) {
		t.Fatal("an operation's in-use error must be recognised and not retried as transient")
	}
}

func TestUnreachableEndpoint(t *testing.T) {
	fastBackoff(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	s, _ := New(&backend.Settings{GCP: backend.GCPSettings{Project: "p", ComputeEndpoint: url}})
	opts, _ := s.ClientOptions(Compute)
	c, err := compute.NewService(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = c.HealthChecks.Get("p", "hc").Context(ctx).Do()
	err = Unreachable("us-east1", err)
	if !errors.Is(err, backend.ErrUnreachable) {
		t.Fatalf("a refused connection must be unreachable: %v", err)
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	old := Backoff
	Backoff.Initial, Backoff.Max, Backoff.Attempts = time.Hour, time.Hour, 5
	t.Cleanup(func() { Backoff = old })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := 0
	err := Retry(ctx, func(error) bool { return true }, func() error { n++; return errors.New("busy") })
	if err == nil || n != 1 {
		t.Fatalf("a cancelled context must end the retries: %d calls, %v", n, err)
	}
}

// TestClientOptionsEndpointRoot: the Go clients add their version path, so
// an override given with it (as gcloud takes it) or without it both reach
// the same root.
func TestClientOptionsEndpointRoot(t *testing.T) {
	for _, tc := range []struct {
		svc      Service
		override string
	}{
		{Compute, "http://127.0.0.1:9/compute/v1/"}, {Compute, "http://127.0.0.1:9"},
		{SQLAdmin, "http://127.0.0.1:9/sql/v1beta4/"}, {SQLAdmin, "http://127.0.0.1:9/"},
		{DNS, "http://127.0.0.1:9/dns/v1/"}, {DNS, "http://127.0.0.1:9/"},
	} {
		var seen string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = r.URL.Path
			googleError(w, 404, "notFound", "no")
		}))
		g := backend.GCPSettings{Project: "p"}
		switch tc.svc {
		case Compute:
			g.ComputeEndpoint = strings.Replace(tc.override, "http://127.0.0.1:9", srv.URL, 1)
		case SQLAdmin:
			g.SQLAdminEndpoint = strings.Replace(tc.override, "http://127.0.0.1:9", srv.URL, 1)
		case DNS:
			g.DNSEndpoint = strings.Replace(tc.override, "http://127.0.0.1:9", srv.URL, 1)
		}
		s, err := New(&backend.Settings{GCP: g})
		if err != nil {
			t.Fatal(err)
		}
		opts, err := s.ClientOptions(tc.svc)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		want := ""
		switch tc.svc {
		case Compute:
			c, err := compute.NewService(ctx, opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = c.HealthChecks.Get("p", "hc").Do()
			want = "/compute/v1/projects/p/global/healthChecks/hc"
		case SQLAdmin:
			c, err := sqladmin.NewService(ctx, opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = c.Instances.Get("p", "db").Do()
			want = "/sql/v1beta4/projects/p/instances/db"
		case DNS:
			c, err := dns.NewService(ctx, opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = c.ManagedZones.Get("p", "z").Do()
			want = "/dns/v1/projects/p/managedZones/z"
		}
		srv.Close()
		if seen != want {
			t.Errorf("override %q: request went to %q, want %q", tc.override, seen, want)
		}
	}
}

// TestDoWaitsInTheOperationsScope: an operation is polled where it lives
// (its region's operations, else the global ones), a failed poll answer is
// retried, and an operation done with an error is an OperationError.
func TestDoWaitsInTheOperationsScope(t *testing.T) {
	fastBackoff(t)
	oldPoll := Poll
	Poll = time.Millisecond
	t.Cleanup(func() { Poll = oldPoll })
	var polls []string
	var regionalPolls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch p := r.Method + " " + r.URL.Path; p {
		case "POST /compute/v1/projects/p/regions/us-east1/healthChecks":
			fmt.Fprint(w, `{"kind":"compute#operation","name":"op-r","status":"PENDING","region":"https://compute.googleapis.com/compute/v1/projects/p/regions/us-east1"}`)
		case "POST /compute/v1/projects/p/global/healthChecks":
			fmt.Fprint(w, `{"kind":"compute#operation","name":"op-g","status":"RUNNING"}`)
		case "GET /compute/v1/projects/p/regions/us-east1/operations/op-r":
			polls = append(polls, p)
			switch regionalPolls.Add(1) {
			case 1:
				googleError(w, 503, "backendError", "try again")
			case 2:
				fmt.Fprint(w, `{"name":"op-r","status":"RUNNING"}`)
			default:
				fmt.Fprint(w, `{"name":"op-r","status":"DONE","httpErrorStatusCode":400,"error":{"errors":[{"code":"RESOURCE_IN_USE_BY_ANOTHER_RESOURCE","message":"in use"}]}}`)
			}
		case "GET /compute/v1/projects/p/global/operations/op-g":
			polls = append(polls, p)
			fmt.Fprint(w, `{"name":"op-g","status":"DONE"}`)
		default:
			t.Errorf("unexpected call %s", p)
			googleError(w, 404, "notFound", "no")
		}
	}))
	t.Cleanup(srv.Close)
	s, _ := New(&backend.Settings{GCP: backend.GCPSettings{Project: "p", ComputeEndpoint: srv.URL}})
	opts, _ := s.ClientOptions(Compute)
	c, err := compute.NewService(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = Do(ctx, c, "p", "create health check hc", c.RegionHealthChecks.Insert("p", "us-east1", &compute.HealthCheck{Name: "hc"}).Context(ctx).Do)
	var oe *OperationError
	if !errors.As(err, &oe) || oe.What != "create health check hc" || oe.Code != "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE" || oe.Message != "in use" || oe.HTTP != 400 {
		t.Fatalf("want the operation's error, got %#v", err)
	}
	if !IsInUse(err) || HTTPCode(err) != 400 || err.Error() != "create health check hc: RESOURCE_IN_USE_BY_ANOTHER_RESOURCE: in use" {
		t.Errorf("operation error classified as %d, in use %v: %v", HTTPCode(err), IsInUse(err), err)
	}
	if err := Do(ctx, c, "p", "create health check hc", c.HealthChecks.Insert("p", &compute.HealthCheck{Name: "hc"}).Context(ctx).Do); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /compute/v1/projects/p/regions/us-east1/operations/op-r",
		"GET /compute/v1/projects/p/regions/us-east1/operations/op-r",
		"GET /compute/v1/projects/p/regions/us-east1/operations/op-r",
		"GET /compute/v1/projects/p/global/operations/op-g",
	}
	if strings.Join(polls, "\n") != strings.Join(want, "\n") {
		t.Errorf("polls:\n%s\nwant:\n%s", strings.Join(polls, "\n"), strings.Join(want, "\n"))
	}
}

// A provider process takes its poll interval and retry unit from the
// environment; anything but a positive duration leaves the defaults.
func TestPollAndBackoffFromEnv(t *testing.T) {
	oldPoll, oldBackoff := Poll, Backoff
	t.Cleanup(func() { Poll, Backoff = oldPoll, oldBackoff })

	t.Setenv(PollVar, "25ms")
	t.Setenv(BackoffVar, "10ms")
	fromEnv()
	if Poll != 25*time.Millisecond || Backoff.Initial != 5*time.Millisecond || Backoff.Max != 200*time.Millisecond || Backoff.Attempts != oldBackoff.Attempts {
		t.Errorf("poll %v, backoff %+v", Poll, Backoff)
	}

	Poll, Backoff = oldPoll, oldBackoff
	t.Setenv(PollVar, "-1s")
	t.Setenv(BackoffVar, "soon")
	fromEnv()
	if Poll != oldPoll || Backoff != oldBackoff {
		t.Errorf("bad settings changed poll %v, backoff %+v", Poll, Backoff)
	}
}
