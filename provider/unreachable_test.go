package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	awsbackend "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
)

// unreachableErr is what a real SDK call to a closed 127.0.0.1 port returns.
func unreachableErr(t *testing.T) error {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	_ = l.Close()
	s := awsbackend.NewSession(awsbackend.Settings{Endpoint: endpoint, AccessKey: "a", SecretKey: "b", MaxRetries: 5})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := s.Config(ctx, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err == nil {
		t.Fatal("a call to a closed port succeeded")
	}
	return err
}

func TestUnreachableDiagnostics(t *testing.T) {
	err := unreachableErr(t)
	o := newLostObject("load balancer", types.StringValue("web-east"), types.StringValue("east/web/load_balancer"),
		types.StringValue("shop"), types.StringValue("us-east-1"))

	var diags diag.Diagnostics
	if !keepUnreachable(&diags, o, err) {
		t.Fatalf("keepUnreachable(%v) = false", err)
	}
	if diags.HasError() || diags.WarningsCount() != 1 {
		t.Fatalf("want exactly one warning, got %v", diags)
	}
	if d := diags[0].Detail(); !strings.Contains(d, "AWS location us-east-1 unreachable: keeping the last known state of component east/web/load_balancer") ||
		!strings.Contains(d, "connection refused") {
		t.Errorf("read warning: %s", d)
	}

	diags = nil
	if !forgetUnreachable(&diags, o, err) {
		t.Fatal("forgetUnreachable = false")
	}
	if d := diags[0].Detail(); diags.HasError() ||
		!strings.Contains(d, "component east/web/load_balancer (load balancer web-east) was removed from the Terraform state without being deleted") ||
		!strings.Contains(d, "terraform-provider-ha aws sweep --blueprint shop --location us-east-1") {
		t.Errorf("delete warning: %v", diags)
	}

	// Anything else stays the caller's error.
	diags = nil
	for _, other := range []error{nil, errors.New("AccessDenied"), context.Canceled} {
		if keepUnreachable(&diags, o, other) || forgetUnreachable(&diags, o, other) {
			t.Errorf("%v classified as unreachable", other)
		}
	}
	if len(diags) != 0 {
		t.Errorf("diagnostics for reachable errors: %v", diags)
	}

	// A bare deadline in a region that answers is neither: refresh and
	// delete both stay errors rather than hide behind stale state.
	deadline := fmt.Errorf("operation error RDS: DeleteDBInstance: %w", context.DeadlineExceeded)
	diags = nil
	if forgetUnreachable(&diags, o, deadline) {
		t.Error("a deadline made Delete forget the object")
	}
	if keepUnreachable(&diags, o, deadline) {
		t.Error("a deadline kept stale state on refresh")
	}
}
