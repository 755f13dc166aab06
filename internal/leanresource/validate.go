package leanresource

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

// ValidateResourceConfig runs the resource's ValidateConfig and then every
// attribute's checks and validators, as the framework does.
func (s *Server) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	l, ok := s.resources[req.TypeName]
	if !ok {
		return s.ProviderServer.ValidateResourceConfig(ctx, req)
	}
	r, diags := s.instance(ctx, l)
	if diags.HasError() {
		return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: protoDiagnostics(diags)}, nil
	}
	raw := l.decode(req.Config, "configuration", &diags)
	if diags.HasError() {
		return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: protoDiagnostics(diags)}, nil
	}
	var caps resource.ValidateConfigClientCapabilities
	var vcaps validator.ValidateSchemaClientCapabilities
	if req.ClientCapabilities != nil {
		caps.WriteOnlyAttributesAllowed = req.ClientCapabilities.WriteOnlyAttributesAllowed
		vcaps.WriteOnlyAttributesAllowed = req.ClientCapabilities.WriteOnlyAttributesAllowed
	}
	config := tfsdk.Config{Raw: raw, Schema: l.schema}
	vreq := resource.ValidateConfigRequest{ClientCapabilities: caps, Config: config}
	if rv, ok := r.(resource.ResourceWithConfigValidators); ok {
		for _, cv := range rv.ConfigValidators(ctx) {
			var resp resource.ValidateConfigResponse
			cv.ValidateResource(ctx, vreq, &resp)
			diags.Append(resp.Diagnostics...)
		}
	}
	if rv, ok := r.(resource.ResourceWithValidateConfig); ok {
		var resp resource.ValidateConfigResponse
		rv.ValidateConfig(ctx, vreq, &resp)
		diags.Append(resp.Diagnostics...)
	}
	for _, a := range l.attrs {
		a.validate(ctx, a.path, a.expr, child(raw, a.name, a.tfType), config, vcaps, &diags)
	}
	for _, b := range l.blocks {
		bv := child(raw, b.name, b.tfType)
		if !b.list {
			for _, a := range b.attrs {
				a.validate(ctx, a.path, a.expr, child(bv, a.name, a.tfType), config, vcaps, &diags)
			}
			continue
		}
		for i, e := range tfmodel.Elements(bv) {
			elem := path.Root(b.name).AtListIndex(i)
			for _, a := range b.attrs {
				p := elem.AtName(a.name)
				a.validate(ctx, p, p.Expression(), child(e, a.name, a.tfType), config, vcaps, &diags)
			}
		}
	}
	return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: protoDiagnostics(diags)}, nil
}

// validate is the framework's AttributeValidate for the supported kinds.
func (a leaf) validate(ctx context.Context, p path.Path, expr path.Expression, v tftypes.Value, config tfsdk.Config, caps validator.ValidateSchemaClientCapabilities, diags *diag.Diagnostics) {
	av, ok := a.value(ctx, v, p, diags)
	if !ok {
		return
	}
	if a.def.IsComputed() && !a.def.IsOptional() && !v.IsNull() {
		diags.AddAttributeError(p, "Invalid Configuration for Read-Only Attribute",
			"Cannot set value for this attribute as the provider has marked it as read-only. Remove the configuration line setting the value.\n\n"+
				"Refer to the provider documentation or contact the provider developers for additional information about configurable and read-only attributes that are supported.")
	}
	if a.def.IsRequired() && v.IsNull() {
		diags.AddAttributeError(p, "Missing Configuration for Required Attribute",
			fmt.Sprintf("Must set a configuration value for the %s attribute as the provider has marked it as required.\n\n", p.String())+
				"Refer to the provider documentation or contact the provider developers for additional information about configurable attributes that are required.")
	}
	switch d := a.def.(type) {
	case schema.StringAttribute:
		req := validator.StringRequest{Path: p, PathExpression: expr, Config: config, ConfigValue: av.(types.String), ClientCapabilities: caps}
		for _, vv := range d.Validators {
			var resp validator.StringResponse
			vv.ValidateString(ctx, req, &resp)
			diags.Append(resp.Diagnostics...)
		}
	case schema.BoolAttribute:
		req := validator.BoolRequest{Path: p, PathExpression: expr, Config: config, ConfigValue: av.(types.Bool), ClientCapabilities: caps}
		for _, vv := range d.Validators {
			var resp validator.BoolResponse
			vv.ValidateBool(ctx, req, &resp)
			diags.Append(resp.Diagnostics...)
		}
	case schema.Int64Attribute:
		req := validator.Int64Request{Path: p, PathExpression: expr, Config: config, ConfigValue: av.(types.Int64), ClientCapabilities: caps}
		for _, vv := range d.Validators {
			var resp validator.Int64Response
			vv.ValidateInt64(ctx, req, &resp)
			diags.Append(resp.Diagnostics...)
		}
	case schema.ListAttribute:
		req := validator.ListRequest{Path: p, PathExpression: expr, Config: config, ConfigValue: av.(types.List), ClientCapabilities: caps}
		for _, vv := range d.Validators {
			var resp validator.ListResponse
			vv.ValidateList(ctx, req, &resp)
			diags.Append(resp.Diagnostics...)
		}
	}
	if msg := a.def.GetDeprecationMessage(); msg != "" && !v.IsNull() && v.IsKnown() {
		diags.AddAttributeWarning(p, "Attribute Deprecated", msg)
	}
}
