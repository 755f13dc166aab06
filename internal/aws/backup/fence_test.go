package backup_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/backup"
)

// answer500 is an HTTP transport on which every call gets a 500 without an
// AWS error code, as an endpoint lacking the call answers; nothing leaves
// the process.
type answer500 struct{ calls atomic.Int32 }

func (a *answer500) RoundTrip(r *http.Request) (*http.Response, error) {
	a.calls.Add(1)
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusInternalServerError, Status: "500 Internal Server Error",
		Header: http.Header{"Content-Type": []string{"text/html"}},
		Body:   io.NopCloser(strings.NewReader("<html>internal error</html>")), Request: r,
	}, nil
}

func fencedClient(endpoint string, rt http.RoundTripper) *backup.Client {
	cfg := sdkaws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		HTTPClient:       &http.Client{Transport: rt},
		RetryMaxAttempts: 2,
	}
	if endpoint != "" {
		cfg.BaseEndpoint = sdkaws.String(endpoint)
	}
	return backup.New(cfg)
}

// A 5xx is taken for "the endpoint lacks this call" (degraded to a warning
// by the resource) only with an endpoint override; from AWS itself it is an
// error, retried like any server error.
func TestNotImplementedOnlyWithEndpointOverride(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sel := backup.Selection{Name: "s", IAMRoleARN: "arn:aws:iam::123456789012:role/r", Resources: []string{"arn:aws:rds:us-east-1:123456789012:db:x"}}

	real := &answer500{}
	_, err := fencedClient("", real).CreateSelection(ctx, "plan-id", sel)
	if err == nil || errors.Is(err, backup.ErrNotImplemented) {
		t.Fatalf("without override: %v, want an error that is not ErrNotImplemented", err)
	}
	if n := real.calls.Load(); n < 2 {
		t.Errorf("without override the 500 was tried %d time(s), want the retries (2)", n)
	}

	local := &answer500{}
	_, err = fencedClient("http://127.0.0.1:1", local).CreateSelection(ctx, "plan-id", sel)
	if !errors.Is(err, backup.ErrNotImplemented) {
		t.Fatalf("with override: %v, want ErrNotImplemented", err)
	}
	if n := local.calls.Load(); n != 1 {
		t.Errorf("with override the call was tried %d times, want 1 (no retry of a missing call)", n)
	}
	for _, bad := range []string{"moto", "emulator", "fake", "local endpoint"} {
		if strings.Contains(strings.ToLower(err.Error()), bad) {
			t.Errorf("error names %q: %v", bad, err)
		}
	}
}
