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

	compute "cloud.google.com/go/compute/apiv1"
	"cloud.google.com/go/compute/apiv1/computepb"
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
func server(t *testing.T, fails int, code int, reason string) (*compute.HealthChecksClient, *atomic.Int32) {
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
	c, err := compute.NewHealthChecksRESTClient(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
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
		var got *computepb.HealthCheck
		err := Call(context.Background(), func() error {
			var err error
			got, err = c.Get(context.Background(), &computepb.GetHealthCheckRequest{Project: "p", HealthCheck: "hc"})
			return err
		})
		if err != nil || got.GetName() != "hc" {
			t.Fatalf("%d: got %v, %v", code, got, err)
		}
		if calls.Load() < 3 {
			t.Fatalf("%d: %d calls, want the two failures retried", code, calls.Load())
		}
	}
}

func TestCallDoesNotRetryClientErrors(t *testing.T) {
	fastBackoff(t)
	c, calls := server(t, 100, 400, "invalid")
	err := Call(context.Background(), func() error {
		_, err := c.Get(context.Background(), &computepb.GetHealthCheckRequest{Project: "p", HealthCheck: "hc"})
		return err
	})
	if HTTPCode(err) != 400 || calls.Load() != 1 {
		t.Fatalf("400 must not be retried: code %d after %d calls (%v)", HTTPCode(err), calls.Load(), err)
	}
}

func TestErrorMapping(t *testing.T) {
	c, _ := server(t, 0, 0, "")
	_, err := c.Get(context.Background(), &computepb.GetHealthCheckRequest{Project: "p", HealthCheck: "gone"})
	if !IsNotFound(err) || IsTransportError(err) {
		t.Fatalf("404 must map to not found: %v", err)
	}
	if Reason(err) != "notFound" {
		t.Fatalf("reason = %q", Reason(err))
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
	c, err := compute.NewHealthChecksRESTClient(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = c.Get(ctx, &computepb.GetHealthCheckRequest{Project: "p", HealthCheck: "hc"})
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
			c, err := compute.NewHealthChecksRESTClient(ctx, opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = c.Get(ctx, &computepb.GetHealthCheckRequest{Project: "p", HealthCheck: "hc"})
			_ = c.Close()
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
