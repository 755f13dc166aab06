package services

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	gcecompute "google.golang.org/api/compute/v1"
	"google.golang.org/api/option"

	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
)

// Every protocol's fault is read by the real SDK client of that service as
// the error code and status the service itself would send, and the SDK's
// standard retryer classifies it as retryable (throttle or transient).
func TestFaultProxyProtocols(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("call forwarded at rate 1: %s %s", r.Method, r.URL)
	}))
	defer backend.Close()
	for _, kind := range []string{FaultThrottle, Fault500, Fault503} {
		t.Run(kind, func(t *testing.T) {
			p, err := StartFaultProxy(backend.URL, FaultOptions{Rate: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = p.Close() }()
			p.forceKind = kind
			cfg := sdkaws.Config{
				Region:       "us-east-1",
				Credentials:  credentials.NewStaticCredentialsProvider("a", "b", ""),
				BaseEndpoint: sdkaws.String(p.URL),
				Retryer:      func() sdkaws.Retryer { return sdkaws.NopRetryer{} },
			}
			ctx := context.Background()
			calls := map[string]func() error{
				"ec2": func() error { _, err := ec2.NewFromConfig(cfg).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); return err },
				"rds": func() error {
					_, err := rds.NewFromConfig(cfg).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
					return err
				},
				"kms": func() error { _, err := kms.NewFromConfig(cfg).ListKeys(ctx, &kms.ListKeysInput{}); return err },
				"backup": func() error {
					_, err := backup.NewFromConfig(cfg).ListBackupPlans(ctx, &backup.ListBackupPlansInput{})
					return err
				},
				"s3": func() error {
					_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, &s3.ListBucketsInput{})
					return err
				},
				"route53": func() error {
					_, err := route53.NewFromConfig(cfg).ListHostedZones(ctx, &route53.ListHostedZonesInput{})
					return err
				},
			}
			for svc, call := range calls {
				err := call()
				var ae smithy.APIError
				if !errors.As(err, &ae) {
					t.Errorf("%s: not an API error: %v", svc, err)
					continue
				}
				wantCode := map[string]string{FaultThrottle: "Throttling", Fault500: "InternalFailure", Fault503: "ServiceUnavailable"}[kind]
				switch {
				case svc == "ec2" && kind == FaultThrottle:
					wantCode = "RequestLimitExceeded"
				case svc == "ec2" && kind == Fault500:
					wantCode = "InternalError"
				case svc == "ec2" && kind == Fault503:
					wantCode = "Unavailable"
				case (svc == "kms" || svc == "backup") && kind == FaultThrottle:
					wantCode = "ThrottlingException"
				case svc == "s3":
					wantCode = map[string]string{FaultThrottle: "SlowDown", Fault500: "InternalError", Fault503: "ServiceUnavailable"}[kind]
				}
				if ae.ErrorCode() != wantCode {
					t.Errorf("%s %s: error code %q, want %q (%v)", svc, kind, ae.ErrorCode(), wantCode, err)
				}
				retryable := retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == sdkaws.TrueTernary
				throttle := retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == sdkaws.TrueTernary
				if !retryable && !throttle {
					t.Errorf("%s %s: the SDK does not retry %v", svc, kind, err)
				}
			}
			if s := p.Stats(); s.Faults != len(calls) || s.Calls != len(calls) {
				t.Errorf("stats: %+v", s)
			}
		})
	}
}

// A dropped connection is a connection error the SDK retries.
func TestFaultProxyDrop(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer backend.Close()
	p, err := StartFaultProxy(backend.URL, FaultOptions{Rate: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	p.forceKind = FaultDrop
	cfg := sdkaws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("a", "b", ""),
		BaseEndpoint: sdkaws.String(p.URL),
		Retryer:      func() sdkaws.Retryer { return sdkaws.NopRetryer{} },
	}
	_, err = rds.NewFromConfig(cfg).DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{})
	if err == nil {
		t.Fatal("dropped connection answered")
	}
	if retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) != sdkaws.TrueTernary {
		t.Errorf("the SDK does not retry a dropped connection: %v", err)
	}
}

// The same seed faults the same calls whatever the arrival order; the rate
// is met; other seeds fault other calls; /__faults/stats serves the counts.
func TestFaultProxySeeded(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer backend.Close()
	decisions := func(seed int64, reverse bool) map[string]string {
		p, err := StartFaultProxy(backend.URL, FaultOptions{Rate: 0.3, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = p.Close() }()
		out := map[string]string{}
		ops := []string{"DescribeVpcs", "RunInstances", "CreateDBInstance", "DescribeDBInstances"}
		if reverse {
			for i, j := 0, len(ops)-1; i < j; i, j = i+1, j-1 {
				ops[i], ops[j] = ops[j], ops[i]
			}
		}
		for _, op := range ops {
			for n := 0; n < 250; n++ {
				out[fmt.Sprint(op, n)] = p.decide(Call{Service: "ec2", Region: "us-east-1", Operation: op})
			}
		}
		return out
	}
	a, b, c := decisions(42, false), decisions(42, true), decisions(43, false)
	faulted, differ := 0, 0
	for k, v := range a {
		if b[k] != v {
			t.Fatalf("seed 42 gave %q then %q for %s", v, b[k], k)
		}
		if v != "" {
			faulted++
		}
		if c[k] != v {
			differ++
		}
	}
	if faulted < 250 || faulted > 350 {
		t.Errorf("%d of 1000 calls faulted at rate 0.3", faulted)
	}
	if differ == 0 {
		t.Error("seeds 42 and 43 fault the same calls")
	}

	p, err := StartFaultProxy(backend.URL, FaultOptions{Rate: 0})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	for i := 0; i < 3; i++ {
		resp, err := http.Post(p.URL+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=DescribeVpcs&Version=2016-11-15"))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	resp, err := http.Get(p.URL + "/__faults/stats")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !strings.Contains(string(body), `"calls":3`) || !strings.Contains(string(body), `"forwarded":3`) {
		t.Errorf("stats: %s", body)
	}
}

// Google faults are read by the Compute REST client as the status Google
// sends, and the provider's GCP retry takes each kind (drops included) as
// worth retrying.
func TestFaultProxyGoogle(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("call forwarded at rate 1: %s %s", r.Method, r.URL)
	}))
	defer backend.Close()
	want := map[string]int{FaultThrottle: 429, Fault500: 500, Fault503: 503, FaultDrop: 0}
	for kind, code := range want {
		t.Run(kind, func(t *testing.T) {
			p, err := StartFaultProxy(backend.URL, FaultOptions{Rate: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = p.Close() }()
			p.forceKind = kind
			// The client retries nothing itself, so the fault itself comes
			// back.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c, err := gcecompute.NewService(ctx, option.WithEndpoint(p.URL+"/compute/v1/"), option.WithoutAuthentication())
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.RegionInstanceGroupManagers.Get("p", "us-east1", "g").Context(ctx).Do()
			if err == nil {
				t.Fatal("no error")
			}
			if got := gcp.HTTPCode(err); got != code {
				t.Errorf("HTTP code %d, want %d (%v)", got, code, err)
			}
			if !gcp.Retryable(err) {
				t.Errorf("%s fault not retryable: %v", kind, err)
			}
			if st := p.Stats(); st.ByService["compute"] != 1 {
				t.Errorf("not counted as a compute call: %s %v", st, st.ByService)
			}
		})
	}
}

// MaxStreak forwards the call after that many faults in a row of one
// operation, and only then: the rate stays near what was asked.
func TestFaultProxyMaxStreak(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer backend.Close()
	longest := func(opts FaultOptions) (int, int) {
		p, err := StartFaultProxy(backend.URL, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = p.Close() }()
		run, best, faulted := 0, 0, 0
		for n := 0; n < 2000; n++ {
			if p.decide(Call{Service: "route53", Region: "us-east-1", Operation: "GET /2013-04-01/hostedzone/Z1/rrset"}) == "" {
				run = 0
				continue
			}
			faulted++
			run++
			best = max(best, run)
		}
		return best, faulted
	}
	if best, _ := longest(FaultOptions{Rate: 0.7, Seed: 1}); best <= 3 {
		t.Fatalf("without a cap the longest run at rate 0.7 is %d: the check below proves nothing", best)
	}
	best, faulted := longest(FaultOptions{Rate: 0.7, Seed: 1, MaxStreak: 3})
	if best > 3 {
		t.Errorf("%d faults in a row with MaxStreak 3", best)
	}
	if faulted < 1000 {
		t.Errorf("%d of 2000 calls faulted at rate 0.7 with MaxStreak 3", faulted)
	}
}
