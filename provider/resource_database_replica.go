package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	awsbackend "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/rds"
)

var (
	_ resource.Resource                   = &databaseReplicaResource{}
	_ resource.ResourceWithConfigure      = &databaseReplicaResource{}
	_ resource.ResourceWithImportState    = &databaseReplicaResource{}
	_ resource.ResourceWithValidateConfig = &databaseReplicaResource{}
	_ resource.ResourceWithModifyPlan     = &databaseReplicaResource{}
)

// NewDatabaseReplicaResource is the ha_database_replica resource: an RDS
// read replica, in the source's region or another, that can be promoted.
func NewDatabaseReplicaResource() resource.Resource { return &databaseReplicaResource{} }

type databaseReplicaResource struct {
	data *providerData
}

func (r *databaseReplicaResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_database_replica"
}

func (r *databaseReplicaResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A read replica of an `ha_database` (the `database_replica` component), in the same region or " +
			"another one (cross-region by `source_arn`). Setting `promote = true` promotes it to a standalone primary " +
			"in one apply, then applies the backup settings RDS refuses on a replica; afterwards `role` is `primary` " +
			"and `replicating_from` is null.",
		Attributes: map[string]schema.Attribute{
			"cloud": cloudAttribute("database replica"),
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The instance ARN.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"location": schema.StringAttribute{
				Required: true, MarkdownDescription: "AWS region of the replica. Changing it replaces the replica.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "DB instance identifier of the replica. Changing it replaces the replica.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    dbIdentifierValidators,
			},
			"component": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Component key (`west/orders/replica`), written to the tag `ha:component`.",
			},
			"blueprint": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Blueprint name, written to the tag `ha:blueprint`.",
			},
			"tags": schema.MapAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Additional tags. Keys starting with `ha:` are reserved.",
			},
			"source_arn": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "ARN of the source DB instance (`ha_database.arn`); required to create a replica. Changing it replaces a " +
					"replica that is not promoted. Once `promote = true` it may be left out (after a disaster the source may be gone): " +
					"the last known source is kept.",
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplaceIf(
						func(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
							var was, will types.Bool
							req.State.GetAttribute(ctx, path.Root("promote"), &was)
							req.Plan.GetAttribute(ctx, path.Root("promote"), &will)
							resp.RequiresReplace = !req.ConfigValue.IsNull() && !was.ValueBool() && !will.ValueBool()
						}, "A replica follows one source; once promoted (or being promoted), the source no longer matters.", ""),
				},
			},
			"source": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Component key of the source database (`east/orders/database`), written to the tag `ha:source`.",
			},
			"source_location": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Region of the source. Without `source_arn`, the replica finds its source there by the tags " +
					"`ha:component = source` and `ha:blueprint = blueprint` when it is created (a replica of another replica, which " +
					"a configuration cannot reference from the same resource block).",
			},
			"engine": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Engine, inherited from the source; when set, it must match the source's (`postgres` or `mysql`).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()},
				Validators:          []validator.String{stringvalidator.OneOf("postgres", "mysql")},
			},
			"instance_class": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Instance class; the source's when unset. Changed in place.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				Validators:          dbInstanceClassValidators,
			},
			"multi_az": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Standby in another zone (default `false`). Changed in place.",
			},
			"kms_key_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "KMS key in the replica's region, for a cross-region replica of an encrypted source. Changing it replaces the replica.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"deletion_protection": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Refuse deletion (default `false`). Changed in place.",
			},
			"promote": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Promote to a standalone primary. `false` → `true` is an in-place update that promotes in one apply; " +
					"`true` → `false` replaces the instance with a new replica.",
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplaceIf(
					func(ctx context.Context, req planmodifier.BoolRequest, resp *boolplanmodifier.RequiresReplaceIfFuncResponse) {
						resp.RequiresReplace = !req.StateValue.IsNull() && req.StateValue.ValueBool() && !req.PlanValue.ValueBool()
					}, "A promoted instance cannot become a replica again.", "")},
			},
			"backup_retention_period": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(7),
				MarkdownDescription: "Days of automated backups once promoted (default 7). RDS refuses backup settings " +
					"on a replica, so they are applied right after promotion, in the same apply.",
			},
			"backup_window": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Daily backup window once promoted, `hh24:mi-hh24:mi` UTC.",
			},
			"skip_final_snapshot": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Once promoted, destroy without a final snapshot (default `false`). A replica never gets one (RDS refuses).",
			},
			"final_snapshot_identifier": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Name of the final snapshot of a promoted instance (default `NAME-final`).",
			},
			"role": schema.StringAttribute{
				Computed: true, MarkdownDescription: "`replica`, or `primary` once promoted.",
			},
			"replicating_from": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Source the instance replicates from; null once it is a standalone primary.",
			},
			"arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Instance ARN.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"endpoint": schema.StringAttribute{
				Computed: true, MarkdownDescription: "`address:port`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"address": schema.StringAttribute{
				Computed: true, MarkdownDescription: "DNS name of the instance.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"port": schema.Int64Attribute{
				Computed: true, MarkdownDescription: "Port the engine listens on.",
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *databaseReplicaResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

// ModifyPlan says what role the instance will have: promotion makes it a
// primary with no source; otherwise role and source stay as they are.
func (r *databaseReplicaResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan databaseReplicaModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if req.State.Raw.IsNull() && plan.SourceARN.IsNull() && (plan.Source.IsNull() || plan.SourceLocation.IsNull()) {
		resp.Diagnostics.AddAttributeError(path.Root("source_arn"), "Missing source_arn",
			"A new replica needs the ARN of the DB instance it replicates, or source and source_location to find it by its tags.")
		return
	}
	if plan.Promote.IsUnknown() {
		return
	}
	if plan.Promote.ValueBool() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("role"), "primary")...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("replicating_from"), types.StringNull())...)
		return
	}
	if req.State.Raw.IsNull() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("role"), "replica")...)
		return
	}
	var state databaseReplicaModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || state.Role.ValueString() != "replica" || !plan.SourceARN.Equal(state.SourceARN) {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("role"), state.Role)...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("replicating_from"), state.ReplicatingFrom)...)
}

func (r *databaseReplicaResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan databaseReplicaModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, 90*time.Minute)
	resp.Diagnostics.Append(diags...)
	tags, diags := ownedTags(ctx, plan.Tags, plan.Blueprint, plan.Component)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	withRefTag(tags, tagSource, plan.Source)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	name := plan.Name.ValueString()
	label := componentLabel(plan.Component, name)
	c, err := r.data.rdsClient(ctx, plan.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to create database replica", err.Error())
		return
	}
	if plan.SourceARN.IsNull() || plan.SourceARN.IsUnknown() {
		arn, ok := r.findSource(ctx, &plan, &resp.Diagnostics)
		if !ok {
			return
		}
		plan.SourceARN = types.StringValue(arn)
	}
	created, err := c.CreateReplica(ctx, rds.ReplicaInput{
		Identifier:         name,
		SourceARN:          plan.SourceARN.ValueString(),
		InstanceClass:      plan.InstanceClass.ValueString(),
		MultiAZ:            plan.MultiAZ.ValueBool(),
		DeletionProtection: plan.DeletionProtection.ValueBool(),
		KMSKeyID:           plan.KMSKeyID.ValueString(),
		Tags:               tags,
	})
	if err != nil {
		addAWSError(&resp.Diagnostics, "create database replica", label, err)
		return
	}
	inst, err := c.WaitAvailable(ctx, name)
	if err == nil && !plan.Engine.IsUnknown() && !plan.Engine.IsNull() && inst.Engine != plan.Engine.ValueString() {
		err = fmt.Errorf("engine is %q but the source runs %q", plan.Engine.ValueString(), inst.Engine)
		resp.Diagnostics.AddAttributeError(path.Root("engine"), "Engine does not match the source", err.Error())
	}
	if err == nil && plan.Promote.ValueBool() {
		if err = c.Promote(ctx, name, int32(plan.BackupRetentionPeriod.ValueInt64()), plan.BackupWindow.ValueString()); err == nil {
			inst, err = c.WaitAvailable(ctx, name)
		}
	}
	if err != nil {
		plan.fill(created, true)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		addAWSError(&resp.Diagnostics, "create database replica", label, err)
		return
	}
	plan.fill(inst, false)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *databaseReplicaResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state databaseReplicaModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	c, err := r.data.rdsClient(ctx, state.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to read database replica", err.Error())
		return
	}
	inst, err := c.Get(ctx, state.Name.ValueString())
	if errors.Is(err, rds.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if keepUnreachable(&resp.Diagnostics, state.lost(), err) {
		return
	}
	if err != nil {
		addAWSError(&resp.Diagnostics, "read database replica", componentLabel(state.Component, state.Name.ValueString()), err)
		return
	}
	state.fill(inst, false)
	state.Cloud = cloudValue(state.Cloud)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *databaseReplicaResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state databaseReplicaModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, 90*time.Minute)
	resp.Diagnostics.Append(diags...)
	tags, diags := ownedTags(ctx, plan.Tags, plan.Blueprint, plan.Component)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	withRefTag(tags, tagSource, plan.Source)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	name := plan.Name.ValueString()
	label := componentLabel(plan.Component, name)
	c, err := r.data.rdsClient(ctx, plan.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to update database replica", err.Error())
		return
	}
	promoting := plan.Promote.ValueBool() && state.Role.ValueString() != "primary"
	if promoting {
		// One apply: promote, wait, then the backup settings RDS refuses on a replica.
		if err := c.Promote(ctx, name, int32(plan.BackupRetentionPeriod.ValueInt64()), plan.BackupWindow.ValueString()); err != nil {
			addAWSError(&resp.Diagnostics, "promote database replica", label, err)
			return
		}
	}
	var m rds.ModifyInput
	if !plan.InstanceClass.IsUnknown() && !plan.InstanceClass.Equal(state.InstanceClass) {
		m.InstanceClass = plan.InstanceClass.ValueStringPointer()
	}
	if !plan.MultiAZ.Equal(state.MultiAZ) {
		m.MultiAZ = plan.MultiAZ.ValueBoolPointer()
	}
	if !plan.DeletionProtection.Equal(state.DeletionProtection) {
		m.DeletionProtection = plan.DeletionProtection.ValueBoolPointer()
	}
	if !promoting && state.Role.ValueString() == "primary" && !plan.BackupRetentionPeriod.Equal(state.BackupRetentionPeriod) {
		v := int32(plan.BackupRetentionPeriod.ValueInt64())
		m.BackupRetentionPeriod = &v
	}
	if err := c.Modify(ctx, name, m); err != nil {
		addAWSError(&resp.Diagnostics, "update database replica", label, err)
		return
	}
	if err := c.SetTags(ctx, state.ARN.ValueString(), tags, keepSystemTags(tags)); err != nil {
		addAWSError(&resp.Diagnostics, "update database replica tags", label, err)
		return
	}
	inst, err := c.WaitAvailable(ctx, name)
	if err != nil {
		addAWSError(&resp.Diagnostics, "update database replica (waiting for it to become available)", label, err)
		return
	}
	plan.fill(inst, false)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *databaseReplicaResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state databaseReplicaModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, 90*time.Minute)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	name := state.Name.ValueString()
	label := componentLabel(state.Component, name)
	location := state.Location.ValueString()
	c, err := r.data.rdsClient(ctx, location)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to delete database replica", err.Error())
		return
	}
	inst, err := c.Get(ctx, name)
	if errors.Is(err, rds.ErrNotFound) {
		return
	}
	if forgetUnreachable(&resp.Diagnostics, state.lost(), err) {
		return
	}
	if err != nil {
		addAWSError(&resp.Diagnostics, "delete database replica", label, err)
		return
	}
	replica := inst.IsReplica()
	if replica && regionOfARN(inst.SourceARN) != "" && regionOfARN(inst.SourceARN) != location && r.data.awsCustomEndpoint() {
		// moto 5.2.1 answers 500 to DeleteDBInstance on a never-promoted
		// cross-region replica (and leaves the source's replica list
		// stale); promoting first makes the delete clean. Real AWS deletes
		// such replicas directly, so this only runs against an endpoint override.
		if err := c.Promote(ctx, name, 0, ""); err != nil {
			addAWSError(&resp.Diagnostics, "delete database replica (promoting it first, see warning)", label, err)
			return
		}
		// It was a replica as far as the user is concerned: still no final snapshot.
		resp.Diagnostics.AddWarning("Cross-region replica promoted before deletion",
			fmt.Sprintf("Component %q: the overridden AWS endpoint cannot delete a never-promoted cross-region read replica "+
				"(DeleteDBInstance answers 500), so %s in %s was promoted to a standalone instance and then deleted. "+
				"Against real AWS the replica is deleted directly.", label, name, location))
	}
	final := state.FinalSnapshotIdentifier.ValueString()
	if final == "" {
		final = name + "-final"
	}
	skip := replica || state.SkipFinalSnapshot.ValueBool()
	if err := c.Delete(ctx, name, rds.DeleteInput{SkipFinalSnapshot: skip, FinalSnapshotIdentifier: final}); err != nil {
		if forgetUnreachable(&resp.Diagnostics, state.lost(), err) {
			return
		}
		addAWSError(&resp.Diagnostics, "delete database replica", label, err)
	}
}

func (r *databaseReplicaResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	location, name, err := parseDBImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("location"), location)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("skip_final_snapshot"), false)...)
}

func regionOfARN(s string) string {
	if region, _, _, err := rds.ParseARN(s); err == nil {
		return region
	}
	return ""
}

func (m *databaseReplicaModel) lost() lostObject {
	return newLostObject("database replica", m.Name, m.Component, m.Blueprint, m.Location)
}

type databaseReplicaModel struct {
	Cloud                   types.String   `tfsdk:"cloud"`
	ID                      types.String   `tfsdk:"id"`
	Location                types.String   `tfsdk:"location"`
	Name                    types.String   `tfsdk:"name"`
	Component               types.String   `tfsdk:"component"`
	Blueprint               types.String   `tfsdk:"blueprint"`
	Tags                    types.Map      `tfsdk:"tags"`
	SourceARN               types.String   `tfsdk:"source_arn"`
	SourceLocation          types.String   `tfsdk:"source_location"`
	Source                  types.String   `tfsdk:"source"`
	Engine                  types.String   `tfsdk:"engine"`
	InstanceClass           types.String   `tfsdk:"instance_class"`
	MultiAZ                 types.Bool     `tfsdk:"multi_az"`
	KMSKeyID                types.String   `tfsdk:"kms_key_id"`
	DeletionProtection      types.Bool     `tfsdk:"deletion_protection"`
	Promote                 types.Bool     `tfsdk:"promote"`
	BackupRetentionPeriod   types.Int64    `tfsdk:"backup_retention_period"`
	BackupWindow            types.String   `tfsdk:"backup_window"`
	SkipFinalSnapshot       types.Bool     `tfsdk:"skip_final_snapshot"`
	FinalSnapshotIdentifier types.String   `tfsdk:"final_snapshot_identifier"`
	Role                    types.String   `tfsdk:"role"`
	ReplicatingFrom         types.String   `tfsdk:"replicating_from"`
	ARN                     types.String   `tfsdk:"arn"`
	Endpoint                types.String   `tfsdk:"endpoint"`
	Address                 types.String   `tfsdk:"address"`
	Port                    types.Int64    `tfsdk:"port"`
	Timeouts                timeouts.Value `tfsdk:"timeouts"`
}

// fill copies what the API reports. While the instance is a replica its
// backup settings are the source's and not ours to show, so they stay as
// configured (they are applied on promotion). partial fills only what a
// create call returned, for an instance that did not become usable.
func (m *databaseReplicaModel) fill(i *rds.Instance, partial bool) {
	m.ID = types.StringValue(i.ARN)
	m.ARN = types.StringValue(i.ARN)
	m.Name = types.StringValue(i.Identifier)
	m.Engine = types.StringValue(i.Engine)
	m.InstanceClass = types.StringValue(i.InstanceClass)
	m.Address = types.StringValue(i.Address)
	m.Port = types.Int64Value(int64(i.Port))
	m.Endpoint = types.StringValue(endpointOf(i))
	if partial {
		m.Role = types.StringValue("replica")
		m.ReplicatingFrom = m.SourceARN
		return
	}
	m.MultiAZ = types.BoolValue(i.MultiAZ)
	m.DeletionProtection = types.BoolValue(i.DeletionProtection)
	if i.IsReplica() {
		m.Role = types.StringValue("replica")
		m.ReplicatingFrom = types.StringValue(i.SourceARN)
		m.Promote = types.BoolValue(false)
		if m.BackupRetentionPeriod.IsNull() || m.BackupRetentionPeriod.IsUnknown() {
			m.BackupRetentionPeriod = types.Int64Value(int64(i.BackupRetentionPeriod))
		}
	} else {
		m.Role = types.StringValue("primary")
		m.ReplicatingFrom = types.StringNull()
		m.Promote = types.BoolValue(true)
		m.BackupRetentionPeriod = types.Int64Value(int64(i.BackupRetentionPeriod))
		if !m.BackupWindow.IsNull() {
			m.BackupWindow = types.StringValue(i.BackupWindow)
		}
	}
	if m.SourceARN.IsNull() || m.SourceARN.IsUnknown() {
		// Import: the source is what the API reports, or what the promotion tag recorded.
		if i.SourceARN != "" {
			m.SourceARN = types.StringValue(i.SourceARN)
		} else if src := i.Tags[rds.TagPromotedFrom]; src != "" {
			m.SourceARN = types.StringValue(src)
		}
	}
	readTags(i.Tags, &m.Tags, &m.Blueprint, &m.Component)
	m.Source = tagValue(i.Tags, tagSource, m.Source)
}

// findSource resolves the source by its ha:component and ha:blueprint tags
// in source_location.
func (r *databaseReplicaResource) findSource(ctx context.Context, plan *databaseReplicaModel, diags *diag.Diagnostics) (string, bool) {
	src, loc := plan.Source.ValueString(), plan.SourceLocation.ValueString()
	if src == "" || loc == "" {
		diags.AddAttributeError(path.Root("source_arn"), "Missing source_arn",
			"Set source_arn, or source and source_location to find the source by its tags.")
		return "", false
	}
	sc, err := r.data.rdsClient(ctx, loc)
	if err != nil {
		diags.AddAttributeError(path.Root("source_location"), "Unable to find the source database", err.Error())
		return "", false
	}
	tags := map[string]string{awsbackend.TagComponent: src}
	if b := plan.Blueprint.ValueString(); b != "" {
		tags[awsbackend.TagBlueprint] = b
	}
	inst, err := sc.FindTagged(ctx, tags)
	if err != nil {
		diags.AddAttributeError(path.Root("source"), "Unable to find the source database",
			fmt.Sprintf("No DB instance in %s is tagged as component %q of blueprint %q: %v", loc, src, plan.Blueprint.ValueString(), err))
		return "", false
	}
	return inst.ARN, true
}

// ValidateConfig: only aws has a database replica backend in this version.
func (r *databaseReplicaResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateCloud(ctx, req.Config, awsOnly("database replica"), "ha_database_replica", &resp.Diagnostics)
}
