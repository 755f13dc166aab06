package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
	"github.com/ha-blueprints/terraform-provider-ha/internal/vipdrill"
)

var (
	_ datasource.DataSource              = &vipDrillDataSource{}
	_ datasource.DataSourceWithConfigure = &vipDrillDataSource{}
)

// NewVIPDrillDataSource is ha_vip_drill: it runs a virtual IP failover
// drill when read and returns what it measured.
func NewVIPDrillDataSource() datasource.DataSource {
	return &vipDrillDataSource{}
}

type vipDrillDataSource struct{ data *providerData }

func (d *vipDrillDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_vip_drill"
}

func (d *vipDrillDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs a virtual IP failover drill each time it is read (every plan and apply): probes `probe_url` " +
			"(a new probe every 50 ms, overlapping, so one stuck on a dead holder hides nothing) until it answers, breaks the host answering over SSH (the provider's `bare_metal` settings) — " +
			"`mode = \"keepalived\"` kills keepalived as a crash would (every process stopped, then killed), `mode = \"link\"` takes the host's link down for " +
			"`link_down` — measures until the VIP answers from another host, then restores the host and measures the failback. " +
			"It breaks things on purpose: keep it in a drill configuration, not beside production resources. The same drill is " +
			"`terraform-provider-ha drill vip`.",
		Attributes: map[string]schema.Attribute{
			"vip": schema.StringAttribute{Required: true, MarkdownDescription: "The virtual IP (`ha_virtual_ip.vip`)."},
			"hosts": schema.ListNestedAttribute{Required: true,
				MarkdownDescription: "The VIP holders (`ha_virtual_ip.hosts`): `name` as the probe answers it, `address`, optional `ssh_host_key`.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":         schema.StringAttribute{Required: true, MarkdownDescription: "Host name."},
					"address":      schema.StringAttribute{Required: true, MarkdownDescription: "Host address (SSH)."},
					"ssh_host_key": schema.StringAttribute{Optional: true, MarkdownDescription: "Pinned SSH host key; the provider's `known_hosts` when unset."},
					"feeds":        schema.ListAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Ignored (accepted so that `ha_virtual_ip.hosts` can be passed as is)."},
				}}},
			"mode": schema.StringAttribute{Optional: true, Validators: []validator.String{stringvalidator.OneOf(vipdrill.ModeKeepalived, vipdrill.ModeLink)},
				MarkdownDescription: "`keepalived` (default: keepalived killed, restarted for the failback) or `link` (the host's link down for `link_down`)."},
			"probe_url":        schema.StringAttribute{Optional: true, MarkdownDescription: "URL whose response body names the answering host (default `http://VIP:8080/host`)."},
			"interface":        schema.StringAttribute{Optional: true, MarkdownDescription: "Link `mode = \"link\"` takes down (default `eth0`)."},
			"keepalived_dir":   schema.StringAttribute{Optional: true, MarkdownDescription: "keepalived's configuration and pid directory on the hosts (default `/etc/keepalived`)."},
			"link_down":        schema.StringAttribute{Optional: true, MarkdownDescription: "How long `mode = \"link\"` keeps the link down, a Go duration (default `10s`)."},
			"timeout":          schema.StringAttribute{Optional: true, MarkdownDescription: "How long to wait for the move, and again for the failback, a Go duration (default `60s`)."},
			"before":           str("Host answering before the drill (the master)."),
			"after":            str("Host answering after the master broke."),
			"switch_seconds":   schema.Float64Attribute{Computed: true, MarkdownDescription: "Seconds from breaking the master to the VIP answering from another host."},
			"failed_back_to":   str("Host answering after the restore (the master again)."),
			"failback_seconds": schema.Float64Attribute{Computed: true, MarkdownDescription: "Seconds from the restore to the master answering again."},
			"summary":          str("The result on one line."),
			"json":             str("The result as JSON."),
		},
	}
}

func (d *vipDrillDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	data, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	d.data = data
}

func (d *vipDrillDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m vipDrillModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if d.data == nil {
		resp.Diagnostics.AddError("Provider not configured", errNoProvider.Error())
		return
	}
	dur := func(attr types.String, def time.Duration) time.Duration {
		v := attr.ValueString()
		if v == "" {
			return def
		}
		t, err := time.ParseDuration(v)
		if err != nil || t <= 0 {
			resp.Diagnostics.AddAttributeError(path.Root("timeout"), "Invalid duration", fmt.Sprintf("Expected a positive duration such as \"30s\", got %q.", v))
		}
		return t
	}
	timeout, linkDown := dur(m.Timeout, time.Minute), dur(m.LinkDown, 10*time.Second)
	ssh, err := hostdeliver.FromBackend(d.data.backends.BareMetal)
	if err != nil {
		resp.Diagnostics.AddError("Invalid bare_metal settings", err.Error())
	}
	if resp.Diagnostics.HasError() {
		return
	}
	h := vipdrill.Hosts{SSH: ssh, Targets: map[string]hostdeliver.Target{}, Dir: m.KeepalivedDir.ValueString(),
		Interface: m.Interface.ValueString(), LinkDown: linkDown}
	for _, hm := range m.Hosts {
		n := hm.Name.ValueString()
		h.Targets[n] = hostdeliver.Target{Name: n, Address: hm.Address.ValueString(), HostKey: hm.SSHHostKey.ValueString()}
	}
	mode := m.Mode.ValueString()
	if mode == "" {
		mode = vipdrill.ModeKeepalived
	}
	brk, err := h.Break(mode)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("mode"), "Invalid mode", err.Error())
		return
	}
	probe := m.ProbeURL.ValueString()
	if probe == "" {
		probe = "http://" + m.VIP.ValueString() + ":8080/host"
	}
	res, err := vipdrill.Run(ctx, vipdrill.Drill{Kind: "vip", VIP: m.VIP.ValueString(), Probe: vipdrill.HTTPProbe(probe),
		Break: brk, Restore: h.Restore(mode), Timeout: timeout})
	if err != nil {
		resp.Diagnostics.AddError("Virtual IP drill failed", res.Summary())
		return
	}
	m.Before, m.After, m.FailedBackTo = types.StringValue(res.Before), types.StringValue(res.After), types.StringValue(res.FailedBackTo)
	m.SwitchSeconds, m.FailbackSeconds = types.Float64Value(res.SwitchSeconds), types.Float64Value(res.FailbackSecond)
	m.Summary, m.JSON = types.StringValue(res.Summary()), types.StringValue(res.JSON())
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &m)...)
}

type vipDrillHostModel struct {
	Name       types.String `tfsdk:"name"`
	Address    types.String `tfsdk:"address"`
	SSHHostKey types.String `tfsdk:"ssh_host_key"`
	Feeds      types.List   `tfsdk:"feeds"`
}

type vipDrillModel struct {
	VIP             types.String        `tfsdk:"vip"`
	Hosts           []vipDrillHostModel `tfsdk:"hosts"`
	Mode            types.String        `tfsdk:"mode"`
	ProbeURL        types.String        `tfsdk:"probe_url"`
	Interface       types.String        `tfsdk:"interface"`
	KeepalivedDir   types.String        `tfsdk:"keepalived_dir"`
	LinkDown        types.String        `tfsdk:"link_down"`
	Timeout         types.String        `tfsdk:"timeout"`
	Before          types.String        `tfsdk:"before"`
	After           types.String        `tfsdk:"after"`
	SwitchSeconds   types.Float64       `tfsdk:"switch_seconds"`
	FailedBackTo    types.String        `tfsdk:"failed_back_to"`
	FailbackSeconds types.Float64       `tfsdk:"failback_seconds"`
	Summary         types.String        `tfsdk:"summary"`
	JSON            types.String        `tfsdk:"json"`
}
