package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backupplan"
	"github.com/ha-blueprints/terraform-provider-ha/internal/config"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	lb "github.com/ha-blueprints/terraform-provider-ha/internal/loadbalancer"
	"github.com/ha-blueprints/terraform-provider-ha/internal/replica"
	sg "github.com/ha-blueprints/terraform-provider-ha/internal/scalinggroup"
)

// rawWith is an object of the resource's schema type with only the given
// attributes set.
func rawWith(t *testing.T, r resource.Resource, set map[string]tftypes.Value) (tfsdk.Config, tfsdk.Plan) {
	t.Helper()
	var sresp resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(context.Background()).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := set[name]; ok {
			vals[name] = v
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	raw := tftypes.NewValue(typ, vals)
	return tfsdk.Config{Schema: sresp.Schema, Raw: raw}, tfsdk.Plan{Schema: sresp.Schema, Raw: raw}
}

func TestCloud_noBackendIsAPlanTimeError(t *testing.T) {
	for name, c := range map[string]struct {
		r    resource.ResourceWithValidateConfig
		has  func(backend.Cloud) bool
		kind string
	}{
		"ha_load_balancer":    {&loadBalancerResource{}, lb.Registry.Has, "load balancer"},
		"ha_scaling_group":    {&scalingGroupResource{}, sg.Registry.Has, "scaling group"},
		"ha_database":         {&databaseResource{}, database.Registry.Has, "database"},
		"ha_database_replica": {&databaseReplicaResource{}, replica.Registry.Has, "database replica"},
		"ha_backup_plan":      {&backupPlanResource{}, backupplan.Registry.Has, "backup plan"},
	} {
		for _, cloud := range backend.Clouds {
			cfg, _ := rawWith(t, c.r, map[string]tftypes.Value{"cloud": tftypes.NewValue(tftypes.String, string(cloud))})
			var resp resource.ValidateConfigResponse
			c.r.ValidateConfig(context.Background(), resource.ValidateConfigRequest{Config: cfg}, &resp)
			var msgs []string
			for _, d := range resp.Diagnostics.Errors() {
				msgs = append(msgs, d.Summary()+": "+d.Detail())
			}
			joined := strings.Join(msgs, "\n")
			if c.has(cloud) {
				if strings.Contains(joined, "not available") {
					t.Errorf("%s on %s (registered): %s", name, cloud, joined)
				}
				continue
			}
			for _, want := range []string{name, string(cloud), c.kind} {
				if !strings.Contains(joined, want) {
					t.Errorf("%s on %s: error lacks %q:\n%s", name, cloud, want, joined)
				}
			}
		}
		if !c.has(backend.AWS) {
			t.Errorf("%s: no aws backend registered", name)
		}
	}
}

func TestCloud_gcpWithoutProjectIsAPlanTimeError(t *testing.T) {
	data := newProviderData(config.Config{})
	r := &loadBalancerResource{data: data}
	_, plan := rawWith(t, r, map[string]tftypes.Value{"cloud": tftypes.NewValue(tftypes.String, "gcp")})
	resp := resource.ModifyPlanResponse{Plan: plan}
	r.ModifyPlan(context.Background(), resource.ModifyPlanRequest{Plan: plan}, &resp)
	if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "HA_GCP_PROJECT") {
		t.Fatalf("want a missing-project error, got %v", resp.Diagnostics)
	}

	data = newProviderData(config.Config{GCP: config.GCP{Project: "p"}})
	r = &loadBalancerResource{data: data}
	resp = resource.ModifyPlanResponse{Plan: plan}
	r.ModifyPlan(context.Background(), resource.ModifyPlanRequest{Plan: plan}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("with a project: %v", resp.Diagnostics)
	}
	// An aws component needs no GCP project.
	_, awsPlan := rawWith(t, r, map[string]tftypes.Value{"cloud": tftypes.NewValue(tftypes.String, "aws")})
	r = &loadBalancerResource{data: newProviderData(config.Config{})}
	resp = resource.ModifyPlanResponse{Plan: awsPlan}
	r.ModifyPlan(context.Background(), resource.ModifyPlanRequest{Plan: awsPlan}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("aws: %v", resp.Diagnostics)
	}
}

func TestParseCloudImportID(t *testing.T) {
	for id, want := range map[string][3]string{
		"us-east-1/web":        {"aws", "us-east-1", "web"},
		"gcp/europe-west1/web": {"gcp", "europe-west1", "web"},
	} {
		c, l, n, ok := parseCloudImportID(id)
		if !ok || [3]string{string(c), l, n} != want {
			t.Errorf("%q: %v %q %q %v", id, c, l, n, ok)
		}
	}
	for _, bad := range []string{"web", "azure/x/web", "/web", "gcp//web", "a/b/c/d"} {
		if _, _, _, ok := parseCloudImportID(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}
