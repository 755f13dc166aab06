package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
	"github.com/ha-blueprints/terraform-provider-ha/internal/placement"
	"github.com/ha-blueprints/terraform-provider-ha/internal/powerstatus"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ resource.ResourceWithConfigure   = &hostAllocationResource{}
	_ resource.ResourceWithModifyPlan  = &hostAllocationResource{}
	_ resource.ResourceWithImportState = &hostAllocationResource{}
)

func newHostAllocationResource() resource.Resource { return &hostAllocationResource{} }

type hostAllocationResource struct {
	data *providerData
}

func (r *hostAllocationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_host_allocation"
}

func (r *hostAllocationResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	strList := func(desc string) schema.ListAttribute {
		return schema.ListAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Allocates `host_count` hosts from a bare-metal inventory for a tier or a database, spread over " +
			"failure domains in priority order (UPS, feed, PDU, rack by default). The inventory file is the source of " +
			"truth for hosts; the allocation lives in state. Placement is deterministic and stable: adding hosts to the " +
			"inventory or growing `host_count` by one never moves existing members; a member that leaves the inventory (or no " +
			"longer meets the requirements) is replaced, and the plan says why in a warning. New members avoid hosts " +
			"whose UPS units are all on battery (read over NUT when the inventory gives `nut` addresses; an unreachable " +
			"UPS counts as unknown and excludes nothing).\n\n" +
			"Two allocations in the same state never share a host: each registers its members while Terraform plans " +
			"and applies, a new allocation avoids hosts already registered, and a host claimed twice is an error. " +
			"Terraform plans unrelated resources concurrently, so for a deterministic split chain allocations with " +
			"`exclude = ha_host_allocation.other.members`. Allocations in **different** states cannot see each other " +
			"(the multi-state limit): give each state its own part of the inventory (tags), or pass the other's " +
			"members in `exclude`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "Same as `name`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"name": schema.StringAttribute{Required: true, MarkdownDescription: "Name of the allocation, unique in the state, e.g. `dc1/web`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"component":  schema.StringAttribute{Optional: true, MarkdownDescription: "Key of the tier or database component this allocation serves."},
			"inventory":  schema.StringAttribute{Required: true, MarkdownDescription: "Path of the inventory file, relative to the working directory."},
			"variables":  schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Values for the inventory's `variable` blocks."},
			"host_count": schema.Int64Attribute{Required: true, MarkdownDescription: "Number of hosts (`count` in the component contract; Terraform reserves `count`)."},
			"spread":     strList("Failure domains in priority order: `ups`, `feed`, `pdu`, `rack`, `site` (default `[\"ups\", \"feed\", \"pdu\", \"rack\"]`)."),
			"require": schema.SingleNestedAttribute{
				Optional: true, MarkdownDescription: "Minimum resources per host.",
				Attributes: map[string]schema.Attribute{
					"cpus":   schema.Int64Attribute{Optional: true, MarkdownDescription: "CPUs."},
					"memory": schema.StringAttribute{Optional: true, MarkdownDescription: "Memory, a size such as `64GiB`."},
				},
			},
			"tags":     strList("Tags every host must carry."),
			"tolerate": strList("Failure domains one device of which may fail: the plan fails, naming the device, when losing it would leave fewer than `minimum` members."),
			"minimum": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(1),
				MarkdownDescription: "Members that must survive one failure in a `tolerate` domain (default 1); the tier's minimum capacity."},
			"exclude_on_battery": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Avoid, for new members, hosts whose UPS units are all on battery or low (default `true`)."},
			"exclude": strList("Hosts never to pick, e.g. another state's allocation members."),
			"members": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Allocated hosts, oldest first."},
			"addresses": schema.MapAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Address of each member, from the inventory."},
			"blast_radius": schema.MapAttribute{Computed: true, ElementType: types.MapType{ElemType: types.Int64Type},
				MarkdownDescription: "For each domain (`ups`, `feed`, `pdu`, `rack`, `site`), the devices whose failure alone takes " +
					"down members, and how many. A host with PSUs on two UPS units survives either, so counts for neither."},
		},
	}
}

func (r *hostAllocationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = data
}

func (r *hostAllocationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return // destroy, or not configured yet
	}
	var plan, state hostAllocationModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.wholyKnown() {
		plan.Members = types.ListUnknown(types.StringType)
		plan.Addresses = types.MapUnknown(types.StringType)
		plan.BlastRadius = types.MapUnknown(types.MapType{ElemType: types.Int64Type})
		resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.Plan, &plan)...)
		return
	}
	plan.ID = plan.Name
	var current []string
	if !state.Members.IsNull() && !state.Members.IsUnknown() {
		resp.Diagnostics.Append(state.Members.ElementsAs(ctx, &current, false)...)
	}
	res, addrs := r.place(ctx, &plan, current, &resp.Diagnostics)
	if res == nil {
		return
	}
	for _, rep := range res.Replaced {
		msg := fmt.Sprintf("Host %q leaves allocation %q: %s.", rep.Host, plan.Name.ValueString(), rep.Reason)
		if rep.By != "" {
			msg += fmt.Sprintf(" Host %q takes its place.", rep.By)
		}
		resp.Diagnostics.AddAttributeWarning(path.Root("members"), "Allocation member replaced", msg)
	}
	for _, v := range res.Violations {
		resp.Diagnostics.AddAttributeError(path.Root("tolerate"), "Failure tolerance not met",
			fmt.Sprintf("Allocation %q: %s.", plan.Name.ValueString(), v))
	}
	if err := r.data.allocationClaims().claim(plan.Name.ValueString(), res.Members); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("members"), "Host double-booked",
			fmt.Sprintf("Allocation %q: %v. Each host serves one allocation; chain allocations with `exclude` or narrow them with `tags`.", plan.Name.ValueString(), err))
	}
	if resp.Diagnostics.HasError() {
		return
	}
	plan.setResult(res, addrs)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.Plan, &plan)...)
}

// place runs the placement for plan with current members; live UPS status
// is read only when new members must be picked.
func (r *hostAllocationResource) place(ctx context.Context, plan *hostAllocationModel, current []string, diags *diag.Diagnostics) (*placement.Result, map[string]string) {
	vars := map[string]string{}
	diags.Append(plan.Variables.ElementsAs(ctx, &vars, false)...)
	inv, errs, _ := loadInventory(plan.Inventory.ValueString(), vars)
	for _, e := range errs {
		diags.AddAttributeError(path.Root("inventory"), "Invalid inventory", e)
	}
	if diags.HasError() {
		return nil, nil
	}
	req := placement.Request{Count: int(plan.Count.ValueInt64()), Current: current, Minimum: int(plan.Minimum.ValueInt64())}
	diags.Append(plan.Tags.ElementsAs(ctx, &req.Tags, false)...)
	diags.Append(plan.Tolerate.ElementsAs(ctx, &req.Tolerate, false)...)
	if !plan.Spread.IsNull() {
		req.Spread = []string{}
		diags.Append(plan.Spread.ElementsAs(ctx, &req.Spread, false)...)
	}
	var exclude []string
	diags.Append(plan.Exclude.ElementsAs(ctx, &exclude, false)...)
	if plan.Require != nil {
		if !plan.Require.CPUs.IsNull() {
			req.CPUs = int(plan.Require.CPUs.ValueInt64())
		}
		if !plan.Require.Memory.IsNull() {
			m, err := lang.ParseSize(plan.Require.Memory.ValueString())
			if err != nil {
				diags.AddAttributeError(path.Root("require").AtName("memory"), "Invalid memory size", err.Error())
			}
			req.Memory = m
		}
	}
	if diags.HasError() {
		return nil, nil
	}
	if err := req.Validate(); err != nil {
		diags.AddAttributeError(path.Root("spread"), "Invalid allocation", err.Error())
		return nil, nil
	}
	req.Taken = r.data.allocationClaims().others(plan.Name.ValueString())
	for _, h := range exclude {
		req.Taken[h] = "exclude"
	}
	// The inventory is the shared, never-modified one from loadInventory.
	res, err := placement.PlaceShared(inv, req)
	if err == nil && len(res.Added) > 0 && plan.ExcludeOnBattery.ValueBool() {
		targets, _ := powerstatus.Targets(inv)
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		status := powerstatus.ReadUPS(rctx, targets, r.data.powerSettings())
		cancel()
		for _, s := range status {
			if s.Err != nil {
				diags.AddAttributeWarning(path.Root("exclude_on_battery"), "UPS status unknown",
					fmt.Sprintf("UPS %q (%s) did not answer, so its hosts are not excluded: %v", s.Name, s.Address, s.Err))
			}
		}
		req.Power = powerstatus.Power(status)
		req.ExcludeOnBattery = true
		res, err = placement.PlaceShared(inv, req)
	}
	if err != nil {
		var short *placement.ShortageError
		if errors.As(err, &short) {
			diags.AddAttributeError(path.Root("host_count"), "Unable to allocate hosts", fmt.Sprintf("Allocation %q: %v.", plan.Name.ValueString(), err))
		} else {
			diags.AddAttributeError(path.Root("spread"), "Unable to allocate hosts", err.Error())
		}
		return nil, nil
	}
	addrs := map[string]string{}
	for _, m := range res.Members {
		addrs[m] = inv.Hosts[m].Address
	}
	return res, addrs
}

func (r *hostAllocationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan hostAllocationModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The members were chosen at plan time; apply records them.
	if plan.Members.IsUnknown() {
		var res *placement.Result
		var addrs map[string]string
		if r.data == nil {
			resp.Diagnostics.AddError("Unable to create host allocation", errNoProvider.Error())
			return
		}
		res, addrs = r.place(ctx, &plan, nil, &resp.Diagnostics)
		if res == nil {
			return
		}
		if err := r.data.allocationClaims().claim(plan.Name.ValueString(), res.Members); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("members"), "Host double-booked", err.Error())
			return
		}
		plan.setResult(res, addrs)
	}
	plan.ID = plan.Name
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *hostAllocationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state hostAllocationModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The allocation lives in state and the inventory is read at plan time:
	// there is nothing remote to refresh.
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &state)...)
}

func (r *hostAllocationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan hostAllocationModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.Members.IsUnknown() {
		var state hostAllocationModel
		resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
		var current []string
		resp.Diagnostics.Append(state.Members.ElementsAs(ctx, &current, false)...)
		if r.data == nil {
			resp.Diagnostics.AddError("Unable to update host allocation", errNoProvider.Error())
			return
		}
		res, addrs := r.place(ctx, &plan, current, &resp.Diagnostics)
		if res == nil {
			return
		}
		if err := r.data.allocationClaims().claim(plan.Name.ValueString(), res.Members); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("members"), "Host double-booked", err.Error())
			return
		}
		plan.setResult(res, addrs)
	}
	plan.ID = plan.Name
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *hostAllocationResource) Delete(_ context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	// Releasing the hosts is forgetting them: the inventory never changes.
}

// ImportState takes "NAME" or "NAME=HOST,HOST,…" (the members, oldest first),
// so that an allocation made elsewhere keeps its hosts.
func (r *hostAllocationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	name, hosts, _ := strings.Cut(req.ID, "=")
	if name == "" {
		resp.Diagnostics.AddError("Unable to import host allocation", fmt.Sprintf("want NAME or NAME=HOST,HOST,…, got %q", req.ID))
		return
	}
	var members []attr.Value
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			members = append(members, types.StringValue(h))
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	list, d := types.ListValue(types.StringType, members)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("members"), list)...)
}

type hostAllocationModel struct {
	ID               types.String  `tfsdk:"id"`
	Name             types.String  `tfsdk:"name"`
	Component        types.String  `tfsdk:"component"`
	Inventory        types.String  `tfsdk:"inventory"`
	Variables        types.Map     `tfsdk:"variables"`
	Count            types.Int64   `tfsdk:"host_count"`
	Spread           types.List    `tfsdk:"spread"`
	Require          *requireModel `tfsdk:"require"`
	Tags             types.List    `tfsdk:"tags"`
	Tolerate         types.List    `tfsdk:"tolerate"`
	Minimum          types.Int64   `tfsdk:"minimum"`
	ExcludeOnBattery types.Bool    `tfsdk:"exclude_on_battery"`
	Exclude          types.List    `tfsdk:"exclude"`
	Members          types.List    `tfsdk:"members"`
	Addresses        types.Map     `tfsdk:"addresses"`
	BlastRadius      types.Map     `tfsdk:"blast_radius"`
}

type requireModel struct {
	CPUs   types.Int64  `tfsdk:"cpus"`
	Memory types.String `tfsdk:"memory"`
}

// wholyKnown reports whether every input of the placement is known.
func (m *hostAllocationModel) wholyKnown() bool {
	known := !m.Name.IsUnknown() && !m.Inventory.IsUnknown() && !m.Variables.IsUnknown() && !m.Count.IsUnknown() &&
		!m.Spread.IsUnknown() && !m.Tags.IsUnknown() && !m.Tolerate.IsUnknown() && !m.Minimum.IsUnknown() &&
		!m.ExcludeOnBattery.IsUnknown() && !m.Exclude.IsUnknown()
	if m.Require != nil {
		known = known && !m.Require.CPUs.IsUnknown() && !m.Require.Memory.IsUnknown()
	}
	for _, l := range []types.List{m.Spread, m.Tags, m.Tolerate, m.Exclude} {
		for _, e := range l.Elements() {
			known = known && !e.IsUnknown()
		}
	}
	for _, e := range m.Variables.Elements() {
		known = known && !e.IsUnknown()
	}
	return known
}

func (m *hostAllocationModel) setResult(res *placement.Result, addrs map[string]string) {
	m.Members = stringList(res.Members)
	av := map[string]attr.Value{}
	for k, v := range addrs {
		av[k] = types.StringValue(v)
	}
	m.Addresses, _ = types.MapValue(types.StringType, av)
	br := map[string]attr.Value{}
	for d, devs := range res.BlastRadius {
		inner := map[string]attr.Value{}
		for dev, n := range devs {
			inner[dev] = types.Int64Value(int64(n))
		}
		br[d], _ = types.MapValue(types.Int64Type, inner)
	}
	m.BlastRadius, _ = types.MapValue(types.MapType{ElemType: types.Int64Type}, br)
}
