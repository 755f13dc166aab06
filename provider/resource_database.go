package provider

import (
	"context"
	"errors"
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

	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/rds"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backupplan"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ resource.Resource                   = &databaseResource{}
	_ resource.ResourceWithConfigure      = &databaseResource{}
	_ resource.ResourceWithImportState    = &databaseResource{}
	_ resource.ResourceWithValidateConfig = &databaseResource{}
	_ resource.ResourceWithModifyPlan     = &databaseResource{}
)

// NewDatabaseResource is the ha_database resource: a managed database of
// the cloud named by `cloud` (an RDS DB instance on AWS, a Cloud SQL
// instance on GCP), built by the backend internal/database registers.
func NewDatabaseResource() resource.Resource { return &databaseResource{} }

type databaseResource struct {
	data *providerData
}

func (r *databaseResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_database"
}

func (r *databaseResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A relational database (the `database` component): on AWS an RDS DB instance running " +
			"PostgreSQL or MySQL, Multi-AZ, with encrypted storage, deletion protection and automated backups on by default, " +
			"and a final snapshot when it is destroyed. Create waits until the instance is available. With `cloud = \"gcp\"` " +
			"a Cloud SQL instance (`multi_az`: REGIONAL availability; `instance_class`: a Cloud SQL tier).",
		Attributes: map[string]schema.Attribute{
			"cloud": cloudAttribute("database"),
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The instance ARN.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"location": schema.StringAttribute{
				Required: true, MarkdownDescription: "Region, e.g. `us-east-1` (aws) or `europe-west1` (gcp). Changing it replaces the database.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "DB instance identifier (the component's physical name). Changing it replaces the database.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    dbIdentifierValidators,
			},
			"component": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Component key (`east/orders/database`), written to the tag `ha:component`.",
			},
			"blueprint": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Blueprint name, written to the tag `ha:blueprint`.",
			},
			"tags": schema.MapAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Additional tags. Keys starting with `ha:` are reserved.",
			},
			"engine": schema.StringAttribute{
				Required: true, MarkdownDescription: "`postgres` or `mysql`. Changing it replaces the database.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringvalidator.OneOf("postgres", "mysql")},
			},
			"engine_version": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Engine version; the engine's default when unset. Upgrades are applied in place, immediately.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"instance_class": schema.StringAttribute{
				Required: true, MarkdownDescription: "Size: an RDS instance class such as `db.t3.micro` (aws), a Cloud SQL tier such as `db-custom-2-7680` (gcp). Changed in place.",
				Validators: dbInstanceClassValidators,
			},
			"allocated_storage": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(20),
				MarkdownDescription: "Storage in GiB (default 20; at least 20 on aws, 10 on gcp). Grown in place.",
				Validators:          dbStorageValidators,
			},
			"multi_az": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Synchronous standby in another zone (default `true`). Changed in place.",
			},
			"storage_encrypted": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Encrypt storage (default `true`). Changing it replaces the database.",
				PlanModifiers:       []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
			},
			"kms_key_id": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "KMS key for storage encryption; the AWS managed key when unset. Changing it replaces the database.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"deletion_protection": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Refuse deletion (default `true`). Set `false` and apply before destroying.",
			},
			"backup_retention_period": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(7),
				MarkdownDescription: "Days of automated backups (default 7, 0 disables them). Changed in place. On gcp, once an " +
					"`ha_backup_plan` protects the instance, the plan's schedule and retention are its backup settings and this value is not enforced.",
				Validators: dbBackupRetentionValidators,
			},
			"skip_final_snapshot": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Destroy without a final snapshot (default `false`: a final snapshot is taken).",
			},
			"final_snapshot_identifier": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Name of the final snapshot taken on destroy (default `NAME-final`).",
				Validators:          dbSnapshotIdentifierValidators,
			},
			"restore_from_component": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Disaster recovery: create the database from the newest available snapshot in `location` that " +
					"`ha_backup_plan` took of this component (`east/orders/database`) and copied here, instead of empty. The password is " +
					"then set to `password`. Changing it replaces the database.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"restored_from_snapshot": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "ARN of the snapshot the database was restored from (`restore_from_component`), else empty.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"username": schema.StringAttribute{
				Required: true, MarkdownDescription: "Master user name. Changing it replaces the database.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    dbUsernameValidators,
			},
			"password": schema.StringAttribute{
				Required: true, Sensitive: true,
				MarkdownDescription: "Master password (8 characters or more). Never read back from AWS nor logged; changed in place.",
				Validators:          dbPasswordValidators,
			},
			"arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Instance ARN (what `ha_database_replica.source_arn` takes).",
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
	for k, a := range databaseBareMetalAttributes() {
		resp.Schema.Attributes[k] = a
	}
}

func (r *databaseResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

// backend is the database backend of m's cloud in m's location.
func (r *databaseResource) backend(ctx context.Context, m *databaseModel) (database.Backend, error) {
	if r.data == nil {
		return nil, errNoProvider
	}
	return database.Open(ctx, cloudOf(m.Cloud), r.data.backends, m.Location.ValueString())
}

func (r *databaseResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planCloudSettings(ctx, req.Plan, r.data, "ha_database", &resp.Diagnostics)
	r.planBareMetal(ctx, req, resp)
}

func (r *databaseResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan databaseModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, 60*time.Minute)
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
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to create database", err.Error())
		return
	}
	if from := plan.RestoreFromComponent.ValueString(); from != "" && spec.BareMetal == nil {
		rp, err := r.latestRecoveryPoint(ctx, &plan, from)
		if err != nil {
			addAWSError(&resp.Diagnostics, "find the newest snapshot of "+from+" to restore", label, err)
			return
		}
		spec.RestoreFrom = rp.ID
	}
	st, err := b.Apply(ctx, spec, nil)
	if st != nil {
		// Even after an error the instance exists: keep it in state (tainted) so it is not lost.
		plan.fill(st)
		resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
	}
	if err != nil {
		what := "create database"
		if spec.RestoreFrom != "" {
			what = "restore database"
		}
		addAWSError(&resp.Diagnostics, what, label, err)
	}
}

// latestRecoveryPoint finds, with the backup plan backend of the database's
// cloud and location, the newest recovery point of component from.
func (r *databaseResource) latestRecoveryPoint(ctx context.Context, m *databaseModel, from string) (*backupplan.RecoveryPoint, error) {
	bp, err := backupplan.Open(ctx, cloudOf(m.Cloud), r.data.backends, m.Location.ValueString())
	if err != nil {
		return nil, err
	}
	return bp.LatestRecoveryPoint(ctx, m.Blueprint.ValueString(), from)
}

func (r *databaseResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state databaseModel
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
		var st *database.Status
		st, err = b.Read(ctx, spec, state.status(spec))
		if err == nil {
			state.fill(st)
			if state.RestoredFromSnapshot.IsNull() {
				// Imported: where it came from is not recorded by the cloud.
				state.RestoredFromSnapshot = types.StringValue("")
			}
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
	addAWSError(&resp.Diagnostics, "read database", componentLabel(state.Component, state.Name.ValueString()), err)
}

func (r *databaseResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state databaseModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, 60*time.Minute)
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
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to update database", err.Error())
		return
	}
	st, err := b.Apply(ctx, spec, state.status(prior))
	if err != nil {
		addAWSError(&resp.Diagnostics, "update database", label, err)
		return
	}
	plan.RestoredFromSnapshot = state.RestoredFromSnapshot
	plan.fill(st)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *databaseResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state databaseModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, 60*time.Minute)
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
	addAWSError(&resp.Diagnostics, "delete database", componentLabel(state.Component, state.Name.ValueString()), err)
	if strings.Contains(strings.ToLower(err.Error()), "deletion protection") {
		resp.Diagnostics.AddAttributeError(path.Root("deletion_protection"), "Deletion protection is on",
			"Set deletion_protection = false and apply before destroying this database.")
	}
}

// ImportState takes an instance ARN, LOCATION/NAME (aws) or
// CLOUD/LOCATION/NAME.
func (r *databaseResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importDBInstance(ctx, req, resp)
}

// importDBInstance is the import of ha_database and ha_database_replica.
func importDBInstance(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	cloud, location, name, err := parseDBImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cloud"), string(cloud))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("location"), location)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	// Provider-side settings take their defaults; the password cannot be read back.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("skip_final_snapshot"), false)...)
}

// parseDBImportID accepts an RDS instance ARN, LOCATION/NAME (aws) or
// CLOUD/LOCATION/NAME.
func parseDBImportID(id string) (cloud backend.Cloud, location, name string, err error) {
	if strings.HasPrefix(id, "arn:") {
		region, kind, n, err := rds.ParseARN(id)
		if err != nil {
			return "", "", "", err
		}
		if kind != "db" {
			return "", "", "", errors.New("expected a DB instance ARN (arn:aws:rds:REGION:ACCOUNT:db:NAME), got " + id)
		}
		return backend.AWS, region, n, nil
	}
	cloud, location, name, ok := parseCloudImportID(id)
	if !ok {
		return "", "", "", errors.New("expected an instance ARN, LOCATION/NAME (us-east-1/orders) or CLOUD/LOCATION/NAME (gcp/europe-west1/orders), got " + id)
	}
	return cloud, location, name, nil
}

func (m *databaseModel) lost() lostObject {
	return newLostObject("database", m.Name, m.Component, m.Blueprint, m.Location)
}

type databaseModel struct {
	Cloud                   types.String   `tfsdk:"cloud"`
	ID                      types.String   `tfsdk:"id"`
	Location                types.String   `tfsdk:"location"`
	Name                    types.String   `tfsdk:"name"`
	Component               types.String   `tfsdk:"component"`
	Blueprint               types.String   `tfsdk:"blueprint"`
	Tags                    types.Map      `tfsdk:"tags"`
	Engine                  types.String   `tfsdk:"engine"`
	EngineVersion           types.String   `tfsdk:"engine_version"`
	InstanceClass           types.String   `tfsdk:"instance_class"`
	AllocatedStorage        types.Int64    `tfsdk:"allocated_storage"`
	MultiAZ                 types.Bool     `tfsdk:"multi_az"`
	StorageEncrypted        types.Bool     `tfsdk:"storage_encrypted"`
	KMSKeyID                types.String   `tfsdk:"kms_key_id"`
	DeletionProtection      types.Bool     `tfsdk:"deletion_protection"`
	BackupRetentionPeriod   types.Int64    `tfsdk:"backup_retention_period"`
	SkipFinalSnapshot       types.Bool     `tfsdk:"skip_final_snapshot"`
	FinalSnapshotIdentifier types.String   `tfsdk:"final_snapshot_identifier"`
	Username                types.String   `tfsdk:"username"`
	Password                types.String   `tfsdk:"password"`
	RestoreFromComponent    types.String   `tfsdk:"restore_from_component"`
	RestoredFromSnapshot    types.String   `tfsdk:"restored_from_snapshot"`
	ARN                     types.String   `tfsdk:"arn"`
	Endpoint                types.String   `tfsdk:"endpoint"`
	Address                 types.String   `tfsdk:"address"`
	Port                    types.Int64    `tfsdk:"port"`
	Hosts                   types.List     `tfsdk:"hosts"`
	Primary                 types.String   `tfsdk:"primary"`
	FailoverBudget          types.Int64    `tfsdk:"failover_budget"`
	MaxLagBytes             types.Int64    `tfsdk:"max_lag_bytes"`
	RestoreRepository       types.Object   `tfsdk:"restore_repository"`
	RestorePassphrase       types.String   `tfsdk:"restore_passphrase"`
	Timeouts                timeouts.Value `tfsdk:"timeouts"`
}

// spec turns the plan (or state) into the backend's description; unknown
// computed values (engine version, key) are "": the cloud's choice.
func (m *databaseModel) spec(ctx context.Context) (database.Spec, diag.Diagnostics) {
	meta, diags := ownedMeta(ctx, m.Name, m.Location, m.Tags, m.Blueprint, m.Component)
	bm, d := m.bareMetal(ctx)
	diags.Append(d...)
	return database.Spec{
		BareMetal:          bm,
		Meta:               meta,
		Engine:             m.Engine.ValueString(),
		EngineVersion:      m.EngineVersion.ValueString(),
		InstanceClass:      m.InstanceClass.ValueString(),
		StorageGB:          int(m.AllocatedStorage.ValueInt64()),
		HighAvailability:   m.MultiAZ.ValueBool(),
		StorageEncrypted:   m.StorageEncrypted.ValueBool(),
		KeyID:              m.KMSKeyID.ValueString(),
		DeletionProtection: m.DeletionProtection.ValueBool(),
		BackupRetention:    int(m.BackupRetentionPeriod.ValueInt64()),
		SkipFinalSnapshot:  m.SkipFinalSnapshot.ValueBool(),
		FinalSnapshotName:  m.FinalSnapshotIdentifier.ValueString(),
		Username:           m.Username.ValueString(),
		Password:           m.Password.ValueString(),
	}, diags
}

// status is the Status the state records, for Update, Read and Delete.
func (m *databaseModel) status(spec database.Spec) *database.Status {
	return &database.Status{
		Spec: spec, ID: m.Name.ValueString(), URI: m.ARN.ValueString(),
		RestoredFrom: m.RestoredFromSnapshot.ValueString(),
	}
}

// fill copies what the backend reports; the password and provider-side
// settings stay as they are.
func (m *databaseModel) fill(st *database.Status) {
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
	m.EngineVersion = types.StringValue(s.EngineVersion)
	m.InstanceClass = types.StringValue(s.InstanceClass)
	m.AllocatedStorage = types.Int64Value(int64(s.StorageGB))
	m.MultiAZ = types.BoolValue(s.HighAvailability)
	m.StorageEncrypted = types.BoolValue(s.StorageEncrypted)
	m.KMSKeyID = types.StringValue(s.KeyID)
	m.DeletionProtection = types.BoolValue(s.DeletionProtection)
	m.BackupRetentionPeriod = types.Int64Value(int64(s.BackupRetention))
	m.Username = types.StringValue(s.Username)
	m.Address = types.StringValue(st.Address)
	m.Port = types.Int64Value(int64(st.Port))
	m.Endpoint = types.StringValue(st.Endpoint)
	if st.RestoredFrom != "" || m.RestoredFromSnapshot.IsUnknown() {
		m.RestoredFromSnapshot = types.StringValue(st.RestoredFrom)
	}
	m.Tags, m.Blueprint, m.Component = splitMeta(s.Meta, m.Tags, m.Blueprint, m.Component)
}

// ValidateConfig: the cloud must have a database backend.
func (r *databaseResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateCloud(ctx, req.Config, database.Registry, "ha_database", &resp.Diagnostics)
}
