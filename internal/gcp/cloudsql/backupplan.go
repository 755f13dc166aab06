package cloudsql

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	sqladmin "google.golang.org/api/sqladmin/v1beta4"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backupplan"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
	"github.com/ha-blueprints/terraform-provider-ha/internal/lazyregexp"
)

// BackupPlans is the Cloud SQL backup plan backend: the plan is the
// protected instance's backup configuration (daily start time, retained
// backups, backup location in the copy region) plus on-demand backups
// stored in the copy region.
type BackupPlans struct{ c *client }

var _ backupplan.Backend = (*BackupPlans)(nil)

func registerBackupPlan() {
	backupplan.Register(backend.GCP, func(ctx context.Context, s *backend.Settings, location string) (backupplan.Backend, error) {
		c, err := open(ctx, s, location)
		if err != nil {
			return nil, err
		}
		return &BackupPlans{c: c}, nil
	})
}

var cronRE = lazyregexp.New(`^cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)$`)

// startTime turns a daily AWS-form cron ("cron(30 3 * * ? *)") into Cloud
// SQL's backup start time ("03:30"); Cloud SQL backs up once a day.
func startTime(schedule string) (string, error) {
	if schedule == "" {
		return "", nil
	}
	m := cronRE.FindStringSubmatch(schedule)
	if m == nil {
		return "", fmt.Errorf("schedule %q: Cloud SQL backs up once a day, so the schedule must be daily, as cron(MINUTE HOUR * * ? *)", schedule)
	}
	mi, _ := strconv.Atoi(m[1])
	h, _ := strconv.Atoi(m[2])
	if mi > 59 || h > 23 {
		return "", fmt.Errorf("schedule %q is not a time of day", schedule)
	}
	return fmt.Sprintf("%02d:%02d", h, mi), nil
}

func scheduleOf(start string) string {
	h, m, ok := strings.Cut(start, ":")
	if !ok {
		return ""
	}
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	return fmt.Sprintf("cron(%d %d * * ? *)", mm, hh)
}

// description marks the on-demand backups a plan takes, so Delete removes
// only those.
func description(plan, trigger string) string { return "ha:" + plan + ":" + trigger }

func instanceOf(spec backupplan.Spec, previous *backupplan.Status) (string, error) {
	if len(spec.Resources) == 0 && previous != nil && previous.PlanID != "" {
		return previous.PlanID, nil // import: the plan id is the instance's name
	}
	if len(spec.Resources) == 0 {
		return "", errors.New("a Cloud SQL backup plan protects one database instance: resources is empty")
	}
	return sourceName(spec.Resources[0]), nil
}

// Apply sets the instance's backup configuration and takes an on-demand
// backup when asked.
func (b *BackupPlans) Apply(ctx context.Context, spec backupplan.Spec, previous *backupplan.Status) (*backupplan.Status, error) {
	c := b.c
	start, err := startTime(spec.Schedule)
	if err != nil {
		return nil, err
	}
	name, err := instanceOf(spec, previous)
	if err != nil {
		return nil, err
	}
	inst, err := c.get(ctx, name)
	if err != nil {
		return nil, c.wrap(err)
	}
	engine, _ := engineOf(inst.DatabaseVersion)
	want := backupConfig(engine, max(spec.RetentionDays, 1), start+"-", spec.CopyToLocation)
	cur := inst.Settings.BackupConfiguration
	if cur == nil || !cur.Enabled || cur.StartTime != want.StartTime && want.StartTime != "" || cur.Location != want.Location ||
		cur.BackupRetentionSettings == nil || cur.BackupRetentionSettings.RetainedBackups != want.BackupRetentionSettings.RetainedBackups ||
		planOf(inst) != planValue(spec) {
		// The label tells the database's resource that this plan owns the
		// backup configuration, so the two do not undo each other.
		lbls := map[string]string{planLabel: planValue(spec)}
		for k, v := range inst.Settings.UserLabels {
			if k != planLabel {
				lbls[k] = v
			}
		}
		patch := &sqladmin.Settings{BackupConfiguration: want, UserLabels: lbls, SettingsVersion: inst.Settings.SettingsVersion}
		if err := c.do(ctx, "set backup configuration of "+name, func() (*sqladmin.Operation, error) {
			return c.svc.Instances.Patch(c.project, name, &sqladmin.DatabaseInstance{Settings: patch}).Context(ctx).Do()
		}); err != nil {
			return nil, c.wrap(err)
		}
	}
	takeNow := spec.StartBackupNow && previous == nil || previous != nil && previous.Spec.SnapshotTrigger != spec.SnapshotTrigger
	if takeNow {
		if err := b.backUp(ctx, name, spec, previous == nil); err != nil {
			return nil, c.wrap(err)
		}
		if previous != nil && !spec.KeepSnapshots && previous.LatestSnapshotID != "" {
			if err := b.deleteRun(ctx, previous.LatestSnapshotID); err != nil {
				return nil, c.wrap(err)
			}
		}
	}
	return b.Read(ctx, spec, previous)
}

// Read returns the plan as the instance's backup configuration holds it.
func (b *BackupPlans) Read(ctx context.Context, spec backupplan.Spec, previous *backupplan.Status) (*backupplan.Status, error) {
	c := b.c
	name, err := instanceOf(spec, previous)
	if err != nil {
		return nil, err
	}
	inst, err := c.get(ctx, name)
	if err != nil {
		return nil, c.wrap(err)
	}
	got := spec
	cfg := inst.Settings.BackupConfiguration
	if cfg == nil || !cfg.Enabled {
		return nil, backend.NotFound("backup plan", spec.Name)
	}
	if s := scheduleOf(cfg.StartTime); s != "" {
		if st, _ := startTime(spec.Schedule); st != cfg.StartTime {
			got.Schedule = s
		}
	}
	if cfg.BackupRetentionSettings != nil {
		got.RetentionDays = int(cfg.BackupRetentionSettings.RetainedBackups)
	}
	if cfg.Location != spec.CopyToLocation {
		got.CopyToLocation = cfg.Location
	}
	got.Encrypted = true // Cloud SQL backups are always encrypted
	st := &backupplan.Status{Spec: got, ID: name, PlanID: name, VaultID: inst.Region, CopyVaultID: cfg.Location}
	runs, err := b.runs(ctx, name)
	if err != nil {
		return nil, c.wrap(err)
	}
	if spec.Name == "" {
		// Import: the plan's name and trigger are in the description of
		// the newest backup it took; the instance is what it protects.
		for _, r := range runs {
			if plan, trigger, ok := strings.Cut(strings.TrimPrefix(r.Description, "ha:"), ":"); ok && strings.HasPrefix(r.Description, "ha:") {
				got.Name, got.SnapshotTrigger = plan, trigger
				break
			}
		}
		got.Resources = []string{inst.ConnectionName}
		if inst.Settings.UserLabels != nil {
			got.Blueprint = inst.Settings.UserLabels["ha-blueprint"]
			if key, ok := labelKey(inst.Settings.UserLabels["ha-component"]); ok {
				got.Database = key
			}
			if key, ok := labelKey(planOf(inst)); ok && key != "" {
				got.Component = key
			}
		}
		spec = got
		st.Spec = got
	}
	for _, r := range runs {
		id := name + "/" + strconv.FormatInt(r.Id, 10)
		if st.LatestRecoveryPointID == "" {
			st.LatestRecoveryPointID = id
		}
		if strings.HasPrefix(r.Description, "ha:"+spec.Name+":") && st.LatestSnapshotID == "" {
			st.LatestSnapshotID, st.LatestCopyID = id, id
		}
	}
	return st, nil
}

// backUp takes an on-demand backup of instance described as the plan's
// (description). A backup a lost answer or a killed run already took is
// adopted (its operation waited for) instead of taken twice: looked for
// before the first call when there is no previous state, and before each
// retried call.
func (b *BackupPlans) backUp(ctx context.Context, instance string, spec backupplan.Spec, adopt bool) error {
	c := b.c
	desc := description(spec.Name, spec.SnapshotTrigger)
	run := &sqladmin.BackupRun{Description: desc, Location: spec.CopyToLocation}
	return c.do(ctx, "back up "+instance, func() (*sqladmin.Operation, error) {
		if adopt {
			taken, err := b.described(ctx, instance, desc)
			if err != nil {
				return nil, err
			}
			if taken != nil {
				return b.operationOf(ctx, instance, taken)
			}
		}
		adopt = true
		return c.svc.BackupRuns.Insert(c.project, instance, run).Context(ctx).Do()
	})
}

// adoptWithin is how recent a backup must be to be taken for one a lost
// answer or a killed run made: an older one with the same description is
// left from an earlier plan of the same name (kept when it was deleted),
// and a new plan takes its own.
const adoptWithin = 6 * time.Hour

// described is instance's backup described desc, enqueued within
// adoptWithin, that did not fail (it may still be running), nil when there
// is none.
func (b *BackupPlans) described(ctx context.Context, instance, desc string) (*sqladmin.BackupRun, error) {
	found, err := b.listRuns(ctx, instance, func(r *sqladmin.BackupRun) bool {
		if r.Description != desc || r.Status == "FAILED" || r.Status == "DELETED" {
			return false
		}
		at, err := time.Parse(time.RFC3339, r.EnqueuedTime)
		return err != nil || time.Since(at) <= adoptWithin
	})
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return found[len(found)-1], nil
}

// operationOf is the operation taking the backup run (backupContext names
// it), so that an adopted backup is waited for as a new one is; nil when
// the run is done or no operation is found for it.
func (b *BackupPlans) operationOf(ctx context.Context, instance string, run *sqladmin.BackupRun) (*sqladmin.Operation, error) {
	if run.Status == "SUCCESSFUL" {
		return nil, nil
	}
	var found *sqladmin.Operation
	err := gcp.Call(ctx, func() error {
		found = nil
		return b.c.svc.Operations.List(b.c.project).Instance(instance).Pages(ctx, func(p *sqladmin.OperationsListResponse) error {
			for _, op := range p.Items {
				if op.OperationType == "BACKUP_VOLUME" && op.BackupContext != nil && op.BackupContext.BackupId == run.Id && found == nil {
					found = op
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list operations of %s: %w", instance, err)
	}
	return found, nil
}

// runs are the instance's successful backup runs, newest first.
func (b *BackupPlans) runs(ctx context.Context, instance string) ([]*sqladmin.BackupRun, error) {
	out, err := b.listRuns(ctx, instance, func(r *sqladmin.BackupRun) bool { return r.Status == "SUCCESSFUL" })
	if err != nil {
		return nil, err
	}
	// The API lists newest first; keep that order but make sure of it.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && endTime(out[j]).After(endTime(out[j-1])); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// listRuns lists instance's backup runs that keep accepts, in the API's
// order, retrying the listing (from the first page) on transient errors.
func (b *BackupPlans) listRuns(ctx context.Context, instance string, keep func(*sqladmin.BackupRun) bool) ([]*sqladmin.BackupRun, error) {
	var out []*sqladmin.BackupRun
	err := gcp.Call(ctx, func() error {
		out = nil // a retried listing starts again from the first page
		return b.c.svc.BackupRuns.List(b.c.project, instance).Pages(ctx, func(p *sqladmin.BackupRunsListResponse) error {
			for _, r := range p.Items {
				if keep(r) {
					out = append(out, r)
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list backups of %s: %w", instance, err)
	}
	return out, nil
}

func endTime(r *sqladmin.BackupRun) time.Time {
	t, _ := time.Parse(time.RFC3339, r.EndTime)
	return t
}

func (b *BackupPlans) deleteRun(ctx context.Context, id string) error {
	inst, run, _ := strings.Cut(id, "/")
	n, err := strconv.ParseInt(run, 10, 64)
	if err != nil {
		return nil //nolint:nilerr // an id that names no backup run has nothing to delete
	}
	err = b.c.do(ctx, "delete backup "+id, func() (*sqladmin.Operation, error) {
		return b.c.svc.BackupRuns.Delete(b.c.project, inst, n).Context(ctx).Do()
	})
	if err != nil && !backend.IsNotFound(err) && !strings.Contains(err.Error(), "404") {
		return err
	}
	return nil
}

// Delete removes the plan's on-demand backups unless KeepSnapshots; the
// automated backups belong to the database and stay with it.
func (b *BackupPlans) Delete(ctx context.Context, st *backupplan.Status) error {
	if st.ID == "" {
		return nil
	}
	if err := b.release(ctx, st.ID, st.Spec); err != nil {
		return b.c.wrap(err)
	}
	if st.Spec.KeepSnapshots {
		return nil
	}
	runs, err := b.runs(ctx, st.ID)
	if backend.IsNotFound(err) || err != nil && strings.Contains(err.Error(), "404") {
		return nil
	}
	if err != nil {
		return b.c.wrap(err)
	}
	for _, r := range runs {
		if strings.HasPrefix(r.Description, "ha:"+st.Spec.Name+":") {
			if err := b.deleteRun(ctx, st.ID+"/"+strconv.FormatInt(r.Id, 10)); err != nil {
				return b.c.wrap(err)
			}
		}
	}
	return nil
}

// LatestRecoveryPoint is the newest successful backup of the instance
// labelled as component database of the blueprint, as "INSTANCE/RUN_ID"
// for database.Spec.RestoreFrom; backups stored in this location come
// first.
func (b *BackupPlans) LatestRecoveryPoint(ctx context.Context, blueprint, database string) (*backupplan.RecoveryPoint, error) {
	c := b.c
	wantLabels := labels(backend.Meta{Component: database, Blueprint: blueprint})
	want, wantBlueprint := wantLabels["ha-component"], wantLabels["ha-blueprint"]
	var best *backupplan.RecoveryPoint
	err := gcp.Call(ctx, func() error {
		best = nil // a retried listing starts again from the first page
		return c.svc.Instances.List(c.project).Pages(ctx, func(p *sqladmin.InstancesListResponse) error {
			for _, inst := range p.Items {
				if inst.Settings == nil || inst.Settings.UserLabels["ha-component"] != want {
					continue
				}
				if blueprint != "" && inst.Settings.UserLabels["ha-blueprint"] != wantBlueprint {
					continue // another blueprint's database of the same name
				}
				runs, err := b.runs(ctx, inst.Name)
				if err != nil {
					return err
				}
				for _, r := range runs {
					loc := r.Location
					if loc == "" {
						loc = inst.Region
					}
					rp := &backupplan.RecoveryPoint{ID: inst.Name + "/" + strconv.FormatInt(r.Id, 10), Location: loc, Database: database, CreatedAt: endTime(r)}
					if best == nil || better(rp, best, c.region) {
						best = rp
					}
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, c.wrap(err)
	}
	if best == nil {
		return nil, backend.NotFound("recovery point of", database)
	}
	return best, nil
}

func better(a, b *backupplan.RecoveryPoint, here string) bool {
	if (a.Location == here) != (b.Location == here) {
		return a.Location == here
	}
	return a.CreatedAt.After(b.CreatedAt)
}

// planLabel on an instance names the ha_backup_plan that owns its backup
// configuration (the database resource then leaves it alone).
const planLabel = "ha-backup-plan"

// planValue is the plan's component key (keyLabel), which an import reads
// back; a plan without one is named by its name behind "_9", which does not
// read back as a key.
func planValue(spec backupplan.Spec) string {
	if spec.Component != "" {
		return keyLabel(spec.Component)
	}
	v := "_9" + labels(backend.Meta{Tags: map[string]string{planLabel: spec.Name}})[planLabel]
	if len(v) > 63 {
		v = v[:63]
	}
	return v
}

func planOf(inst *sqladmin.DatabaseInstance) string {
	if inst == nil || inst.Settings == nil {
		return ""
	}
	return inst.Settings.UserLabels[planLabel]
}

// release takes the plan's label off the instance (gone already is fine):
// the database's own backup settings apply again.
func (b *BackupPlans) release(ctx context.Context, instance string, plan backupplan.Spec) error {
	c := b.c
	inst, err := c.get(ctx, instance)
	if backend.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if planOf(inst) != planValue(plan) {
		return nil
	}
	lbls := map[string]string{}
	for k, v := range inst.Settings.UserLabels {
		if k != planLabel {
			lbls[k] = v
		}
	}
	patch := &sqladmin.Settings{UserLabels: lbls, SettingsVersion: inst.Settings.SettingsVersion, ForceSendFields: []string{"UserLabels"}}
	return c.do(ctx, "release backup configuration of "+instance, func() (*sqladmin.Operation, error) {
		return c.svc.Instances.Patch(c.project, instance, &sqladmin.DatabaseInstance{Settings: patch}).Context(ctx).Do()
	})
}
