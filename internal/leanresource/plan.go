package leanresource

import (
	"context"
	"slices"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/defaults"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

// PlanResourceChange plans as the framework does: defaults where the
// configuration is null, computed values unknown when anything changed,
// attribute plan modifiers, then the resource's ModifyPlan.
func (s *Server) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	l, ok := s.resources[req.TypeName]
	if !ok {
		return s.ProviderServer.PlanResourceChange(ctx, req)
	}
	resp := &tfprotov6.PlanResourceChangeResponse{}
	r, diags := s.instance(ctx, l)
	if diags.HasError() {
		resp.Diagnostics = protoDiagnostics(diags)
		return resp, nil
	}
	config := l.decode(req.Config, "configuration", &diags)
	proposed := l.decode(req.ProposedNewState, "plan", &diags)
	prior := l.decode(req.PriorState, "prior state", &diags)
	if diags.HasError() {
		resp.Diagnostics = protoDiagnostics(diags)
		return resp, nil
	}
	resp.PlannedPrivate = req.PriorPrivate
	planned, replace := l.plan(ctx, r, config, proposed, prior, req.ClientCapabilities, &diags)
	if !diags.HasError() && proposed.IsNull() && !planned.IsNull() {
		diags.AddError("Unexpected Planned Resource State on Destroy",
			"The Terraform Provider unexpectedly returned resource state data when the resource was planned for destruction. "+
				"This is always an issue in the Terraform Provider and should be reported to the provider developers.\n\n"+
				"Ensure all resource plan modifiers do not attempt to change resource plan data from being a null value if the request plan is a null value.")
	}
	resp.PlannedState = l.encode(planned, "plan", &diags)
	for _, p := range normaliseReplace(replace) {
		if tp := tfPath(p); tp != nil {
			resp.RequiresReplace = append(resp.RequiresReplace, tp)
		}
	}
	resp.Diagnostics = protoDiagnostics(diags)
	return resp, nil
}

func (l *lean) plan(ctx context.Context, r resource.Resource, config, proposed, prior tftypes.Value, caps *tfprotov6.PlanResourceChangeClientCapabilities, diags *diag.Diagnostics) (tftypes.Value, path.Paths) {
	planned := proposed
	if !planned.IsNull() {
		planned = l.defaults(ctx, planned, config, diags)
		if diags.HasError() {
			return planned, nil
		}
	}
	if !planned.IsNull() && !planned.Equal(prior) {
		planned = l.unknownComputed(planned, config)
	}
	var replace path.Paths
	if !planned.IsNull() {
		planned, replace = l.modifyAttributes(ctx, config, planned, prior, diags)
		if diags.HasError() {
			return planned, replace
		}
	}
	if rm, ok := r.(resource.ResourceWithModifyPlan); ok {
		mreq := resource.ModifyPlanRequest{
			Config: tfsdk.Config{Raw: config, Schema: l.schema},
			Plan:   tfsdk.Plan{Raw: planned, Schema: l.schema},
			State:  tfsdk.State{Raw: prior, Schema: l.schema},
		}
		if caps != nil {
			mreq.ClientCapabilities.DeferralAllowed = caps.DeferralAllowed
		}
		mresp := resource.ModifyPlanResponse{Diagnostics: *diags, Plan: mreq.Plan, RequiresReplace: path.Paths{}}
		rm.ModifyPlan(ctx, mreq, &mresp)
		*diags = mresp.Diagnostics
		planned = mresp.Plan.Raw
		replace = append(replace, mresp.RequiresReplace...)
	}
	return planned, replace
}

// normaliseReplace sorts and deduplicates the paths, as the framework does.
func normaliseReplace(ps path.Paths) path.Paths {
	if len(ps) < 2 {
		return ps
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].String() < ps[j].String() })
	out := ps[:1]
	for _, p := range ps[1:] {
		if !p.Equal(out[len(out)-1]) {
			out = append(out, p)
		}
	}
	return out
}

// defaults sets each attribute whose configuration is null to its default,
// inside known blocks too.
func (l *lean) defaults(ctx context.Context, planned, config tftypes.Value, diags *diag.Diagnostics) tftypes.Value {
	f := copyFields(planned)
	if f == nil {
		return planned
	}
	leavesDefaults(ctx, l.attrs, f, config, path.Empty(), diags)
	for _, b := range l.blocks {
		bv, cb := f[b.name], child(config, b.name, b.tfType)
		if !bv.IsKnown() || bv.IsNull() {
			continue
		}
		if !b.list {
			f[b.name] = objectDefaults(ctx, b, bv, cb, path.Root(b.name), diags)
			continue
		}
		elems := tfmodel.Elements(bv)
		out := make([]tftypes.Value, len(elems))
		for i, e := range elems {
			out[i] = e
			if e.IsKnown() && !e.IsNull() {
				out[i] = objectDefaults(ctx, b, e, element(cb, i, b.objType), path.Root(b.name).AtListIndex(i), diags)
			}
		}
		f[b.name] = tftypes.NewValue(b.tfType, out)
	}
	return tftypes.NewValue(l.objType, f)
}

func objectDefaults(ctx context.Context, b block, v, config tftypes.Value, p path.Path, diags *diag.Diagnostics) tftypes.Value {
	f := copyFields(v)
	leavesDefaults(ctx, b.attrs, f, config, p, diags)
	return tftypes.NewValue(b.objType, f)
}

func leavesDefaults(ctx context.Context, attrs []leaf, f map[string]tftypes.Value, config tftypes.Value, parent path.Path, diags *diag.Diagnostics) {
	for _, a := range attrs {
		if !a.hasDefault || !child(config, a.name, a.tfType).IsNull() {
			continue
		}
		if v, ok := a.defaultValue(ctx, a.pathIn(parent), diags); ok {
			f[a.name] = v
		}
	}
}

// defaultValue is the attribute's default, false when it has none.
func (a leaf) defaultValue(ctx context.Context, p path.Path, diags *diag.Diagnostics) (tftypes.Value, bool) {
	if !a.hasDefault {
		return tftypes.Value{}, false
	}
	var v attr.Value
	var d diag.Diagnostics
	switch def := a.def.(type) {
	case schema.StringAttribute:
		var resp defaults.StringResponse
		def.Default.DefaultString(ctx, defaults.StringRequest{Path: p}, &resp)
		v, d = resp.PlanValue, resp.Diagnostics
	case schema.BoolAttribute:
		var resp defaults.BoolResponse
		def.Default.DefaultBool(ctx, defaults.BoolRequest{Path: p}, &resp)
		v, d = resp.PlanValue, resp.Diagnostics
	case schema.Int64Attribute:
		var resp defaults.Int64Response
		def.Default.DefaultInt64(ctx, defaults.Int64Request{Path: p}, &resp)
		v, d = resp.PlanValue, resp.Diagnostics
	case schema.ListAttribute:
		var resp defaults.ListResponse
		def.Default.DefaultList(ctx, defaults.ListRequest{Path: p}, &resp)
		v, d = resp.PlanValue, resp.Diagnostics
	default:
		return tftypes.Value{}, false
	}
	diags.Append(d...)
	if d.HasError() {
		return tftypes.Value{}, false
	}
	tv, err := v.ToTerraformValue(ctx)
	if err != nil {
		diags.AddAttributeError(p, "Default Value Error", err.Error())
		return tftypes.Value{}, false
	}
	return tv, true
}

// unknownComputed marks computed attributes without a default and with a
// null configuration unknown: known after apply. The configuration is read
// as the framework walks it here: a walk that stops at an unknown value, or
// past the end of a list, finds something that is not null, and marks
// nothing.
func (l *lean) unknownComputed(planned, config tftypes.Value) tftypes.Value {
	f := copyFields(planned)
	if f == nil {
		return planned
	}
	leavesUnknown(l.attrs, f, config)
	for _, b := range l.blocks {
		bv, cb := f[b.name], child(config, b.name, b.tfType)
		if !bv.IsKnown() || bv.IsNull() || !config.IsKnown() || !cb.IsKnown() {
			continue // nothing inside to mark, or the walk stops at an unknown configuration
		}
		if !b.list {
			of := copyFields(bv)
			leavesUnknown(b.attrs, of, cb)
			f[b.name] = tftypes.NewValue(b.objType, of)
			continue
		}
		ces := tfmodel.Elements(cb)
		out := slices.Clone(tfmodel.Elements(bv))
		for i, e := range out {
			of := copyFields(e)
			ce := tftypes.NewValue(b.objType, nil)
			if !cb.IsNull() {
				if i >= len(ces) {
					continue // the walk stops at the list itself
				}
				ce = ces[i]
			}
			if of != nil {
				leavesUnknown(b.attrs, of, ce)
				out[i] = tftypes.NewValue(b.objType, of)
			}
		}
		f[b.name] = tftypes.NewValue(b.tfType, out)
	}
	return tftypes.NewValue(l.objType, f)
}

func leavesUnknown(attrs []leaf, f map[string]tftypes.Value, config tftypes.Value) {
	if !config.IsKnown() {
		return
	}
	for _, a := range attrs {
		if !a.def.IsComputed() || a.hasDefault || !child(config, a.name, a.tfType).IsNull() {
			continue
		}
		f[a.name] = tftypes.NewValue(a.tfType, tftypes.UnknownValue)
	}
}

// modifyAttributes runs the top-level attributes' plan modifiers, each
// seeing the plan as it was before any of them ran, as in the framework.
func (l *lean) modifyAttributes(ctx context.Context, config, planned, prior tftypes.Value, diags *diag.Diagnostics) (tftypes.Value, path.Paths) {
	cfg := tfsdk.Config{Raw: config, Schema: l.schema}
	plan := tfsdk.Plan{Raw: planned, Schema: l.schema}
	state := tfsdk.State{Raw: prior, Schema: l.schema}
	f := copyFields(planned)
	var replace path.Paths
	changed := false
	for _, a := range l.attrs {
		pv := f[a.name]
		out, rr, ok := a.modify(ctx, a.path, a.expr, child(config, a.name, a.tfType), pv, child(prior, a.name, a.tfType), cfg, plan, state, diags)
		if !ok {
			return planned, replace
		}
		replace = append(replace, rr...)
		if !out.Equal(pv) {
			f[a.name], changed = out, true
		}
	}
	if !changed {
		return planned, replace
	}
	return tftypes.NewValue(l.objType, f), replace
}

// modify is the framework's AttributeModifyPlan for the supported kinds.
func (a leaf) modify(ctx context.Context, p path.Path, expr path.Expression, cv, pv, sv tftypes.Value, cfg tfsdk.Config, plan tfsdk.Plan, state tfsdk.State, diags *diag.Diagnostics) (tftypes.Value, path.Paths, bool) {
	if a.modifiers == 0 {
		return pv, nil, true
	}
	var c, pl, st attr.Value
	var ok bool
	if c, ok = a.value(ctx, cv, p, diags); !ok {
		return pv, nil, false
	}
	if pl, ok = a.value(ctx, pv, p, diags); !ok {
		return pv, nil, false
	}
	if st, ok = a.value(ctx, sv, p, diags); !ok {
		return pv, nil, false
	}
	var out attr.Value
	var replace path.Paths
	switch d := a.def.(type) {
	case schema.StringAttribute:
		req := planmodifier.StringRequest{Config: cfg, ConfigValue: c.(types.String), Path: p, PathExpression: expr,
			Plan: plan, PlanValue: pl.(types.String), State: state, StateValue: st.(types.String)}
		out, replace, ok = runModifiers(len(d.PlanModifiers), p, pl, diags, func(i int, v attr.Value) (attr.Value, diag.Diagnostics, bool) {
			req.PlanValue = v.(types.String)
			resp := planmodifier.StringResponse{PlanValue: req.PlanValue}
			d.PlanModifiers[i].PlanModifyString(ctx, req, &resp)
			return resp.PlanValue, resp.Diagnostics, resp.RequiresReplace
		})
	case schema.BoolAttribute:
		req := planmodifier.BoolRequest{Config: cfg, ConfigValue: c.(types.Bool), Path: p, PathExpression: expr,
			Plan: plan, PlanValue: pl.(types.Bool), State: state, StateValue: st.(types.Bool)}
		out, replace, ok = runModifiers(len(d.PlanModifiers), p, pl, diags, func(i int, v attr.Value) (attr.Value, diag.Diagnostics, bool) {
			req.PlanValue = v.(types.Bool)
			resp := planmodifier.BoolResponse{PlanValue: req.PlanValue}
			d.PlanModifiers[i].PlanModifyBool(ctx, req, &resp)
			return resp.PlanValue, resp.Diagnostics, resp.RequiresReplace
		})
	case schema.Int64Attribute:
		req := planmodifier.Int64Request{Config: cfg, ConfigValue: c.(types.Int64), Path: p, PathExpression: expr,
			Plan: plan, PlanValue: pl.(types.Int64), State: state, StateValue: st.(types.Int64)}
		out, replace, ok = runModifiers(len(d.PlanModifiers), p, pl, diags, func(i int, v attr.Value) (attr.Value, diag.Diagnostics, bool) {
			req.PlanValue = v.(types.Int64)
			resp := planmodifier.Int64Response{PlanValue: req.PlanValue}
			d.PlanModifiers[i].PlanModifyInt64(ctx, req, &resp)
			return resp.PlanValue, resp.Diagnostics, resp.RequiresReplace
		})
	case schema.ListAttribute:
		req := planmodifier.ListRequest{Config: cfg, ConfigValue: c.(types.List), Path: p, PathExpression: expr,
			Plan: plan, PlanValue: pl.(types.List), State: state, StateValue: st.(types.List)}
		out, replace, ok = runModifiers(len(d.PlanModifiers), p, pl, diags, func(i int, v attr.Value) (attr.Value, diag.Diagnostics, bool) {
			req.PlanValue = v.(types.List)
			resp := planmodifier.ListResponse{PlanValue: req.PlanValue}
			d.PlanModifiers[i].PlanModifyList(ctx, req, &resp)
			return resp.PlanValue, resp.Diagnostics, resp.RequiresReplace
		})
	}
	if !ok {
		return pv, replace, false
	}
	tv, err := out.ToTerraformValue(ctx)
	if err != nil {
		diags.AddAttributeError(p, "Plan Modification Error", err.Error())
		return pv, replace, false
	}
	return tv, replace, true
}

// runModifiers runs n plan modifiers in order, each given the plan value
// the one before it left, collecting replacement and stopping at an error,
// as the framework does. run calls modifier i with a plan value.
func runModifiers(n int, p path.Path, plan attr.Value, diags *diag.Diagnostics, run func(i int, plan attr.Value) (attr.Value, diag.Diagnostics, bool)) (attr.Value, path.Paths, bool) {
	var replace path.Paths
	for i := 0; i < n; i++ {
		next, d, requiresReplace := run(i, plan)
		plan = next
		diags.Append(d...)
		if requiresReplace {
			replace = append(replace, p)
		}
		if d.HasError() {
			return plan, replace, false
		}
	}
	return plan, replace, true
}
