package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// Helpers shared by the AWS compute resources (ha_load_balancer,
// ha_scaling_group): ownership tags, error diagnostics, order-keeping reads.

// awsErrorDetail names the component (or, without one, the physical name)
// and the AWS error code of err.
func awsErrorDetail(component, name types.String, err error) string {
	return awsbase.Describe(componentLabel(component, name.ValueString()), err)
}

// ownedTags merges the user's tags with ha:blueprint and ha:component.
func ownedTags(ctx context.Context, tags types.Map, blueprint, component types.String) (map[string]string, diag.Diagnostics) {
	user := map[string]string{}
	var diags diag.Diagnostics
	if !tags.IsNull() && !tags.IsUnknown() {
		diags = tags.ElementsAs(ctx, &user, false)
	}
	for k := range user {
		if k == awsbase.TagBlueprint || k == awsbase.TagComponent {
			diags.AddError("Reserved tag", fmt.Sprintf("tag %q is set from the blueprint/component attributes; remove it from tags", k))
		}
	}
	return awsbase.Tags(user, blueprint.ValueString(), component.ValueString()), diags
}

// splitTags separates what AWS reports into user tags and the ha:* pair;
// an empty user map stays null when it was null before, so an unset
// `tags` never shows a diff.
func splitTags(all map[string]string, prior types.Map, priorBlueprint, priorComponent types.String) (tags types.Map, blueprint, component types.String) {
	user := map[string]string{}
	// An empty blueprint or component writes no tag; "" stays "" then.
	blueprint, component = types.StringNull(), types.StringNull()
	if priorBlueprint.ValueString() == "" && !priorBlueprint.IsNull() && !priorBlueprint.IsUnknown() {
		blueprint = priorBlueprint
	}
	if priorComponent.ValueString() == "" && !priorComponent.IsNull() && !priorComponent.IsUnknown() {
		component = priorComponent
	}
	for k, v := range all {
		switch k {
		case awsbase.TagBlueprint:
			blueprint = types.StringValue(v)
		case awsbase.TagComponent:
			component = types.StringValue(v)
		default:
			user[k] = v
		}
	}
	if len(user) == 0 && prior.IsNull() {
		return types.MapNull(types.StringType), blueprint, component
	}
	tags, _ = types.MapValueFrom(context.Background(), types.StringType, user)
	return tags, blueprint, component
}

// keepOrder returns got in the order of prior when both hold the same
// strings: AWS lists zones sorted, and a reordering is no change.
func keepOrder(prior types.List, got []string) types.List {
	if !prior.IsNull() && !prior.IsUnknown() {
		var p []string
		prior.ElementsAs(context.Background(), &p, false)
		if sameStrings(p, got) {
			return prior
		}
	}
	v, _ := types.ListValueFrom(context.Background(), types.StringType, got)
	return v
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x := append([]string(nil), a...)
	y := append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

func stringsOf(ctx context.Context, l types.List) ([]string, diag.Diagnostics) {
	var out []string
	if l.IsNull() || l.IsUnknown() {
		return nil, nil
	}
	diags := l.ElementsAs(ctx, &out, false)
	return out, diags
}

// ownedMeta is the backend.Meta of a component resource: names, the user's
// tags (ha:* reserved) and the blueprint/component pair.
func ownedMeta(ctx context.Context, name, location types.String, tags types.Map, blueprint, component types.String) (backend.Meta, diag.Diagnostics) {
	all, diags := ownedTags(ctx, tags, blueprint, component)
	user, _, _ := awsbase.SplitTags(all)
	return backend.Meta{
		Name: name.ValueString(), Location: location.ValueString(),
		Component: component.ValueString(), Blueprint: blueprint.ValueString(), Tags: user,
	}, diags
}

// splitMeta is splitTags for what a backend read back.
func splitMeta(m backend.Meta, prior types.Map, priorBlueprint, priorComponent types.String) (tags types.Map, blueprint, component types.String) {
	return splitTags(awsbase.Tags(m.Tags, m.Blueprint, m.Component), prior, priorBlueprint, priorComponent)
}
