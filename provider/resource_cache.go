package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	awsbackend "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/aws/cachegroup" // registers the AWS cache backend
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/cache"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ resource.Resource                   = &cacheResource{}
	_ resource.ResourceWithConfigure      = &cacheResource{}
	_ resource.ResourceWithImportState    = &cacheResource{}
	_ resource.ResourceWithModifyPlan     = &cacheResource{}
	_ resource.ResourceWithValidateConfig = &cacheResource{}
)

// NewCacheResource is the ha_cache resource: one replication group of the
// cache component (a session store).
func NewCacheResource() resource.Resource { return &cacheResource{} }

type cacheResource struct {
	data *providerData
}

func (r *cacheResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cache"
}

func (r *cacheResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	replaceBool := []planmodifier.Bool{boolplanmodifier.UseStateForUnknown(), boolplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One replication group of the `cache` component (a session store): on AWS an ElastiCache " +
			"Redis OSS or Valkey group with cluster mode disabled, a primary and `replicas` spread over `zones`, Multi-AZ " +
			"with automatic failover, encryption in transit and at rest. A standby region gets its own group " +
			"(`replication = \"per_region\"`); Global Datastore membership (`global_datastore`) is not managed in this " +
			"version, and the resource says so with a warning.\n\n" +
			"With `cloud = \"bare_metal\"` the group is Redis with Sentinel on `hosts` (one Redis and one Sentinel each, at " +
			"least 3 hosts, the master and its first replica on different power feeds), delivered over SSH (`bare_metal` " +
			"provider block) like `ha_virtual_ip`: files written only when their content changed, Redis and Sentinel " +
			"restarted where they did, each host's files read back (`config_sha256`), so a hand edit shows as drift. " +
			"Sentinel promotes a replica `down_after_ms` after the master stops answering (`failover_seconds` is the " +
			"planned worst case). Import bare-metal groups as `bare_metal/SITE/NAME`; the next apply takes the hosts from configuration.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The group ARN.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"cloud": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("aws"),
				MarkdownDescription: "Cloud (`aws` or `bare_metal`). Changing it replaces the group.", PlanModifiers: replace,
				Validators: []validator.String{stringvalidator.OneOf("aws", "bare_metal")},
			},
			"location": schema.StringAttribute{Required: true, MarkdownDescription: "Region of the group (the site on bare metal). Changing it replaces the group.", PlanModifiers: replace},
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "Replication group id. Changing it replaces the group.", PlanModifiers: replace,
				Validators: []validator.String{stringvalidator.RegexMatches(regexpMust(`^[a-z][a-z0-9-]{0,39}$`), "1 to 40 lower-case letters, digits and hyphens, starting with a letter")},
			},
			"component": schema.StringAttribute{Optional: true, MarkdownDescription: "Component key (`east/sessions/cache`), written to the tag `ha:component`."},
			"blueprint": schema.StringAttribute{Optional: true, MarkdownDescription: "Blueprint name, written to the tag `ha:blueprint`."},
			"tags":      schema.MapAttribute{ElementType: types.StringType, Optional: true, MarkdownDescription: "Additional tags. Keys starting with `ha:` are reserved."},
			"engine": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "`valkey` (default on AWS) or `redis` (default and only choice on bare metal). Changing it replaces the group.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{stringvalidator.OneOf("valkey", "redis")},
			},
			"engine_version": schema.StringAttribute{Optional: true, MarkdownDescription: "Engine version (`7.2`); required on AWS. Changed in place."},
			"node_type":      schema.StringAttribute{Optional: true, MarkdownDescription: "Node type (`cache.t3.micro`); required on AWS. Changed in place."},
			"replicas": schema.Int64Attribute{
				Optional: true, Computed: true, PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
				MarkdownDescription: "Replica nodes besides the primary (0 to 5, default 1 on AWS; on bare metal one host less than `hosts`). Changed in place.",
				Validators:          []validator.Int64{int64validator.Between(0, 5)},
			},
			"zones": schema.ListAttribute{
				ElementType: types.StringType, Optional: true, PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
				MarkdownDescription: "Zones the nodes are spread over, in order (primary first); required on AWS. Changing them replaces the group.",
			},
			"multi_az":           schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true), MarkdownDescription: "Multi-AZ (default `true`)."},
			"automatic_failover": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true), MarkdownDescription: "Promote a replica when the primary fails (default `true`)."},
			"transit_encryption": schema.BoolAttribute{
				Optional: true, Computed: true, PlanModifiers: replaceBool,
				MarkdownDescription: "TLS between clients and nodes (default `true` on AWS; `false` on bare metal, which has no TLS in this version). Changing it replaces the group.",
			},
			"at_rest_encryption": schema.BoolAttribute{
				Optional: true, Computed: true, PlanModifiers: replaceBool,
				MarkdownDescription: "Encrypt data on disk and in backups (default `true` on AWS; `false` on bare metal). Changing it replaces the group.",
			},
			"role":        schema.StringAttribute{Optional: true, MarkdownDescription: "`primary` or `standby`, from the blueprint (informational)."},
			"primary":     schema.StringAttribute{Optional: true, MarkdownDescription: "Component key of the primary group a standby belongs to (informational)."},
			"replication": schema.StringAttribute{Optional: true, MarkdownDescription: "`per_region`, `global_datastore` or `\"\"`, from the blueprint."},
			"primary_endpoint": schema.StringAttribute{
				Computed: true, MarkdownDescription: "host:port of the writable node.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"reader_endpoint": schema.StringAttribute{
				Computed: true, MarkdownDescription: "host:port spreading reads over the replicas.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Group ARN.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
	for k, a := range bareMetalCacheAttributes() {
		resp.Schema.Attributes[k] = a
	}
}

func (r *cacheResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

func (r *cacheResource) backend(ctx context.Context, m *cacheModel) (cache.Backend, error) {
	return cache.Open(ctx, backend.Cloud(m.Cloud.ValueString()), r.data.backends, m.Location.ValueString())
}

func (r *cacheResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan cacheModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, 60*time.Minute)
	resp.Diagnostics.Append(diags...)
	spec, ok := plan.spec(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b, err := r.backend(ctx, &plan)
	if err != nil {
		resp.Diagnostics.AddError("Unable to create cache", err.Error())
		return
	}
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		addAWSError(&resp.Diagnostics, "create cache", componentLabel(plan.Component, spec.Name), err)
		if st2, rerr := b.Read(ctx, spec, nil); rerr == nil {
			// Created but not (yet) ready: kept, so destroy removes it.
			resp.Diagnostics.Append(plan.fromStatus(ctx, st2)...)
			resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
		}
		return
	}
	r.warnReplication(&plan, &resp.Diagnostics)
	resp.Diagnostics.Append(plan.fromStatus(ctx, st)...)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *cacheResource) warnReplication(m *cacheModel, diags *diag.Diagnostics) {
	if m.Replication.ValueString() == "global_datastore" {
		diags.AddAttributeWarning(path.Root("replication"), "Global Datastore not managed",
			fmt.Sprintf("Cache %s is a %s group of a Global Datastore in the blueprint, but this provider version creates each region's group on its own: "+
				"sessions are not copied across regions until the groups are joined to a Global Datastore (outside this provider).",
				m.Name.ValueString(), m.Role.ValueString()))
	}
}

func (r *cacheResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state cacheModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	b, err := r.backend(ctx, &state)
	if err != nil {
		resp.Diagnostics.AddError("Unable to read cache", err.Error())
		return
	}
	prev, _ := state.spec(ctx, &resp.Diagnostics)
	st, err := b.Read(ctx, prev, &cache.Status{Spec: prev, ID: state.ARN.ValueString()})
	switch {
	case errors.Is(err, backend.ErrNotFound):
		resp.State.RemoveResource(ctx)
		return
	case keepUnreachable(&resp.Diagnostics, state.lost(), err):
		return
	case err != nil:
		addAWSError(&resp.Diagnostics, "read cache", componentLabel(state.Component, state.Name.ValueString()), err)
		return
	}
	resp.Diagnostics.Append(state.fromStatus(ctx, st)...)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &state)...)
}

func (r *cacheResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state cacheModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, 60*time.Minute)
	resp.Diagnostics.Append(diags...)
	spec, ok := plan.spec(ctx, &resp.Diagnostics)
	prev, ok2 := state.spec(ctx, &resp.Diagnostics)
	if !ok || !ok2 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b, err := r.backend(ctx, &plan)
	if err != nil {
		resp.Diagnostics.AddError("Unable to update cache", err.Error())
		return
	}
	st, err := b.Apply(ctx, spec, &cache.Status{Spec: prev, ID: state.ARN.ValueString()})
	if err != nil {
		if errors.Is(err, cache.ErrNotImplemented) {
			resp.Diagnostics.AddError("Unable to update cache",
				fmt.Sprintf("%s: this AWS endpoint does not implement the change (%v). Node type, engine version and replica count can only be set at creation here.",
					componentLabel(plan.Component, spec.Name), err))
			return
		}
		addAWSError(&resp.Diagnostics, "update cache", componentLabel(plan.Component, spec.Name), err)
		return
	}
	resp.Diagnostics.Append(plan.fromStatus(ctx, st)...)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *cacheResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state cacheModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, 60*time.Minute)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b, err := r.backend(ctx, &state)
	if err != nil {
		resp.Diagnostics.AddError("Unable to delete cache", err.Error())
		return
	}
	spec, _ := state.spec(ctx, &resp.Diagnostics)
	err = b.Delete(ctx, &cache.Status{Spec: spec, ID: state.ARN.ValueString()})
	if err != nil && !forgetUnreachable(&resp.Diagnostics, state.lost(), err) {
		addAWSError(&resp.Diagnostics, "delete cache", componentLabel(state.Component, state.Name.ValueString()), err)
	}
}

// ImportState takes LOCATION/NAME (us-east-1/shop-east-sessions).
func (r *cacheResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	cloud, id := "aws", req.ID
	if rest, ok := strings.CutPrefix(id, "bare_metal/"); ok {
		cloud, id = "bare_metal", rest
	}
	location, name, ok := cutImportID(id)
	if !ok {
		resp.Diagnostics.AddError("Invalid import ID", "expected LOCATION/NAME (us-east-1/shop-east-sessions) or bare_metal/SITE/NAME, got "+req.ID)
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("location"), location)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cloud"), cloud)...)
}

type cacheModel struct {
	ID                types.String   `tfsdk:"id"`
	Cloud             types.String   `tfsdk:"cloud"`
	Location          types.String   `tfsdk:"location"`
	Name              types.String   `tfsdk:"name"`
	Component         types.String   `tfsdk:"component"`
	Blueprint         types.String   `tfsdk:"blueprint"`
	Tags              types.Map      `tfsdk:"tags"`
	Engine            types.String   `tfsdk:"engine"`
	EngineVersion     types.String   `tfsdk:"engine_version"`
	NodeType          types.String   `tfsdk:"node_type"`
	Replicas          types.Int64    `tfsdk:"replicas"`
	Zones             types.List     `tfsdk:"zones"`
	MultiAZ           types.Bool     `tfsdk:"multi_az"`
	AutomaticFailover types.Bool     `tfsdk:"automatic_failover"`
	TransitEncryption types.Bool     `tfsdk:"transit_encryption"`
	AtRestEncryption  types.Bool     `tfsdk:"at_rest_encryption"`
	Role              types.String   `tfsdk:"role"`
	Primary           types.String   `tfsdk:"primary"`
	Replication       types.String   `tfsdk:"replication"`
	PrimaryEndpoint   types.String   `tfsdk:"primary_endpoint"`
	ReaderEndpoint    types.String   `tfsdk:"reader_endpoint"`
	ARN               types.String   `tfsdk:"arn"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
	bareMetalCacheModel
}

func (m *cacheModel) spec(ctx context.Context, diags *diag.Diagnostics) (cache.Spec, bool) {
	tags, d := ownedTags(ctx, m.Tags, m.Blueprint, m.Component)
	diags.Append(d...)
	s := cache.Spec{
		Meta:   backend.Meta{Name: m.Name.ValueString(), Location: m.Location.ValueString(), Tags: tags},
		Engine: m.Engine.ValueString(), EngineVersion: m.EngineVersion.ValueString(), NodeType: m.NodeType.ValueString(),
		Replicas: int(m.Replicas.ValueInt64()), MultiAZ: m.MultiAZ.ValueBool(), AutomaticFailover: m.AutomaticFailover.ValueBool(),
		TransitEncryption: m.TransitEncryption.ValueBool(), AtRestEncryption: m.AtRestEncryption.ValueBool(),
	}
	if !m.Zones.IsNull() && !m.Zones.IsUnknown() {
		diags.Append(m.Zones.ElementsAs(ctx, &s.Zones, false)...)
	}
	if m.Cloud.ValueString() == string(backend.BareMetal) {
		s.BareMetal = m.bareMetal(ctx, diags)
	}
	return s, !diags.HasError()
}

func (m *cacheModel) fromStatus(ctx context.Context, st *cache.Status) diag.Diagnostics {
	var diags diag.Diagnostics
	s := st.Spec
	m.ID, m.ARN = types.StringValue(st.ID), types.StringValue(st.ID)
	if m.Cloud.ValueString() == string(backend.BareMetal) {
		m.ARN = types.StringValue("")
	}
	m.Name, m.Location = types.StringValue(s.Name), types.StringValue(s.Location)
	if m.Cloud.IsNull() || m.Cloud.IsUnknown() {
		m.Cloud = types.StringValue("aws")
	}
	m.Engine, m.EngineVersion, m.NodeType = types.StringValue(s.Engine), types.StringValue(s.EngineVersion), types.StringValue(s.NodeType)
	m.Replicas = types.Int64Value(int64(s.Replicas))
	m.MultiAZ, m.AutomaticFailover = types.BoolValue(s.MultiAZ), types.BoolValue(s.AutomaticFailover)
	m.TransitEncryption, m.AtRestEncryption = types.BoolValue(s.TransitEncryption), types.BoolValue(s.AtRestEncryption)
	// Zones the nodes sit in are reported as a set; the order asked for is
	// kept when it names the same zones.
	var prior []string
	if !m.Zones.IsNull() && !m.Zones.IsUnknown() {
		diags.Append(m.Zones.ElementsAs(ctx, &prior, false)...)
	}
	if !sameSet(prior, s.Zones) {
		z, d := types.ListValueFrom(ctx, types.StringType, s.Zones)
		diags.Append(d...)
		m.Zones = z
	}
	m.PrimaryEndpoint, m.ReaderEndpoint = types.StringValue(st.PrimaryEndpoint), types.StringValue(st.ReaderEndpoint)
	diags.Append(m.fromBareMetalStatus(ctx, st)...)
	readTags(awsbackend.Tags(s.Tags, s.Blueprint, s.Component), &m.Tags, &m.Blueprint, &m.Component)
	return diags
}

func sameSet(a, b []string) bool {
	seen := map[string]bool{}
	for _, x := range a {
		seen[x] = true
	}
	other := map[string]bool{}
	for _, x := range b {
		if !seen[x] {
			return false
		}
		other[x] = true
	}
	return len(other) == len(seen)
}

func (m *cacheModel) lost() lostObject {
	return newLostObject("cache", m.Name, m.Component, m.Blueprint, m.Location)
}
