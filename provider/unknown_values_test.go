package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// unknownValue is v's type with every attribute (and nested block) unknown,
// as Terraform sends a configuration whose values come from data sources
// or other resources not yet created (terraform validate does this too).
func unknownValue(t tftypes.Type) tftypes.Value {
	if o, ok := t.(tftypes.Object); ok {
		vals := map[string]tftypes.Value{}
		for name, at := range o.AttributeTypes {
			vals[name] = tftypes.NewValue(at, tftypes.UnknownValue)
		}
		return tftypes.NewValue(o, vals)
	}
	return tftypes.NewValue(t, tftypes.UnknownValue)
}

// Every resource accepts unknown values wherever configuration may hold
// them: in ValidateConfig and in ModifyPlan. A model struct with plain
// slices or pointers cannot hold them ("Value Conversion Error").
func TestResources_acceptUnknownConfiguration(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	for _, mk := range p.Resources(ctx) {
		r := mk()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "ha"}, &meta)
		t.Run(meta.TypeName, func(t *testing.T) {
			var sr resource.SchemaResponse
			r.Schema(ctx, resource.SchemaRequest{}, &sr)
			typ := sr.Schema.Type().TerraformType(ctx)
			raw := unknownValue(typ)
			conv := func(where string, d diag.Diagnostics) {
				for _, e := range d.Errors() {
					if strings.Contains(e.Summary(), "Value Conversion Error") {
						t.Errorf("%s: %s: %s", where, e.Summary(), e.Detail())
					}
				}
			}
			if v, ok := r.(resource.ResourceWithValidateConfig); ok {
				var resp resource.ValidateConfigResponse
				v.ValidateConfig(ctx, resource.ValidateConfigRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: raw}}, &resp)
				conv("ValidateConfig", resp.Diagnostics)
			}
			if m, ok := r.(resource.ResourceWithModifyPlan); ok {
				req := resource.ModifyPlanRequest{
					Config: tfsdk.Config{Schema: sr.Schema, Raw: raw},
					Plan:   tfsdk.Plan{Schema: sr.Schema, Raw: raw},
					State:  tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(typ, nil)},
				}
				resp := resource.ModifyPlanResponse{Plan: req.Plan}
				m.ModifyPlan(ctx, req, &resp)
				conv("ModifyPlan", resp.Diagnostics)
			}
		})
	}
}
