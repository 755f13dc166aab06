package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ resource.ResourceWithConfigure      = &dnsFailoverResource{}
	_ resource.ResourceWithImportState    = &dnsFailoverResource{}
	_ resource.ResourceWithModifyPlan     = &dnsFailoverResource{}
	_ resource.ResourceWithValidateConfig = &dnsFailoverResource{}
)

// NewDNSFailoverResource is ha_dns_failover: one health-checked name that
// answers the first healthy target (failover) or every healthy one
// (weighted), on Route 53 or PowerDNS.
func NewDNSFailoverResource() resource.Resource {
	return &dnsFailoverResource{}
}

type dnsFailoverResource struct {
	data *providerData
}

func (r *dnsFailoverResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dns_failover"
}

func (r *dnsFailoverResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A DNS name that follows the health of its targets: in `failover` mode it answers the first " +
			"healthy target in the order given (primary first, then each standby), in `weighted` mode every healthy one. " +
			"The blueprint's `dns` block expands to this resource.\n\n" +
			"On **PowerDNS** (`backend = \"powerdns\"`) the name is a LUA record: `ifurlup` with ordered address sets for " +
			"HTTP(S) checks, `ifportup` for TCP checks, selector `all`. PowerDNS probes at its own " +
			"`lua-health-checks-interval` and takes an address out after one failed probe, so `health_check.interval` " +
			"and `threshold` are recorded for the RTO budget rather than sent to the server; `detection_seconds` uses the " +
			"server's interval when that is slower. Weights are kept but PowerDNS answers every healthy target alike. " +
			"On **Route 53** (`backend = \"route53\"`) the name is a set of failover or weighted records with health checks.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				MarkdownDescription: "`BACKEND/ZONE/FQDN/RECORD_TYPE`, the import id (for example `powerdns/example.test/www.example.test/A`).",
			},
			"backend": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				Validators:          []validator.String{stringvalidator.OneOf("powerdns", "route53", "clouddns")},
				MarkdownDescription: "DNS service: `powerdns`, `route53` or `clouddns` (Google Cloud DNS: a primary-backup or weighted round robin routing policy over health-checked addresses; needs the provider's `gcp` project).",
			},
			"location": schema.StringAttribute{
				Optional: true, PlanModifiers: replace,
				MarkdownDescription: "Cloud location the backend client is made for (Route 53: the API region). Not used by PowerDNS.",
			},
			"fqdn": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				MarkdownDescription: "The failover name, inside `zone` (`www.example.test`; a trailing dot is optional).",
			},
			"zone": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				MarkdownDescription: "The zone that holds the name (`example.test`).",
			},
			"create_zone": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				PlanModifiers:       []planmodifier.Bool{dnsBoolRequiresReplace{}},
				MarkdownDescription: "Create the zone (it must not exist yet); it is then deleted with this resource. When false (the default) the zone must exist and is left as it was.",
			},
			"ttl": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(60),
				Validators:          []validator.Int64{int64validator.Between(1, 86400)},
				MarkdownDescription: "TTL of the answers in seconds (default 60). Resolvers may keep serving a failed target this long.",
			},
			"mode": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("failover"),
				Validators:          []validator.String{stringvalidator.OneOf("failover", "weighted")},
				MarkdownDescription: "`failover` (ordered, the default) or `weighted` (active/active).",
			},
			"record_type": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("A"), PlanModifiers: replace,
				Validators:          []validator.String{stringvalidator.OneOf("A", "AAAA")},
				MarkdownDescription: "`A` (default) or `AAAA`.",
			},
			"component": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Blueprint component key (`global/www/dns_failover`), kept as tag `ha:component`.",
			},
			"blueprint": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Blueprint name, kept as tag `ha:blueprint`.",
			},
			"zone_id": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				MarkdownDescription: "Id of the zone at the backend (PowerDNS: the zone name; Route 53: the hosted zone id).",
			},
			"record_ids": schema.ListAttribute{
				Computed: true, ElementType: types.StringType,
				PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "Ids of the records managed (PowerDNS: `ZONE/FQDN/LUA/TYPE`).",
			},
			"health_check_ids": schema.ListAttribute{
				Computed: true, ElementType: types.StringType,
				PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()},
				MarkdownDescription: "Ids of the health checks (Route 53). Empty on PowerDNS, where checks live in the record.",
			},
			"detection_seconds": schema.Int64Attribute{
				Computed: true,
				MarkdownDescription: "Worst-case seconds before resolvers see a failover: interval × threshold + TTL, " +
					"with the PowerDNS server's `lua-health-checks-interval` when that is slower than `health_check.interval`. " +
					"Known at plan time; it feeds the blueprint's RTO budget.",
			},
		},
		Blocks: map[string]schema.Block{
			"target": schema.ListNestedBlock{
				MarkdownDescription: "Targets in priority order: the primary first, then each standby. At least one.",
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"name": schema.StringAttribute{
							Required:            true,
							MarkdownDescription: "Label of the target, usually the blueprint region (`east`).",
						},
						"addresses": schema.ListAttribute{
							Optional: true, ElementType: types.StringType,
							MarkdownDescription: "IP addresses the name answers while this target is chosen (PowerDNS; Route 53 without alias).",
						},
						"dns_name": schema.StringAttribute{
							Optional:            true,
							MarkdownDescription: "Alias target (Route 53: a load balancer's DNS name).",
						},
						"zone_id": schema.StringAttribute{
							Optional:            true,
							MarkdownDescription: "Hosted zone of the alias target (Route 53).",
						},
						"weight": schema.Int64Attribute{
							Optional: true, Computed: true, Default: int64default.StaticInt64(0),
							Validators:          []validator.Int64{int64validator.Between(0, 255)},
							MarkdownDescription: "Weight in `weighted` mode (Route 53). PowerDNS answers every healthy target alike.",
						},
					},
				},
			},
			"health_check": schema.SingleNestedBlock{
				MarkdownDescription: "How every target is probed. Required.",
				Attributes: map[string]schema.Attribute{
					"protocol": schema.StringAttribute{
						Optional: true, Computed: true, Default: stringdefault.StaticString("HTTP"),
						Validators:          []validator.String{stringvalidator.OneOf("HTTP", "HTTPS", "TCP")},
						MarkdownDescription: "`HTTP` (default), `HTTPS` or `TCP`. PowerDNS has ordered sets only for HTTP(S) checks.",
					},
					"port": schema.Int64Attribute{
						Optional: true, Computed: true,
						Validators:          []validator.Int64{int64validator.Between(1, 65535)},
						MarkdownDescription: "Port probed (default 80 for HTTP, 443 for HTTPS; required for TCP).",
					},
					"path": schema.StringAttribute{
						Optional: true, Computed: true,
						MarkdownDescription: "Path of HTTP(S) probes (default `/`); a target is up while it answers with success (PowerDNS counts 4xx and 5xx answers as down). Null for TCP.",
					},
					"interval": schema.Int64Attribute{
						Optional: true, Computed: true, Default: int64default.StaticInt64(30),
						Validators:          []validator.Int64{int64validator.Between(1, 3600)},
						MarkdownDescription: "Seconds between probes (default 30; Route 53 allows 10 or 30).",
					},
					"threshold": schema.Int64Attribute{
						Optional: true, Computed: true, Default: int64default.StaticInt64(3),
						Validators:          []validator.Int64{int64validator.Between(1, 10)},
						MarkdownDescription: "Failed probes before a target is out (default 3).",
					},
				},
			},
		},
	}
}

func (r *dnsFailoverResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

// ValidateConfig checks what the schema cannot: the blocks are present and
// each target has something to answer.
func (r *dnsFailoverResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if !dnsBlocksKnown(req.Config.Raw) {
		return // checked again once the values are known
	}
	var m dnsFailoverModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.HealthCheck == nil {
		resp.Diagnostics.AddAttributeError(path.Root("health_check"), "Missing health_check block", "ha_dns_failover needs a health_check block saying how targets are probed.")
	}
	if len(m.Targets) == 0 {
		resp.Diagnostics.AddAttributeError(path.Root("target"), "Missing target", "ha_dns_failover needs at least one target block, the primary first.")
	}
	for i, t := range m.Targets {
		p := path.Root("target").AtListIndex(i)
		if t.Addresses.IsUnknown() || t.DNSName.IsUnknown() {
			continue
		}
		hasAddr := !t.Addresses.IsNull() && len(t.Addresses.Elements()) > 0
		hasAlias := !t.DNSName.IsNull() && t.DNSName.ValueString() != ""
		if hasAddr == hasAlias {
			resp.Diagnostics.AddAttributeError(p, "Invalid target", "Set either addresses or dns_name (with zone_id), not both and not neither.")
		}
		if hasAlias && m.Backend.ValueString() == "powerdns" {
			resp.Diagnostics.AddAttributeError(p.AtName("dns_name"), "Invalid target", "PowerDNS answers addresses: use addresses instead of dns_name.")
		}
	}
	if m.Backend.ValueString() == "clouddns" {
		validateCloudDNSTargets(m.Targets, &resp.Diagnostics)
	}
	mode := m.Mode.ValueString()
	if m.Mode.IsNull() {
		mode = "failover"
	}
	if hc := m.HealthCheck; hc != nil && hc.Protocol.ValueString() == "TCP" && m.Backend.ValueString() == "powerdns" && mode == "failover" && len(m.Targets) > 1 {
		resp.Diagnostics.AddAttributeError(path.Root("health_check").AtName("protocol"), "Unsupported health check",
			"PowerDNS has no ordered TCP checks (ifportup takes one flat list): use an HTTP or HTTPS health_check for priority failover, "+
				"or mode = \"weighted\" to answer every target that accepts connections.")
	}
	if hc := m.HealthCheck; hc != nil && hc.Protocol.ValueString() == "TCP" {
		if hc.Port.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("health_check").AtName("port"), "Missing port", "TCP health checks need a port.")
		}
		if !hc.Path.IsNull() && !hc.Path.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root("health_check").AtName("path"), "Invalid path", "TCP health checks have no path.")
		}
	}
}

// ModifyPlan fills the port and path defaults that depend on the protocol,
// and computes detection_seconds so that it is known at plan time.
func (r *dnsFailoverResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || !dnsBlocksKnown(req.Plan.Raw) {
		return // detection_seconds stays unknown until the blocks are known
	}
	if !req.State.Raw.IsNull() && req.Plan.Raw.Equal(req.State.Raw) {
		// Nothing changed (the usual no-change plan): the refreshed state
		// already holds the defaults and detection_seconds this would set.
		return
	}
	var m dnsFailoverModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &m)...)
	if resp.Diagnostics.HasError() || m.HealthCheck == nil {
		return
	}
	hc := m.HealthCheck
	if !hc.Protocol.IsUnknown() {
		proto := hc.Protocol.ValueString()
		if hc.Port.IsUnknown() {
			switch proto {
			case "HTTP":
				hc.Port = types.Int64Value(80)
			case "HTTPS":
				hc.Port = types.Int64Value(443)
			}
		}
		if hc.Path.IsUnknown() {
			if proto == "TCP" {
				hc.Path = types.StringNull()
			} else {
				hc.Path = types.StringValue("/")
			}
		}
	}
	m.DetectionSeconds = types.Int64Unknown()
	if !hc.Interval.IsUnknown() && !hc.Threshold.IsUnknown() && !m.TTL.IsUnknown() && !m.Backend.IsUnknown() {
		m.DetectionSeconds = types.Int64Value(int64(r.detectionSeconds(ctx, &m)))
	}
	// Record and health-check ids follow the targets (Route 53 keeps one
	// record and check per target, in order): when what shapes them
	// changes, the ids are known only after apply.
	if !req.State.Raw.IsNull() {
		was, will := tfmodel.Attrs(req.State.Raw), tfmodel.Attrs(req.Plan.Raw)
		for _, name := range []string{"target", "health_check", "mode", "record_type"} {
			if w, ok := was[name]; !ok || !w.Equal(will[name]) {
				m.RecordIDs = types.ListUnknown(types.StringType)
				m.HealthCheckIDs = types.ListUnknown(types.StringType)
				break
			}
		}
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.Plan, &m)...)
}

func (r *dnsFailoverResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan dnsFailoverModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	backend, ok := r.backend(ctx, &plan, &resp.Diagnostics, "create")
	if !ok {
		return
	}
	spec := plan.spec()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	st, err := backend.Apply(ctx, spec, nil)
	if err != nil {
		resp.Diagnostics.AddError(dnsChangeError("Unable to create DNS failover record", spec.FQDN, err))
		return
	}
	plan.setStatus(st)
	plan.ID = types.StringValue(dnsImportID(plan.Backend.ValueString(), spec.Zone, spec.FQDN, spec.RecordType))
	plan.DetectionSeconds = types.Int64Value(int64(r.detectionSeconds(ctx, &plan)))
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *dnsFailoverResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state dnsFailoverModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	backend, ok := r.backend(ctx, &state, &resp.Diagnostics, "read")
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	st, err := backend.Read(ctx, state.spec(), state.status())
	if errors.Is(err, dnsfailover.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil && keepDNSOnOutage(&resp.Diagnostics, state.spec().FQDN, err) {
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to read DNS failover record", err.Error())
		return
	}
	state.setStatus(st)
	if state.ID.IsNull() || state.ID.ValueString() == "" {
		state.ID = types.StringValue(dnsImportID(state.Backend.ValueString(), st.Spec.Zone, st.Spec.FQDN, st.Spec.RecordType))
	}
	state.DetectionSeconds = types.Int64Value(int64(r.detectionSeconds(ctx, &state)))
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &state)...)
}

func (r *dnsFailoverResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state dnsFailoverModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	backend, ok := r.backend(ctx, &plan, &resp.Diagnostics, "update")
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	st, err := backend.Apply(ctx, plan.spec(), state.status())
	if err != nil {
		resp.Diagnostics.AddError(dnsChangeError("Unable to update DNS failover record", plan.spec().FQDN, err))
		return
	}
	plan.setStatus(st)
	plan.ID = state.ID
	plan.DetectionSeconds = types.Int64Value(int64(r.detectionSeconds(ctx, &plan)))
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *dnsFailoverResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state dnsFailoverModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	backend, ok := r.backend(ctx, &state, &resp.Diagnostics, "delete")
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := backend.Delete(ctx, state.status()); err != nil {
		resp.Diagnostics.AddError("Unable to delete DNS failover record", err.Error())
	}
}

// ImportState takes BACKEND/ZONE/FQDN[/RECORD_TYPE], for example
// powerdns/example.test/www.example.test/A (Route 53: the hosted zone name).
func (r *dnsFailoverResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts := strings.Split(req.ID, "/")
	if len(parts) == 3 {
		parts = append(parts, "A")
	}
	if len(parts) != 4 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("Expected BACKEND/ZONE/FQDN[/RECORD_TYPE] such as powerdns/example.test/www.example.test/A, got %q.", req.ID))
		return
	}
	backend, zone, fqdn, typ := parts[0], parts[1], parts[2], strings.ToUpper(parts[3])
	if typ != "A" && typ != "AAAA" {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("The record type must be A or AAAA, got %q.", parts[3]))
		return
	}
	set := func(name string, v attr.Value) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(name), v)...)
	}
	set("id", types.StringValue(dnsImportID(backend, zone, fqdn, typ)))
	set("backend", types.StringValue(backend))
	set("zone", types.StringValue(strings.TrimSuffix(zone, ".")))
	set("fqdn", types.StringValue(strings.TrimSuffix(fqdn, ".")))
	set("record_type", types.StringValue(typ))
	set("create_zone", types.BoolValue(false))
}

// backend returns the backend named by the model, as an error diagnostic
// on the backend attribute when it cannot be made.
func (r *dnsFailoverResource) backend(ctx context.Context, m *dnsFailoverModel, diags *diag.Diagnostics, verb string) (dnsfailover.Backend, bool) {
	if r.data == nil {
		diags.AddError("Unable to "+verb+" DNS failover record", errNoProvider.Error())
		return nil, false
	}
	b, err := r.data.dnsFailoverBackend(ctx, m.Backend.ValueString(), m.Location.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("backend"), "Unable to "+verb+" DNS failover record", err.Error())
		return nil, false
	}
	return b, true
}

// detectionSeconds is interval × threshold + TTL, with the server's own
// probe interval when the backend has one and it is slower. A server that
// cannot be asked (plan before it exists) leaves the configured interval.
func (r *dnsFailoverResource) detectionSeconds(ctx context.Context, m *dnsFailoverModel) int {
	hc := dnsfailover.HealthCheck{Interval: int(m.HealthCheck.Interval.ValueInt64()), Threshold: int(m.HealthCheck.Threshold.ValueInt64())}
	ttl := int(m.TTL.ValueInt64())
	if r.data == nil {
		return dnsfailover.DetectionSeconds(hc, ttl)
	}
	b, err := r.data.dnsFailoverBackend(ctx, m.Backend.ValueString(), m.Location.ValueString())
	if err != nil {
		return dnsfailover.DetectionSeconds(hc, ttl)
	}
	si, ok := b.(dnsfailover.ServerCheckInterval)
	if !ok {
		return dnsfailover.DetectionSeconds(hc, ttl)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	n, err := si.ServerCheckInterval(ctx)
	if err != nil {
		return dnsfailover.DetectionSeconds(hc, ttl)
	}
	return dnsfailover.EffectiveDetectionSeconds(hc, ttl, n)
}

func dnsImportID(backend, zone, fqdn, recordType string) string {
	return backend + "/" + strings.TrimSuffix(zone, ".") + "/" + strings.TrimSuffix(fqdn, ".") + "/" + strings.ToUpper(recordType)
}

// dnsBoolRequiresReplace replaces the resource when a known bool changes
// (create_zone: which side owns the zone cannot change in place).
type dnsBoolRequiresReplace struct{}

func (dnsBoolRequiresReplace) Description(context.Context) string {
	return "Changing the value replaces the resource."
}

func (m dnsBoolRequiresReplace) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (dnsBoolRequiresReplace) PlanModifyBool(_ context.Context, req planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || req.PlanValue.IsUnknown() || req.StateValue.IsNull() {
		return
	}
	if !req.PlanValue.Equal(req.StateValue) {
		resp.RequiresReplace = true
	}
}

// sameName keeps the user's spelling of a DNS name when the backend returns
// it in canonical form (lower case, trailing dot).
func dnsSameName(prior types.String, read string) types.String {
	if !prior.IsNull() && !prior.IsUnknown() && dnsCanonicalName(prior.ValueString()) == dnsCanonicalName(read) {
		return prior
	}
	return types.StringValue(strings.TrimSuffix(read, "."))
}

func dnsCanonicalName(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}

// dnsBlocksKnown reports whether the target and health_check blocks of an
// object value (configuration or plan) are known. A dynamic block over
// values not yet known (a module passing a data source's output, or
// terraform validate) makes them unknown, which the model's slice and
// pointer cannot hold. It reads the raw value: a path lookup through the
// framework costs more than the rest of a validation.
func dnsBlocksKnown(raw tftypes.Value) bool {
	if !raw.IsKnown() {
		return false
	}
	attrs := tfmodel.Attrs(raw) // nil for a null object: no blocks, nothing unknown
	targets, hc := attrs["target"], attrs["health_check"]
	if !targets.IsKnown() || !hc.IsKnown() {
		return false
	}
	for _, e := range tfmodel.Elements(targets) {
		if !e.IsKnown() {
			return false
		}
	}
	return true
}

// rawKnownString is a known, non-null string value; ok is false otherwise.
func rawKnownString(v tftypes.Value) (string, bool) {
	var s string
	if !v.IsKnown() || v.IsNull() || v.As(&s) != nil {
		return "", false
	}
	return s, true
}

type dnsFailoverModel struct {
	ID               types.String             `tfsdk:"id"`
	Backend          types.String             `tfsdk:"backend"`
	Location         types.String             `tfsdk:"location"`
	FQDN             types.String             `tfsdk:"fqdn"`
	Zone             types.String             `tfsdk:"zone"`
	CreateZone       types.Bool               `tfsdk:"create_zone"`
	TTL              types.Int64              `tfsdk:"ttl"`
	Mode             types.String             `tfsdk:"mode"`
	RecordType       types.String             `tfsdk:"record_type"`
	Component        types.String             `tfsdk:"component"`
	Blueprint        types.String             `tfsdk:"blueprint"`
	ZoneID           types.String             `tfsdk:"zone_id"`
	RecordIDs        types.List               `tfsdk:"record_ids"`
	HealthCheckIDs   types.List               `tfsdk:"health_check_ids"`
	DetectionSeconds types.Int64              `tfsdk:"detection_seconds"`
	Targets          []dnsFailoverTargetModel `tfsdk:"target"`
	HealthCheck      *dnsFailoverCheckModel   `tfsdk:"health_check"`
}

type dnsFailoverTargetModel struct {
	Name      types.String `tfsdk:"name"`
	Addresses types.List   `tfsdk:"addresses"`
	DNSName   types.String `tfsdk:"dns_name"`
	ZoneID    types.String `tfsdk:"zone_id"`
	Weight    types.Int64  `tfsdk:"weight"`
}

type dnsFailoverCheckModel struct {
	Protocol  types.String `tfsdk:"protocol"`
	Port      types.Int64  `tfsdk:"port"`
	Path      types.String `tfsdk:"path"`
	Interval  types.Int64  `tfsdk:"interval"`
	Threshold types.Int64  `tfsdk:"threshold"`
}

// spec is the backend's view of the model.
func (m *dnsFailoverModel) spec() dnsfailover.Spec {
	s := dnsfailover.Spec{
		FQDN:       m.FQDN.ValueString(),
		Zone:       m.Zone.ValueString(),
		CreateZone: m.CreateZone.ValueBool(),
		TTL:        int(m.TTL.ValueInt64()),
		Mode:       m.Mode.ValueString(),
		RecordType: m.RecordType.ValueString(),
		Tags:       map[string]string{},
	}
	if v := m.Component.ValueString(); v != "" {
		s.Tags["ha:component"] = v
	}
	if v := m.Blueprint.ValueString(); v != "" {
		s.Tags["ha:blueprint"] = v
	}
	if len(s.Tags) == 0 {
		s.Tags = nil
	}
	for _, t := range m.Targets {
		tg := dnsfailover.Target{
			Name:    t.Name.ValueString(),
			DNSName: t.DNSName.ValueString(),
			ZoneID:  t.ZoneID.ValueString(),
			Weight:  int(t.Weight.ValueInt64()),
		}
		for _, e := range t.Addresses.Elements() {
			if sv, ok := e.(types.String); ok {
				tg.Addresses = append(tg.Addresses, sv.ValueString())
			}
		}
		s.Targets = append(s.Targets, tg)
	}
	if hc := m.HealthCheck; hc != nil {
		s.HealthCheck = dnsfailover.HealthCheck{
			Protocol:  hc.Protocol.ValueString(),
			Port:      int(hc.Port.ValueInt64()),
			Path:      hc.Path.ValueString(),
			Interval:  int(hc.Interval.ValueInt64()),
			Threshold: int(hc.Threshold.ValueInt64()),
		}
	}
	return s
}

// status is what the state says the backend holds.
func (m *dnsFailoverModel) status() *dnsfailover.Status {
	return &dnsfailover.Status{
		Spec:           m.spec(),
		ZoneID:         m.ZoneID.ValueString(),
		RecordIDs:      dnsStringsOf(m.RecordIDs),
		HealthCheckIDs: dnsStringsOf(m.HealthCheckIDs),
		ZoneCreated:    m.CreateZone.ValueBool(),
	}
}

// setStatus writes what the backend read into the model, so that changes
// made outside Terraform show in the next plan.
func (m *dnsFailoverModel) setStatus(st *dnsfailover.Status) {
	s := st.Spec
	m.FQDN = dnsSameName(m.FQDN, s.FQDN)
	m.Zone = dnsSameName(m.Zone, s.Zone)
	m.TTL = types.Int64Value(int64(s.TTL))
	m.Mode = types.StringValue(s.Mode)
	m.RecordType = types.StringValue(s.RecordType)
	// Backends that keep no tags return nil; the configured values stand.
	if s.Tags != nil {
		m.Component = dnsTagValue(s.Tags, "ha:component")
		m.Blueprint = dnsTagValue(s.Tags, "ha:blueprint")
	}
	m.ZoneID = types.StringValue(st.ZoneID)
	m.RecordIDs = dnsListOf(st.RecordIDs)
	m.HealthCheckIDs = dnsListOf(st.HealthCheckIDs)

	targets := make([]dnsFailoverTargetModel, len(s.Targets))
	for i, t := range s.Targets {
		tm := dnsFailoverTargetModel{
			Name:      types.StringValue(t.Name),
			Addresses: types.ListNull(types.StringType),
			DNSName:   types.StringNull(),
			ZoneID:    types.StringNull(),
			Weight:    types.Int64Value(int64(t.Weight)),
		}
		if len(t.Addresses) > 0 {
			tm.Addresses = dnsListOf(t.Addresses)
		}
		if t.DNSName != "" {
			tm.DNSName = types.StringValue(t.DNSName)
		}
		if t.ZoneID != "" {
			tm.ZoneID = types.StringValue(t.ZoneID)
		}
		targets[i] = tm
	}
	m.Targets = targets
	hc := s.HealthCheck
	m.HealthCheck = &dnsFailoverCheckModel{
		Protocol:  types.StringValue(hc.Protocol),
		Port:      types.Int64Value(int64(hc.Port)),
		Path:      types.StringNull(),
		Interval:  types.Int64Value(int64(hc.Interval)),
		Threshold: types.Int64Value(int64(hc.Threshold)),
	}
	if hc.Path != "" {
		m.HealthCheck.Path = types.StringValue(hc.Path)
	}
}

func dnsTagValue(tags map[string]string, key string) types.String {
	if v, ok := tags[key]; ok {
		return types.StringValue(v)
	}
	return types.StringNull()
}

func dnsStringsOf(l types.List) []string {
	out := []string{}
	for _, e := range l.Elements() {
		if s, ok := e.(types.String); ok {
			out = append(out, s.ValueString())
		}
	}
	return out
}

func dnsListOf(ss []string) types.List {
	vals := make([]attr.Value, len(ss))
	for i, s := range ss {
		vals[i] = types.StringValue(s)
	}
	return types.ListValueMust(types.StringType, vals)
}

// validateCloudDNSTargets refuses at plan time what a Cloud DNS routing
// policy cannot hold: one target (primary-backup needs a backup) and alias
// targets (its health-checked targets are addresses).
func validateCloudDNSTargets(targets []dnsFailoverTargetModel, diags *diag.Diagnostics) {
	if len(targets) == 1 {
		diags.AddAttributeError(path.Root("target"), "Cloud DNS failover with one target",
			"backend clouddns has one target: a primary-backup (or weighted) routing policy needs a second target to fail over to. Add a target block for another region.")
	}
	for i, t := range targets {
		if !t.DNSName.IsNull() && !t.DNSName.IsUnknown() && t.DNSName.ValueString() != "" {
			diags.AddAttributeError(path.Root("target").AtListIndex(i).AtName("dns_name"), "Invalid target",
				"Cloud DNS health-checked targets are addresses: use addresses instead of dns_name.")
		}
	}
}
