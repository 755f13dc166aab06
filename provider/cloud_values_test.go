package provider

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/gcplocal"
	"github.com/ha-blueprints/terraform-provider-ha/internal/config"
)

func tfStr(v string) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }

func strList(vs ...string) tftypes.Value {
	out := make([]tftypes.Value, 0, len(vs))
	for _, v := range vs {
		out = append(out, tfStr(v))
	}
	return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, out)
}

// Values of one cloud given to a component of another are refused when
// the configuration is validated, naming the cloud they belong to.
func TestComputeResources_cloudValuesAtPlan(t *testing.T) {
	cases := []struct {
		name string
		r    resource.ResourceWithValidateConfig
		set  map[string]tftypes.Value
		want []string // "" means valid
	}{
		{"gcp machine type on aws", &scalingGroupResource{}, map[string]tftypes.Value{
			"cloud": tfStr("aws"), "location": tfStr("us-east-1"), "zones": strList("us-east-1a"), "instance_type": tfStr("e2-medium"),
		}, []string{"Instance type of another cloud", `"e2-medium" is a GCP instance type`, "on aws", `"t3.small"`}},
		{"aws instance type on gcp", &scalingGroupResource{}, map[string]tftypes.Value{
			"cloud": tfStr("gcp"), "location": tfStr("us-east1"), "zones": strList("us-east1-b"), "instance_type": tfStr("t3.micro"),
		}, []string{"Instance type of another cloud", `"t3.micro" is an AWS instance type`, "on gcp", `"e2-medium"`}},
		{"aws is the default cloud", &scalingGroupResource{}, map[string]tftypes.Value{
			"location": tfStr("us-east-1"), "instance_type": tfStr("n2-standard-4"),
		}, []string{`"n2-standard-4" is a GCP instance type`}},
		{"aws region on gcp", &loadBalancerResource{}, map[string]tftypes.Value{
			"cloud": tfStr("gcp"), "location": tfStr("us-east-1"), "zones": strList("us-east-1a"),
		}, []string{"Invalid location", `"us-east-1" is not a GCP region name. It looks like an AWS region.`}},
		{"malformed gcp zone", &loadBalancerResource{}, map[string]tftypes.Value{
			"cloud": tfStr("gcp"), "location": tfStr("us-east1"), "zones": strList("us-east1-b", "us-east1-z"),
		}, []string{"Invalid zone", `"us-east1-z" is not a zone of GCP region us-east1.`}},
		{"zone of another region", &scalingGroupResource{}, map[string]tftypes.Value{
			"cloud": tfStr("gcp"), "location": tfStr("us-east1"), "zones": strList("europe-west1-b"), "instance_type": tfStr("e2-small"),
		}, []string{"Invalid zone", "europe-west1-b"}},
		{"valid gcp", &scalingGroupResource{}, map[string]tftypes.Value{
			"cloud": tfStr("gcp"), "location": tfStr("europe-west4"), "zones": strList("europe-west4-a", "europe-west4-b"), "instance_type": tfStr("e2-medium"),
		}, nil},
		{"valid aws", &scalingGroupResource{}, map[string]tftypes.Value{
			"cloud": tfStr("aws"), "location": tfStr("us-west-2"), "zones": strList("us-west-2a"), "instance_type": tfStr("t3.small"),
		}, nil},
		{"unknown values are left to apply", &scalingGroupResource{}, map[string]tftypes.Value{
			"cloud": tfStr("gcp"), "location": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
			"instance_type": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		}, nil},
	}
	for _, c := range cases {
		cfg, _ := rawWith(t, c.r, c.set)
		var resp resource.ValidateConfigResponse
		c.r.ValidateConfig(context.Background(), resource.ValidateConfigRequest{Config: cfg}, &resp)
		var msgs []string
		for _, d := range resp.Diagnostics.Errors() {
			msgs = append(msgs, d.Summary()+": "+d.Detail())
		}
		joined := strings.Join(msgs, "\n")
		if c.want == nil {
			if joined != "" {
				t.Errorf("%s: refused: %s", c.name, joined)
			}
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(joined, w) {
				t.Errorf("%s: error lacks %q:\n%s", c.name, w, joined)
			}
		}
	}
}

var (
	gcpContractOnce sync.Once
	gcpContract     *gcplocal.Contract
	gcpContractErr  error
)

// gcpLocal is the local GCP endpoint (checked against Google's discovery
// documents) in-process, and provider data pointing at it.
func gcpLocal(t *testing.T) *providerData {
	t.Helper()
	gcpContractOnce.Do(func() {
		dir, err := gcplocal.ModuleDir(".")
		if err == nil {
			gcpContract, err = gcplocal.LoadContract(dir)
		}
		gcpContractErr = err
	})
	if gcpContractErr != nil {
		t.Fatal(gcpContractErr)
	}
	srv := gcplocal.New(gcpContract)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	t.Cleanup(func() {
		for _, v := range srv.Errors() {
			t.Errorf("contract violation: %+v", v)
		}
	})
	return newProviderData(config.Config{GCP: config.GCP{Project: "ha-test", ComputeEndpoint: ts.URL + "/compute/v1/"}})
}

// A well-formed zone the region does not have, or a region the project
// does not have, is a plan-time error found by asking GCP; a change that
// leaves zones and location alone asks nothing.
func TestComputeResources_gcpZonesCheckedAtPlan(t *testing.T) {
	data := gcpLocal(t)
	for _, r := range []resource.ResourceWithModifyPlan{&loadBalancerResource{data: data}, &scalingGroupResource{data: data}} {
		plan := func(location string, zones ...string) tfsdk.Plan {
			_, p := rawWith(t, r.(resource.Resource), map[string]tftypes.Value{"cloud": tfStr("gcp"), "location": tfStr(location), "zones": strList(zones...)})
			return p
		}
		run := func(p tfsdk.Plan, prior *tfsdk.State) string {
			state := tfsdk.State{Schema: p.Schema, Raw: tftypes.NewValue(p.Raw.Type(), nil)}
			if prior != nil {
				state = *prior
			}
			resp := resource.ModifyPlanResponse{Plan: p}
			r.ModifyPlan(context.Background(), resource.ModifyPlanRequest{Plan: p, State: state, Config: tfsdk.Config(p)}, &resp)
			var msgs []string
			for _, d := range resp.Diagnostics {
				msgs = append(msgs, d.Summary()+": "+d.Detail())
			}
			return strings.Join(msgs, "\n")
		}
		if got := run(plan("us-east1", "us-east1-b", "us-east1-c"), nil); got != "" {
			t.Errorf("%T, zones of us-east1: %s", r, got)
		}
		got := run(plan("us-east1", "us-east1-b", "us-east1-a"), nil)
		if !strings.Contains(got, `Unknown zone: "us-east1-a" is not a zone of us-east1, whose zones are us-east1-b, us-east1-c, us-east1-d.`) {
			t.Errorf("%T, us-east1-a: %q", r, got)
		}
		if got := run(plan("us-east9", "us-east9-a"), nil); !strings.Contains(got, "Unknown location") || !strings.Contains(got, "us-east9") {
			t.Errorf("%T, us-east9: %q", r, got)
		}
		// Unchanged zones and location: the state was planned before.
		p := plan("us-east1", "us-east1-a")
		if got := run(p, &tfsdk.State{Schema: p.Schema, Raw: p.Raw}); got != "" {
			t.Errorf("%T, unchanged: %s", r, got)
		}
	}
}
