package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/internal/pdu"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ resource.ResourceWithConfigure   = &pduOutletResource{}
	_ resource.ResourceWithImportState = &pduOutletResource{}
)

func newPDUOutletResource() resource.Resource { return &pduOutletResource{} }

type pduOutletResource struct {
	data *providerData
}

func (r *pduOutletResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pdu_outlet"
}

func (r *pduOutletResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Switches one outlet of an APC switched rack PDU over SNMP (`rPDUOutletControlOutletCommand` of " +
			"the PowerNet MIB). Read reports the outlet's real state, so an outlet switched by hand shows as drift in the " +
			"plan. Changing `reboot_triggers` power-cycles the outlet. Destroying the resource leaves the outlet as it " +
			"is: forgetting an outlet never cuts power. Import with `ADDRESS/OUTLET` (the community comes from the " +
			"provider's `snmp` block).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`ADDRESS/OUTLET`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"address": schema.StringAttribute{Required: true, MarkdownDescription: "SNMP agent of the PDU, `host[:port]`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"community": schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "SNMP community with write access; the provider's `snmp.community` when unset."},
			"outlet": schema.Int64Attribute{Required: true, MarkdownDescription: "Outlet number, from 1.",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()}},
			"state": schema.StringAttribute{Required: true, MarkdownDescription: "`on` or `off`.",
				Validators: []validator.String{stringvalidator.OneOf(pdu.StateOn, pdu.StateOff)}},
			"reboot_triggers": schema.MapAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Arbitrary values; when they change and `state` is `on`, the outlet is rebooted (immediateReboot)."},
			"name": schema.StringAttribute{Computed: true, MarkdownDescription: "Outlet name as configured on the PDU.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		},
	}
}

func (r *pduOutletResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = data
}

func (r *pduOutletResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan pduOutletModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	o, err := r.set(ctx, &plan, commandFor(plan.State.ValueString()))
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("state"), "Unable to switch PDU outlet", err.Error())
		return
	}
	plan.ID = types.StringValue(outletID(plan.Address.ValueString(), plan.Outlet.ValueInt64()))
	plan.Name = types.StringValue(o.Name)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *pduOutletResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state pduOutletModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.data == nil {
		resp.Diagnostics.AddError("Unable to read PDU outlet", errNoProvider.Error())
		return
	}
	c := r.data.pduClient(state.Address.ValueString(), state.Community.ValueString())
	rctx, cancel := context.WithTimeout(ctx, deadline(c))
	defer cancel()
	o, err := c.Outlet(rctx, int(state.Outlet.ValueInt64()))
	if errors.Is(err, pdu.ErrNoSuchOutlet) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to read PDU outlet", err.Error())
		return
	}
	state.State = types.StringValue(o.State)
	state.Name = types.StringValue(o.Name)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &state)...)
}

func (r *pduOutletResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state pduOutletModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cmd := commandFor(plan.State.ValueString())
	if plan.State.Equal(state.State) && !plan.RebootTriggers.Equal(state.RebootTriggers) && plan.State.ValueString() == pdu.StateOn {
		cmd = pdu.ImmediateReboot
	}
	o, err := r.set(ctx, &plan, cmd)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("state"), "Unable to switch PDU outlet", err.Error())
		return
	}
	plan.ID = types.StringValue(outletID(plan.Address.ValueString(), plan.Outlet.ValueInt64()))
	plan.Name = types.StringValue(o.Name)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *pduOutletResource) Delete(_ context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	// Forgetting an outlet leaves it powered as it is: destroying a
	// Terraform object must never cut power to a server.
}

func (r *pduOutletResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	i := strings.LastIndex(req.ID, "/")
	n, err := strconv.ParseInt(req.ID[i+1:], 10, 64)
	if i <= 0 || err != nil || n < 1 {
		resp.Diagnostics.AddError("Unable to import PDU outlet", fmt.Sprintf("want ADDRESS/OUTLET such as 10.0.1.11:161/3, got %q", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("address"), req.ID[:i])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("outlet"), n)...)
}

// set sends cmd and returns the outlet as read back.
func (r *pduOutletResource) set(ctx context.Context, m *pduOutletModel, cmd pdu.Command) (*pdu.Outlet, error) {
	if r.data == nil {
		return nil, errNoProvider
	}
	c := r.data.pduClient(m.Address.ValueString(), m.Community.ValueString())
	rctx, cancel := context.WithTimeout(ctx, 3*deadline(c))
	defer cancel()
	o, err := c.SetOutlet(rctx, int(m.Outlet.ValueInt64()), cmd)
	if err != nil {
		return nil, err
	}
	if want := m.State.ValueString(); o.State != want {
		return nil, fmt.Errorf("outlet %d of %s reads %q after the command, want %q", m.Outlet.ValueInt64(), m.Address.ValueString(), o.State, want)
	}
	return o, nil
}

// deadline bounds one SNMP exchange including its retries.
func deadline(c *pdu.Client) time.Duration {
	t := c.Timeout
	if t <= 0 {
		t = pdu.DefaultTimeout
	}
	return t * time.Duration(c.Retries+2)
}

func commandFor(state string) pdu.Command {
	if state == pdu.StateOff {
		return pdu.ImmediateOff
	}
	return pdu.ImmediateOn
}

func outletID(addr string, n int64) string { return fmt.Sprintf("%s/%d", addr, n) }

type pduOutletModel struct {
	ID             types.String `tfsdk:"id"`
	Address        types.String `tfsdk:"address"`
	Community      types.String `tfsdk:"community"`
	Outlet         types.Int64  `tfsdk:"outlet"`
	State          types.String `tfsdk:"state"`
	RebootTriggers types.Map    `tfsdk:"reboot_triggers"`
	Name           types.String `tfsdk:"name"`
}
