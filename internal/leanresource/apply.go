package leanresource

import (
	"context"

	"github.com/ha-blueprints/terraform-provider-ha/internal/wirejson"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// ApplyResourceChange calls Create, Update or Delete, as the framework does:
// a null prior state creates, a null planned state deletes.
func (s *Server) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	l, ok := s.resources[req.TypeName]
	if !ok {
		return s.ProviderServer.ApplyResourceChange(ctx, req)
	}
	resp := &tfprotov6.ApplyResourceChangeResponse{}
	r, diags := s.instance(ctx, l)
	if diags.HasError() {
		resp.Diagnostics = protoDiagnostics(diags)
		return resp, nil
	}
	config := l.decode(req.Config, "configuration", &diags)
	planned := l.decode(req.PlannedState, "plan", &diags)
	prior := l.decode(req.PriorState, "prior state", &diags)
	if diags.HasError() {
		resp.Diagnostics = protoDiagnostics(diags)
		return resp, nil
	}
	null := tftypes.NewValue(l.objType, nil)
	cfg := tfsdk.Config{Raw: config, Schema: l.schema}
	plan := tfsdk.Plan{Raw: planned, Schema: l.schema}
	var newState tftypes.Value
	switch {
	case prior.IsNull():
		cresp := resource.CreateResponse{State: tfsdk.State{Raw: null, Schema: l.schema}}
		r.Create(ctx, resource.CreateRequest{Config: cfg, Plan: plan}, &cresp)
		diags = cresp.Diagnostics
		newState = cresp.State.Raw
		if !diags.HasError() && newState.Equal(null) {
			detail := "The Terraform Provider unexpectedly returned no resource state after having no errors in the resource creation. " +
				"This is always an issue in the Terraform Provider and should be reported to the provider developers.\n\n" +
				"The resource may have been successfully created, but Terraform is not tracking it. " +
				"Applying the configuration again with no other action may result in duplicate resource errors."
			if _, ok := r.(resource.ResourceWithImportState); ok {
				detail += " Import the resource if the resource was actually created and Terraform should be tracking it."
			}
			diags.AddError("Missing Resource State After Create", detail)
		}
	case planned.IsNull():
		dresp := resource.DeleteResponse{State: tfsdk.State{Raw: prior, Schema: l.schema}}
		r.Delete(ctx, resource.DeleteRequest{State: tfsdk.State{Raw: prior, Schema: l.schema}}, &dresp)
		diags = dresp.Diagnostics
		newState = dresp.State.Raw
		if !diags.HasError() {
			newState = null
		}
	default:
		uresp := resource.UpdateResponse{State: tfsdk.State{Raw: prior, Schema: l.schema}}
		r.Update(ctx, resource.UpdateRequest{Config: cfg, Plan: plan, State: tfsdk.State{Raw: prior, Schema: l.schema}}, &uresp)
		diags = uresp.Diagnostics
		newState = uresp.State.Raw
		resp.Private = req.PlannedPrivate
		if !diags.HasError() && newState.Equal(null) {
			diags.AddError("Missing Resource State After Update",
				"The Terraform Provider unexpectedly returned no resource state after having no errors in the resource update. "+
					"This is always an issue in the Terraform Provider and should be reported to the provider developers.")
		}
	}
	resp.NewState = l.encode(newState, "new state", &diags)
	resp.Diagnostics = protoDiagnostics(diags)
	return resp, nil
}

// ReadResource calls Read with the current state; a Read that removes the
// resource returns a null state.
func (s *Server) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	l, ok := s.resources[req.TypeName]
	if !ok {
		return s.ProviderServer.ReadResource(ctx, req)
	}
	resp := &tfprotov6.ReadResourceResponse{}
	r, diags := s.instance(ctx, l)
	if diags.HasError() {
		resp.Diagnostics = protoDiagnostics(diags)
		return resp, nil
	}
	current := l.decode(req.CurrentState, "state", &diags)
	if diags.HasError() {
		resp.Diagnostics = protoDiagnostics(diags)
		return resp, nil
	}
	rreq := resource.ReadRequest{State: tfsdk.State{Raw: current, Schema: l.schema}}
	if req.ClientCapabilities != nil {
		rreq.ClientCapabilities.DeferralAllowed = req.ClientCapabilities.DeferralAllowed
	}
	rresp := resource.ReadResponse{State: tfsdk.State{Raw: current, Schema: l.schema}}
	r.Read(ctx, rreq, &rresp)
	diags = rresp.Diagnostics
	resp.NewState = l.encode(rresp.State.Raw, "state", &diags)
	resp.Private = privateAfterRead(req.Private)
	resp.Diagnostics = protoDiagnostics(diags)
	return resp, nil
}

// UpgradeResourceState reads a state saved at the schema's own version, as
// the framework does (attributes the schema no longer has are dropped);
// older versions go to the framework and the resource's upgraders.
func (s *Server) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	l, ok := s.resources[req.TypeName]
	if !ok || req.Version != l.schema.Version {
		return s.ProviderServer.UpgradeResourceState(ctx, req)
	}
	resp := &tfprotov6.UpgradeResourceStateResponse{}
	if req.RawState == nil {
		return resp, nil
	}
	var diags diag.Diagnostics
	v, err := unmarshalState(req.RawState, l.objType)
	if err != nil {
		diags.AddError("Unable to Read Previously Saved State for UpgradeResourceState",
			"There was an error reading the saved resource state using the current resource schema.\n\n"+
				"If this resource state was last refreshed with Terraform CLI 0.11 and earlier, it must be refreshed or applied with an older provider version first. "+
				"If you manually modified the resource state, you will need to manually modify it to match the current resource schema. "+
				"Otherwise, please report this to the provider developer:\n\n"+err.Error())
		resp.Diagnostics = protoDiagnostics(diags)
		return resp, nil //nolint:nilerr // reported as a diagnostic, as the framework does
	}
	resp.UpgradedState = l.encode(v, "upgraded state", &diags)
	resp.Diagnostics = protoDiagnostics(diags)
	return resp, nil
}

// unmarshalState is RawState.UnmarshalWithOpts, dropping attributes the
// schema no longer has, with JSON state (what Terraform 0.12 and later
// keep) read by wirejson: a tenth of the provider's CPU in a refresh.
func unmarshalState(raw *tfprotov6.RawState, typ tftypes.Type) (tftypes.Value, error) {
	opts := tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true}
	if raw.JSON != nil {
		return wirejson.Decode(raw.JSON, typ, opts)
	}
	return raw.UnmarshalWithOpts(typ, tfprotov6.UnmarshalOpts{ValueFromJSONOpts: opts})
}
