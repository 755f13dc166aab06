package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/backup"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backupplan"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ resource.Resource                   = &backupPlanResource{}
	_ resource.ResourceWithConfigure      = &backupPlanResource{}
	_ resource.ResourceWithImportState    = &backupPlanResource{}
	_ resource.ResourceWithValidateConfig = &backupPlanResource{}
	_ resource.ResourceWithModifyPlan     = &backupPlanResource{}
)

// NewBackupPlanResource is the ha_backup_plan resource: scheduled backups
// copied to another location (on AWS an AWS Backup plan with encrypted
// vaults in two regions plus cross-region DB snapshots), built by the
// backend internal/backupplan registers for its cloud.
func NewBackupPlanResource() resource.Resource { return &backupPlanResource{} }

type backupPlanResource struct {
	data *providerData
}

func (r *backupPlanResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_backup_plan"
}

func (r *backupPlanResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	ruleChanges := useStateUnlessChanged("schedule", "retention_days")
	snapshotChanges := useStateUnlessChanged("snapshot_trigger", "resource_arns")
	resp.Schema = schema.Schema{
		MarkdownDescription: "Backups of a component (the `backup_plan` component): an encrypted AWS Backup vault (KMS key " +
			"created or given), a plan with schedule and retention whose rule copies each recovery point to a vault in " +
			"`copy_to_location`, a selection of resources by ARN or tag, and a manual snapshot of the protected RDS " +
			"instance copied to `copy_to_location` (`latest_snapshot_arn`, `latest_copy_arn`), which is what disaster " +
			"recovery restores from. With `aws.endpoint` overridden, where that endpoint lacks a call (`CreateBackupSelection`, " +
			"`StartBackupJob`, `UpdateBackupPlan`, recovery-point listing) the resource degrades with a warning that names it; " +
			"against AWS itself every such failure is an error.\n\n" +
			"On GCP (`cloud = \"gcp\"`) the plan is the Cloud SQL instance's automated backups and their location. " +
			"On bare metal (`cloud = \"bare_metal\"`) it is pgBackRest for a Patroni `ha_database`: an encrypted repository " +
			"(`passphrase`) on `repository_host`, a host of another site, reached over TLS with certificates from the plan's " +
			"own authority; continuous WAL archiving (PostgreSQL's `archive_timeout` = 60 s, the RPO of losing the database's " +
			"site) turned on through Patroni; full backups on `schedule` (cron on the repository host) kept `retention_days`. " +
			"There `vault_arn` and `copy_vault_arn` are the repository (`HOST:PATH`), and `latest_recovery_point_arn`, " +
			"`latest_snapshot_arn` and `latest_copy_arn` the newest backup's label.",
		Attributes: map[string]schema.Attribute{
			"cloud": cloudAttribute("backup plan"),
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The plan ARN.",
				PlanModifiers: []planmodifier.String{ruleChanges},
			},
			"location": schema.StringAttribute{
				Required: true, MarkdownDescription: "AWS region of the plan and its vault. Changing it replaces everything.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "Name of the plan and of both vaults. Changing it replaces everything.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{stringvalidator.LengthBetween(2, 50), stringvalidator.RegexMatches(
					regexpMust(`^[a-z][a-z0-9-]*[a-z0-9]$`), "lower-case letters, digits and hyphens, starting with a letter")},
			},
			"component": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Component key (`east/orders/backup_plan`), written to the tag `ha:component`.",
			},
			"blueprint": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Blueprint name, written to the tag `ha:blueprint`.",
			},
			"tags": schema.MapAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Additional tags on the plan and vaults. Keys starting with `ha:` are reserved.",
			},
			"schedule": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("cron(0 3 * * ? *)"),
				MarkdownDescription: "When backups run, AWS cron form (default `cron(0 3 * * ? *)`). Changed in place.",
				Validators:          []validator.String{stringvalidator.RegexMatches(regexpMust(`^(cron|rate)\(.+\)$`), "cron(...) or rate(...)")},
			},
			"retention_days": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(35),
				MarkdownDescription: "Days recovery points (and their copies) are kept (default 35). Changed in place.",
			},
			"database": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Component key of the database this plan protects, written to the tag `ha:database`.",
			},
			"copy_to_region": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Blueprint region name of `copy_to_location` (`west`), written to the tag `ha:copy-to-region`.",
			},
			"copy_to_location": schema.StringAttribute{
				Required: true, MarkdownDescription: "Region of the copy vault. Changing it replaces everything.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"encrypted": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Encrypt the vaults with customer managed KMS keys (default `true`): `kms_key_arn`, or keys " +
					"created here (scheduled for deletion when the plan is destroyed). `false` uses the AWS managed key.",
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
			},
			"kms_key_arn": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "KMS key of the vault in `location`; created when unset and `encrypted`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"copy_kms_key_arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "KMS key created for the copy vault (null when not `encrypted`).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"resource_arns": schema.ListAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Resources the plan protects. The first RDS DB instance among them is also snapshotted and copied to `copy_to_location`.",
			},
			"selection_tags": schema.MapAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Protect every resource carrying all these tags.",
			},
			"iam_role_arn": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Role AWS Backup assumes; `AWSBackupDefaultServiceRole` of the account when unset.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"start_backup_now": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Start an on-demand backup job of every `resource_arns` entry when the plan is created or the trigger changes.",
			},
			"snapshot_trigger": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Any change takes a new DB snapshot and copy (in place).",
			},
			"keep_snapshots": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Keep the DB snapshots and copies when they are superseded or the plan is destroyed (default `false`).",
			},
			"vault_arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ARN of the vault in `location`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"copy_vault_arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "ARN of the vault in `copy_to_location`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"plan_id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "AWS Backup plan id.",
				PlanModifiers: []planmodifier.String{ruleChanges},
			},
			"selection_id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Backup selection id; null when there is nothing to select or the endpoint does not implement selections.",
				PlanModifiers: []planmodifier.String{useStateUnlessChanged("schedule", "retention_days", "resource_arns", "selection_tags", "iam_role_arn")},
			},
			"latest_recovery_point_arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Newest AWS Backup recovery point in the vault; null when there is none or the endpoint cannot list them.",
			},
			"latest_snapshot_arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Newest DB snapshot taken by this plan in `location`.",
				PlanModifiers: []planmodifier.String{snapshotChanges},
			},
			"latest_copy_arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Its copy in `copy_to_location`: what disaster recovery restores from.",
				PlanModifiers: []planmodifier.String{snapshotChanges},
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
	for k, v := range backupPlanBareMetalAttributes() {
		resp.Schema.Attributes[k] = v
	}
}

func (r *backupPlanResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

// backend is the backup plan backend of m's cloud in m's location.
func (r *backupPlanResource) backend(ctx context.Context, m *backupPlanModel) (backupplan.Backend, error) {
	if r.data == nil {
		return nil, errNoProvider
	}
	return backupplan.Open(ctx, cloudOf(m.Cloud), r.data.backends, m.Location.ValueString())
}

func (r *backupPlanResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planCloudSettings(ctx, req.Plan, r.data, "ha_backup_plan", &resp.Diagnostics)
	r.planBareMetal(ctx, req, resp)
}

func (r *backupPlanResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan backupPlanModel
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
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to create backup plan", err.Error())
		return
	}
	st, err := b.Apply(ctx, spec, nil)
	if st != nil {
		// The plan exists: save what there is even if a later step failed.
		plan.fromApply(st, &resp.Diagnostics)
		resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
	}
	if err != nil {
		addAWSError(&resp.Diagnostics, "create backup plan", label, err)
	}
}

func (r *backupPlanResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state backupPlanModel
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
		// An import has only location and plan id: spec is partial then.
		spec, _ := state.spec(ctx)
		var st *backupplan.Status
		if st, err = b.Read(ctx, spec, state.status(spec)); err == nil {
			state.fromRead(st)
			resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &state)...)
			return
		}
	}
	if backend.IsNotFound(err) {
		// The plan, its vault, its copy vault or its copy action is gone:
		// without them it backs up nothing, so it is created again.
		resp.State.RemoveResource(ctx)
		return
	}
	// Any location involved (the plan's, the copy's) may be unreachable:
	// then the prior state stays as it is, with a warning.
	if keepUnreachable(&resp.Diagnostics, state.lost(), err) {
		return
	}
	addAWSError(&resp.Diagnostics, "read backup plan", componentLabel(state.Component, state.Name.ValueString()), err)
}

func (r *backupPlanResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state backupPlanModel
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
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to update backup plan", err.Error())
		return
	}
	st, err := b.Apply(ctx, spec, state.status(prior))
	if st != nil {
		plan.fromApply(st, &resp.Diagnostics)
		resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
	}
	if err != nil {
		addAWSError(&resp.Diagnostics, "update backup plan", label, err)
	}
}

func (r *backupPlanResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state backupPlanModel
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
	// The copy location may be the lost one: its vault is forgotten too.
	if err == nil || forgetUnreachable(&resp.Diagnostics, state.lost(), err) {
		return
	}
	addAWSError(&resp.Diagnostics, "delete backup plan", componentLabel(state.Component, state.Name.ValueString()), err)
}

// ImportState takes a backup plan ARN, LOCATION/PLAN_ID (aws) or
// CLOUD/LOCATION/PLAN_ID.
func (r *backupPlanResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	cloud := backend.AWS
	region, _, id, err := backup.ParsePlanARN(req.ID)
	if err != nil {
		var ok bool
		cloud, region, id, ok = parseCloudImportID(req.ID)
		if !ok {
			resp.Diagnostics.AddError("Invalid import ID", "expected a backup plan ARN, LOCATION/PLAN_ID or CLOUD/LOCATION/PLAN_ID, got "+req.ID)
			return
		}
	}
	if cloud == backend.BareMetal {
		resp.Diagnostics.AddError("Import of a bare-metal backup plan",
			"A bare-metal backup plan's hosts come from configuration, which import cannot read. Declare the ha_backup_plan "+
				"with its hosts instead and apply: the apply adopts the existing pgBackRest repository (its stanza, backups and archived WAL stay).")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cloud"), string(cloud))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("location"), region)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("plan_id"), id)...)
}

// spec turns the plan (or state) into the backend's description; unknown
// computed values (key, role) are "": the backend's choice.
func (m *backupPlanModel) spec(ctx context.Context) (backupplan.Spec, diag.Diagnostics) {
	meta, diags := ownedMeta(ctx, m.Name, m.Location, m.Tags, m.Blueprint, m.Component)
	s := backupplan.Spec{
		Meta:            meta,
		Schedule:        m.Schedule.ValueString(),
		RetentionDays:   int(m.RetentionDays.ValueInt64()),
		Database:        m.Database.ValueString(),
		CopyToRegion:    m.CopyToRegion.ValueString(),
		CopyToLocation:  m.CopyToLocation.ValueString(),
		Encrypted:       m.Encrypted.ValueBool(),
		KeyID:           m.KMSKeyARN.ValueString(),
		Resources:       listStrings(ctx, m.ResourceARNs, &diags),
		SelectionTags:   mapStrings(ctx, m.SelectionTags, &diags),
		Role:            m.IAMRoleARN.ValueString(),
		StartBackupNow:  m.StartBackupNow.ValueBool(),
		SnapshotTrigger: m.SnapshotTrigger.ValueString(),
		KeepSnapshots:   m.KeepSnapshots.ValueBool(),
	}
	bm, d := m.bareMetal(ctx)
	diags.Append(d...)
	s.BareMetal = bm
	return s, diags
}

// status is the Status the state records, for Update, Read and Delete.
func (m *backupPlanModel) status(spec backupplan.Spec) *backupplan.Status {
	return &backupplan.Status{
		Spec: spec, ID: m.ID.ValueString(), PlanID: m.PlanID.ValueString(),
		VaultID: m.VaultARN.ValueString(), CopyVaultID: m.CopyVaultARN.ValueString(), CopyKeyID: m.CopyKMSKeyARN.ValueString(),
		SelectionID:           m.SelectionID.ValueString(),
		LatestRecoveryPointID: m.LatestRecoveryPointARN.ValueString(),
		LatestSnapshotID:      m.LatestSnapshotARN.ValueString(),
		LatestCopyID:          m.LatestCopyARN.ValueString(),
	}
}

// fromApply records what Create or Update made; the configured values
// stay as planned.
func (m *backupPlanModel) fromApply(st *backupplan.Status, diags *diag.Diagnostics) {
	m.Cloud = cloudValue(m.Cloud)
	m.ID, m.PlanID = stringOrNull(st.ID), stringOrNull(st.PlanID)
	m.VaultARN, m.KMSKeyARN = stringOrNull(st.VaultID), stringOrNull(st.Spec.KeyID)
	m.CopyVaultARN, m.CopyKMSKeyARN = stringOrNull(st.CopyVaultID), stringOrNull(st.CopyKeyID)
	m.IAMRoleARN = stringOrNull(st.Spec.Role)
	m.SelectionID = stringOrNull(st.SelectionID)
	m.LatestSnapshotARN, m.LatestCopyARN = stringOrNull(st.LatestSnapshotID), stringOrNull(st.LatestCopyID)
	m.LatestRecoveryPointARN = stringOrNull(st.LatestRecoveryPointID)
	m.nullUnknowns()
	for _, w := range st.Warnings {
		diags.AddWarning("Backup plan "+m.Name.ValueString()+": not everything was applied", w)
	}
}

// fromRead records what the backend read back (drift included).
func (m *backupPlanModel) fromRead(st *backupplan.Status) {
	s := st.Spec
	m.Cloud = cloudValue(m.Cloud)
	m.ID, m.PlanID = types.StringValue(st.ID), stringOrNull(st.PlanID)
	m.Name = types.StringValue(s.Name)
	m.Schedule = types.StringValue(s.Schedule)
	m.RetentionDays = types.Int64Value(int64(s.RetentionDays))
	m.Tags, m.Blueprint, m.Component = splitMeta(s.Meta, m.Tags, m.Blueprint, m.Component)
	m.Database = refValue(s.Database, m.Database)
	m.CopyToRegion = refValue(s.CopyToRegion, m.CopyToRegion)
	m.VaultARN, m.KMSKeyARN = types.StringValue(st.VaultID), stringOrNull(s.KeyID)
	m.Encrypted = types.BoolValue(s.Encrypted)
	m.CopyToLocation = types.StringValue(s.CopyToLocation)
	m.CopyVaultARN, m.CopyKMSKeyARN = types.StringValue(st.CopyVaultID), stringOrNull(st.CopyKeyID)
	m.IAMRoleARN = stringOrNull(s.Role)
	if m.StartBackupNow.IsNull() {
		m.StartBackupNow = types.BoolValue(false)
	}
	if m.KeepSnapshots.IsNull() {
		m.KeepSnapshots = types.BoolValue(false)
	}
	m.SelectionID = stringOrNull(st.SelectionID)
	if len(s.Resources) > 0 || !m.ResourceARNs.IsNull() {
		elems := make([]attr.Value, 0, len(s.Resources))
		for _, a := range s.Resources {
			elems = append(elems, types.StringValue(a))
		}
		m.ResourceARNs = types.ListValueMust(types.StringType, elems)
	}
	if len(s.SelectionTags) > 0 || !m.SelectionTags.IsNull() {
		m.SelectionTags = stringMap(s.SelectionTags)
	}
	m.LatestRecoveryPointARN = stringOrNull(st.LatestRecoveryPointID)
	m.LatestSnapshotARN, m.LatestCopyARN = stringOrNull(st.LatestSnapshotID), stringOrNull(st.LatestCopyID)
}

func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func listStrings(ctx context.Context, l types.List, diags *diag.Diagnostics) []string {
	var out []string
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	diags.Append(l.ElementsAs(ctx, &out, false)...)
	return out
}

func mapStrings(ctx context.Context, m types.Map, diags *diag.Diagnostics) map[string]string {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out
	}
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

func (m *backupPlanModel) lost() lostObject {
	return newLostObject("backup plan", m.Name, m.Component, m.Blueprint, m.Location)
}

type backupPlanModel struct {
	Cloud                  types.String   `tfsdk:"cloud"`
	ID                     types.String   `tfsdk:"id"`
	Location               types.String   `tfsdk:"location"`
	Name                   types.String   `tfsdk:"name"`
	Component              types.String   `tfsdk:"component"`
	Blueprint              types.String   `tfsdk:"blueprint"`
	Tags                   types.Map      `tfsdk:"tags"`
	Schedule               types.String   `tfsdk:"schedule"`
	RetentionDays          types.Int64    `tfsdk:"retention_days"`
	Database               types.String   `tfsdk:"database"`
	CopyToRegion           types.String   `tfsdk:"copy_to_region"`
	CopyToLocation         types.String   `tfsdk:"copy_to_location"`
	Encrypted              types.Bool     `tfsdk:"encrypted"`
	KMSKeyARN              types.String   `tfsdk:"kms_key_arn"`
	CopyKMSKeyARN          types.String   `tfsdk:"copy_kms_key_arn"`
	ResourceARNs           types.List     `tfsdk:"resource_arns"`
	SelectionTags          types.Map      `tfsdk:"selection_tags"`
	IAMRoleARN             types.String   `tfsdk:"iam_role_arn"`
	StartBackupNow         types.Bool     `tfsdk:"start_backup_now"`
	SnapshotTrigger        types.String   `tfsdk:"snapshot_trigger"`
	KeepSnapshots          types.Bool     `tfsdk:"keep_snapshots"`
	VaultARN               types.String   `tfsdk:"vault_arn"`
	CopyVaultARN           types.String   `tfsdk:"copy_vault_arn"`
	PlanID                 types.String   `tfsdk:"plan_id"`
	SelectionID            types.String   `tfsdk:"selection_id"`
	LatestRecoveryPointARN types.String   `tfsdk:"latest_recovery_point_arn"`
	LatestSnapshotARN      types.String   `tfsdk:"latest_snapshot_arn"`
	LatestCopyARN          types.String   `tfsdk:"latest_copy_arn"`
	Stanza                 types.String   `tfsdk:"stanza"`
	DatabaseHosts          types.List     `tfsdk:"database_hosts"`
	RepositoryHost         types.Object   `tfsdk:"repository_host"`
	Passphrase             types.String   `tfsdk:"passphrase"`
	Timeouts               timeouts.Value `tfsdk:"timeouts"`
}

// nullUnknowns settles computed values a failed step left unknown, so that
// the partial state can be saved (a later apply fills them in).
func (m *backupPlanModel) nullUnknowns() {
	for _, v := range []*types.String{&m.ID, &m.PlanID, &m.SelectionID, &m.LatestSnapshotARN, &m.LatestCopyARN, &m.LatestRecoveryPointARN,
		&m.KMSKeyARN, &m.CopyKMSKeyARN, &m.VaultARN, &m.CopyVaultARN, &m.IAMRoleARN} {
		if v.IsUnknown() {
			*v = types.StringNull()
		}
	}
}

// ValidateConfig: the cloud must have a backup plan backend.
func (r *backupPlanResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateCloud(ctx, req.Config, backupplan.Registry, "ha_backup_plan", &resp.Diagnostics)
	var cloud, copyTo types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("cloud"), &cloud)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("copy_to_location"), &copyTo)...)
	if cloud.IsUnknown() || copyTo.IsNull() || copyTo.IsUnknown() {
		return
	}
	if p := blueprints.LocationProblem(string(cloudOf(cloud)), copyTo.ValueString()); p != "" {
		resp.Diagnostics.AddAttributeError(path.Root("copy_to_location"), "Backup copy to another cloud",
			p+" Backup copies stay within one cloud: copy to a region of this one.")
	}
}
