package provider

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backupplan"
	"github.com/ha-blueprints/terraform-provider-ha/internal/config"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/replica"
)

// The provider holds an AWS and a GCP backend of each data kind (the
// backends register from init; provider/backends.go imports them).
func TestCloud_dataKindsRegistered(t *testing.T) {
	for kind, has := range map[string]func(backend.Cloud) bool{
		"database":         database.Registry.Has,
		"database replica": replica.Registry.Has,
		"backup plan":      backupplan.Registry.Has,
	} {
		for _, c := range []backend.Cloud{backend.AWS, backend.GCP} {
			if !has(c) {
				t.Errorf("no %s backend registered for %s", kind, c)
			}
		}
	}
	// A cloud a kind has no backend for is a *NoBackendError naming both.
	_, err := database.Open(context.Background(), backend.Cloud("azure"), &backend.Settings{}, "eastus")
	var nb *backend.NoBackendError
	if !errors.As(err, &nb) || !strings.Contains(err.Error(), `unknown cloud "azure" for a database`) {
		t.Errorf("Open(azure) = %v", err)
	}
}

// An unknown cloud is refused by the schema before any backend is asked,
// with the clouds there are.
func TestCloud_unknownCloudRefusedForDataKinds(t *testing.T) {
	for name, r := range map[string]resource.Resource{
		"ha_database": &databaseResource{}, "ha_database_replica": &databaseReplicaResource{}, "ha_backup_plan": &backupPlanResource{},
	} {
		var sr resource.SchemaResponse
		r.Schema(context.Background(), resource.SchemaRequest{}, &sr)
		a := sr.Schema.Attributes["cloud"].(schema.StringAttribute)
		var msgs []string
		for _, v := range a.Validators {
			resp := &validator.StringResponse{}
			v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("cloud"), ConfigValue: types.StringValue("azure")}, resp)
			for _, d := range resp.Diagnostics.Errors() {
				msgs = append(msgs, d.Detail())
			}
		}
		joined := strings.Join(msgs, "\n")
		for _, want := range []string{"aws", "gcp", "bare_metal", "azure"} {
			if !strings.Contains(joined, want) {
				t.Errorf("%s: cloud = azure: error lacks %q: %q", name, want, joined)
			}
		}
	}
}

// A GCP database, replica or backup plan without a GCP project is a
// plan-time error naming the setting; on AWS no project is needed.
func TestCloud_gcpDataKindsNeedAProject(t *testing.T) {
	for name, mk := range map[string]func(*providerData) resource.ResourceWithModifyPlan{
		"ha_database":         func(d *providerData) resource.ResourceWithModifyPlan { return &databaseResource{data: d} },
		"ha_database_replica": func(d *providerData) resource.ResourceWithModifyPlan { return &databaseReplicaResource{data: d} },
		"ha_backup_plan":      func(d *providerData) resource.ResourceWithModifyPlan { return &backupPlanResource{data: d} },
	} {
		r := mk(newProviderData(config.Config{}))
		_, plan := rawWith(t, r, map[string]tftypes.Value{"cloud": tftypes.NewValue(tftypes.String, "gcp")})
		resp := resource.ModifyPlanResponse{Plan: plan}
		r.ModifyPlan(context.Background(), resource.ModifyPlanRequest{Plan: plan, State: stateOf(plan)}, &resp)
		if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "HA_GCP_PROJECT") ||
			!strings.Contains(resp.Diagnostics.Errors()[0].Detail(), name) {
			t.Errorf("%s on gcp without a project: %v", name, resp.Diagnostics)
		}
		r = mk(newProviderData(config.Config{}))
		_, awsPlan := rawWith(t, r, map[string]tftypes.Value{"cloud": tftypes.NewValue(tftypes.String, "aws")})
		resp = resource.ModifyPlanResponse{Plan: awsPlan}
		r.ModifyPlan(context.Background(), resource.ModifyPlanRequest{Plan: awsPlan, State: stateOf(awsPlan)}, &resp)
		for _, d := range resp.Diagnostics.Errors() {
			if strings.Contains(d.Detail(), "GCP") {
				t.Errorf("%s on aws: %s", name, d.Detail())
			}
		}
	}
}

// The instance class is checked for the resource's cloud: an RDS class on
// GCP or a Cloud SQL tier on AWS is a plan-time error.
func TestDatabaseInstanceClassFitsTheCloud(t *testing.T) {
	for _, c := range []struct {
		cloud, class string
		ok           bool
	}{
		{"aws", "db.t3.micro", true},
		{"aws", "db-custom-2-7680", false},
		{"gcp", "db-custom-2-7680", true},
		{"gcp", "db-f1-micro", true},
		{"gcp", "db.t3.micro", false},
		{"bare_metal", "anything", true}, // sized by its hosts
	} {
		for _, r := range []resource.Resource{&databaseResource{}, &databaseReplicaResource{}} {
			cfg, _ := rawWith(t, r, map[string]tftypes.Value{
				"cloud": tftypes.NewValue(tftypes.String, c.cloud), "instance_class": tftypes.NewValue(tftypes.String, c.class),
			})
			resp := &validator.StringResponse{}
			instanceClassValidator{}.ValidateString(context.Background(), validator.StringRequest{
				Path: path.Root("instance_class"), Config: cfg, ConfigValue: types.StringValue(c.class),
			}, resp)
			if got := !resp.Diagnostics.HasError(); got != c.ok {
				t.Errorf("%T: %s on %s: accepted = %v, want %v (%v)", r, c.class, c.cloud, got, c.ok, resp.Diagnostics)
			}
		}
	}
}

// stateOf is the null prior state of plan's schema (a create).
func stateOf(plan tfsdk.Plan) tfsdk.State {
	return tfsdk.State{Schema: plan.Schema, Raw: tftypes.NewValue(plan.Raw.Type(), nil)}
}
