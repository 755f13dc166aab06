package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/replica"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ resource.Resource                   = &databaseReplicaResource{}
	_ resource.ResourceWithConfigure      = &databaseReplicaResource{}
	_ resource.ResourceWithImportState    = &databaseReplicaResource{}
	_ resource.ResourceWithValidateConfig = &databaseReplicaResource{}
	_ resource.ResourceWithModifyPlan     = &databaseReplicaResource{}
)

// NewDatabaseReplicaResource is the ha_database_replica resource: a read
// replica (RDS on AWS, Cloud SQL on GCP), in the source's location or
// another, that can be promoted; built by the backend internal/replica
// registers for its cloud.
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
				Required: true, MarkdownDescription: "Region of the replica (`us-west-2` on aws, `us-east1` on gcp). Changing it replaces the replica.",
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
				MarkdownDescription: "Size (an RDS instance class on aws, a Cloud SQL tier on gcp); the source's when unset. Changed in place.",
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
	planCloudSettings(ctx, req.Plan, r.data, "ha_database_replica", &resp.Diagnostics)
	if req.Plan.Raw.IsNull() || resp.Diagnostics.HasError() {
		return
	}
	var plan databaseReplicaModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
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
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() || state.Role.ValueString() != "replica" || !plan.SourceARN.Equal(state.SourceARN) {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("role"), state.Role)...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("replicating_from"), state.ReplicatingFrom)...)
}

// backend is the replica backend of m's cloud in m's location.
func (r *databaseReplicaResource) backend(ctx context.Context, m *databaseReplicaModel) (replica.Backend, error) {
	if r.data == nil {
		return nil, errNoProvider
	}
	return replica.Open(ctx, cloudOf(m.Cloud), r.data.backends, m.Location.ValueString())
}

func (r *databaseReplicaResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan databaseReplicaModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, 90*time.Minute)
	resp.Diagnostics.Append(diags...)
	spec, diags := plan.spec(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ctx, flush := backendWarnings(ctx, &resp.Diagnostics)
	defer flush()
	label := componentLabel(plan.Component, plan.Name.ValueString())
	b, err := r.backend(ctx, &plan)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to create database replica", err.Error())
		return
	}
	if plan.SourceARN.IsNull() || plan.SourceARN.IsUnknown() {
		src, ok := findSource(ctx, b, spec, &resp.Diagnostics)
		if !ok {
			return
		}
		plan.SourceARN = types.StringValue(src)
		spec.SourceID = src
	}
	st, err := b.Apply(ctx, spec, nil)
	if st != nil && err != nil {
		// The instance exists: keep it in state (tainted) so it is not lost.
		plan.fill(st, true)
		resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
	}
	if err != nil {
		var mismatch *replica.EngineMismatchError
		if errors.As(err, &mismatch) {
			resp.Diagnostics.AddAttributeError(path.Root("engine"), "Engine does not match the source", mismatch.Error())
		}
		addAWSError(&resp.Diagnostics, "create database replica", label, err)
		return
	}
	plan.fill(st, false)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *databaseReplicaResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state databaseReplicaModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	ctx, flush := backendWarnings(ctx, &resp.Diagnostics)
	defer flush()
	b, err := r.backend(ctx, &state)
	if err == nil {
		// An import has only name and location: spec is partial then.
		spec, _ := state.spec(ctx)
		var st *replica.Status
		if st, err = b.Read(ctx, spec, state.status(spec)); err == nil {
			state.fill(st, false)
			resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &state)...)
			return
		}
	}
	if backend.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if keepUnreachable(&resp.Diagnostics, state.lost(), err) {
		return
	}
	addAWSError(&resp.Diagnostics, "read database replica", componentLabel(state.Component, state.Name.ValueString()), err)
}

func (r *databaseReplicaResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state databaseReplicaModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, 90*time.Minute)
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
	ctx, flush := backendWarnings(ctx, &resp.Diagnostics)
	defer flush()
	label := componentLabel(plan.Component, plan.Name.ValueString())
	b, err := r.backend(ctx, &plan)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to update database replica", err.Error())
		return
	}
	// Promotion (promote false → true) happens here, in this one apply.
	st, err := b.Apply(ctx, spec, state.status(prior))
	if err != nil {
		what := "update database replica"
		if spec.Promote && state.Role.ValueString() != replica.RolePrimary {
			what = "promote database replica"
		}
		addAWSError(&resp.Diagnostics, what, label, err)
		return
	}
	plan.fill(st, false)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *databaseReplicaResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state databaseReplicaModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, 90*time.Minute)
	resp.Diagnostics.Append(diags...)
	spec, diags := state.spec(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ctx, flush := backendWarnings(ctx, &resp.Diagnostics)
	defer flush()
	b, err := r.backend(ctx, &state)
	if err == nil {
		err = b.Delete(ctx, state.status(spec))
	}
	if err == nil || forgetUnreachable(&resp.Diagnostics, state.lost(), err) {
		return
	}
	addAWSError(&resp.Diagnostics, "delete database replica", componentLabel(state.Component, state.Name.ValueString()), err)
}

// ImportState takes an instance ARN, LOCATION/NAME (aws) or
// CLOUD/LOCATION/NAME.
func (r *databaseReplicaResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importDBInstance(ctx, req, resp)
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

// spec turns the plan (or state) into the backend's description; unknown
// computed values (engine, instance class) are "": the source's.
func (m *databaseReplicaModel) spec(ctx context.Context) (replica.Spec, diag.Diagnostics) {
	meta, diags := ownedMeta(ctx, m.Name, m.Location, m.Tags, m.Blueprint, m.Component)
	return replica.Spec{
		Meta:               meta,
		SourceID:           m.SourceARN.ValueString(),
		SourceLocation:     m.SourceLocation.ValueString(),
		SourceComponent:    m.Source.ValueString(),
		Engine:             m.Engine.ValueString(),
		InstanceClass:      m.InstanceClass.ValueString(),
		HighAvailability:   m.MultiAZ.ValueBool(),
		KeyID:              m.KMSKeyID.ValueString(),
		DeletionProtection: m.DeletionProtection.ValueBool(),
		Promote:            m.Promote.ValueBool(),
		BackupRetention:    int(m.BackupRetentionPeriod.ValueInt64()),
		BackupWindow:       m.BackupWindow.ValueString(),
		SkipFinalSnapshot:  m.SkipFinalSnapshot.ValueBool(),
		FinalSnapshotName:  m.FinalSnapshotIdentifier.ValueString(),
	}, diags
}

// status is the Status the state records, for Update, Read and Delete.
func (m *databaseReplicaModel) status(spec replica.Spec) *replica.Status {
	return &replica.Status{
		Spec: spec, ID: m.Name.ValueString(), URI: m.ARN.ValueString(), Role: m.Role.ValueString(),
		ReplicatingFrom: m.ReplicatingFrom.ValueString(),
	}
}

// fill copies what the backend reports. While the instance is a replica its
// backup settings are the source's and not ours to show, so they stay as
// configured (they are applied on promotion). partial fills only what a
// create call returned, for an instance that did not become usable.
func (m *databaseReplicaModel) fill(st *replica.Status, partial bool) {
	s := st.Spec
	m.Cloud = cloudValue(m.Cloud)
	uri := st.URI
	if uri == "" {
		uri = st.ID
	}
	m.ID = types.StringValue(uri)
	m.ARN = types.StringValue(uri)
	m.Name = types.StringValue(s.Name)
	m.Engine = types.StringValue(s.Engine)
	m.InstanceClass = types.StringValue(s.InstanceClass)
	m.Address = types.StringValue(st.Address)
	m.Port = types.Int64Value(int64(st.Port))
	m.Endpoint = types.StringValue(st.Endpoint)
	if partial {
		m.Role = types.StringValue(replica.RoleReplica)
		m.ReplicatingFrom = m.SourceARN
		return
	}
	m.MultiAZ = types.BoolValue(s.HighAvailability)
	m.DeletionProtection = types.BoolValue(s.DeletionProtection)
	if st.Role == replica.RoleReplica {
		m.Role = types.StringValue(replica.RoleReplica)
		m.ReplicatingFrom = types.StringValue(st.ReplicatingFrom)
		m.Promote = types.BoolValue(false)
		if m.BackupRetentionPeriod.IsNull() || m.BackupRetentionPeriod.IsUnknown() {
			m.BackupRetentionPeriod = types.Int64Value(int64(s.BackupRetention))
		}
	} else {
		m.Role = types.StringValue(replica.RolePrimary)
		m.ReplicatingFrom = types.StringNull()
		m.Promote = types.BoolValue(true)
		m.BackupRetentionPeriod = types.Int64Value(int64(s.BackupRetention))
		if !m.BackupWindow.IsNull() {
			m.BackupWindow = types.StringValue(s.BackupWindow)
		}
	}
	if (m.SourceARN.IsNull() || m.SourceARN.IsUnknown()) && s.SourceID != "" {
		// Import: the source is what the cloud reports (or recorded on promotion).
		m.SourceARN = types.StringValue(s.SourceID)
	}
	m.Tags, m.Blueprint, m.Component = splitMeta(s.Meta, m.Tags, m.Blueprint, m.Component)
	m.Source = refValue(s.SourceComponent, m.Source)
}

// findSource resolves the source by its component and blueprint in
// source_location.
func findSource(ctx context.Context, b replica.Backend, spec replica.Spec, diags *diag.Diagnostics) (string, bool) {
	if spec.SourceComponent == "" || spec.SourceLocation == "" {
		diags.AddAttributeError(path.Root("source_arn"), "Missing source_arn",
			"Set source_arn, or source and source_location to find the source by its tags.")
		return "", false
	}
	src, err := b.FindSource(ctx, spec)
	if err != nil {
		diags.AddAttributeError(path.Root("source"), "Unable to find the source database",
			fmt.Sprintf("No database in %s is tagged as component %q of blueprint %q: %v", spec.SourceLocation, spec.SourceComponent, spec.Blueprint, err))
		return "", false
	}
	return src, true
}

// refValue is a component reference the cloud reports (a tag or label):
// the value when there is one; else "" and null stay as they were, and a
// reference removed out of band reads null so the plan puts it back.
func refValue(got string, prior types.String) types.String {
	if got != "" {
		return types.StringValue(got)
	}
	if prior.IsNull() || prior.IsUnknown() || prior.ValueString() == "" {
		return prior
	}
	return types.StringNull()
}

// ValidateConfig: the cloud must have a database replica backend.
func (r *databaseReplicaResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateCloud(ctx, req.Config, replica.Registry, "ha_database_replica", &resp.Diagnostics)
	var cloud, source types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("cloud"), &cloud)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("source_arn"), &source)...)
	if cloud.IsUnknown() || source.IsNull() || source.IsUnknown() {
		return
	}
	if p := crossCloudSource(cloudOf(cloud), source.ValueString()); p != "" {
		resp.Diagnostics.AddAttributeError(path.Root("source_arn"), "Cross-cloud replication", p)
	}
}

// crossCloudSource is why source (an RDS ARN, a Cloud SQL connection name
// PROJECT:REGION:NAME) cannot be the source of a replica on cloud, "" when
// it can: replicas stay within one cloud.
func crossCloudSource(cloud backend.Cloud, source string) string {
	var of backend.Cloud
	switch {
	case strings.HasPrefix(source, "arn:aws"):
		of = backend.AWS
	case strings.Count(source, ":") == 2:
		of = backend.GCP
	default:
		return ""
	}
	if of == cloud {
		return ""
	}
	return fmt.Sprintf("%q is a database on %s, and this replica is on %s: RDS and Cloud SQL cannot replicate to each other. "+
		"Declare a database per cloud, or restore backups on the other side (restore_from_component).", source, of, cloud)
}
