package provider

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
)

var (
	_ resource.Resource                   = &databaseResource{}
	_ resource.ResourceWithConfigure      = &databaseResource{}
	_ resource.ResourceWithImportState    = &databaseResource{}
	_ resource.ResourceWithValidateConfig = &databaseResource{}
)

// NewDatabaseResource is the ha_database resource: an RDS DB instance.
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
			"and a final snapshot when it is destroyed. Create waits until the instance is available.",
		Attributes: map[string]schema.Attribute{
			"cloud": cloudAttribute("database"),
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The instance ARN.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"location": schema.StringAttribute{
				Required: true, MarkdownDescription: "AWS region, e.g. `us-east-1`. Changing it replaces the database.",
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
				Required: true, MarkdownDescription: "Instance class, e.g. `db.t3.micro`. Changed in place.",
				Validators: dbInstanceClassValidators,
			},
			"allocated_storage": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(20),
				MarkdownDescription: "Storage in GiB (default 20). Grown in place.",
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
				MarkdownDescription: "Days of automated backups (default 7, 0 disables them). Changed in place.",
				Validators:          dbBackupRetentionValidators,
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
}

func (r *databaseResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

func (r *databaseResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan databaseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, 60*time.Minute)
	resp.Diagnostics.Append(diags...)
	tags, diags := ownedTags(ctx, plan.Tags, plan.Blueprint, plan.Component)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	label := componentLabel(plan.Component, plan.Name.ValueString())
	c, err := r.data.rdsClient(ctx, plan.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to create database", err.Error())
		return
	}
	in := rds.CreateInput{
		Identifier:            plan.Name.ValueString(),
		Engine:                plan.Engine.ValueString(),
		EngineVersion:         plan.EngineVersion.ValueString(),
		InstanceClass:         plan.InstanceClass.ValueString(),
		AllocatedStorage:      int32(plan.AllocatedStorage.ValueInt64()),
		MultiAZ:               plan.MultiAZ.ValueBool(),
		StorageEncrypted:      plan.StorageEncrypted.ValueBool(),
		KMSKeyID:              plan.KMSKeyID.ValueString(),
		DeletionProtection:    plan.DeletionProtection.ValueBool(),
		BackupRetentionPeriod: int32(plan.BackupRetentionPeriod.ValueInt64()),
		Username:              plan.Username.ValueString(),
		Password:              plan.Password.ValueString(),
		Tags:                  tags,
	}
	plan.RestoredFromSnapshot = types.StringValue("")
	var created *rds.Instance
	if from := plan.RestoreFromComponent.ValueString(); from != "" {
		snap, err := c.LatestSnapshotTagged(ctx, tagDatabase, from)
		if err != nil {
			addAWSError(&resp.Diagnostics, "find the newest snapshot of "+from+" to restore", label, err)
			return
		}
		if created, err = c.Restore(ctx, in, snap.Identifier); err != nil {
			addAWSError(&resp.Diagnostics, "restore database", label, err)
			return
		}
		plan.RestoredFromSnapshot = types.StringValue(snap.ARN)
	} else if created, err = c.Create(ctx, in); err != nil {
		addAWSError(&resp.Diagnostics, "create database", label, err)
		return
	}
	inst, err := c.WaitAvailable(ctx, plan.Name.ValueString())
	if err != nil {
		// The instance exists: keep it in state (tainted) so it is not lost.
		plan.fill(created)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		addAWSError(&resp.Diagnostics, "create database (waiting for it to become available)", label, err)
		return
	}
	if !plan.RestoreFromComponent.IsNull() {
		// A restored instance has the snapshot's password: make it the configured one.
		pw := plan.Password.ValueString()
		if err := c.Modify(ctx, inst.Identifier, rds.ModifyInput{Password: &pw}); err != nil {
			plan.fill(inst)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			addAWSError(&resp.Diagnostics, "set the password of the restored database", label, err)
			return
		}
	}
	plan.fill(inst)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *databaseResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state databaseModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	c, err := r.data.rdsClient(ctx, state.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to read database", err.Error())
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
		addAWSError(&resp.Diagnostics, "read database", componentLabel(state.Component, state.Name.ValueString()), err)
		return
	}
	state.fill(inst)
	if state.RestoredFromSnapshot.IsNull() {
		// Imported: where it came from is not recorded by AWS.
		state.RestoredFromSnapshot = types.StringValue("")
	}
	state.Cloud = cloudValue(state.Cloud)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *databaseResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state databaseModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, 60*time.Minute)
	resp.Diagnostics.Append(diags...)
	tags, diags := ownedTags(ctx, plan.Tags, plan.Blueprint, plan.Component)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	label := componentLabel(plan.Component, plan.Name.ValueString())
	c, err := r.data.rdsClient(ctx, plan.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to update database", err.Error())
		return
	}
	var m rds.ModifyInput
	if !plan.InstanceClass.Equal(state.InstanceClass) {
		m.InstanceClass = plan.InstanceClass.ValueStringPointer()
	}
	if !plan.EngineVersion.IsUnknown() && !plan.EngineVersion.Equal(state.EngineVersion) {
		m.EngineVersion = plan.EngineVersion.ValueStringPointer()
	}
	if !plan.AllocatedStorage.Equal(state.AllocatedStorage) {
		v := int32(plan.AllocatedStorage.ValueInt64())
		m.AllocatedStorage = &v
	}
	if !plan.MultiAZ.Equal(state.MultiAZ) {
		m.MultiAZ = plan.MultiAZ.ValueBoolPointer()
	}
	if !plan.DeletionProtection.Equal(state.DeletionProtection) {
		m.DeletionProtection = plan.DeletionProtection.ValueBoolPointer()
	}
	if !plan.BackupRetentionPeriod.Equal(state.BackupRetentionPeriod) {
		v := int32(plan.BackupRetentionPeriod.ValueInt64())
		m.BackupRetentionPeriod = &v
	}
	if !plan.Password.Equal(state.Password) {
		m.Password = plan.Password.ValueStringPointer()
	}
	if err := c.Modify(ctx, plan.Name.ValueString(), m); err != nil {
		addAWSError(&resp.Diagnostics, "update database", label, err)
		return
	}
	if err := c.SetTags(ctx, state.ARN.ValueString(), tags, keepSystemTags(tags)); err != nil {
		addAWSError(&resp.Diagnostics, "update database tags", label, err)
		return
	}
	inst, err := c.WaitAvailable(ctx, plan.Name.ValueString())
	if err != nil {
		addAWSError(&resp.Diagnostics, "update database (waiting for it to become available)", label, err)
		return
	}
	plan.fill(inst)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *databaseResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state databaseModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, 60*time.Minute)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	label := componentLabel(state.Component, state.Name.ValueString())
	c, err := r.data.rdsClient(ctx, state.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to delete database", err.Error())
		return
	}
	final := state.FinalSnapshotIdentifier.ValueString()
	if final == "" {
		final = state.Name.ValueString() + "-final"
	}
	err = c.Delete(ctx, state.Name.ValueString(), rds.DeleteInput{SkipFinalSnapshot: state.SkipFinalSnapshot.ValueBool(), FinalSnapshotIdentifier: final})
	if forgetUnreachable(&resp.Diagnostics, state.lost(), err) {
		return
	}
	if err != nil {
		addAWSError(&resp.Diagnostics, "delete database", label, err)
		if strings.Contains(err.Error(), "deletion protection") {
			resp.Diagnostics.AddAttributeError(path.Root("deletion_protection"), "Deletion protection is on",
				"Set deletion_protection = false and apply before destroying this database.")
		}
	}
}

func (r *databaseResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	location, name, err := parseDBImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("location"), location)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	// Provider-side settings take their defaults; the password cannot be read back.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("skip_final_snapshot"), false)...)
}

// parseDBImportID accepts an instance ARN or LOCATION/NAME.
func parseDBImportID(id string) (location, name string, err error) {
	if strings.HasPrefix(id, "arn:") {
		region, kind, n, err := rds.ParseARN(id)
		if err != nil {
			return "", "", err
		}
		if kind != "db" {
			return "", "", errors.New("expected a DB instance ARN (arn:aws:rds:REGION:ACCOUNT:db:NAME), got " + id)
		}
		return region, n, nil
	}
	location, name, ok := strings.Cut(id, "/")
	if !ok || location == "" || name == "" {
		return "", "", errors.New("expected an instance ARN or LOCATION/NAME (us-east-1/orders), got " + id)
	}
	return location, name, nil
}

// Tags that record component-contract references (keys of other components),
// so that they survive import.
const (
	tagSource       = "ha:source"
	tagDatabase     = "ha:database"
	tagCopyToRegion = "ha:copy-to-region"
)

// keepSystemTags leaves ha:* tags the provider writes outside `tags` (such
// as the promotion marker) alone; the ones attributes manage follow them.
func keepSystemTags(want map[string]string) func(string) bool {
	managed := map[string]bool{"ha:blueprint": true, "ha:component": true, tagSource: true, tagDatabase: true, tagCopyToRegion: true}
	return func(k string) bool {
		_, wanted := want[k]
		return !wanted && strings.HasPrefix(k, "ha:") && !managed[k]
	}
}

// withRefTag adds a reference tag when the attribute is set.
func withRefTag(tags map[string]string, key string, v types.String) {
	if s := v.ValueString(); s != "" {
		tags[key] = s
	}
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
	Timeouts                timeouts.Value `tfsdk:"timeouts"`
}

// fill copies what the API reports; the password and provider-side
// settings stay as they are.
func (m *databaseModel) fill(i *rds.Instance) {
	m.ID = types.StringValue(i.ARN)
	m.ARN = types.StringValue(i.ARN)
	m.Name = types.StringValue(i.Identifier)
	m.Engine = types.StringValue(i.Engine)
	m.EngineVersion = types.StringValue(i.EngineVersion)
	m.InstanceClass = types.StringValue(i.InstanceClass)
	m.AllocatedStorage = types.Int64Value(int64(i.AllocatedStorage))
	m.MultiAZ = types.BoolValue(i.MultiAZ)
	m.StorageEncrypted = types.BoolValue(i.StorageEncrypted)
	m.KMSKeyID = types.StringValue(i.KMSKeyID)
	m.DeletionProtection = types.BoolValue(i.DeletionProtection)
	m.BackupRetentionPeriod = types.Int64Value(int64(i.BackupRetentionPeriod))
	m.Username = types.StringValue(i.Username)
	m.Address = types.StringValue(i.Address)
	m.Port = types.Int64Value(int64(i.Port))
	m.Endpoint = types.StringValue(endpointOf(i))
	readTags(i.Tags, &m.Tags, &m.Blueprint, &m.Component)
}

func endpointOf(i *rds.Instance) string {
	if i.Address == "" {
		return ""
	}
	return i.Address + ":" + strconv.Itoa(int(i.Port))
}

// ValidateConfig: only aws has a database backend in this version.
func (r *databaseResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateCloud(ctx, req.Config, awsOnly("database"), "ha_database", &resp.Diagnostics)
}
