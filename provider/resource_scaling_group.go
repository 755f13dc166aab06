package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	sg "github.com/ha-blueprints/terraform-provider-ha/internal/scalinggroup"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ resource.Resource                   = &scalingGroupResource{}
	_ resource.ResourceWithConfigure      = &scalingGroupResource{}
	_ resource.ResourceWithImportState    = &scalingGroupResource{}
	_ resource.ResourceWithModifyPlan     = &scalingGroupResource{}
	_ resource.ResourceWithValidateConfig = &scalingGroupResource{}
)

// NewScalingGroupResource is the ha_scaling_group resource.
func NewScalingGroupResource() resource.Resource { return &scalingGroupResource{} }

type scalingGroupResource struct {
	data *providerData
}

const defaultMinHealthyPercentage = 90

func (r *scalingGroupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scaling_group"
}

func (r *scalingGroupResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := commonComputeAttributes("scaling group")
	attrs["id"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "The Auto Scaling group name.",
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	attrs["image"] = schema.StringAttribute{
		Required:            true,
		MarkdownDescription: "Machine image (AMI id). A change rolls the instances; apply returns when every instance runs the new image.",
	}
	attrs["instance_type"] = schema.StringAttribute{
		Required:            true,
		MarkdownDescription: "Instance type (`t3.small` on AWS, machine type `e2-medium` on GCP; a type of another cloud is refused at plan time). A change rolls the instances, like `image`.",
	}
	sizes := map[string]string{
		"min_size":         "Fewest instances.",
		"desired_capacity": "Instances to run now. With `cpu_target` set, AWS moves the real number between the sizes; plan shows that as drift (use `ignore_changes` if it should not be reset).",
		"max_size":         "Most instances.",
	}
	for name, desc := range sizes {
		attrs[name] = schema.Int64Attribute{
			Required: true, MarkdownDescription: desc + " Changed in place.",
			Validators: []validator.Int64{int64validator.Between(0, 10000)},
		}
	}
	attrs["cpu_target"] = schema.Float64Attribute{
		Optional: true, Computed: true, Default: float64default.StaticFloat64(0),
		MarkdownDescription: "Average CPU % a target-tracking policy keeps the group at; 0 (default) for no policy.",
		Validators:          []validator.Float64{float64validator.Between(0, 100)},
	}
	attrs["health_check_grace_period"] = schema.Int64Attribute{
		Optional: true, Computed: true, Default: int64default.StaticInt64(300),
		MarkdownDescription: "Seconds a new instance has before its health counts. Default 300.",
		Validators:          []validator.Int64{int64validator.AtLeast(0)},
	}
	attrs["min_healthy_percentage"] = schema.Int64Attribute{
		Optional: true, Computed: true, Default: int64default.StaticInt64(defaultMinHealthyPercentage),
		MarkdownDescription: "Share of `desired_capacity` that stays in service while instances roll, 0 to 100. Default 90. " +
			"It only steers rolls, so AWS does not store it; an import sets the default.",
		Validators: []validator.Int64{int64validator.Between(0, 100)},
	}
	attrs["target_group_arn"] = schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: "Target group to register instances in (`ha_load_balancer.target_group_arn`); the health check type is then ELB. The group is placed in that target group's VPC.",
	}
	attrs["load_balancer"] = schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: "Key of the load balancer component this group serves (informational, from the blueprint; `target_group_arn` is what attaches it).",
	}
	attrs["arn"] = schema.StringAttribute{
		Computed: true, MarkdownDescription: "ARN of the Auto Scaling group.",
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	attrs["launch_template_id"] = schema.StringAttribute{
		Computed: true, MarkdownDescription: "Launch template id.",
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	attrs["launch_template_version"] = schema.Int64Attribute{
		Computed: true, MarkdownDescription: "Launch template version every instance runs; a new one after an image or instance type change.",
		PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A group of identical instances across a location's zones: on AWS a launch template and an " +
			"Auto Scaling group, attached to a load balancer's target group, with a target-tracking CPU policy and " +
			"ELB health checks. A change of image or instance type rolls the instances (an instance refresh where " +
			"the endpoint has it, otherwise a rolling replacement that keeps `min_healthy_percentage` in service) and " +
			"apply waits until the roll has finished.",
		Attributes: attrs,
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *scalingGroupResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

func (r *scalingGroupResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateCloud(ctx, req.Config, sg.Registry, "ha_scaling_group", &resp.Diagnostics)
	validateCloudValues(ctx, req.Config, true, &resp.Diagnostics)
	var m scalingGroupModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	known := func(v types.Int64) bool { return !v.IsNull() && !v.IsUnknown() }
	if known(m.MinSize) && known(m.DesiredCapacity) && m.MinSize.ValueInt64() > m.DesiredCapacity.ValueInt64() {
		resp.Diagnostics.AddAttributeError(path.Root("min_size"), "Invalid sizes", "min_size must not exceed desired_capacity")
	}
	if known(m.DesiredCapacity) && known(m.MaxSize) && m.DesiredCapacity.ValueInt64() > m.MaxSize.ValueInt64() {
		resp.Diagnostics.AddAttributeError(path.Root("max_size"), "Invalid sizes", "max_size must be at least desired_capacity")
	}
}

// ModifyPlan shows that a new image or instance type brings a new launch
// template version.
func (r *scalingGroupResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planCloudSettings(ctx, req.Plan, r.data, "ha_scaling_group", &resp.Diagnostics)
	if r.data != nil && !resp.Diagnostics.HasError() {
		planZonesExist(ctx, req, func(c backend.Cloud, location string) (any, error) {
			return sg.Open(ctx, c, r.data.backends, location)
		}, &resp.Diagnostics)
	}
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var plan, state scalingGroupModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.Image.Equal(state.Image) || !plan.InstanceType.Equal(state.InstanceType) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("launch_template_version"), types.Int64Unknown())...)
		// An AWS launch template keeps its id and gains a version; a GCP
		// instance template is immutable, so a roll makes a new one.
		if cloudOf(plan.Cloud) != backend.AWS {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("launch_template_id"), types.StringUnknown())...)
		}
	}
}

// backend is the scaling group backend of m's cloud in m's location.
func (r *scalingGroupResource) backend(ctx context.Context, m *scalingGroupModel) (sg.Backend, error) {
	if r.data == nil {
		return nil, errNoProvider
	}
	return sg.Open(ctx, cloudOf(m.Cloud), r.data.backends, m.Location.ValueString())
}

// withLog passes Terraform's log to the backend (progress of a roll).
func withLog(ctx context.Context) context.Context {
	return backend.WithLogger(ctx, func(msg string) { tflog.Info(ctx, msg) })
}

func (r *scalingGroupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan scalingGroupModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, 15*time.Minute)
	resp.Diagnostics.Append(diags...)
	spec, diags := plan.spec(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(withLog(ctx), timeout)
	defer cancel()
	b, err := r.backend(ctx, &plan)
	if err != nil {
		resp.Diagnostics.AddError("Unable to create scaling group", awsErrorDetail(plan.Component, plan.Name, err))
		return
	}
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		// Whatever was made stays in state (tainted), so it is not lost.
		if st != nil && st.ID != "" {
			plan.fromStatus(st)
			resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
		}
		resp.Diagnostics.AddError("Unable to create scaling group", awsErrorDetail(plan.Component, plan.Name, err))
		return
	}
	plan.fromStatus(st)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *scalingGroupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state scalingGroupModel
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
		resp.Diagnostics.AddError("Unable to read scaling group", awsErrorDetail(state.Component, state.Name, err))
		return
	}
	spec, _ := state.spec(ctx) // partial after an import; Read fills it in
	st, err := b.Read(ctx, spec, &sg.Status{ID: state.ID.ValueString()})
	if backend.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if keepUnreachable(&resp.Diagnostics, state.lost(), err) {
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to read scaling group", awsErrorDetail(state.Component, state.Name, err))
		return
	}
	state.fromStatus(st)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &state)...)
}

func (r *scalingGroupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state scalingGroupModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, 30*time.Minute)
	resp.Diagnostics.Append(diags...)
	spec, diags := plan.spec(ctx)
	resp.Diagnostics.Append(diags...)
	prior, diags := state.spec(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(withLog(ctx), timeout)
	defer cancel()
	b, err := r.backend(ctx, &plan)
	if err != nil {
		resp.Diagnostics.AddError("Unable to update scaling group", awsErrorDetail(plan.Component, plan.Name, err))
		return
	}
	st, err := b.Apply(ctx, spec, state.status(prior))
	if err != nil {
		resp.Diagnostics.AddError("Unable to update scaling group", awsErrorDetail(plan.Component, plan.Name, err))
		return
	}
	if st.RollMethod != "" {
		tflog.Info(ctx, "instances rolled", map[string]any{"group": spec.Name, "method": st.RollMethod})
	}
	plan.fromStatus(st)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *scalingGroupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state scalingGroupModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, 15*time.Minute)
	resp.Diagnostics.Append(diags...)
	spec, diags := state.spec(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(withLog(ctx), timeout)
	defer cancel()
	b, err := r.backend(ctx, &state)
	if err == nil {
		err = b.Delete(ctx, state.status(spec))
	}
	if err != nil {
		if forgetUnreachable(&resp.Diagnostics, state.lost(), err) {
			return
		}
		resp.Diagnostics.AddError("Unable to delete scaling group", awsErrorDetail(state.Component, state.Name, err))
	}
}

// ImportState takes LOCATION/NAME, CLOUD/LOCATION/NAME or the Auto Scaling
// group ARN.
func (r *scalingGroupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	cloud, location, name := backend.AWS, "", ""
	if strings.HasPrefix(req.ID, "arn:") {
		// arn:aws:autoscaling:REGION:ACCOUNT:autoScalingGroup:UUID:autoScalingGroupName/NAME
		parts := strings.Split(req.ID, ":")
		_, n, ok := strings.Cut(req.ID, "autoScalingGroupName/")
		if len(parts) < 6 || !ok || n == "" {
			resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("%q is not an Auto Scaling group ARN", req.ID))
			return
		}
		location, name = parts[3], n
	} else {
		var ok bool
		cloud, location, name, ok = parseCloudImportID(req.ID)
		if !ok {
			resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("expected LOCATION/NAME, CLOUD/LOCATION/NAME or an Auto Scaling group ARN, got %q", req.ID))
			return
		}
	}
	if cloud == backend.AWS {
		// The AWS group's name is its id; other clouds find theirs by name.
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), name)...)
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("location"), location)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cloud"), string(cloud))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("min_healthy_percentage"), int64(defaultMinHealthyPercentage))...)
}

func (m *scalingGroupModel) spec(ctx context.Context) (sg.Spec, diag.Diagnostics) {
	var diags diag.Diagnostics
	zones, d := stringsOf(ctx, m.Zones)
	diags.Append(d...)
	meta, d := ownedMeta(ctx, m.Name, m.Location, m.Tags, m.Blueprint, m.Component)
	diags.Append(d...)
	return sg.Spec{
		Meta: meta, Zones: zones,
		Image: m.Image.ValueString(), MachineType: m.InstanceType.ValueString(),
		MinSize: int(m.MinSize.ValueInt64()), DesiredCapacity: int(m.DesiredCapacity.ValueInt64()), MaxSize: int(m.MaxSize.ValueInt64()),
		CPUTarget: m.CPUTarget.ValueFloat64(), GracePeriod: int(m.GracePeriod.ValueInt64()),
		MinHealthyPercentage: int(m.MinHealthyPercentage.ValueInt64()),
		TargetGroupID:        m.TargetGroupARN.ValueString(),
		LoadBalancer:         m.LoadBalancer.ValueString(),
	}, diags
}

// status is the Status the state records, for Update and Delete.
func (m *scalingGroupModel) status(spec sg.Spec) *sg.Status {
	return &sg.Status{
		Spec: spec, ID: m.ID.ValueString(), URI: m.ARN.ValueString(),
		TemplateID: m.LaunchTemplateID.ValueString(), TemplateVersion: int(m.LaunchTemplateVersion.ValueInt64()),
	}
}

func (m *scalingGroupModel) fromStatus(st *sg.Status) {
	m.Cloud = cloudValue(m.Cloud)
	m.ID = types.StringValue(st.ID)
	m.Name = types.StringValue(st.Spec.Name)
	m.ARN = types.StringValue(st.URI)
	m.Zones = keepOrder(m.Zones, st.Spec.Zones)
	m.Tags, m.Blueprint, m.Component = splitMeta(st.Spec.Meta, m.Tags, m.Blueprint, m.Component)
	m.Image = types.StringValue(st.Spec.Image)
	m.InstanceType = types.StringValue(st.Spec.MachineType)
	m.MinSize = types.Int64Value(int64(st.Spec.MinSize))
	m.DesiredCapacity = types.Int64Value(int64(st.Spec.DesiredCapacity))
	m.MaxSize = types.Int64Value(int64(st.Spec.MaxSize))
	m.CPUTarget = types.Float64Value(st.Spec.CPUTarget)
	m.GracePeriod = types.Int64Value(int64(st.Spec.GracePeriod))
	switch {
	case st.Spec.TargetGroupID != "":
		m.TargetGroupARN = types.StringValue(st.Spec.TargetGroupID)
	case m.TargetGroupARN.ValueString() != "":
		m.TargetGroupARN = types.StringNull()
	}
	m.LaunchTemplateID = types.StringValue(st.TemplateID)
	m.LaunchTemplateVersion = types.Int64Value(int64(st.TemplateVersion))
}

func (m *scalingGroupModel) lost() lostObject {
	return newLostObject("scaling group", m.Name, m.Component, m.Blueprint, m.Location)
}

type scalingGroupModel struct {
	Cloud                 types.String   `tfsdk:"cloud"`
	ID                    types.String   `tfsdk:"id"`
	Name                  types.String   `tfsdk:"name"`
	Location              types.String   `tfsdk:"location"`
	Component             types.String   `tfsdk:"component"`
	Blueprint             types.String   `tfsdk:"blueprint"`
	Tags                  types.Map      `tfsdk:"tags"`
	Zones                 types.List     `tfsdk:"zones"`
	Image                 types.String   `tfsdk:"image"`
	InstanceType          types.String   `tfsdk:"instance_type"`
	MinSize               types.Int64    `tfsdk:"min_size"`
	DesiredCapacity       types.Int64    `tfsdk:"desired_capacity"`
	MaxSize               types.Int64    `tfsdk:"max_size"`
	CPUTarget             types.Float64  `tfsdk:"cpu_target"`
	GracePeriod           types.Int64    `tfsdk:"health_check_grace_period"`
	MinHealthyPercentage  types.Int64    `tfsdk:"min_healthy_percentage"`
	TargetGroupARN        types.String   `tfsdk:"target_group_arn"`
	LoadBalancer          types.String   `tfsdk:"load_balancer"`
	ARN                   types.String   `tfsdk:"arn"`
	LaunchTemplateID      types.String   `tfsdk:"launch_template_id"`
	LaunchTemplateVersion types.Int64    `tfsdk:"launch_template_version"`
	Timeouts              timeouts.Value `tfsdk:"timeouts"`
}
