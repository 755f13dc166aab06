package provider

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/keepalived"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ resource.ResourceWithConfigure   = &virtualIPResource{}
	_ resource.ResourceWithModifyPlan  = &virtualIPResource{}
	_ resource.ResourceWithImportState = &virtualIPResource{}
)

func newVirtualIPResource() resource.Resource { return &virtualIPResource{} }

type virtualIPResource struct {
	data *providerData
}

func (r *virtualIPResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_virtual_ip"
}

func (r *virtualIPResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A virtual IP that moves between bare-metal hosts by VRRP heartbeat (keepalived): unicast peers, " +
			"authentication, a tracked health check of the tier's service (a sick master gives the address up), priorities " +
			"ordered so that the master and its first backup share no UPS or PDU feed. The configuration is delivered over " +
			"SSH (`bare_metal` provider block) to every host, written only when its content changed, and keepalived reloaded " +
			"(`kill -HUP` through its pid file, or started). Each host's file is read back, so a hand edit shows as drift. " +
			"With `deliver = false` nothing is sent: `configs` holds the rendered files for your own provisioning. " +
			"Import with the name; the next apply takes the hosts from configuration.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "The name.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"name": schema.StringAttribute{Required: true, MarkdownDescription: "Physical name (the blueprint component's name).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"component": schema.StringAttribute{Optional: true, MarkdownDescription: "Blueprint component key."},
			"vip":       schema.StringAttribute{Required: true, MarkdownDescription: "The virtual IPv4 address."},
			"network": schema.StringAttribute{Required: true, MarkdownDescription: "The site network the hosts and the address are in, " +
				"CIDR (`10.0.2.0/24`); the address must be inside it."},
			"interface": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("eth0"),
				MarkdownDescription: "Interface carrying the address on every host (default `eth0`)."},
			"virtual_router_id": schema.Int64Attribute{Optional: true, Computed: true,
				MarkdownDescription: "VRRP virtual router id, 1 to 255; derived from the name when unset. Unique per network."},
			"advert_interval": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(1),
				MarkdownDescription: "Seconds between VRRP adverts; a backup takes over after 3 missed adverts plus a skew below one (the blueprint derives it from the RTO)."},
			"auth_pass": schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "VRRP authentication password (PASS, up to 8 characters)."},
			"check_command": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Health check of the tier's service run on every host each advert interval (e.g. `/usr/bin/curl -sf -m 1 http://127.0.0.1/healthz`); two failures in a row lower the host's priority below its backups'."},
			"config_dir": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("/etc/keepalived"),
				MarkdownDescription: "Directory of `keepalived.conf` and keepalived's pid files on every host."},
			"deliver": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Deliver over SSH (default). `false`: only render `configs`."},
			"hosts": schema.ListNestedAttribute{Required: true, MarkdownDescription: "The tier's allocated hosts, in placement order.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":    schema.StringAttribute{Required: true, MarkdownDescription: "Inventory host name."},
					"address": schema.StringAttribute{Required: true, MarkdownDescription: "Host address in `network`."},
					"ssh_host_key": schema.StringAttribute{Optional: true,
						MarkdownDescription: "Pinned SSH host key (`ssh-ed25519 AAAA...`); the provider's `known_hosts` when unset."},
					"feeds": schema.ListAttribute{Optional: true, ElementType: types.StringType,
						MarkdownDescription: "Power feeds (UPS and PDU names) the host draws from; the master and first backup get disjoint feeds where possible."},
				}}},
			"configs": schema.MapAttribute{Computed: true, Sensitive: true, ElementType: types.StringType,
				MarkdownDescription: "keepalived.conf per host name, as rendered; after refresh, as found on the host (a hand edit shows here as drift)."},
			"priorities": schema.MapAttribute{Computed: true, ElementType: types.Int64Type,
				MarkdownDescription: "VRRP priority per host name in power-domain order: 254 for the master, 253 for the first backup (a high priority keeps its skew, `(256 - priority) / 256` advert, small), then 16 less per rank."},
			"master":            schema.StringAttribute{Computed: true, MarkdownDescription: "The host that holds the address while every host is healthy."},
			"detection_seconds": schema.Int64Attribute{Computed: true, MarkdownDescription: "Worst-case VRRP detection after the master's last advert: advert × 3 + the first backup's skew (3/256 advert), rounded up."},
		},
	}
}

func (r *virtualIPResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = data
}

func (r *virtualIPResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan virtualIPModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.RouterID.IsUnknown() && !plan.Name.IsUnknown() {
		plan.RouterID = types.Int64Value(int64(keepalived.RouterIDFor(plan.Name.ValueString())))
	}
	g, known, err := plan.group(ctx)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("vip"), "Invalid virtual IP", err.Error())
		return
	}
	if !known {
		resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.Plan, &plan)...)
		return
	}
	resp.Diagnostics.Append(plan.setRendered(ctx, g)...)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.Plan, &plan)...)
}

func (r *virtualIPResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan virtualIPModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, true, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *virtualIPResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state virtualIPModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.Hosts.IsNull() || !state.Deliver.ValueBool() {
		return // imported (hosts come with the next apply) or render-only
	}
	g, _, err := state.group(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Unable to read virtual IP", err.Error())
		return
	}
	s, keys, err := r.settings(ctx, &state)
	if err != nil {
		resp.Diagnostics.AddError("Unable to read virtual IP", err.Error())
		return
	}
	got, err := g.ReadBack(ctx, s, keys)
	if err != nil {
		resp.Diagnostics.AddError("Unable to read virtual IP", err.Error())
		return
	}
	m, diags := types.MapValueFrom(ctx, types.StringType, got)
	resp.Diagnostics.Append(diags...)
	state.Configs = m
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &state)...)
}

func (r *virtualIPResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state virtualIPModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Hosts that left the group lose their configuration.
	if state.Deliver.ValueBool() && !state.Hosts.IsNull() {
		old, _, err := state.group(ctx)
		if err == nil {
			keep := map[string]bool{}
			var hs []virtualIPHost
			resp.Diagnostics.Append(plan.Hosts.ElementsAs(ctx, &hs, false)...)
			for _, h := range hs {
				keep[h.Name.ValueString()] = true
			}
			var gone []keepalived.Member
			for _, m := range old.Members {
				if !keep[m.Name] || !plan.Deliver.ValueBool() {
					gone = append(gone, m)
				}
			}
			if len(gone) > 0 {
				old.Members = gone
				s, keys, err := r.settings(ctx, &state)
				if err == nil {
					err = old.Remove(ctx, s, keys)
				}
				if err != nil {
					resp.Diagnostics.AddError("Unable to update virtual IP", "removing hosts that left the group: "+err.Error())
					return
				}
			}
		}
	}
	r.apply(ctx, &plan, false, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *virtualIPResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state virtualIPModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() || state.Hosts.IsNull() || !state.Deliver.ValueBool() {
		return
	}
	g, _, err := state.group(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Unable to delete virtual IP", err.Error())
		return
	}
	s, keys, err := r.settings(ctx, &state)
	if err == nil {
		err = g.Remove(ctx, s, keys)
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to delete virtual IP", err.Error())
	}
}

func (r *virtualIPResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("deliver"), true)...)
}

func (r *virtualIPResource) apply(ctx context.Context, m *virtualIPModel, create bool, diags *diag.Diagnostics) {
	what := "update"
	if create {
		what = "create"
	}
	g, _, err := m.group(ctx)
	if err != nil {
		diags.AddError("Unable to "+what+" virtual IP", err.Error())
		return
	}
	m.ID = m.Name
	if m.Deliver.ValueBool() {
		s, keys, err := r.settings(ctx, m)
		if err == nil {
			err = g.Deliver(ctx, s, keys, create)
		}
		if err != nil {
			diags.AddError("Unable to "+what+" virtual IP", err.Error())
			return
		}
	}
}

// settings are the SSH settings and pinned keys for the model's hosts.
func (r *virtualIPResource) settings(ctx context.Context, m *virtualIPModel) (hostdeliver.Settings, keepalived.HostKeys, error) {
	if r.data == nil {
		return hostdeliver.Settings{}, nil, errNoProvider
	}
	s, err := hostdeliver.FromBackend(r.data.backends.BareMetal)
	if err != nil {
		return s, nil, err
	}
	var hs []virtualIPHost
	if d := m.Hosts.ElementsAs(ctx, &hs, false); d.HasError() {
		return s, nil, errors.New("hosts: unreadable")
	}
	keys := keepalived.HostKeys{}
	for _, h := range hs {
		keys[h.Name.ValueString()] = h.SSHHostKey.ValueString()
	}
	return s, keys, nil
}

type virtualIPModel struct {
	ID           types.String `tfsdk:"id"`
	Name         types.String `tfsdk:"name"`
	Component    types.String `tfsdk:"component"`
	VIP          types.String `tfsdk:"vip"`
	Network      types.String `tfsdk:"network"`
	Interface    types.String `tfsdk:"interface"`
	RouterID     types.Int64  `tfsdk:"virtual_router_id"`
	Advert       types.Int64  `tfsdk:"advert_interval"`
	AuthPass     types.String `tfsdk:"auth_pass"`
	CheckCommand types.String `tfsdk:"check_command"`
	ConfigDir    types.String `tfsdk:"config_dir"`
	Deliver      types.Bool   `tfsdk:"deliver"`
	Hosts        types.List   `tfsdk:"hosts"`
	Configs      types.Map    `tfsdk:"configs"`
	Priorities   types.Map    `tfsdk:"priorities"`
	Master       types.String `tfsdk:"master"`
	Detection    types.Int64  `tfsdk:"detection_seconds"`
}

type virtualIPHost struct {
	Name       types.String `tfsdk:"name"`
	Address    types.String `tfsdk:"address"`
	SSHHostKey types.String `tfsdk:"ssh_host_key"`
	Feeds      types.List   `tfsdk:"feeds"`
}

// group builds the keepalived group; known is false while any input is
// unknown (then nothing is rendered yet).
func (m *virtualIPModel) group(ctx context.Context) (keepalived.Group, bool, error) {
	if m.Hosts.IsUnknown() || m.VIP.IsUnknown() || m.Network.IsUnknown() || m.Name.IsUnknown() || m.RouterID.IsUnknown() ||
		m.Advert.IsUnknown() || m.AuthPass.IsUnknown() || m.CheckCommand.IsUnknown() || m.Interface.IsUnknown() || m.ConfigDir.IsUnknown() {
		return keepalived.Group{}, false, nil
	}
	netw, err := netip.ParsePrefix(m.Network.ValueString())
	if err != nil {
		return keepalived.Group{}, true, fmt.Errorf("network %q: %w", m.Network.ValueString(), err)
	}
	vip, err := netip.ParseAddr(m.VIP.ValueString())
	if err != nil {
		return keepalived.Group{}, true, fmt.Errorf("vip %q: %w", m.VIP.ValueString(), err)
	}
	if !netw.Contains(vip) {
		return keepalived.Group{}, true, fmt.Errorf("vip %s is outside the site network %s", vip, netw)
	}
	g := keepalived.Group{
		Name: m.Name.ValueString(), VIP: vip.String(), PrefixLen: netw.Bits(), Interface: m.Interface.ValueString(),
		RouterID: int(m.RouterID.ValueInt64()), AdvertSec: int(m.Advert.ValueInt64()), AuthPass: m.AuthPass.ValueString(),
		CheckScript: m.CheckCommand.ValueString(), Dir: m.ConfigDir.ValueString(),
	}
	var hs []virtualIPHost
	if d := m.Hosts.ElementsAs(ctx, &hs, false); d.HasError() {
		return g, true, errors.New("hosts: unreadable")
	}
	for _, h := range hs {
		if h.Name.IsUnknown() || h.Address.IsUnknown() || h.Feeds.IsUnknown() {
			return g, false, nil
		}
		a, err := netip.ParseAddr(h.Address.ValueString())
		if err != nil || !netw.Contains(a) {
			return g, true, fmt.Errorf("host %s: address %q is not in the site network %s", h.Name.ValueString(), h.Address.ValueString(), netw)
		}
		mem := keepalived.Member{Name: h.Name.ValueString(), Address: a.String()}
		if !h.Feeds.IsNull() {
			_ = h.Feeds.ElementsAs(ctx, &mem.Feeds, false)
		}
		g.Members = append(g.Members, mem)
	}
	return g, true, g.Validate()
}

func (m *virtualIPModel) setRendered(ctx context.Context, g keepalived.Group) (diags diag.Diagnostics) {
	confs, err := g.Render()
	if err != nil {
		diags.AddError("Invalid virtual IP", err.Error())
		return diags
	}
	cm, d := types.MapValueFrom(ctx, types.StringType, confs)
	diags.Append(d...)
	m.Configs = cm
	prio := map[string]int64{}
	for n, p := range g.Priorities() {
		prio[n] = int64(p)
	}
	pm, d := types.MapValueFrom(ctx, types.Int64Type, prio)
	diags.Append(d...)
	m.Priorities = pm
	m.Master = types.StringValue(keepalived.Order(g.Members)[0].Name)
	m.Detection = types.Int64Value(int64(keepalived.DetectionSeconds(g.AdvertSec)))
	m.ID = m.Name
	return diags
}
