package backup

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/rds"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backupplan"
)

// TagSnapshotOf marks DB snapshots a backup plan took (value: plan name).
const TagSnapshotOf = "ha:backup-plan"

// The AWS backup plan backend: an AWS Backup plan with (encrypted) vaults
// in the plan's location and the copy location, a selection by ARN or tag,
// and a manual DB snapshot of the protected RDS instance copied to the copy
// location, which is what disaster recovery restores from.
func init() {
	backupplan.Register(backend.AWS, func(ctx context.Context, s *backend.Settings, location string) (backupplan.Backend, error) {
		sess := awsbase.SessionFor(s)
		c, err := open(ctx, sess, location)
		if err != nil {
			return nil, err
		}
		return &Plans{c: c, sess: sess}, nil
	})
}

func open(ctx context.Context, sess *awsbase.Session, location string) (*Client, error) {
	cfg, err := sess.Config(ctx, location)
	if err != nil {
		return nil, err
	}
	return New(cfg), nil
}

// Plans implements backupplan.Backend on one location's Client; sess
// reaches the copy location and the databases' locations.
type Plans struct {
	c    *Client
	sess *awsbase.Session
}

var _ backupplan.Backend = (*Plans)(nil)

func planTags(s backupplan.Spec) map[string]string {
	tags := awsbase.MetaTags(s.Meta)
	if s.Database != "" {
		tags[awsbase.TagDatabase] = s.Database
	}
	if s.CopyToRegion != "" {
		tags[awsbase.TagCopyToRegion] = s.CopyToRegion
	}
	return tags
}

func rule(s backupplan.Spec, copyVaultARN string) Rule {
	days := int64(s.RetentionDays)
	return Rule{Name: "daily", Vault: s.Name, Schedule: s.Schedule, RetentionDays: days, CopyVaultARN: copyVaultARN, CopyRetentionDays: days}
}

func label(s backupplan.Spec) string {
	if s.Component != "" {
		return s.Component
	}
	return s.Name
}

// Apply creates the vaults (adopting existing ones of the plan's name with
// their keys, so a plan recreated after drift leaks no key), the plan, its
// selection and the first snapshot when previous is nil; else it updates
// what changed. Once the plan exists, a failing step returns the Status so
// far with the error, so the resource keeps it in state.
func (p *Plans) Apply(ctx context.Context, spec backupplan.Spec, previous *backupplan.Status) (*backupplan.Status, error) {
	copyc, err := open(ctx, p.sess, spec.CopyToLocation)
	if err != nil {
		return nil, err
	}
	if previous == nil || previous.PlanID == "" && previous.ID == "" {
		return p.create(ctx, spec, copyc)
	}
	return p.update(ctx, spec, previous, copyc)
}

func (p *Plans) create(ctx context.Context, spec backupplan.Spec, copyc *Client) (*backupplan.Status, error) {
	primary, name, tags := p.c, spec.Name, planTags(spec)
	vault, err := ensureVault(ctx, primary, name, spec.Encrypted, spec.KeyID, tags)
	if err != nil {
		return nil, fmt.Errorf("create backup vault: %w", err)
	}
	copyVault, err := ensureVault(ctx, copyc, name, spec.Encrypted, "", tags)
	if err != nil {
		return nil, fmt.Errorf("create copy backup vault in %s: %w", copyc.Location(), err)
	}
	st := &backupplan.Status{Spec: spec, VaultID: vault.ARN, CopyVaultID: copyVault.ARN, CopyKeyID: copyVault.KeyARN}
	st.Spec.KeyID = vault.KeyARN
	if st.Spec.Role == "" {
		st.Spec.Role = defaultRole(vault.ARN)
	}
	plan, err := primary.CreatePlan(ctx, name, rule(spec, copyVault.ARN), tags)
	if err != nil {
		return nil, err
	}
	st.ID, st.PlanID = plan.ARN, plan.ID
	// From here on the plan exists: what there is goes back with any error.
	if err := p.selectResources(ctx, st); err != nil {
		return st, err
	}
	errs := []error{p.backupNow(ctx, st), p.snapshot(ctx, st, copyc, tags)}
	errs = append(errs, p.recoveryPoint(ctx, st, true))
	return st, errors.Join(errs...)
}

func (p *Plans) update(ctx context.Context, spec backupplan.Spec, previous *backupplan.Status, copyc *Client) (*backupplan.Status, error) {
	primary, name, tags := p.c, spec.Name, planTags(spec)
	st := *previous
	st.Warnings = nil
	st.Spec = spec
	prev := previous.Spec
	if st.Spec.Role == "" {
		st.Spec.Role = prev.Role
	}
	if st.Spec.KeyID == "" {
		st.Spec.KeyID = prev.KeyID
	}
	if st.PlanID == "" {
		if _, _, id, err := ParsePlanARN(st.ID); err == nil {
			st.PlanID = id
		}
	}
	ruleChanged := spec.Schedule != prev.Schedule || spec.RetentionDays != prev.RetentionDays
	resourcesChanged := !slices.Equal(spec.Resources, prev.Resources)
	selectionChanged := ruleChanged || resourcesChanged || !maps.Equal(spec.SelectionTags, prev.SelectionTags) ||
		st.Spec.Role != prev.Role
	if selectionChanged && st.SelectionID != "" {
		if err := primary.DeleteSelection(ctx, st.PlanID, st.SelectionID); err != nil && !errors.Is(err, ErrNotImplemented) {
			return &st, fmt.Errorf("replace backup selection: %w", err)
		}
		st.SelectionID = ""
	}
	if ruleChanged {
		plan, err := primary.UpdatePlan(ctx, st.PlanID, name, rule(spec, st.CopyVaultID))
		if errors.Is(err, ErrNotImplemented) {
			// The endpoint cannot change a plan in place: replace the plan
			// object (vaults, keys and snapshots stay), and say so.
			backend.Warn(ctx, "Backup plan replaced instead of updated",
				fmt.Sprintf("Component %q: the overridden AWS endpoint does not implement UpdateBackupPlan, "+
					"so the plan was deleted and created again with the new schedule and retention; its id changed.", label(spec)))
			if err = primary.DeletePlan(ctx, st.PlanID); err == nil {
				plan, err = primary.CreatePlan(ctx, name, rule(spec, st.CopyVaultID), tags)
			}
		}
		if err != nil {
			return &st, err
		}
		st.ID, st.PlanID = plan.ARN, plan.ID
	}
	for _, t := range []struct {
		c   *Client
		arn string
	}{{primary, st.ID}, {primary, st.VaultID}, {copyc, st.CopyVaultID}} {
		if err := t.c.SetTags(ctx, t.arn, tags, awsbase.KeepSystemTags(tags)); err != nil {
			return &st, fmt.Errorf("update backup plan tags: %w", err)
		}
	}
	if selectionChanged {
		if err := p.selectResources(ctx, &st); err != nil {
			return &st, err
		}
	}
	var errs []error
	if spec.SnapshotTrigger != prev.SnapshotTrigger || resourcesChanged {
		errs = append(errs, p.backupNow(ctx, &st), p.snapshot(ctx, &st, copyc, tags))
		if errors.Join(errs...) == nil && !spec.KeepSnapshots {
			errs = append(errs, p.deleteSnapshots(ctx, previous.LatestSnapshotID, previous.LatestCopyID))
		}
	}
	errs = append(errs, p.recoveryPoint(ctx, &st, true))
	return &st, errors.Join(errs...)
}

// selectResources attaches the resource selection, degrading with a warning
// where the (overridden) endpoint does not implement CreateBackupSelection.
func (p *Plans) selectResources(ctx context.Context, st *backupplan.Status) error {
	s := st.Spec
	if len(s.Resources) == 0 && len(s.SelectionTags) == 0 {
		st.SelectionID = ""
		return nil
	}
	id, err := p.c.CreateSelection(ctx, st.PlanID, Selection{Name: s.Name, IAMRoleARN: s.Role, Resources: s.Resources, Tags: s.SelectionTags})
	if errors.Is(err, ErrNotImplemented) {
		st.SelectionID = ""
		backend.Warn(ctx, "Backup selection not created: CreateBackupSelection is not implemented by this AWS endpoint",
			fmt.Sprintf("Component %q: the overridden AWS endpoint does not implement CreateBackupSelection, so the plan "+
				"selects no resources there and selection_id stays null. The DB snapshots copied to the other region "+
				"(latest_snapshot_arn, latest_copy_arn) still protect the database. Detail: %v", label(s), err))
		return nil
	}
	if err != nil {
		return fmt.Errorf("create backup selection: %w", err)
	}
	st.SelectionID = id
	return nil
}

// backupNow starts on-demand backup jobs when asked, degrading with a
// warning where StartBackupJob is not implemented.
func (p *Plans) backupNow(ctx context.Context, st *backupplan.Status) error {
	s := st.Spec
	if !s.StartBackupNow {
		return nil
	}
	for _, a := range s.Resources {
		_, err := p.c.StartBackupJob(ctx, s.Name, a, s.Role, int64(s.RetentionDays))
		if errors.Is(err, ErrNotImplemented) {
			backend.Warn(ctx, "On-demand backup not started: StartBackupJob is not implemented by this AWS endpoint",
				fmt.Sprintf("Component %q: the overridden AWS endpoint does not implement StartBackupJob; no job was started "+
					"for %s. The DB snapshot and its cross-region copy are taken regardless.", label(s), a))
			return nil
		}
		if err != nil {
			return fmt.Errorf("start backup job: %w", err)
		}
	}
	return nil
}

// snapshot takes a manual snapshot of the first RDS DB instance among the
// resources and copies it to the copy location.
func (p *Plans) snapshot(ctx context.Context, st *backupplan.Status, copyc *Client, tags map[string]string) error {
	s := st.Spec
	dbARN := ""
	for _, a := range s.Resources {
		if _, kind, _, err := rds.ParseARN(a); err == nil && kind == "db" {
			dbARN = a
			break
		}
	}
	if dbARN == "" {
		st.LatestSnapshotID, st.LatestCopyID = "", ""
		return nil
	}
	region, _, instance, _ := rds.ParseARN(dbARN)
	src, err := rds.Open(ctx, p.sess, region)
	if err != nil {
		return fmt.Errorf("snapshot database: %w", err)
	}
	dst, err := rds.Open(ctx, p.sess, copyc.Location())
	if err != nil {
		return fmt.Errorf("copy database snapshot: %w", err)
	}
	snapTags := map[string]string{TagSnapshotOf: s.Name}
	maps.Copy(snapTags, tags)
	now := time.Now().UTC()
	id := fmt.Sprintf("%s-%s%03d", s.Name, now.Format("20060102t150405"), now.Nanosecond()/1e6)
	snap, err := src.CreateSnapshot(ctx, instance, id, snapTags)
	if err != nil {
		return fmt.Errorf("snapshot database %s: %w", instance, err)
	}
	st.LatestSnapshotID = snap.ARN
	cp, err := dst.CopySnapshot(ctx, snap.ARN, id+"-copy", st.CopyKeyID, snapTags)
	if err != nil {
		return fmt.Errorf("copy database snapshot to %s: %w", copyc.Location(), err)
	}
	st.LatestCopyID = cp.ARN
	return nil
}

// recoveryPoint records the newest recovery point in the vault. Where the
// endpoint cannot list them (the local one) it is "", with a warning on apply
// (not on every refresh).
func (p *Plans) recoveryPoint(ctx context.Context, st *backupplan.Status, warn bool) error {
	rp, err := p.c.LatestRecoveryPoint(ctx, st.Spec.Name)
	switch {
	case errors.Is(err, ErrNotImplemented):
		st.LatestRecoveryPointID = ""
		if warn {
			backend.Warn(ctx, "Recovery points not listed: ListRecoveryPointsByBackupVault is not implemented by this AWS endpoint",
				fmt.Sprintf("Component %q: the overridden AWS endpoint does not implement recovery-point listing, so "+
					"latest_recovery_point_arn stays null. latest_snapshot_arn and latest_copy_arn are the restore points.", label(st.Spec)))
		}
		return nil
	case err != nil:
		return fmt.Errorf("list recovery points: %w", err)
	}
	st.LatestRecoveryPointID = rp
	return nil
}

// Read reads the plan by previous.PlanID (or the plan ARN in previous.ID),
// its vaults and keys, selection, newest recovery point and snapshots. A
// plan whose vault or copy action is gone reads as not found, so it is
// created again.
func (p *Plans) Read(ctx context.Context, spec backupplan.Spec, previous *backupplan.Status) (*backupplan.Status, error) {
	var st backupplan.Status
	if previous != nil {
		st = *previous
	}
	st.Warnings = nil
	if st.PlanID == "" {
		if _, _, id, err := ParsePlanARN(st.ID); err == nil {
			st.PlanID = id
		}
	}
	if st.PlanID == "" {
		return nil, fmt.Errorf("backup plan %s: no plan id: %w", spec.Name, backend.ErrNotFound)
	}
	primary := p.c
	plan, err := primary.GetPlan(ctx, st.PlanID)
	if err != nil {
		return nil, err
	}
	got := spec
	st.ID = plan.ARN
	// The vaults carry the name; the plan's own name may have a suffix
	// (see CreatePlan).
	got.Name = plan.Rule.Vault
	got.Schedule, got.RetentionDays = plan.Rule.Schedule, int(plan.Rule.RetentionDays)
	got.Tags, got.Blueprint, got.Component = awsbase.UserTags(plan.Tags), plan.Tags[awsbase.TagBlueprint], plan.Tags[awsbase.TagComponent]
	got.Database, got.CopyToRegion = plan.Tags[awsbase.TagDatabase], plan.Tags[awsbase.TagCopyToRegion]

	vault, err := primary.GetVault(ctx, plan.Rule.Vault)
	if err != nil {
		// Without its vault the plan backs up nothing: not found, recreate.
		return nil, fmt.Errorf("read backup vault: %w", err)
	}
	st.VaultID, got.KeyID = vault.ARN, vault.KeyARN
	if got.Encrypted, err = customerKey(ctx, primary, vault.KeyARN); err != nil {
		return nil, fmt.Errorf("read backup vault key: %w", err)
	}
	if plan.Rule.CopyVaultARN == "" {
		// The copy action was removed out of band: recreate to restore it.
		return nil, fmt.Errorf("backup plan %s has no copy action: %w", st.PlanID, backend.ErrNotFound)
	}
	copyLoc := regionOfARN(plan.Rule.CopyVaultARN)
	got.CopyToLocation = copyLoc
	copyc, err := open(ctx, p.sess, copyLoc)
	if err != nil {
		return nil, err
	}
	copyVault, err := copyc.GetVault(ctx, vaultNameOf(plan.Rule.CopyVaultARN))
	if err != nil {
		return nil, fmt.Errorf("read copy backup vault: %w", err)
	}
	st.CopyVaultID, st.CopyKeyID = copyVault.ARN, copyVault.KeyARN
	if got.Role == "" {
		got.Role = defaultRole(vault.ARN)
	}
	st.Spec = got
	if err := p.readSelection(ctx, &st); err != nil {
		return nil, err
	}
	if err := p.recoveryPoint(ctx, &st, false); err != nil {
		return nil, err
	}
	if err := p.readSnapshots(ctx, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// readSelection shows drift of the selection where the endpoint can read it
// back (AWS; not the local endpoint, where it stays as last applied). A selection
// deleted out of band clears Resources and SelectionTags, so the plan puts
// it back.
func (p *Plans) readSelection(ctx context.Context, st *backupplan.Status) error {
	c := p.c
	if st.SelectionID == "" {
		// After import, find the plan's selection where the endpoint lists them.
		ids, err := c.ListSelections(ctx, st.PlanID)
		if backend.IsUnreachable(err) {
			return err
		}
		if len(ids) != 1 {
			// None, several, or the endpoint cannot list them: nothing to compare.
			return nil
		}
		st.SelectionID = ids[0]
	}
	sel, err := c.GetSelection(ctx, st.PlanID, st.SelectionID)
	switch {
	case errors.Is(err, ErrNotImplemented):
		return nil
	case errors.Is(err, ErrNotFound):
		st.SelectionID = ""
		st.Spec.Resources, st.Spec.SelectionTags = nil, nil
		return nil
	case err != nil:
		return fmt.Errorf("read backup selection: %w", err)
	}
	st.Spec.Resources, st.Spec.SelectionTags = sel.Resources, sel.Tags
	if sel.IAMRoleARN != "" {
		st.Spec.Role = sel.IAMRoleARN
	}
	return nil
}

// readSnapshots forgets recorded snapshots that no longer exist.
func (p *Plans) readSnapshots(ctx context.Context, st *backupplan.Status) error {
	for _, v := range []*string{&st.LatestSnapshotID, &st.LatestCopyID} {
		if *v == "" {
			continue
		}
		region, _, id, err := rds.ParseARN(*v)
		if err != nil {
			*v = ""
			continue
		}
		c, err := rds.Open(ctx, p.sess, region)
		if err != nil {
			return err
		}
		if _, err := c.GetSnapshot(ctx, id); errors.Is(err, ErrNotFound) {
			*v = ""
		} else if err != nil {
			return fmt.Errorf("read database snapshot: %w", err)
		}
	}
	return nil
}

// deleteSnapshots deletes DB snapshots; one in an unreachable location is
// left with a warning (it is no longer recorded).
func (p *Plans) deleteSnapshots(ctx context.Context, arns ...string) error {
	var errs []error
	for _, a := range arns {
		region, kind, id, err := rds.ParseARN(a)
		if err != nil || kind != "snapshot" {
			continue
		}
		c, err := rds.Open(ctx, p.sess, region)
		if err == nil {
			err = c.DeleteSnapshot(ctx, id)
		}
		if awsbase.UnreachableLocation(err) != "" {
			backend.Warn(ctx, "Database snapshot "+id+" not deleted",
				fmt.Sprintf("AWS location %s unreachable: snapshot %s was not deleted and is no longer recorded. Cause: %v. "+
					"Delete it once the location answers again.", region, id, err))
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("delete database snapshot: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Delete removes the plan, both vaults (and the keys created for them) and,
// unless KeepSnapshots, the snapshot and its copy. Gone is nil. An
// unreachable copy location does not stop the rest: its error (wrapping
// backend.ErrUnreachable) comes back last, so the resource can forget it.
func (p *Plans) Delete(ctx context.Context, status *backupplan.Status) error {
	s := status.Spec
	planID := status.PlanID
	if planID == "" {
		if _, _, id, err := ParsePlanARN(status.ID); err == nil {
			planID = id
		}
	}
	if planID != "" {
		if err := p.c.DeletePlan(ctx, planID); err != nil {
			return err
		}
	}
	if err := deleteVault(ctx, p.c, s.Name); err != nil {
		return fmt.Errorf("delete backup vault in %s: %w", p.c.Location(), err)
	}
	var copyErr error
	if s.CopyToLocation != "" {
		copyc, err := open(ctx, p.sess, s.CopyToLocation)
		if err == nil {
			err = deleteVault(ctx, copyc, s.Name)
		}
		if err != nil {
			copyErr = fmt.Errorf("delete backup vault in %s: %w", s.CopyToLocation, err)
			if !backend.IsUnreachable(err) {
				return copyErr
			}
		}
	}
	if !s.KeepSnapshots {
		if err := p.deleteSnapshots(ctx, status.LatestSnapshotID, status.LatestCopyID); err != nil {
			return errors.Join(err, copyErr)
		}
	}
	return copyErr
}

// LatestRecoveryPoint is the newest available DB snapshot in this location
// tagged as holding the database with component key database of the
// blueprint (the copies plans elsewhere made here included).
func (p *Plans) LatestRecoveryPoint(ctx context.Context, blueprint, database string) (*backupplan.RecoveryPoint, error) {
	c, err := rds.Open(ctx, p.sess, p.c.Location())
	if err != nil {
		return nil, err
	}
	want := map[string]string{awsbase.TagDatabase: database}
	if blueprint != "" {
		want[awsbase.TagBlueprint] = blueprint
	}
	snap, err := c.LatestSnapshotTagged(ctx, want)
	if err != nil {
		return nil, err
	}
	return &backupplan.RecoveryPoint{ID: snap.ARN, Location: p.c.Location(), Database: database, CreatedAt: snap.Created}, nil
}

// ensureVault creates (or adopts) a vault, creating its KMS key when
// encrypted and none is given.
func ensureVault(ctx context.Context, c *Client, name string, encrypted bool, keyARN string, tags map[string]string) (*Vault, error) {
	if v, err := c.GetVault(ctx, name); err == nil {
		return v, nil
	} else if !errors.Is(err, ErrNotFound) {
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
func deleteVault(ctx context.Context, c *Client, name string) error {
	v, err := c.GetVault(ctx, name)
	if errors.Is(err, ErrNotFound) {
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
	if errors.Is(err, ErrNotFound) {
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

func customerKey(ctx context.Context, c *Client, keyARN string) (bool, error) {
	if keyARN == "" {
		return false, nil
	}
	info, err := c.DescribeKey(ctx, keyARN)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return info.Customer, nil
}

// defaultRole is the account's AWSBackupDefaultServiceRole.
func defaultRole(vaultARN string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/service-role/AWSBackupDefaultServiceRole", AccountOf(vaultARN))
}

func vaultNameOf(vaultARN string) string {
	i := strings.LastIndex(vaultARN, ":")
	return vaultARN[i+1:]
}

func regionOfARN(a string) string {
	parts := strings.SplitN(a, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[3]
}
