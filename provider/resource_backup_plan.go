package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

	awsbackend "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/backup"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/rds"
)

var (
	_ resource.Resource                   = &backupPlanResource{}
	_ resource.ResourceWithConfigure      = &backupPlanResource{}
	_ resource.ResourceWithImportState    = &backupPlanResource{}
	_ resource.ResourceWithValidateConfig = &backupPlanResource{}
)

// tagSnapshotOf marks DB snapshots a backup plan took (value: plan name).
const tagSnapshotOf = "ha:backup-plan"

// NewBackupPlanResource is the ha_backup_plan resource: an AWS Backup plan
// with encrypted vaults in two regions, plus cross-region DB snapshots.
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
			"against AWS itself every such failure is an error.",
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
}

func (r *backupPlanResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

func (r *backupPlanResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan backupPlanModel
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
	withRefTag(tags, tagDatabase, plan.Database)
	withRefTag(tags, tagCopyToRegion, plan.CopyToRegion)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	name := plan.Name.ValueString()
	label := componentLabel(plan.Component, name)
	primary, copyc, ok := r.clients(ctx, &plan, &resp.Diagnostics, "create backup plan")
	if !ok {
		return
	}

	// Vaults (and their keys) first; an existing vault of this name is
	// adopted with its key, so a plan recreated after drift does not leak keys.
	vault, err := ensureVault(ctx, primary, name, plan.Encrypted.ValueBool(), plan.KMSKeyARN.ValueString(), tags)
	if err != nil {
		addAWSError(&resp.Diagnostics, "create backup vault", label, err)
		return
	}
	plan.VaultARN, plan.KMSKeyARN = types.StringValue(vault.ARN), stringOrNull(vault.KeyARN)
	copyVault, err := ensureVault(ctx, copyc, name, plan.Encrypted.ValueBool(), "", tags)
	if err != nil {
		addAWSError(&resp.Diagnostics, "create copy backup vault in "+copyc.Location(), label, err)
		return
	}
	plan.CopyVaultARN, plan.CopyKMSKeyARN = types.StringValue(copyVault.ARN), stringOrNull(copyVault.KeyARN)
	if plan.IAMRoleARN.IsUnknown() || plan.IAMRoleARN.IsNull() {
		plan.IAMRoleARN = types.StringValue(defaultBackupRole(vault.ARN))
	}

	p, err := primary.CreatePlan(ctx, name, plan.rule(), tags)
	if err != nil {
		addAWSError(&resp.Diagnostics, "create backup plan", label, err)
		return
	}
	plan.ID, plan.PlanID = types.StringValue(p.ARN), types.StringValue(p.ID)
	plan.SelectionID = types.StringNull()
	plan.LatestSnapshotARN, plan.LatestCopyARN = types.StringNull(), types.StringNull()
	// From here on the plan exists: save what there is even if a later step fails.
	defer func() {
		plan.nullUnknowns()
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}()

	r.select_(ctx, primary, &plan, label, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	r.backupNow(ctx, primary, &plan, label, &resp.Diagnostics)
	r.snapshot(ctx, primary, copyc, &plan, label, tags, &resp.Diagnostics)
	r.recoveryPoint(ctx, primary, &plan, label, &resp.Diagnostics, true)
}

func (r *backupPlanResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state backupPlanModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	label := componentLabel(state.Component, state.Name.ValueString())
	primary, err := r.data.backupClient(ctx, state.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("location"), "Unable to read backup plan", err.Error())
		return
	}
	p, err := primary.GetPlan(ctx, state.PlanID.ValueString())
	if errors.Is(err, backup.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	// Any call below may find a location unreachable: then the prior state
	// stays as it is, with a warning (see unreachable.go).
	lost := state.lost()
	if keepUnreachable(&resp.Diagnostics, lost, err) {
		return
	}
	if err != nil {
		addAWSError(&resp.Diagnostics, "read backup plan", label, err)
		return
	}
	state.ID = types.StringValue(p.ARN)
	// The vaults carry the name; the plan's own name may have a suffix
	// (see backup.CreatePlan).
	state.Name = types.StringValue(p.Rule.Vault)
	state.Schedule = types.StringValue(p.Rule.Schedule)
	state.RetentionDays = types.Int64Value(p.Rule.RetentionDays)
	readTags(p.Tags, &state.Tags, &state.Blueprint, &state.Component)
	state.Database = tagValue(p.Tags, tagDatabase, state.Database)
	state.CopyToRegion = tagValue(p.Tags, tagCopyToRegion, state.CopyToRegion)

	vault, err := primary.GetVault(ctx, p.Rule.Vault)
	if errors.Is(err, backup.ErrNotFound) {
		// Without its vault the plan backs up nothing: recreate.
		resp.State.RemoveResource(ctx)
		return
	}
	if keepUnreachable(&resp.Diagnostics, lost, err) {
		return
	}
	if err != nil {
		addAWSError(&resp.Diagnostics, "read backup vault", label, err)
		return
	}
	state.VaultARN = types.StringValue(vault.ARN)
	state.KMSKeyARN = stringOrNull(vault.KeyARN)
	encrypted, err := customerKey(ctx, primary, vault.KeyARN)
	if keepUnreachable(&resp.Diagnostics, lost, err) {
		return
	}
	if err != nil {
		addAWSError(&resp.Diagnostics, "read backup vault key", label, err)
		return
	}
	state.Encrypted = types.BoolValue(encrypted)

	if p.Rule.CopyVaultARN == "" {
		// The copy action was removed out of band: recreate to restore it.
		resp.State.RemoveResource(ctx)
		return
	}
	copyLoc := regionOfAnyARN(p.Rule.CopyVaultARN)
	state.CopyToLocation = types.StringValue(copyLoc)
	copyc, err := r.data.backupClient(ctx, copyLoc)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("copy_to_location"), "Unable to read backup plan", err.Error())
		return
	}
	copyVault, err := copyc.GetVault(ctx, vaultNameOf(p.Rule.CopyVaultARN))
	if errors.Is(err, backup.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	lostCopy := lost
	lostCopy.location = copyLoc
	if keepUnreachable(&resp.Diagnostics, lostCopy, err) {
		return
	}
	if err != nil {
		addAWSError(&resp.Diagnostics, "read copy backup vault", label, err)
		return
	}
	state.CopyVaultARN = types.StringValue(copyVault.ARN)
	state.CopyKMSKeyARN = stringOrNull(copyVault.KeyARN)
	if state.IAMRoleARN.IsNull() {
		state.IAMRoleARN = types.StringValue(defaultBackupRole(vault.ARN))
	}
	if state.StartBackupNow.IsNull() {
		state.StartBackupNow = types.BoolValue(false)
	}
	if state.KeepSnapshots.IsNull() {
		state.KeepSnapshots = types.BoolValue(false)
	}
	r.readSelection(ctx, primary, &state, label, &resp.Diagnostics)
	r.recoveryPoint(ctx, primary, &state, label, &resp.Diagnostics, false)
	resp.Diagnostics.Append(r.readSnapshots(ctx, &state)...)
	state.Cloud = cloudValue(state.Cloud)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *backupPlanResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state backupPlanModel
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
	withRefTag(tags, tagDatabase, plan.Database)
	withRefTag(tags, tagCopyToRegion, plan.CopyToRegion)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	name := plan.Name.ValueString()
	label := componentLabel(plan.Component, name)
	primary, copyc, ok := r.clients(ctx, &plan, &resp.Diagnostics, "update backup plan")
	if !ok {
		return
	}
	// Carry over what this update does not touch.
	plan.VaultARN, plan.CopyVaultARN, plan.KMSKeyARN, plan.CopyKMSKeyARN = state.VaultARN, state.CopyVaultARN, state.KMSKeyARN, state.CopyKMSKeyARN
	plan.ID, plan.PlanID = state.ID, state.PlanID
	if plan.IAMRoleARN.IsUnknown() {
		plan.IAMRoleARN = state.IAMRoleARN
	}
	if plan.SelectionID.IsUnknown() {
		plan.SelectionID = state.SelectionID
	}
	if plan.LatestSnapshotARN.IsUnknown() {
		plan.LatestSnapshotARN, plan.LatestCopyARN = state.LatestSnapshotARN, state.LatestCopyARN
	}
	defer func() {
		plan.nullUnknowns()
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}()

	ruleChanged := !plan.Schedule.Equal(state.Schedule) || !plan.RetentionDays.Equal(state.RetentionDays)
	selectionChanged := ruleChanged || !plan.ResourceARNs.Equal(state.ResourceARNs) || !plan.SelectionTags.Equal(state.SelectionTags) ||
		!plan.IAMRoleARN.Equal(state.IAMRoleARN)
	if selectionChanged && !state.SelectionID.IsNull() {
		if err := primary.DeleteSelection(ctx, state.PlanID.ValueString(), state.SelectionID.ValueString()); err != nil && !errors.Is(err, backup.ErrNotImplemented) {
			addAWSError(&resp.Diagnostics, "replace backup selection", label, err)
			return
		}
		plan.SelectionID = types.StringNull()
	}
	if ruleChanged {
		p, err := primary.UpdatePlan(ctx, state.PlanID.ValueString(), name, plan.rule())
		if errors.Is(err, backup.ErrNotImplemented) {
			// The endpoint cannot change a plan in place: replace the plan
			// object (vaults, keys and snapshots stay), and say so.
			resp.Diagnostics.AddWarning("Backup plan replaced instead of updated",
				fmt.Sprintf("Component %q: the overridden AWS endpoint does not implement UpdateBackupPlan, "+
					"so the plan was deleted and created again with the new schedule and retention; its id changed.", label))
			if err = primary.DeletePlan(ctx, state.PlanID.ValueString()); err == nil {
				p, err = primary.CreatePlan(ctx, name, plan.rule(), tags)
			}
		}
		if err != nil {
			addAWSError(&resp.Diagnostics, "update backup plan", label, err)
			return
		}
		plan.ID, plan.PlanID = types.StringValue(p.ARN), types.StringValue(p.ID)
	}
	for _, t := range []struct {
		c   *backup.Client
		arn types.String
	}{{primary, plan.ID}, {primary, plan.VaultARN}, {copyc, plan.CopyVaultARN}} {
		if err := t.c.SetTags(ctx, t.arn.ValueString(), tags, keepSystemTags(tags)); err != nil {
			addAWSError(&resp.Diagnostics, "update backup plan tags", label, err)
			return
		}
	}
	if selectionChanged {
		r.select_(ctx, primary, &plan, label, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if !plan.SnapshotTrigger.Equal(state.SnapshotTrigger) || !plan.ResourceARNs.Equal(state.ResourceARNs) {
		old := []string{state.LatestSnapshotARN.ValueString(), state.LatestCopyARN.ValueString()}
		r.backupNow(ctx, primary, &plan, label, &resp.Diagnostics)
		r.snapshot(ctx, primary, copyc, &plan, label, tags, &resp.Diagnostics)
		if !resp.Diagnostics.HasError() && !plan.KeepSnapshots.ValueBool() {
			resp.Diagnostics.Append(r.deleteSnapshots(ctx, old...)...)
		}
	}
	r.recoveryPoint(ctx, primary, &plan, label, &resp.Diagnostics, true)
}

func (r *backupPlanResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state backupPlanModel
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
	name := state.Name.ValueString()
	label := componentLabel(state.Component, name)
	primary, copyc, ok := r.clients(ctx, &state, &resp.Diagnostics, "delete backup plan")
	if !ok {
		return
	}
	lost := state.lost()
	if err := primary.DeletePlan(ctx, state.PlanID.ValueString()); err != nil {
		if !forgetUnreachable(&resp.Diagnostics, lost, err) {
			addAWSError(&resp.Diagnostics, "delete backup plan", label, err)
		}
		return
	}
	for _, c := range []*backup.Client{primary, copyc} {
		if err := deleteVault(ctx, c, name); err != nil {
			// The copy region may be the lost one: forget its vault too.
			lost.location = c.Location()
			if forgetUnreachable(&resp.Diagnostics, lost, err) {
				return
			}
			addAWSError(&resp.Diagnostics, "delete backup vault in "+c.Location(), label, err)
			return
		}
	}
	if !state.KeepSnapshots.ValueBool() {
		resp.Diagnostics.Append(r.deleteSnapshots(ctx, state.LatestSnapshotARN.ValueString(), state.LatestCopyARN.ValueString())...)
	}
}

func (r *backupPlanResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	region, _, id, err := backup.ParsePlanARN(req.ID)
	if err != nil {
		location, planID, ok := strings.Cut(req.ID, "/")
		if !ok || location == "" || planID == "" {
			resp.Diagnostics.AddError("Invalid import ID", "expected a backup plan ARN or LOCATION/PLAN_ID, got "+req.ID)
			return
		}
		region, id = location, planID
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("location"), region)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("plan_id"), id)...)
}

// clients returns the clients of the plan's location and of the copy location.
func (r *backupPlanResource) clients(ctx context.Context, m *backupPlanModel, diags *diag.Diagnostics, what string) (*backup.Client, *backup.Client, bool) {
	primary, err := r.data.backupClient(ctx, m.Location.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("location"), "Unable to "+what, err.Error())
		return nil, nil, false
	}
	copyc, err := r.data.backupClient(ctx, m.CopyToLocation.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("copy_to_location"), "Unable to "+what, err.Error())
		return nil, nil, false
	}
	return primary, copyc, true
}

// select_ attaches the resource selection, degrading with a warning where
// the endpoint does not implement CreateBackupSelection.
func (r *backupPlanResource) select_(ctx context.Context, c *backup.Client, m *backupPlanModel, label string, diags *diag.Diagnostics) {
	arns := listStrings(ctx, m.ResourceARNs, diags)
	tags := mapStrings(ctx, m.SelectionTags, diags)
	if len(arns) == 0 && len(tags) == 0 {
		m.SelectionID = types.StringNull()
		return
	}
	id, err := c.CreateSelection(ctx, m.PlanID.ValueString(), backup.Selection{
		Name: m.Name.ValueString(), IAMRoleARN: m.IAMRoleARN.ValueString(), Resources: arns, Tags: tags,
	})
	if errors.Is(err, backup.ErrNotImplemented) {
		m.SelectionID = types.StringNull()
		diags.AddWarning("Backup selection not created: CreateBackupSelection is not implemented by this AWS endpoint",
			fmt.Sprintf("Component %q: the overridden AWS endpoint does not implement CreateBackupSelection, so the plan "+
				"selects no resources there and selection_id stays null. The DB snapshots copied to the other region "+
				"(latest_snapshot_arn, latest_copy_arn) still protect the database. Detail: %v", label, err))
		return
	}
	if err != nil {
		addAWSError(diags, "create backup selection", label, err)
		return
	}
	m.SelectionID = types.StringValue(id)
}

// backupNow starts on-demand backup jobs when asked, degrading with a
// warning where StartBackupJob is not implemented.
func (r *backupPlanResource) backupNow(ctx context.Context, c *backup.Client, m *backupPlanModel, label string, diags *diag.Diagnostics) {
	if !m.StartBackupNow.ValueBool() {
		return
	}
	for _, a := range listStrings(ctx, m.ResourceARNs, diags) {
		_, err := c.StartBackupJob(ctx, m.Name.ValueString(), a, m.IAMRoleARN.ValueString(), m.RetentionDays.ValueInt64())
		if errors.Is(err, backup.ErrNotImplemented) {
			diags.AddWarning("On-demand backup not started: StartBackupJob is not implemented by this AWS endpoint",
				fmt.Sprintf("Component %q: the overridden AWS endpoint does not implement StartBackupJob; no job was started "+
					"for %s. The DB snapshot and its cross-region copy are taken regardless.", label, a))
			return
		}
		if err != nil {
			addAWSError(diags, "start backup job", label, err)
			return
		}
	}
}

// snapshot takes a manual snapshot of the first RDS DB instance among the
// resources and copies it to the copy location.
func (r *backupPlanResource) snapshot(ctx context.Context, primary, copyc *backup.Client, m *backupPlanModel, label string, tags map[string]string, diags *diag.Diagnostics) {
	dbARN := ""
	for _, a := range listStrings(ctx, m.ResourceARNs, diags) {
		if _, kind, _, err := rds.ParseARN(a); err == nil && kind == "db" {
			dbARN = a
			break
		}
	}
	if dbARN == "" {
		m.LatestSnapshotARN, m.LatestCopyARN = types.StringNull(), types.StringNull()
		return
	}
	region, _, instance, _ := rds.ParseARN(dbARN)
	src, err := r.data.rdsClient(ctx, region)
	if err != nil {
		diags.AddAttributeError(path.Root("resource_arns"), "Unable to snapshot database", err.Error())
		return
	}
	dst, err := r.data.rdsClient(ctx, copyc.Location())
	if err != nil {
		diags.AddAttributeError(path.Root("copy_to_location"), "Unable to copy database snapshot", err.Error())
		return
	}
	snapTags := map[string]string{tagSnapshotOf: m.Name.ValueString()}
	for k, v := range tags {
		snapTags[k] = v
	}
	now := time.Now().UTC()
	id := fmt.Sprintf("%s-%s%03d", m.Name.ValueString(), now.Format("20060102t150405"), now.Nanosecond()/1e6)
	snap, err := src.CreateSnapshot(ctx, instance, id, snapTags)
	if err != nil {
		addAWSError(diags, "snapshot database "+instance, label, err)
		return
	}
	m.LatestSnapshotARN = types.StringValue(snap.ARN)
	cp, err := dst.CopySnapshot(ctx, snap.ARN, id+"-copy", m.CopyKMSKeyARN.ValueString(), snapTags)
	if err != nil {
		addAWSError(diags, "copy database snapshot to "+copyc.Location(), label, err)
		return
	}
	m.LatestCopyARN = types.StringValue(cp.ARN)
}

// readSelection shows drift of the selection where the endpoint can read it
// back (AWS; not moto 5.2.1, whose state then stays as last applied). A
// selection deleted out of band clears resource_arns and selection_tags, so
// the plan puts it back.
func (r *backupPlanResource) readSelection(ctx context.Context, c *backup.Client, m *backupPlanModel, label string, diags *diag.Diagnostics) {
	if m.SelectionID.IsNull() || m.SelectionID.ValueString() == "" {
		// After import, find the plan's selection where the endpoint lists them.
		ids, err := c.ListSelections(ctx, m.PlanID.ValueString())
		if err != nil || len(ids) != 1 {
			return
		}
		m.SelectionID = types.StringValue(ids[0])
	}
	sel, err := c.GetSelection(ctx, m.PlanID.ValueString(), m.SelectionID.ValueString())
	switch {
	case errors.Is(err, backup.ErrNotImplemented):
		return
	case errors.Is(err, backup.ErrNotFound):
		m.SelectionID = types.StringNull()
		m.ResourceARNs, m.SelectionTags = types.ListNull(types.StringType), types.MapNull(types.StringType)
		return
	case keepUnreachable(diags, m.lost(), err):
		return // the selection as last known
	case err != nil:
		addAWSError(diags, "read backup selection", label, err)
		return
	}
	if len(sel.Resources) > 0 || !m.ResourceARNs.IsNull() {
		elems := make([]attr.Value, 0, len(sel.Resources))
		for _, a := range sel.Resources {
			elems = append(elems, types.StringValue(a))
		}
		m.ResourceARNs = types.ListValueMust(types.StringType, elems)
	}
	if len(sel.Tags) > 0 || !m.SelectionTags.IsNull() {
		m.SelectionTags = stringMap(sel.Tags)
	}
	if sel.IAMRoleARN != "" {
		m.IAMRoleARN = types.StringValue(sel.IAMRoleARN)
	}
}

// recoveryPoint records the newest recovery point in the vault. Where the
// endpoint cannot list them (moto 5.2.1) it is null, with a warning on
// create and update (not on every refresh).
func (r *backupPlanResource) recoveryPoint(ctx context.Context, c *backup.Client, m *backupPlanModel, label string, diags *diag.Diagnostics, warn bool) {
	rp, err := c.LatestRecoveryPoint(ctx, m.Name.ValueString())
	switch {
	case errors.Is(err, backup.ErrNotImplemented):
		m.LatestRecoveryPointARN = types.StringNull()
		if warn {
			diags.AddWarning("Recovery points not listed: ListRecoveryPointsByBackupVault is not implemented by this AWS endpoint",
				fmt.Sprintf("Component %q: the overridden AWS endpoint does not implement recovery-point listing, so "+
					"latest_recovery_point_arn stays null. latest_snapshot_arn and latest_copy_arn are the restore points.", label))
		}
	case keepUnreachable(diags, m.lost(), err):
		// the recovery point as last known
	case err != nil:
		addAWSError(diags, "list recovery points", label, err)
	default:
		m.LatestRecoveryPointARN = stringOrNull(rp)
	}
}

// readSnapshots forgets recorded snapshots that no longer exist.
func (r *backupPlanResource) readSnapshots(ctx context.Context, m *backupPlanModel) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, v := range []*types.String{&m.LatestSnapshotARN, &m.LatestCopyARN} {
		if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
			*v = types.StringNull()
			continue
		}
		region, _, id, err := rds.ParseARN(v.ValueString())
		if err != nil {
			*v = types.StringNull()
			continue
		}
		c, err := r.data.rdsClient(ctx, region)
		if err != nil {
			diags.AddError("Unable to read database snapshot", err.Error())
			continue
		}
		lost := m.lost()
		lost.location = region
		if _, err := c.GetSnapshot(ctx, id); errors.Is(err, rds.ErrNotFound) {
			*v = types.StringNull()
		} else if keepUnreachable(&diags, lost, err) {
			continue // the snapshot as last known
		} else if err != nil {
			diags.AddError("Unable to read database snapshot", awsbackend.Describe("", err))
		}
	}
	return diags
}

func (r *backupPlanResource) deleteSnapshots(ctx context.Context, arns ...string) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, a := range arns {
		region, kind, id, err := rds.ParseARN(a)
		if err != nil || kind != "snapshot" {
			continue
		}
		c, err := r.data.rdsClient(ctx, region)
		if err == nil {
			err = c.DeleteSnapshot(ctx, id)
		}
		if awsbackend.UnreachableLocation(err) != "" {
			diags.AddWarning("Database snapshot "+id+" not deleted",
				fmt.Sprintf("AWS location %s unreachable: snapshot %s was not deleted and is no longer recorded. Cause: %v. "+
					"Delete it once the location answers again.", region, id, err))
			continue
		}
		if err != nil {
			diags.AddError("Unable to delete database snapshot", awsbackend.Describe("", err))
		}
	}
	return diags
}

// ensureVault creates (or adopts) a vault, creating its KMS key when
// encrypted and none is given.
func ensureVault(ctx context.Context, c *backup.Client, name string, encrypted bool, keyARN string, tags map[string]string) (*backup.Vault, error) {
	if v, err := c.GetVault(ctx, name); err == nil {
		return v, nil
	} else if !errors.Is(err, backup.ErrNotFound) {
		return nil, err
	}
	if encrypted && keyARN == "" {
		k, err := c.CreateKey(ctx, name, tags)
		if err != nil {
			return nil, err
		}
		keyARN = k
	}
	v, err := c.CreateVault(ctx, name, keyARN, tags)
	if err != nil {
		return nil, err
	}
	if v.KeyARN == "" {
		v.KeyARN = keyARN
	}
	return v, nil
}

// deleteVault deletes a vault and the key created for it, if any.
func deleteVault(ctx context.Context, c *backup.Client, name string) error {
	v, err := c.GetVault(ctx, name)
	if errors.Is(err, backup.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := c.DeleteVault(ctx, name); err != nil {
		return err
	}
	if v.KeyARN == "" {
		return nil
	}
	info, err := c.DescribeKey(ctx, v.KeyARN)
	if errors.Is(err, backup.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if info.CreatedFor == name && info.Enabled {
		return c.RetireKey(ctx, v.KeyARN)
	}
	return nil
}

func customerKey(ctx context.Context, c *backup.Client, keyARN string) (bool, error) {
	if keyARN == "" {
		return false, nil
	}
	info, err := c.DescribeKey(ctx, keyARN)
	if errors.Is(err, backup.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return info.Customer, nil
}

func defaultBackupRole(vaultARN string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/service-role/AWSBackupDefaultServiceRole", backup.AccountOf(vaultARN))
}

func vaultNameOf(vaultARN string) string {
	i := strings.LastIndex(vaultARN, ":")
	return vaultARN[i+1:]
}

func regionOfAnyARN(a string) string {
	parts := strings.SplitN(a, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[3]
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

func (m *backupPlanModel) rule() backup.Rule {
	days := m.RetentionDays.ValueInt64()
	return backup.Rule{
		Name:              "daily",
		Vault:             m.Name.ValueString(),
		Schedule:          m.Schedule.ValueString(),
		RetentionDays:     days,
		CopyVaultARN:      m.CopyVaultARN.ValueString(),
		CopyRetentionDays: days,
	}
}

// ValidateConfig: only aws has a backup plan backend in this version.
func (r *backupPlanResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateCloud(ctx, req.Config, awsOnly("backup plan"), "ha_backup_plan", &resp.Diagnostics)
}
