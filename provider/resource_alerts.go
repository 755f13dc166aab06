package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory"
	"github.com/ha-blueprints/terraform-provider-ha/internal/alertexporter"
	"github.com/ha-blueprints/terraform-provider-ha/internal/alerts"
	awsbackend "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ resource.Resource                   = &alertsResource{}
	_ resource.ResourceWithConfigure      = &alertsResource{}
	_ resource.ResourceWithImportState    = &alertsResource{}
	_ resource.ResourceWithValidateConfig = &alertsResource{}
)

// NewAlertsResource is the ha_alerts resource: one region's notification
// topic and the alarms on its components (the alerts component).
func NewAlertsResource() resource.Resource { return &alertsResource{} }

type alertsResource struct {
	data *providerData
}

func (r *alertsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_alerts"
}

func (r *alertsResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Monitoring of one region (the `alerts` component): a notification topic (SNS on AWS) with email and " +
			"webhook subscriptions, and one alarm (CloudWatch) per watched condition of the region's components, notifying " +
			"the topic when it fires and when it clears. The blueprint derives the thresholds from its objectives. " +
			"Email subscriptions stay pending until the recipient confirms them.\n\n" +
			"With `cloud = \"bare_metal\"` there is no topic service: an exporter (a shell script, needing `upsc` from " +
			"Debian `nut-client` and `curl`) runs on `exporter_host`, delivered over SSH (the provider's `bare_metal` block), " +
			"polls each alarm's object every `period` seconds (a UPS through NUT, a load balancer's hosts through its HTTP health check, made from the exporter's host) and posts each state change (OK to ALARM and back) as " +
			"JSON (`alarm`, `component`, `metric`, `target`, `state`, `previous_state`, `value`, `comparison`, `threshold`, " +
			"`time`) to every webhook, again at the next poll while a webhook refuses it. Bare-metal alarms watch " +
			"`ups_on_battery`, `ups_low_runtime` and `unhealthy_hosts`; refresh reads the exporter's configuration from the host (a hand edit, " +
			"or a stopped exporter, shows as drift). Import bare-metal alerts as `bare_metal/SITE/NAME`; the next apply takes " +
			"the host from configuration.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The topic ARN (bare metal: `bare_metal/SITE/NAME`, the import ID).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"cloud": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("aws"),
				MarkdownDescription: "Cloud (`aws` or `bare_metal`). Changing it replaces everything.", PlanModifiers: replace,
				Validators: []validator.String{stringvalidator.OneOf("aws", "bare_metal")},
			},
			"location": schema.StringAttribute{
				Required: true, MarkdownDescription: "Region of the topic and alarms (bare metal: the site). Changing it replaces everything.", PlanModifiers: replace,
			},
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "Topic name. Changing it replaces everything.", PlanModifiers: replace,
				Validators: []validator.String{stringvalidator.RegexMatches(regexpMust(`^[A-Za-z0-9_-]{1,256}$`), "letters, digits, hyphens and underscores")},
			},
			"component": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Component key (`east/alerts/alerts`), written to the tag `ha:component`.",
			},
			"blueprint": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Blueprint name, written to the tag `ha:blueprint`.",
			},
			"tags": schema.MapAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Additional tags on the topic and alarms. Keys starting with `ha:` are reserved.",
			},
			"emails": schema.SetAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Email addresses notified (not on bare metal, which posts to webhooks only).",
			},
			"webhooks": schema.SetAttribute{
				ElementType: types.StringType, Optional: true, Sensitive: true,
				MarkdownDescription: "http(s) URLs notified (sensitive: they often carry a token).",
			},
			"alarms": schema.ListNestedAttribute{
				Optional: true, MarkdownDescription: "Alarms, each notifying the topic.",
				Validators: []validator.List{listvalidator.SizeAtMost(100)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":      schema.StringAttribute{Required: true, MarkdownDescription: "Alarm name."},
					"component": schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Component key of the watched object."},
					"metric": schema.StringAttribute{
						Required: true, MarkdownDescription: "What is watched: `unhealthy_hosts`, `at_max_capacity`, `replica_lag`, `backup_job_failures`, `cache_replication_lag` or `object_replication_lag` (clouds); `unhealthy_hosts` (hosts failing the health check), `ups_on_battery` (1 while the UPS runs on battery, else 0) or `ups_low_runtime` (battery runtime left, seconds) (bare metal).",
						Validators: []validator.String{stringvalidator.OneOf(alerts.Metrics...)},
					},
					"target": schema.StringAttribute{Required: true, MarkdownDescription: "Physical name of the watched object (load balancer, scaling group, DB instance, backup vault, replication group, bucket); on bare metal, for the UPS metrics the UPS's NUT address `UPS@HOST[:PORT]`, for `unhealthy_hosts` the health check URLs of the load balancer's hosts, comma-separated (`http://10.0.2.1:8080/healthz,http://10.0.2.2:8080/healthz`)."},
					"comparison": schema.StringAttribute{
						Required: true, MarkdownDescription: "`>`, `>=`, `<` or `<=`.",
						Validators: []validator.String{stringvalidator.OneOf(">", ">=", "<", "<=")},
					},
					"threshold":          schema.Float64Attribute{Required: true, MarkdownDescription: "Threshold (seconds for lags, counts otherwise)."},
					"period":             schema.Int64Attribute{Required: true, MarkdownDescription: "Seconds per evaluation period (60 or a multiple; bare metal: seconds between polls, at least 1)."},
					"evaluation_periods": schema.Int64Attribute{Required: true, MarkdownDescription: "Periods in breach before the alarm fires (bare metal: polls in breach in a row)."},
				}},
			},
			"exporter_host": schema.SingleNestedAttribute{
				Optional: true, MarkdownDescription: "Bare metal (required there): the host that runs the exporter. Changing it moves the exporter.",
				Attributes: map[string]schema.Attribute{
					"name":    schema.StringAttribute{Required: true, MarkdownDescription: "Inventory host name."},
					"address": schema.StringAttribute{Required: true, MarkdownDescription: "Address SSH reaches the host on."},
					"ssh_host_key": schema.StringAttribute{Optional: true,
						MarkdownDescription: "Pinned SSH host key (`ssh-ed25519 AAAA...`); the provider's `known_hosts` when unset."},
				},
			},
			"base_dir": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Bare metal: directory of the exporter's files, `BASE_DIR/NAME` (default `/var/lib/ha-alerts`).",
			},
			"topic_arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ARN of the notification topic (bare metal: `bare_metal/SITE/NAME`, the import ID).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"alarm_arns": schema.MapAttribute{
				ElementType: types.StringType, Computed: true, MarkdownDescription: "Alarm name → ARN (bare metal: `bare_metal/SITE/NAME/ALARM` for each alarm the running exporter watches).",
			},
		},
	}
}

func (r *alertsResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

func (r *alertsResource) backend(ctx context.Context, cloud, location string) (alerts.Backend, error) {
	return alerts.Open(ctx, backend.Cloud(cloud), r.data.backends, location)
}

func (r *alertsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan alertsModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, ok := plan.spec(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	b, err := r.backend(ctx, plan.Cloud.ValueString(), plan.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Unable to create alerts", err.Error())
		return
	}
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		addAWSError(&resp.Diagnostics, "create alerts", componentLabel(plan.Component, spec.Name), err)
		// Whatever was made is kept in state, so destroy removes it.
		if st2, rerr := b.Read(ctx, spec.Name, spec.Location, &alerts.Status{Spec: spec}); rerr == nil {
			resp.Diagnostics.Append(plan.fromStatus(ctx, st2)...)
			resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
		}
		return
	}
	resp.Diagnostics.Append(plan.fromStatus(ctx, st)...)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *alertsResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state alertsModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	b, err := r.backend(ctx, state.Cloud.ValueString(), state.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Unable to read alerts", err.Error())
		return
	}
	prev, ok := state.spec(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	st, err := b.Read(ctx, state.Name.ValueString(), state.Location.ValueString(), &alerts.Status{Spec: prev, TopicID: state.TopicARN.ValueString()})
	switch {
	case errors.Is(err, alerts.ErrNotFound):
		resp.State.RemoveResource(ctx)
		return
	case keepUnreachable(&resp.Diagnostics, state.lost(), err):
		return
	case err != nil:
		addAWSError(&resp.Diagnostics, "read alerts", componentLabel(state.Component, state.Name.ValueString()), err)
		return
	}
	resp.Diagnostics.Append(state.fromStatus(ctx, st)...)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &state)...)
}

func (r *alertsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state alertsModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, ok := plan.spec(ctx, &resp.Diagnostics)
	prev, ok2 := state.spec(ctx, &resp.Diagnostics)
	if !ok || !ok2 {
		return
	}
	b, err := r.backend(ctx, plan.Cloud.ValueString(), plan.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Unable to update alerts", err.Error())
		return
	}
	st, err := b.Apply(ctx, spec, &alerts.Status{Spec: prev, TopicID: state.TopicARN.ValueString()})
	if err != nil {
		addAWSError(&resp.Diagnostics, "update alerts", componentLabel(plan.Component, spec.Name), err)
		return
	}
	resp.Diagnostics.Append(plan.fromStatus(ctx, st)...)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *alertsResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state alertsModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	b, err := r.backend(ctx, state.Cloud.ValueString(), state.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Unable to delete alerts", err.Error())
		return
	}
	spec, ok := state.spec(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	ids := map[string]string{}
	resp.Diagnostics.Append(state.AlarmARNs.ElementsAs(ctx, &ids, false)...)
	err = b.Delete(ctx, &alerts.Status{Spec: spec, TopicID: state.TopicARN.ValueString(), AlarmIDs: ids})
	if err != nil && !forgetUnreachable(&resp.Diagnostics, state.lost(), err) {
		addAWSError(&resp.Diagnostics, "delete alerts", componentLabel(state.Component, state.Name.ValueString()), err)
	}
}

// ImportState takes LOCATION/NAME (us-east-1/shop-east-alerts) or
// bare_metal/SITE/NAME.
func (r *alertsResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	cloud, id := "aws", req.ID
	if rest, ok := strings.CutPrefix(id, "bare_metal/"); ok {
		cloud, id = "bare_metal", rest
	}
	location, name, ok := cutImportID(id)
	if !ok {
		resp.Diagnostics.AddError("Invalid import ID", "expected LOCATION/NAME (us-east-1/shop-east-alerts) or bare_metal/SITE/NAME, got "+req.ID)
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("location"), location)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cloud"), cloud)...)
}

// ValidateConfig checks each cloud's inputs at plan time: on bare metal the
// exporter host, no emails, and UPS alarms with NUT addresses; on clouds no
// exporter host and no UPS alarms.
func (r *alertsResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m alertsModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() || m.Cloud.IsUnknown() {
		return
	}
	bm := m.Cloud.ValueString() == string(backend.BareMetal)
	if bm {
		if m.ExporterHost.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("exporter_host"), "Missing required argument",
				"The argument \"exporter_host\" is required for alerts on bare_metal: the host that runs the exporter.")
		}
		if !m.Emails.IsNull() && !m.Emails.IsUnknown() && len(m.Emails.Elements()) > 0 {
			resp.Diagnostics.AddAttributeError(path.Root("emails"), "Emails on bare metal",
				"Bare-metal alerts post to webhooks only (a site has no mail service to hand them to); put the addresses behind a webhook.")
		}
	} else {
		if !m.ExporterHost.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("exporter_host"), "Exporter host on a cloud", "exporter_host is for cloud = \"bare_metal\"; cloud alarms run in the cloud's monitoring service.")
		}
		if !m.BaseDir.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("base_dir"), "Base directory on a cloud", "base_dir is for cloud = \"bare_metal\".")
		}
	}
	if m.Alarms.IsNull() || m.Alarms.IsUnknown() {
		return
	}
	var as []alarmModel
	resp.Diagnostics.Append(m.Alarms.ElementsAs(ctx, &as, false)...)
	for i, a := range as {
		p := path.Root("alarms").AtListIndex(i)
		if a.Metric.IsUnknown() {
			continue
		}
		metric := a.Metric.ValueString()
		ups := metric == alerts.MetricUPSOnBattery || metric == alerts.MetricUPSLowRuntime
		switch {
		case bm && !slices.Contains(alertexporter.Metrics, metric):
			resp.Diagnostics.AddAttributeError(p.AtName("metric"), "Metric not watched on bare metal",
				fmt.Sprintf("The bare-metal exporter watches %s in this version; %q is a cloud metric.", strings.Join(alertexporter.Metrics, ", "), metric))
		case !bm && ups:
			resp.Diagnostics.AddAttributeError(p.AtName("metric"), "UPS metric on a cloud",
				fmt.Sprintf("%s watches a UPS through NUT, which only bare-metal alerts do (cloud = \"bare_metal\").", metric))
		case bm && ups && !a.Target.IsUnknown():
			if _, _, _, err := inventory.SplitNUT(a.Target.ValueString()); err != nil {
				resp.Diagnostics.AddAttributeError(p.AtName("target"), "Invalid NUT address",
					fmt.Sprintf("The target of a UPS alarm is the UPS's NUT address, UPS@HOST[:PORT] (as the inventory's nut): %v.", err))
			}
		case bm && !a.Target.IsUnknown():
			if err := alertexporter.CheckTarget(metric, a.Target.ValueString()); err != nil {
				resp.Diagnostics.AddAttributeError(p.AtName("target"), "Invalid target", "On bare metal the "+err.Error()+".")
			}
		}
		if bm && !a.Period.IsUnknown() && a.Period.ValueInt64() < 1 {
			resp.Diagnostics.AddAttributeError(p.AtName("period"), "Invalid period", "On bare metal the period is the seconds between polls, at least 1.")
		}
		if !a.EvaluationPeriods.IsUnknown() && a.EvaluationPeriods.ValueInt64() < 1 {
			resp.Diagnostics.AddAttributeError(p.AtName("evaluation_periods"), "Invalid evaluation_periods", "At least 1.")
		}
	}
}

type alertsModel struct {
	ID        types.String `tfsdk:"id"`
	Cloud     types.String `tfsdk:"cloud"`
	Location  types.String `tfsdk:"location"`
	Name      types.String `tfsdk:"name"`
	Component types.String `tfsdk:"component"`
	Blueprint types.String `tfsdk:"blueprint"`
	Tags      types.Map    `tfsdk:"tags"`
	Emails    types.Set    `tfsdk:"emails"`
	Webhooks  types.Set    `tfsdk:"webhooks"`
	Alarms    types.List   `tfsdk:"alarms"`
	TopicARN  types.String `tfsdk:"topic_arn"`
	AlarmARNs types.Map    `tfsdk:"alarm_arns"`
	// Bare metal.
	ExporterHost types.Object `tfsdk:"exporter_host"`
	BaseDir      types.String `tfsdk:"base_dir"`
}

type exporterHostModel struct {
	Name       types.String `tfsdk:"name"`
	Address    types.String `tfsdk:"address"`
	SSHHostKey types.String `tfsdk:"ssh_host_key"`
}

type alarmModel struct {
	Name              types.String  `tfsdk:"name"`
	Component         types.String  `tfsdk:"component"`
	Metric            types.String  `tfsdk:"metric"`
	Target            types.String  `tfsdk:"target"`
	Comparison        types.String  `tfsdk:"comparison"`
	Threshold         types.Float64 `tfsdk:"threshold"`
	Period            types.Int64   `tfsdk:"period"`
	EvaluationPeriods types.Int64   `tfsdk:"evaluation_periods"`
}

var alarmAttrTypes = map[string]attr.Type{
	"name": types.StringType, "component": types.StringType, "metric": types.StringType, "target": types.StringType,
	"comparison": types.StringType, "threshold": types.Float64Type, "period": types.Int64Type, "evaluation_periods": types.Int64Type,
}

func (m *alertsModel) spec(ctx context.Context, diags *diag.Diagnostics) (alerts.Spec, bool) {
	tags, d := ownedTags(ctx, m.Tags, m.Blueprint, m.Component)
	diags.Append(d...)
	s := alerts.Spec{Meta: backend.Meta{Name: m.Name.ValueString(), Location: m.Location.ValueString(), Tags: tags}}
	if !m.Emails.IsNull() && !m.Emails.IsUnknown() {
		diags.Append(m.Emails.ElementsAs(ctx, &s.Emails, false)...)
	}
	if !m.Webhooks.IsNull() && !m.Webhooks.IsUnknown() {
		diags.Append(m.Webhooks.ElementsAs(ctx, &s.Webhooks, false)...)
	}
	var as []alarmModel
	if !m.Alarms.IsNull() && !m.Alarms.IsUnknown() {
		diags.Append(m.Alarms.ElementsAs(ctx, &as, false)...)
	}
	if m.Cloud.ValueString() == string(backend.BareMetal) {
		s.BareMetal = &alerts.BareMetal{BaseDir: m.BaseDir.ValueString()}
		if !m.ExporterHost.IsNull() && !m.ExporterHost.IsUnknown() {
			var h exporterHostModel
			diags.Append(m.ExporterHost.As(ctx, &h, basetypes.ObjectAsOptions{})...)
			s.BareMetal.Host = alerts.Host{Name: h.Name.ValueString(), Address: h.Address.ValueString(), HostKey: h.SSHHostKey.ValueString()}
		}
	}
	for _, a := range as {
		s.Alarms = append(s.Alarms, alerts.Alarm{
			Name: a.Name.ValueString(), Component: a.Component.ValueString(), Metric: a.Metric.ValueString(), Target: a.Target.ValueString(),
			Comparison: a.Comparison.ValueString(), Threshold: a.Threshold.ValueFloat64(),
			Period: int(a.Period.ValueInt64()), EvaluationPeriods: int(a.EvaluationPeriods.ValueInt64()),
		})
	}
	return s, !diags.HasError()
}

func (m *alertsModel) fromStatus(ctx context.Context, st *alerts.Status) diag.Diagnostics {
	var diags diag.Diagnostics
	m.ID, m.TopicARN = types.StringValue(st.TopicID), types.StringValue(st.TopicID)
	m.Name, m.Location = types.StringValue(st.Spec.Name), types.StringValue(st.Spec.Location)
	if m.Cloud.IsNull() || m.Cloud.IsUnknown() {
		m.Cloud = types.StringValue("aws")
	}
	setOf := func(prior types.Set, vals []string) types.Set {
		if len(vals) == 0 {
			// Nothing there: null when the config had null, else an empty set.
			if prior.IsNull() {
				return types.SetNull(types.StringType)
			}
			return types.SetValueMust(types.StringType, []attr.Value{})
		}
		v, d := types.SetValueFrom(ctx, types.StringType, vals)
		diags.Append(d...)
		return v
	}
	m.Emails = setOf(m.Emails, st.Spec.Emails)
	m.Webhooks = setOf(m.Webhooks, st.Spec.Webhooks)
	if len(st.Spec.Alarms) == 0 && m.Alarms.IsNull() {
		m.Alarms = types.ListNull(types.ObjectType{AttrTypes: alarmAttrTypes})
	} else {
		as := make([]alarmModel, 0, len(st.Spec.Alarms))
		for _, a := range st.Spec.Alarms {
			as = append(as, alarmModel{
				Name: types.StringValue(a.Name), Component: types.StringValue(a.Component), Metric: types.StringValue(a.Metric),
				Target: types.StringValue(a.Target), Comparison: types.StringValue(a.Comparison), Threshold: types.Float64Value(a.Threshold),
				Period: types.Int64Value(int64(a.Period)), EvaluationPeriods: types.Int64Value(int64(a.EvaluationPeriods)),
			})
		}
		v, d := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: alarmAttrTypes}, as)
		diags.Append(d...)
		m.Alarms = v
	}
	arns, d := types.MapValueFrom(ctx, types.StringType, st.AlarmIDs)
	diags.Append(d...)
	m.AlarmARNs = arns
	readTags(awsbackend.Tags(st.Spec.Tags, st.Spec.Blueprint, st.Spec.Component), &m.Tags, &m.Blueprint, &m.Component)
	return diags
}

func (m *alertsModel) lost() lostObject {
	return newLostObject("alerts", m.Name, m.Component, m.Blueprint, m.Location)
}

// cutImportID splits LOCATION/NAME.
func cutImportID(id string) (location, name string, ok bool) {
	for i := 0; i < len(id); i++ {
		if id[i] == '/' {
			location, name = id[:i], id[i+1:]
			return location, name, location != "" && name != ""
		}
	}
	return "", "", false
}
