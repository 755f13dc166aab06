package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// Resources of every component kind dispatch on a `cloud` attribute to the
// backend registered for it (internal/backend and the per-kind packages).

// cloudAttribute is the `cloud` attribute of a component resource.
func cloudAttribute(what string) schema.StringAttribute {
	clouds := make([]string, 0, len(backend.Clouds))
	for _, c := range backend.Clouds {
		clouds = append(clouds, string(c))
	}
	return schema.StringAttribute{
		Optional: true, Computed: true, Default: stringdefault.StaticString(string(backend.AWS)),
		MarkdownDescription: "Cloud the " + what + " is built in: `aws` (default), `gcp` or `bare_metal` (the blueprint " +
			"region's `cloud`; components from `ha_blueprint` carry it). A cloud this provider version has no " +
			what + " backend for is a plan-time error. Changing it replaces the " + what + ".",
		Validators: []validator.String{stringvalidator.OneOf(clouds...)},
		PlanModifiers: []planmodifier.String{
			stringplanmodifier.RequiresReplaceIf(cloudChanged, "Changing the cloud replaces the "+what+".", "Changing the cloud replaces the "+what+"."),
		},
	}
}

// cloudChanged requires replacement only for a real change: a state written
// before `cloud` existed holds null, which means aws.
func cloudChanged(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	if req.PlanValue.IsUnknown() {
		resp.RequiresReplace = true
		return
	}
	resp.RequiresReplace = cloudOf(req.StateValue) != cloudOf(req.PlanValue)
}

// cloudOf is the cloud a value names; null (state from before the
// attribute, or an import) means aws.
func cloudOf(v types.String) backend.Cloud {
	if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
		return backend.AWS
	}
	return backend.Cloud(v.ValueString())
}

// cloudValue is the state value of a cloud.
func cloudValue(v types.String) types.String { return types.StringValue(string(cloudOf(v))) }

// backendChecker is what every per-kind registry offers.
type backendChecker interface {
	Check(backend.Cloud) error
}

// validateCloud is for ValidateConfig: a cloud with no backend of the kind
// is an error on the `cloud` attribute, naming the cloud and the resource.
func validateCloud(ctx context.Context, cfg tfsdk.Config, reg backendChecker, resourceType string, diags *diag.Diagnostics) {
	var v types.String
	diags.Append(cfg.GetAttribute(ctx, path.Root("cloud"), &v)...)
	if v.IsUnknown() || diags.HasError() {
		return
	}
	c := cloudOf(v)
	if !c.Valid() {
		return // the OneOf validator reports it
	}
	if err := reg.Check(c); err != nil {
		diags.AddAttributeError(path.Root("cloud"), fmt.Sprintf("%s is not available on %s", resourceType, c),
			fmt.Sprintf("%s: %v. Put this component in a region of another cloud, or use a provider version "+
				"that builds it on %s.", resourceType, err, c))
	}
}

// planCloudSettings is for ModifyPlan: what a cloud needs from the provider
// block before anything can be planned there (a GCP project).
func planCloudSettings(ctx context.Context, plan tfsdk.Plan, data *providerData, resourceType string, diags *diag.Diagnostics) {
	if plan.Raw.IsNull() || data == nil {
		return // destroy, or the provider is not configured yet
	}
	var v types.String
	diags.Append(plan.GetAttribute(ctx, path.Root("cloud"), &v)...)
	if v.IsUnknown() || diags.HasError() {
		return
	}
	if cloudOf(v) == backend.GCP && data.backends.GCP.Project == "" {
		diags.AddAttributeError(path.Root("cloud"), "GCP project not set",
			fmt.Sprintf("%s is planned on gcp, but the provider has no GCP project: set `project` in the provider's `gcp` "+
				"block, HA_GCP_PROJECT, or gcp.project in the ha config file.", resourceType))
	}
}

// parseCloudImportID reads LOCATION/NAME (aws) or CLOUD/LOCATION/NAME.
func parseCloudImportID(id string) (cloud backend.Cloud, location, name string, ok bool) {
	parts := strings.Split(id, "/")
	switch {
	case len(parts) == 2:
		cloud, location, name = backend.AWS, parts[0], parts[1]
	case len(parts) == 3 && backend.Cloud(parts[0]).Valid():
		cloud, location, name = backend.Cloud(parts[0]), parts[1], parts[2]
	default:
		return "", "", "", false
	}
	return cloud, location, name, location != "" && name != ""
}
