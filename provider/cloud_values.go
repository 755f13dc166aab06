package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// validateCloudValues is for ValidateConfig of compute resources: the
// location, zones and (where the resource has one) instance type must have
// the shape of the component's cloud, with the same checks a blueprint
// gets, so that "e2-medium" on aws or "us-east1-z" fails at plan time.
func validateCloudValues(ctx context.Context, cfg tfsdk.Config, withInstanceType bool, diags *diag.Diagnostics) {
	var cloudV, location types.String
	var zones types.List
	diags.Append(cfg.GetAttribute(ctx, path.Root("cloud"), &cloudV)...)
	diags.Append(cfg.GetAttribute(ctx, path.Root("location"), &location)...)
	diags.Append(cfg.GetAttribute(ctx, path.Root("zones"), &zones)...)
	if diags.HasError() || cloudV.IsUnknown() {
		return
	}
	cloud := string(cloudOf(cloudV))
	if withInstanceType {
		var it types.String
		diags.Append(cfg.GetAttribute(ctx, path.Root("instance_type"), &it)...)
		if !it.IsNull() && !it.IsUnknown() {
			if p := blueprints.InstanceTypeProblem(cloud, it.ValueString()); p != "" {
				diags.AddAttributeError(path.Root("instance_type"), "Instance type of another cloud", p)
			}
		}
	}
	if location.IsNull() || location.IsUnknown() {
		return
	}
	if p := blueprints.LocationProblem(cloud, location.ValueString()); p != "" {
		diags.AddAttributeError(path.Root("location"), "Invalid location", p)
		return
	}
	if zones.IsNull() || zones.IsUnknown() {
		return
	}
	for i, e := range zones.Elements() {
		z, ok := e.(types.String)
		if !ok || z.IsNull() || z.IsUnknown() {
			continue
		}
		if p := blueprints.ZoneProblem(cloud, location.ValueString(), z.ValueString()); p != "" {
			diags.AddAttributeError(path.Root("zones").AtListIndex(i), "Invalid zone", p)
		}
	}
}

// zoneLister is offered by backends that can list a location's zones
// (GCP): plan then refuses zones the region does not have, which a shape
// check cannot know ("us-east1-a" looks right, but us-east1 has b to d).
type zoneLister interface {
	Zones(ctx context.Context) ([]string, error)
}

// planZonesExist is for ModifyPlan: on create, or when location or zones
// change, a GCP component's zones are checked against the zones its region
// has. Other clouds are not asked (opening their backends at plan time
// could call their APIs for nothing). When the cloud cannot be asked
// (unreachable), apply reports any problem instead. Attributes are read
// one by one: others may be unknown at plan time.
func planZonesExist(ctx context.Context, req resource.ModifyPlanRequest, open func(cloud backend.Cloud, location string) (any, error), diags *diag.Diagnostics) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var cloud, location, priorLocation types.String
	var zones, priorZones types.List
	diags.Append(req.Plan.GetAttribute(ctx, path.Root("cloud"), &cloud)...)
	diags.Append(req.Plan.GetAttribute(ctx, path.Root("location"), &location)...)
	diags.Append(req.Plan.GetAttribute(ctx, path.Root("zones"), &zones)...)
	if !req.State.Raw.IsNull() {
		diags.Append(req.State.GetAttribute(ctx, path.Root("location"), &priorLocation)...)
		diags.Append(req.State.GetAttribute(ctx, path.Root("zones"), &priorZones)...)
	}
	if diags.HasError() || cloud.IsUnknown() || cloudOf(cloud) != backend.GCP || location.IsUnknown() || location.IsNull() || zones.IsUnknown() || zones.IsNull() {
		return
	}
	if !req.State.Raw.IsNull() && location.Equal(priorLocation) && zones.Equal(priorZones) {
		return
	}
	b, err := open(backend.GCP, location.ValueString())
	if err != nil {
		return
	}
	zl, ok := b.(zoneLister)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	have, err := zl.Zones(ctx)
	if backend.IsNotFound(err) {
		diags.AddAttributeError(path.Root("location"), "Unknown location", fmt.Sprintf("%v: %s is not a region of this cloud.", err, location.ValueString()))
		return
	}
	if err != nil {
		if !errors.Is(err, backend.ErrUnreachable) {
			diags.AddWarning("Zones not checked", fmt.Sprintf("The zones of %s could not be listed at plan time: %v", location.ValueString(), err))
		}
		return
	}
	for i, e := range zones.Elements() {
		z, ok := e.(types.String)
		if !ok || z.IsNull() || z.IsUnknown() {
			continue
		}
		if !slices.Contains(have, z.ValueString()) {
			diags.AddAttributeError(path.Root("zones").AtListIndex(i), "Unknown zone",
				fmt.Sprintf("%q is not a zone of %s, whose zones are %s.", z.ValueString(), location.ValueString(), strings.Join(have, ", ")))
		}
	}
}
