package cloudsql

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	sqladmin "google.golang.org/api/sqladmin/v1beta4"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
)

// Databases is the Cloud SQL database backend for one region.
type Databases struct{ c *client }

var _ database.Backend = (*Databases)(nil)

func registerDatabase() {
	database.Register(backend.GCP, func(ctx context.Context, s *backend.Settings, location string) (database.Backend, error) {
		c, err := open(ctx, s, location)
		if err != nil {
			return nil, err
		}
		return &Databases{c: c}, nil
	})
}

func validateDatabase(s database.Spec) error {
	if _, err := databaseVersion(s.Engine, s.EngineVersion); err != nil {
		return err
	}
	if err := checkTier(s.InstanceClass); err != nil {
		return err
	}
	if strings.EqualFold(s.Engine, "mysql") && s.HighAvailability && s.BackupRetention <= 0 {
		// Cloud SQL refuses it at create; say so before anything is made.
		return errors.New("on Cloud SQL, MySQL high availability needs automated backups with binary logging: set a backup retention above 0")
	}
	if s.StorageGB != 0 && s.StorageGB < 10 {
		return fmt.Errorf("storage on Cloud SQL is at least 10 GB, not %d", s.StorageGB)
	}
	return nil
}

// maintenance is Sunday at the hour after the backup window starts, so
// the two do not overlap.
func maintenance(window string) *sqladmin.MaintenanceWindow {
	h := 4
	if start, _, ok := strings.Cut(window, "-"); ok {
		if hh, err := strconv.Atoi(strings.SplitN(start, ":", 2)[0]); err == nil {
			h = (hh + 2) % 24
		}
	}
	return &sqladmin.MaintenanceWindow{Day: 7, Hour: int64(h), ForceSendFields: []string{"Hour"}}
}

func settings(s database.Spec) *sqladmin.Settings {
	avail := "ZONAL"
	if s.HighAvailability {
		avail = "REGIONAL"
	}
	engine, _ := engineOf(mustVersion(s))
	st := &sqladmin.Settings{
		Tier: s.InstanceClass, DataDiskSizeGb: int64(s.StorageGB), AvailabilityType: avail,
		DeletionProtectionEnabled: s.DeletionProtection,
		BackupConfiguration:       backupConfig(engine, s.BackupRetention, s.BackupWindow, ""),
		MaintenanceWindow:         maintenance(s.BackupWindow),
		UserLabels:                labels(s.Meta),
		ForceSendFields:           []string{"DeletionProtectionEnabled"},
	}
	if st.Tier == "" {
		st.Tier = "db-custom-2-7680"
	}
	if len(s.Zones) > 0 {
		st.LocationPreference = &sqladmin.LocationPreference{Zone: s.Zones[0]}
	}
	return st
}

func mustVersion(s database.Spec) string {
	v, _ := databaseVersion(s.Engine, s.EngineVersion)
	return v
}

// Apply creates the instance (restoring RestoreFrom into it when set) or
// patches its settings, and waits until it is RUNNABLE.
func (d *Databases) Apply(ctx context.Context, spec database.Spec, previous *database.Status) (*database.Status, error) {
	if err := validateDatabase(spec); err != nil {
		return nil, err
	}
	c := d.c
	inst, err := c.get(ctx, spec.Name)
	switch {
	case backend.IsNotFound(err):
		want := &sqladmin.DatabaseInstance{
			Name: spec.Name, Region: c.region, DatabaseVersion: mustVersion(spec),
			Settings: settings(spec), RootPassword: spec.Password,
		}
		if err := c.do(ctx, "create Cloud SQL instance "+spec.Name, func() (*sqladmin.Operation, error) {
			return c.svc.Instances.Insert(c.project, want).Context(ctx).Do()
		}); err != nil && !gcp.IsConflict(err) {
			return nil, c.wrap(err)
		}
		if _, err := c.waitRunnable(ctx, spec.Name); err != nil {
			return nil, c.wrap(err)
		}
		if spec.RestoreFrom != "" {
			if err := restore(ctx, c, spec.Name, spec.RestoreFrom); err != nil {
				return nil, c.wrap(err)
			}
		}
		if spec.Username != "" && spec.Username != defaultUser(spec.Engine) {
			if err := c.setUser(ctx, spec.Name, spec.Engine, spec.Username, spec.Password); err != nil {
				return nil, c.wrap(err)
			}
		}
	case err != nil:
		return nil, c.wrap(err)
	default:
		want := settings(spec)
		want.SettingsVersion = inst.Settings.SettingsVersion
		if plan := planOf(inst); plan != "" {
			// An ha_backup_plan owns the backup configuration: leave it,
			// and keep its label.
			want.BackupConfiguration = nil
			want.UserLabels[planLabel] = plan
		}
		if err := c.do(ctx, "update Cloud SQL instance "+spec.Name, func() (*sqladmin.Operation, error) {
			return c.svc.Instances.Patch(c.project, spec.Name, &sqladmin.DatabaseInstance{Settings: want}).Context(ctx).Do()
		}); err != nil {
			return nil, c.wrap(err)
		}
		// previous is nil when an instance is adopted (a run killed after
		// creating it): its user may never have been set.
		if previous == nil || previous.Spec.Password != spec.Password {
			user := spec.Username
			if user == "" {
				user = defaultUser(spec.Engine)
			}
			if err := c.setUser(ctx, spec.Name, spec.Engine, user, spec.Password); err != nil {
				return nil, c.wrap(err)
			}
		}
		if _, err := c.waitRunnable(ctx, spec.Name); err != nil {
			return nil, c.wrap(err)
		}
	}
	st, err := d.Read(ctx, spec, previous)
	if err != nil {
		return nil, err
	}
	st.RestoredFrom = spec.RestoreFrom
	if previous != nil && previous.RestoredFrom != "" {
		st.RestoredFrom = previous.RestoredFrom
	}
	return st, nil
}

// restore writes backup run id "SOURCE/RUN" of instance SOURCE into the
// new instance target.
func restore(ctx context.Context, c *client, target, point string) error {
	source, run, ok := strings.Cut(point, "/")
	id, err := strconv.ParseInt(run, 10, 64)
	if !ok || err != nil {
		return fmt.Errorf("recovery point %q is not SOURCE_INSTANCE/BACKUP_RUN_ID", point)
	}
	req := &sqladmin.InstancesRestoreBackupRequest{RestoreBackupContext: &sqladmin.RestoreBackupContext{BackupRunId: id, InstanceId: source, Project: c.project}}
	if err := c.do(ctx, "restore backup "+point+" into "+target, func() (*sqladmin.Operation, error) {
		return c.svc.Instances.RestoreBackup(c.project, target, req).Context(ctx).Do()
	}); err != nil {
		return err
	}
	_, err = c.waitRunnable(ctx, target)
	return err
}

// Read returns the instance as Cloud SQL holds it; password, final
// snapshot choices and the restore source are copied from spec.
func (d *Databases) Read(ctx context.Context, spec database.Spec, _ *database.Status) (*database.Status, error) {
	inst, err := d.c.get(ctx, spec.Name)
	if err != nil {
		return nil, d.c.wrap(err)
	}
	got := spec
	got.Location = inst.Region
	got.Engine, got.EngineVersion = engineOf(inst.DatabaseVersion)
	if spec.EngineVersion != "" && mustVersion(spec) == inst.DatabaseVersion {
		got.EngineVersion = spec.EngineVersion
	}
	st := inst.Settings
	if st != nil {
		got.InstanceClass = st.Tier
		got.StorageGB = int(st.DataDiskSizeGb)
		got.HighAvailability = st.AvailabilityType == "REGIONAL"
		got.DeletionProtection = st.DeletionProtectionEnabled
		got.BackupRetention = 0
		if planOf(inst) != "" && spec.BackupRetention != 0 {
			// Owned by a backup plan, which reports its drift.
			got.BackupRetention = spec.BackupRetention
		} else if b := st.BackupConfiguration; b != nil && b.Enabled {
			got.BackupRetention = 7
			if b.BackupRetentionSettings != nil {
				got.BackupRetention = int(b.BackupRetentionSettings.RetainedBackups)
			}
			if !strings.HasPrefix(spec.BackupWindow, b.StartTime+"-") && b.StartTime != "" {
				got.BackupWindow = b.StartTime + "-" + plusHour(b.StartTime)
			}
		}
	}
	got.StorageEncrypted = true // Cloud SQL always encrypts storage
	if spec.Component == "" && spec.Blueprint == "" && st != nil {
		// Import: the labels say which blueprint and user tags it has (the
		// component key, spelled as a label, is given again in config).
		got.Meta = importedMeta(spec.Meta, st.UserLabels)
	}
	if spec.Username == "" {
		if got.Username, err = d.c.masterUser(ctx, inst.Name, got.Engine); err != nil {
			return nil, d.c.wrap(err)
		}
	}
	addr := address(inst)
	p := port(got.Engine)
	return &database.Status{
		Spec: got, ID: inst.Name, URI: inst.ConnectionName, Address: addr, Port: p,
		Endpoint: endpoint(addr, p), Role: "primary", State: inst.State,
	}, nil
}

func plusHour(hhmm string) string {
	h, m, _ := strings.Cut(hhmm, ":")
	n, err := strconv.Atoi(h)
	if err != nil {
		return hhmm
	}
	return fmt.Sprintf("%02d:%s", (n+1)%24, m)
}

// Delete removes the instance. Its replicas must go first (Cloud SQL
// refuses otherwise); deletion protection is refused with a clear message.
func (d *Databases) Delete(ctx context.Context, st *database.Status) error {
	c := d.c
	inst, err := c.get(ctx, st.Spec.Name)
	if backend.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return c.wrap(err)
	}
	if inst.Settings != nil && inst.Settings.DeletionProtectionEnabled {
		return fmt.Errorf("instance %s has deletion protection on: set deletion_protection = false and apply before destroying it", st.Spec.Name)
	}
	if err := c.waitNoReplicas(ctx, inst); err != nil {
		return err
	}
	err = c.do(ctx, "delete Cloud SQL instance "+st.Spec.Name, func() (*sqladmin.Operation, error) {
		return c.svc.Instances.Delete(c.project, st.Spec.Name).Context(ctx).Do()
	})
	if err != nil && !gcp.IsNotFound(err) {
		return c.wrap(err)
	}
	return nil
}
