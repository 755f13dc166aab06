package aws

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Declaring us-east-1 lost blocks its regional APIs only: Route 53, whose
// calls are signed for us-east-1, is still called.
func TestGlobalAPINotBlockedByLostRegion(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(`<?xml version="1.0"?><ListHostedZonesResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><HostedZones></HostedZones><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesResponse>`))
	}))
	defer srv.Close()
	s := NewSession(Settings{Endpoint: srv.URL, AccessKey: "a", SecretKey: "b", LostLocations: []string{"us-east-1"}})
	ctx := context.Background()

	regional, err := s.Config(ctx, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = sts.NewFromConfig(regional).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	var ue *UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("a call to lost us-east-1 was not refused: %v", err)
	}
	if calls.Load() != 0 {
		t.Fatalf("lost us-east-1 was contacted")
	}

	global, err := s.Global(ctx, "route53")
	if err != nil {
		t.Fatal(err)
	}
	if global.Region != GlobalSigningRegion {
		t.Errorf("Route 53 signed for %s", global.Region)
	}
	if _, err := route53.NewFromConfig(global).ListHostedZones(ctx, &route53.ListHostedZonesInput{}); err != nil {
		t.Fatalf("Route 53 with us-east-1 lost: %v", err)
	}
	if calls.Load() != 1 {
		t.Errorf("Route 53 calls reaching the endpoint: %d, want 1", calls.Load())
	}
}
