package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/cache"
	"github.com/ha-blueprints/terraform-provider-ha/internal/redissentinel"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

// bareMetalCacheAttributes are ha_cache's attributes for cloud =
// "bare_metal" (Redis with Sentinel on the given hosts).
func bareMetalCacheAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"hosts": schema.ListNestedAttribute{
			Optional: true, PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
			MarkdownDescription: "Bare metal: the hosts that run one Redis and one Sentinel each (at least 3), in placement order. Changing them replaces the group.",
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"name":    schema.StringAttribute{Required: true, MarkdownDescription: "Inventory host name."},
				"address": schema.StringAttribute{Required: true, MarkdownDescription: "Address Redis, Sentinel and SSH listen on."},
				"ssh_host_key": schema.StringAttribute{Optional: true,
					MarkdownDescription: "Pinned SSH host key (`ssh-ed25519 AAAA...`); the provider's `known_hosts` when unset."},
				"feeds": schema.ListAttribute{Optional: true, ElementType: types.StringType,
					MarkdownDescription: "Power feeds (UPS and PDU names) the host draws from: the master and its first replica get disjoint feeds where possible, and no single feed may take down a majority of the Sentinels."},
			}},
		},
		"password": schema.StringAttribute{Optional: true, Sensitive: true,
			MarkdownDescription: "Bare metal: the password of Redis and Sentinel (`requirepass`), required there. Changing it restarts every host's daemons."},
		"initial_master": schema.StringAttribute{Optional: true,
			MarkdownDescription: "Bare metal: the host that starts as master (default: the first after ordering by power feeds). After a failover the Sentinels' choice stands (`master`)."},
		"port":          schema.Int64Attribute{Optional: true, MarkdownDescription: "Bare metal: Redis port (default 6379)."},
		"sentinel_port": schema.Int64Attribute{Optional: true, MarkdownDescription: "Bare metal: Sentinel port (default 26379)."},
		"down_after_ms": schema.Int64Attribute{Optional: true,
			MarkdownDescription: "Bare metal: Sentinel's `down-after-milliseconds`, how long the master may not answer before a failover starts (default 5000; the blueprint derives it from the RTO budget)."},
		"base_dir": schema.StringAttribute{Optional: true,
			MarkdownDescription: "Bare metal: directory of every host's files, `BASE_DIR/NAME/HOST` (default `/var/lib/ha-redis`)."},
		"master": schema.StringAttribute{Computed: true,
			MarkdownDescription: "Bare metal: the host the Sentinels name as master (after refresh: the current one)."},
		"replica_hosts": schema.ListAttribute{Computed: true, ElementType: types.StringType,
			MarkdownDescription: "Bare metal: the hosts replicating from the master, online."},
		"config_sha256": schema.MapAttribute{Computed: true, ElementType: types.StringType,
			MarkdownDescription: "Bare metal: SHA-256 of each host's delivered files as rendered; after refresh, as found on the host (a hand edit or a missing file shows as drift)."},
		"failover_seconds": schema.Int64Attribute{Computed: true,
			MarkdownDescription: "Bare metal: planned worst case from the master's last answer to a promoted replica (`down_after_ms` plus Sentinel's election and promotion, 3 s)."},
	}
}

type bareMetalCacheModel struct {
	Hosts           types.List   `tfsdk:"hosts"`
	Password        types.String `tfsdk:"password"`
	InitialMaster   types.String `tfsdk:"initial_master"`
	Port            types.Int64  `tfsdk:"port"`
	SentinelPort    types.Int64  `tfsdk:"sentinel_port"`
	DownAfterMS     types.Int64  `tfsdk:"down_after_ms"`
	BaseDir         types.String `tfsdk:"base_dir"`
	Master          types.String `tfsdk:"master"`
	ReplicaHosts    types.List   `tfsdk:"replica_hosts"`
	ConfigSHA256    types.Map    `tfsdk:"config_sha256"`
	FailoverSeconds types.Int64  `tfsdk:"failover_seconds"`
}

type cacheHost struct {
	Name       types.String `tfsdk:"name"`
	Address    types.String `tfsdk:"address"`
	SSHHostKey types.String `tfsdk:"ssh_host_key"`
	Feeds      types.List   `tfsdk:"feeds"`
}

func (m *cacheModel) bareMetal(ctx context.Context, diags *diag.Diagnostics) *cache.BareMetal {
	bm := &cache.BareMetal{
		Primary: m.InitialMaster.ValueString(), Password: m.Password.ValueString(),
		Port: int(m.Port.ValueInt64()), SentinelPort: int(m.SentinelPort.ValueInt64()),
		DownAfter: time.Duration(m.DownAfterMS.ValueInt64()) * time.Millisecond, BaseDir: m.BaseDir.ValueString(),
	}
	if m.Hosts.IsNull() || m.Hosts.IsUnknown() {
		return bm
	}
	var hs []cacheHost
	diags.Append(m.Hosts.ElementsAs(ctx, &hs, false)...)
	for _, h := range hs {
		ch := cache.Host{Name: h.Name.ValueString(), Address: h.Address.ValueString(), HostKey: h.SSHHostKey.ValueString()}
		if !h.Feeds.IsNull() && !h.Feeds.IsUnknown() {
			diags.Append(h.Feeds.ElementsAs(ctx, &ch.Feeds, false)...)
		}
		bm.Hosts = append(bm.Hosts, ch)
	}
	return bm
}

// knownHosts reports whether every host input is known (plan time).
func (m *cacheModel) knownHosts(ctx context.Context) bool {
	if m.Hosts.IsUnknown() || m.Password.IsUnknown() || m.InitialMaster.IsUnknown() || m.Port.IsUnknown() ||
		m.SentinelPort.IsUnknown() || m.DownAfterMS.IsUnknown() || m.BaseDir.IsUnknown() || m.Name.IsUnknown() {
		return false
	}
	if m.Hosts.IsNull() {
		return true
	}
	var hs []cacheHost
	if m.Hosts.ElementsAs(ctx, &hs, false).HasError() {
		return false
	}
	for _, h := range hs {
		if h.Name.IsUnknown() || h.Address.IsUnknown() || h.SSHHostKey.IsUnknown() || h.Feeds.IsUnknown() {
			return false
		}
	}
	return true
}

func (m *cacheModel) fromBareMetalStatus(ctx context.Context, st *cache.Status) (diags diag.Diagnostics) {
	if m.Cloud.ValueString() != string(backend.BareMetal) {
		m.Master, m.FailoverSeconds = types.StringNull(), types.Int64Null()
		m.ReplicaHosts, m.ConfigSHA256 = types.ListNull(types.StringType), types.MapNull(types.StringType)
		return nil
	}
	// Not an engine setting on bare metal: kept as configured.
	if st.Spec.EngineVersion == "" {
		m.EngineVersion = types.StringNull()
	}
	if st.Spec.NodeType == "" {
		m.NodeType = types.StringNull()
	}
	m.Master = types.StringValue(st.Master)
	rs, d := types.ListValueFrom(ctx, types.StringType, nonNilStrings(st.Replicas))
	diags.Append(d...)
	m.ReplicaHosts = rs
	if st.ConfigHash == nil {
		m.ConfigSHA256 = types.MapNull(types.StringType)
	} else {
		h, d := types.MapValueFrom(ctx, types.StringType, st.ConfigHash)
		diags.Append(d...)
		m.ConfigSHA256 = h
	}
	if g, err := redissentinel.GroupFor(st.Spec); err == nil {
		m.FailoverSeconds = types.Int64Value(int64(g.FailoverTime().Seconds()))
	}
	return diags
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ValidateConfig requires each cloud's inputs: engine_version, node_type
// and zones on AWS; hosts and password on bare metal.
func (r *cacheResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m cacheModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() || m.Cloud.IsUnknown() {
		return
	}
	need := func(v attr.Value, name, cloud string) {
		if v.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Missing required argument", "The argument \""+name+"\" is required for a cache on "+cloud+".")
		}
	}
	if m.Cloud.ValueString() == string(backend.BareMetal) {
		need(m.Hosts, "hosts", "bare_metal")
		need(m.Password, "password", "bare_metal")
		return
	}
	need(m.EngineVersion, "engine_version", "aws")
	need(m.NodeType, "node_type", "aws")
	need(m.Zones, "zones", "aws")
	if !m.Hosts.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("hosts"), "Hosts on a cloud", "hosts are for cloud = \"bare_metal\"; an AWS group places its nodes in zones.")
	}
}

// ModifyPlan fills each cloud's defaults (engine, encryption, replicas)
// and, on bare metal, checks the group and plans what the hosts will hold.
func (r *cacheResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan cacheModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() || plan.Cloud.IsUnknown() {
		return
	}
	bm := plan.Cloud.ValueString() == string(backend.BareMetal)
	if plan.Engine.IsUnknown() {
		plan.Engine = types.StringValue(map[bool]string{false: "valkey", true: "redis"}[bm])
	}
	if plan.TransitEncryption.IsUnknown() {
		plan.TransitEncryption = types.BoolValue(!bm)
	}
	if plan.AtRestEncryption.IsUnknown() {
		plan.AtRestEncryption = types.BoolValue(!bm)
	}
	if !bm {
		if plan.Replicas.IsUnknown() {
			plan.Replicas = types.Int64Value(1)
		}
		plan.Master, plan.FailoverSeconds = types.StringNull(), types.Int64Null()
		plan.ReplicaHosts, plan.ConfigSHA256 = types.ListNull(types.StringType), types.MapNull(types.StringType)
		resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.Plan, &plan)...)
		return
	}
	if !plan.knownHosts(ctx) || plan.Hosts.IsNull() {
		resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.Plan, &plan)...)
		return
	}
	spec, ok := plan.spec(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	if plan.Replicas.IsUnknown() {
		plan.Replicas = types.Int64Value(int64(len(spec.BareMetal.Hosts) - 1))
		spec.Replicas = len(spec.BareMetal.Hosts) - 1
	}
	if err := redissentinel.CheckSpec(spec); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("hosts"), "Invalid bare-metal cache", componentLabel(plan.Component, spec.Name)+": "+err.Error())
		return
	}
	g, _ := redissentinel.GroupFor(spec)
	hashes, err := g.ExpectedHashes()
	if err != nil {
		resp.Diagnostics.AddError("Invalid bare-metal cache", err.Error())
		return
	}
	hm, d := types.MapValueFrom(ctx, types.StringType, hashes)
	resp.Diagnostics.Append(d...)
	plan.ConfigSHA256 = hm
	plan.FailoverSeconds = types.Int64Value(int64(g.FailoverTime().Seconds()))
	// An update restarts daemons (a stopped one rejoins as a replica), so
	// the master, its replicas and endpoints are known only after it; with
	// nothing to change they stay as read.
	if !req.State.Raw.IsNull() {
		var state cacheModel
		resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
		if !req.Plan.Raw.Equal(req.State.Raw) || !plan.ConfigSHA256.Equal(state.ConfigSHA256) {
			plan.Master, plan.ReplicaHosts = types.StringUnknown(), types.ListUnknown(types.StringType)
			plan.PrimaryEndpoint, plan.ReaderEndpoint = types.StringUnknown(), types.StringUnknown()
		}
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.Plan, &plan)...)
}
