package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/lazyregexp"
	lb "github.com/ha-blueprints/terraform-provider-ha/internal/loadbalancer"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ resource.Resource                   = &loadBalancerResource{}
	_ resource.ResourceWithConfigure      = &loadBalancerResource{}
	_ resource.ResourceWithImportState    = &loadBalancerResource{}
	_ resource.ResourceWithValidateConfig = &loadBalancerResource{}
	_ resource.ResourceWithModifyPlan     = &loadBalancerResource{}
)

// NewLoadBalancerResource is the ha_load_balancer resource.
func NewLoadBalancerResource() resource.Resource { return &loadBalancerResource{} }

type loadBalancerResource struct {
	data *providerData
}

func (r *loadBalancerResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_load_balancer"
}

var awsNameRE = lazyregexp.New(`^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$`)

// commonComputeAttributes are the attributes every AWS compute resource has.
func commonComputeAttributes(what string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"cloud": cloudAttribute(what),
		"id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "Identifier of the " + what + ".",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"name": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "Physical name (the component's `name`): letters, digits and hyphens, at most 32 characters. Changing it replaces the " + what + ".",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			Validators: []validator.String{
				stringvalidator.LengthBetween(1, 32),
				stringvalidator.RegexMatches(awsNameRE.Compiled(), "must be letters, digits and hyphens, not starting or ending with a hyphen"),
			},
		},
		"location": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "Region of the cloud (`us-east-1`, `europe-west1`); one provider block serves every region. Changing it replaces the " + what + ".",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
		},
		"component": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Component key (`east/web/load_balancer`), written to the tag `ha:component`.",
		},
		"blueprint": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Blueprint name, written to the tag `ha:blueprint` so that leftovers can be found.",
		},
		"tags": schema.MapAttribute{
			Optional:            true,
			ElementType:         types.StringType,
			MarkdownDescription: "Further tags. `ha:blueprint` and `ha:component` are reserved.",
		},
		"zones": schema.ListAttribute{
			Required:            true,
			ElementType:         types.StringType,
			MarkdownDescription: "Zones of the location to spread across (`us-east-1a` on AWS, `us-east1-b` on GCP). Zones of another cloud or region are refused at plan time, and on GCP so are zones the region does not have. Changed in place.",
			Validators:          []validator.List{listvalidator.SizeAtLeast(1), listvalidator.UniqueValues()},
		},
	}
}

func (r *loadBalancerResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := commonComputeAttributes("load balancer")
	attrs["id"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "The load balancer ARN.",
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	attrs["layer"] = schema.Int64Attribute{
		Optional:            true,
		Computed:            true,
		Default:             int64default.StaticInt64(7),
		MarkdownDescription: "7 for an application load balancer (HTTP), 4 for a network load balancer (TCP/UDP). Default 7. Changing it replaces the load balancer.",
		PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplace()},
		Validators:          []validator.Int64{int64validator.OneOf(4, 7)},
	}
	attrs["listeners"] = schema.ListNestedAttribute{
		Required:            true,
		MarkdownDescription: "Ports the load balancer listens on; each forwards to the target group. Changed in place.",
		Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"port": schema.Int64Attribute{
				Required:            true,
				MarkdownDescription: "Listener port.",
				Validators:          []validator.Int64{int64validator.Between(1, 65535)},
			},
			"protocol": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "`HTTP` at layer 7; `TCP`, `UDP` or `TCP_UDP` at layer 4. (HTTPS and TLS need certificates, which this resource does not take yet.)",
				Validators:          []validator.String{stringvalidator.OneOf("HTTP", "TCP", "UDP", "TCP_UDP")},
			},
		}},
	}
	attrs["health_check"] = schema.SingleNestedAttribute{
		Required:            true,
		MarkdownDescription: "Health check of the target group. Its `port` is also the port targets serve on.",
		Attributes: map[string]schema.Attribute{
			"protocol": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("HTTP"),
				MarkdownDescription: "`HTTP`, `HTTPS` or (layer 4 only) `TCP`. Default `HTTP`.",
				Validators:          []validator.String{stringvalidator.OneOf("HTTP", "HTTPS", "TCP")},
			},
			"port": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(80),
				MarkdownDescription: "Port the targets serve and are checked on. Default 80. Changing it replaces the load balancer (a target group's port is fixed).",
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplace()},
				Validators:          []validator.Int64{int64validator.Between(1, 65535)},
			},
			"path": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("/"),
				MarkdownDescription: "HTTP(S) path to probe. Default `/`.",
			},
			"interval": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(30),
				MarkdownDescription: "Seconds between probes, 5 to 300. Default 30.",
				Validators:          []validator.Int64{int64validator.Between(5, 300)},
			},
			"timeout": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(5),
				MarkdownDescription: "Seconds before a probe fails, 2 to 120. Default 5.",
				Validators:          []validator.Int64{int64validator.Between(2, 120)},
			},
			"healthy_threshold": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(3),
				MarkdownDescription: "Passing probes before a target is healthy, 2 to 10. Default 3.",
				Validators:          []validator.Int64{int64validator.Between(2, 10)},
			},
			"unhealthy_threshold": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(3),
				MarkdownDescription: "Failing probes before a target is unhealthy, 2 to 10. Default 3.",
				Validators:          []validator.Int64{int64validator.Between(2, 10)},
			},
			"matcher": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("200"),
				MarkdownDescription: "HTTP codes that count as healthy (`200`, `200-299`). Default `200`.",
			},
		},
	}
	for name, desc := range map[string]string{
		"arn":              "ARN of the load balancer.",
		"dns_name":         "DNS name of the load balancer (the alias target for DNS failover).",
		"zone_id":          "Route 53 hosted zone id of the load balancer's DNS name.",
		"target_group_arn": "ARN of the target group; give it to `ha_scaling_group.target_group_arn`.",
		"vpc_id":           "VPC the load balancer is in (the location's default VPC, or one created for it).",
		"address": "IP address clients connect to: on GCP the forwarding rule's address (every listener's rule shares it, " +
			"and it is kept across listener changes); null on AWS, where clients resolve `dns_name`.",
	} {
		attrs[name] = schema.StringAttribute{
			Computed: true, MarkdownDescription: desc,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		}
	}
	attrs["hosts"] = schema.ListNestedAttribute{
		Optional: true,
		MarkdownDescription: "Bare metal: the tier's allocated hosts. Each runs HAProxy (bound to `virtual_address`, ready for the moment " +
			"VRRP moves the address to it) and each is a server of the balancer, checked by `health_check` on its `port`. The " +
			"configuration is delivered over SSH (`bare_metal` provider block) and read back, so a hand edit on a host shows as drift. " +
			"Unused on clouds.",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"name":    schema.StringAttribute{Required: true, MarkdownDescription: "Inventory host name."},
			"address": schema.StringAttribute{Required: true, MarkdownDescription: "Host address."},
			"ssh_host_key": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Pinned SSH host key (`ssh-ed25519 AAAA...`); the provider's `known_hosts` when unset."},
		}},
	}
	attrs["virtual_address"] = schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: "Bare metal: the address clients use, the tier's `ha_virtual_ip`. Unused on clouds.",
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A load balancer across a location's zones: on AWS an application (layer 7) or network " +
			"(layer 4) load balancer with its target group, health check and listeners, placed in the location's " +
			"default VPC (or in a VPC created for it, and deleted with it, where the location has none). " +
			"On bare metal (`cloud = \"bare_metal\"`), HAProxy on the tier's `hosts`, listening on `virtual_address`; " +
			"changes reload it without dropping established connections. " +
			"Creation waits until the load balancer is active.",
		Attributes: attrs,
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *loadBalancerResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

func (r *loadBalancerResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateCloud(ctx, req.Config, lb.Registry, "ha_load_balancer", &resp.Diagnostics)
	validateCloudValues(ctx, req.Config, false, &resp.Diagnostics)
	// Read attribute by attribute: any of them may be unknown here (a value
	// from a data source, say), which the resource model cannot hold.
	var layerV types.Int64
	var listeners types.List
	var hcProtocol types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("layer"), &layerV)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("listeners"), &listeners)...)
	var hc types.Object
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("health_check"), &hc)...)
	if resp.Diagnostics.HasError() || layerV.IsUnknown() {
		return
	}
	if !hc.IsNull() && !hc.IsUnknown() {
		if p, ok := hc.Attributes()["protocol"].(types.String); ok {
			hcProtocol = p
		}
	}
	layer := int64(7)
	if !layerV.IsNull() {
		layer = layerV.ValueInt64()
	}
	if !listeners.IsNull() && !listeners.IsUnknown() {
		for i, e := range listeners.Elements() {
			o, ok := e.(types.Object)
			if !ok || o.IsUnknown() || o.IsNull() {
				continue
			}
			proto, ok := o.Attributes()["protocol"].(types.String)
			if !ok || proto.IsUnknown() || proto.IsNull() {
				continue
			}
			p := proto.ValueString()
			if (layer == 7) != (p == "HTTP") {
				resp.Diagnostics.AddAttributeError(path.Root("listeners").AtListIndex(i).AtName("protocol"), "Protocol does not fit the layer",
					fmt.Sprintf("protocol %s cannot be used at layer %d (layer 7: HTTP; layer 4: TCP, UDP, TCP_UDP)", p, layer))
			}
		}
	}
	if layer == 7 && hcProtocol.ValueString() == "TCP" {
		resp.Diagnostics.AddAttributeError(path.Root("health_check").AtName("protocol"), "Protocol does not fit the layer",
			"a layer 7 load balancer checks with HTTP or HTTPS")
	}
}

// backend is the load balancer backend of m's cloud in m's location.
func (r *loadBalancerResource) backend(ctx context.Context, m *loadBalancerModel) (lb.Backend, error) {
	if r.data == nil {
		return nil, errNoProvider
	}
	return lb.Open(ctx, cloudOf(m.Cloud), r.data.backends, m.Location.ValueString())
}

func (r *loadBalancerResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planCloudSettings(ctx, req.Plan, r.data, "ha_load_balancer", &resp.Diagnostics)
	if resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	planZonesExist(ctx, req, func(c backend.Cloud, location string) (any, error) {
		return lb.Open(ctx, c, r.data.backends, location)
	}, &resp.Diagnostics)
}

func (r *loadBalancerResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan loadBalancerModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, 10*time.Minute)
	resp.Diagnostics.Append(diags...)
	spec, diags := plan.spec(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b, err := r.backend(ctx, &plan)
	if err != nil {
		resp.Diagnostics.AddError("Unable to create load balancer", awsErrorDetail(plan.Component, plan.Name, err))
		return
	}
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		if st != nil && st.ID != "" {
			// Keep what exists in state (tainted) so it is not lost.
			plan.ID, plan.ARN = types.StringValue(st.ID), types.StringValue(st.ID)
			plan.DNSName, plan.ZoneID, plan.TargetGroupARN, plan.VPCID = types.StringNull(), types.StringNull(), types.StringNull(), types.StringNull()
			plan.Address = types.StringNull()
			plan.Cloud = cloudValue(plan.Cloud)
			resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
		}
		resp.Diagnostics.AddError("Unable to create load balancer", awsErrorDetail(plan.Component, plan.Name, err))
		return
	}
	plan.fromStatus(st)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *loadBalancerResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state loadBalancerModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	b, err := r.backend(ctx, &state)
	if err != nil {
		if keepUnreachable(&resp.Diagnostics, state.lost(), err) {
			return
		}
		resp.Diagnostics.AddError("Unable to read load balancer", awsErrorDetail(state.Component, state.Name, err))
		return
	}
	// An import has only id (or name), location and cloud: spec is partial
	// then, and Read fills in the rest.
	spec, _ := state.spec(ctx)
	st, err := b.Read(ctx, spec, &lb.Status{ID: state.ID.ValueString()})
	if backend.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if keepUnreachable(&resp.Diagnostics, state.lost(), err) {
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to read load balancer", awsErrorDetail(state.Component, state.Name, err))
		return
	}
	state.fromStatus(st)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &state)...)
}

func (r *loadBalancerResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state loadBalancerModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, 10*time.Minute)
	resp.Diagnostics.Append(diags...)
	spec, diags := plan.spec(ctx)
	resp.Diagnostics.Append(diags...)
	prior, diags := state.spec(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b, err := r.backend(ctx, &plan)
	if err != nil {
		resp.Diagnostics.AddError("Unable to update load balancer", awsErrorDetail(plan.Component, plan.Name, err))
		return
	}
	st, err := b.Apply(ctx, spec, state.status(prior))
	if err != nil {
		resp.Diagnostics.AddError("Unable to update load balancer", awsErrorDetail(plan.Component, plan.Name, err))
		return
	}
	plan.ID = state.ID
	plan.fromStatus(st)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *loadBalancerResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state loadBalancerModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, 10*time.Minute)
	resp.Diagnostics.Append(diags...)
	spec, diags := state.spec(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b, err := r.backend(ctx, &state)
	if err == nil {
		err = b.Delete(ctx, state.status(spec))
	}
	if err != nil {
		if forgetUnreachable(&resp.Diagnostics, state.lost(), err) {
			return
		}
		resp.Diagnostics.AddError("Unable to delete load balancer", awsErrorDetail(state.Component, state.Name, err))
	}
}

// ImportState takes the load balancer ARN (its region is the location),
// LOCATION/NAME (AWS), or CLOUD/LOCATION/NAME.
func (r *loadBalancerResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	cloud, location, name := backend.AWS, "", ""
	var arn string
	if strings.HasPrefix(id, "arn:") {
		parts := strings.Split(id, ":")
		if len(parts) < 6 || parts[3] == "" {
			resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("%q is not a load balancer ARN", id))
			return
		}
		location, arn = parts[3], id
	} else {
		var ok bool
		cloud, location, name, ok = parseCloudImportID(id)
		if !ok {
			resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("expected a load balancer ARN, LOCATION/NAME or CLOUD/LOCATION/NAME, got %q", id))
			return
		}
	}
	if arn != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), arn)...)
	}
	if name != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("location"), location)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cloud"), string(cloud))...)
}

// spec turns the plan (or state) into the backend's description.
func (m *loadBalancerModel) spec(ctx context.Context) (lb.Spec, diag.Diagnostics) {
	var diags diag.Diagnostics
	zones, d := stringsOf(ctx, m.Zones)
	diags.Append(d...)
	meta, d := ownedMeta(ctx, m.Name, m.Location, m.Tags, m.Blueprint, m.Component)
	diags.Append(d...)
	s := lb.Spec{Meta: meta, Zones: zones, Layer: int(m.Layer.ValueInt64()), VirtualAddress: m.VirtualAddress.ValueString()}
	for _, h := range m.Hosts {
		a := h.Address.ValueString()
		s.Hosts = append(s.Hosts, a)
		s.Targets = append(s.Targets, a)
		if k := h.SSHHostKey.ValueString(); k != "" {
			if s.HostKeys == nil {
				s.HostKeys = map[string]string{}
			}
			s.HostKeys[a] = k
		}
	}
	for _, l := range m.Listeners {
		s.Listeners = append(s.Listeners, lb.Listener{Port: int(l.Port.ValueInt64()), Protocol: l.Protocol.ValueString()})
	}
	if hc := m.HealthCheck; hc != nil {
		s.HealthCheck = lb.HealthCheck{
			Protocol: hc.Protocol.ValueString(), Port: int(hc.Port.ValueInt64()), Path: hc.Path.ValueString(),
			Interval: int(hc.Interval.ValueInt64()), Timeout: int(hc.Timeout.ValueInt64()),
			HealthyThreshold: int(hc.HealthyThreshold.ValueInt64()), UnhealthyThreshold: int(hc.UnhealthyThreshold.ValueInt64()),
			Matcher: hc.Matcher.ValueString(),
		}
	}
	return s, diags
}

// status is the Status the state records, for Update and Delete.
func (m *loadBalancerModel) status(spec lb.Spec) *lb.Status {
	st := &lb.Status{
		Spec: spec, ID: m.ID.ValueString(), DNSName: m.DNSName.ValueString(), ZoneID: m.ZoneID.ValueString(),
		TargetGroupID: m.TargetGroupARN.ValueString(), NetworkID: m.VPCID.ValueString(),
	}
	if a := m.Address.ValueString(); a != "" {
		st.Addresses = []string{a}
	}
	return st
}

// fromStatus writes what the backend reports into the model, keeping the
// order of zones and listeners where only the order differs.
func (m *loadBalancerModel) fromStatus(st *lb.Status) {
	m.Cloud = cloudValue(m.Cloud)
	m.ID = types.StringValue(st.ID)
	m.ARN = types.StringValue(st.ID)
	m.Name = types.StringValue(st.Spec.Name)
	m.DNSName = types.StringValue(st.DNSName)
	m.ZoneID = types.StringValue(st.ZoneID)
	m.TargetGroupARN = types.StringValue(st.TargetGroupID)
	m.VPCID = types.StringValue(st.NetworkID)
	m.Address = types.StringNull()
	if len(st.Addresses) > 0 && st.Addresses[0] != "" {
		m.Address = types.StringValue(st.Addresses[0])
	}
	if len(m.Hosts) > 0 && len(st.Spec.Targets) == 0 {
		// Bare metal: a host's haproxy.cfg differs from the rendering (a
		// hand edit): show the hosts as changed so that apply rewrites it.
		m.Hosts = nil
	}
	m.Layer = types.Int64Value(int64(st.Spec.Layer))
	m.Zones = keepOrder(m.Zones, st.Spec.Zones)
	m.Tags, m.Blueprint, m.Component = splitMeta(st.Spec.Meta, m.Tags, m.Blueprint, m.Component)

	got := make([]listenerModel, 0, len(st.Spec.Listeners))
	for _, l := range st.Spec.Listeners {
		got = append(got, listenerModel{Port: types.Int64Value(int64(l.Port)), Protocol: types.StringValue(l.Protocol)})
	}
	if !sameListeners(m.Listeners, got) {
		m.Listeners = got
	}

	hc := st.Spec.HealthCheck
	prior := m.HealthCheck
	n := &healthCheckModel{
		Protocol: types.StringValue(hc.Protocol), Port: types.Int64Value(int64(hc.Port)),
		Path: types.StringValue(hc.Path), Interval: types.Int64Value(int64(hc.Interval)),
		Timeout: types.Int64Value(int64(hc.Timeout)), HealthyThreshold: types.Int64Value(int64(hc.HealthyThreshold)),
		UnhealthyThreshold: types.Int64Value(int64(hc.UnhealthyThreshold)), Matcher: types.StringValue(hc.Matcher),
	}
	if hc.Protocol == "TCP" {
		// TCP checks have no path or matcher; keep the configured (or
		// default) values rather than show a diff that cannot be applied.
		n.Path, n.Matcher = types.StringValue("/"), types.StringValue("200")
		if prior != nil {
			n.Path, n.Matcher = prior.Path, prior.Matcher
		}
	}
	m.HealthCheck = n
}

func (m *loadBalancerModel) lost() lostObject {
	return newLostObject("load balancer", m.Name, m.Component, m.Blueprint, m.Location)
}

func sameListeners(a, b []listenerModel) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, l := range a {
		seen[l.Port.String()+"/"+l.Protocol.ValueString()]++
	}
	for _, l := range b {
		k := l.Port.String() + "/" + l.Protocol.ValueString()
		if seen[k] == 0 {
			return false
		}
		seen[k]--
	}
	return true
}

type loadBalancerModel struct {
	ID             types.String      `tfsdk:"id"`
	Cloud          types.String      `tfsdk:"cloud"`
	Name           types.String      `tfsdk:"name"`
	Location       types.String      `tfsdk:"location"`
	Component      types.String      `tfsdk:"component"`
	Blueprint      types.String      `tfsdk:"blueprint"`
	Tags           types.Map         `tfsdk:"tags"`
	Zones          types.List        `tfsdk:"zones"`
	Layer          types.Int64       `tfsdk:"layer"`
	Listeners      []listenerModel   `tfsdk:"listeners"`
	HealthCheck    *healthCheckModel `tfsdk:"health_check"`
	ARN            types.String      `tfsdk:"arn"`
	DNSName        types.String      `tfsdk:"dns_name"`
	ZoneID         types.String      `tfsdk:"zone_id"`
	TargetGroupARN types.String      `tfsdk:"target_group_arn"`
	VPCID          types.String      `tfsdk:"vpc_id"`
	Address        types.String      `tfsdk:"address"`
	Timeouts       timeouts.Value    `tfsdk:"timeouts"`
	Hosts          []lbHostModel     `tfsdk:"hosts"`
	VirtualAddress types.String      `tfsdk:"virtual_address"`
}

type lbHostModel struct {
	Name       types.String `tfsdk:"name"`
	Address    types.String `tfsdk:"address"`
	SSHHostKey types.String `tfsdk:"ssh_host_key"`
}

type listenerModel struct {
	Port     types.Int64  `tfsdk:"port"`
	Protocol types.String `tfsdk:"protocol"`
}

type healthCheckModel struct {
	Protocol           types.String `tfsdk:"protocol"`
	Port               types.Int64  `tfsdk:"port"`
	Path               types.String `tfsdk:"path"`
	Interval           types.Int64  `tfsdk:"interval"`
	Timeout            types.Int64  `tfsdk:"timeout"`
	HealthyThreshold   types.Int64  `tfsdk:"healthy_threshold"`
	UnhealthyThreshold types.Int64  `tfsdk:"unhealthy_threshold"`
	Matcher            types.String `tfsdk:"matcher"`
}
