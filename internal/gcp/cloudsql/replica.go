package cloudsql

import (
	"context"
	"fmt"
	"strings"
	"time"

	sqladmin "google.golang.org/api/sqladmin/v1beta4"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
	"github.com/ha-blueprints/terraform-provider-ha/internal/replica"
)

// Replicas is the Cloud SQL cross-region read replica backend for the
// replica's region.
type Replicas struct{ c *client }

var _ replica.Backend = (*Replicas)(nil)

func registerReplica() {
	replica.Register(backend.GCP, func(ctx context.Context, s *backend.Settings, location string) (replica.Backend, error) {
		c, err := open(ctx, s, location)
		if err != nil {
			return nil, err
		}
		return &Replicas{c: c}, nil
	})
}

// sourceLabel holds the component key of the database a replica was made
// from (keyLabel).
const sourceLabel = "ha-source"

// sourceName is the Cloud SQL instance name of a SourceID, which may be a
// connection name (PROJECT:REGION:NAME), a self link or a bare name.
func sourceName(id string) string {
	if i := strings.LastIndexAny(id, ":/"); i >= 0 {
		return id[i+1:]
	}
	return id
}

// Apply creates the replica of SourceID (or promotes it with
// spec.Promote) and waits until it is RUNNABLE.
func (r *Replicas) Apply(ctx context.Context, spec replica.Spec, previous *replica.Status) (*replica.Status, error) {
	c := r.c
	if err := checkTier(spec.InstanceClass); err != nil {
		return nil, err
	}
	inst, err := c.get(ctx, spec.Name)
	switch {
	case backend.IsNotFound(err):
		if spec.SourceID == "" {
			if spec.SourceID, err = r.FindSource(ctx, spec); err != nil {
				return nil, err
			}
		}
		src, err := c.get(ctx, sourceName(spec.SourceID))
		if err != nil {
			return nil, c.wrap(fmt.Errorf("source of replica %s: %w", spec.Name, err))
		}
		asked := strings.ToLower(spec.Engine)
		if asked == "postgresql" {
			asked = "postgres"
		}
		if eng, _ := engineOf(src.DatabaseVersion); asked != "" && asked != eng {
			// Refused before anything is created: a replica runs its source's engine.
			return nil, &replica.EngineMismatchError{Want: spec.Engine, Source: eng}
		}
		ls := labels(spec.Meta)
		if spec.SourceComponent != "" {
			// What it follows, for import (AWS keeps it in the ha:source tag).
			ls[sourceLabel] = keyLabel(spec.SourceComponent)
		}
		st := &sqladmin.Settings{Tier: spec.InstanceClass, UserLabels: ls, DeletionProtectionEnabled: spec.DeletionProtection, AvailabilityType: "ZONAL"}
		if st.Tier == "" && src.Settings != nil {
			st.Tier = src.Settings.Tier
		}
		if spec.HighAvailability {
			st.AvailabilityType = "REGIONAL"
		}
		want := &sqladmin.DatabaseInstance{
			Name: spec.Name, Region: c.region, DatabaseVersion: src.DatabaseVersion,
			MasterInstanceName: src.Name, InstanceType: "READ_REPLICA_INSTANCE", Settings: st,
		}
		if err := c.do(ctx, "create Cloud SQL replica "+spec.Name, func() (*sqladmin.Operation, error) {
			return c.svc.Instances.Insert(c.project, want).Context(ctx).Do()
		}); err != nil && !gcp.IsConflict(err) {
			return nil, c.wrap(err)
		}
		if _, err := c.waitRunnable(ctx, spec.Name); err != nil {
			return nil, c.wrap(err)
		}
	case err != nil:
		return nil, c.wrap(err)
	default:
		if inst.Settings != nil && (inst.Settings.DeletionProtectionEnabled != spec.DeletionProtection || (spec.InstanceClass != "" && inst.Settings.Tier != spec.InstanceClass)) {
			patch := &sqladmin.Settings{DeletionProtectionEnabled: spec.DeletionProtection, Tier: spec.InstanceClass, SettingsVersion: inst.Settings.SettingsVersion, ForceSendFields: []string{"DeletionProtectionEnabled"}}
			if err := c.do(ctx, "update Cloud SQL replica "+spec.Name, func() (*sqladmin.Operation, error) {
				return c.svc.Instances.Patch(c.project, spec.Name, &sqladmin.DatabaseInstance{Settings: patch}).Context(ctx).Do()
			}); err != nil {
				return nil, c.wrap(err)
			}
		}
	}
	st, err := r.Read(ctx, spec, previous)
	if err != nil {
		return nil, err
	}
	if spec.Promote && st.Role == replica.RoleReplica {
		if st, err = r.Promote(ctx, st); err != nil {
			return nil, err
		}
	}
	if spec.Promote && spec.BackupRetention > 0 {
		// Once promoted it is a primary and keeps its own backups.
		inst, err := c.get(ctx, spec.Name)
		if err != nil {
			return nil, c.wrap(err)
		}
		engine, _ := engineOf(inst.DatabaseVersion)
		want := backupConfig(engine, spec.BackupRetention, spec.BackupWindow, "")
		// An ha_backup_plan that took over the promoted copy's backups
		// (planLabel) owns them; setting them here would undo its own.
		if b := inst.Settings.BackupConfiguration; planOf(inst) == "" && (b == nil || !b.Enabled || b.BackupRetentionSettings == nil || b.BackupRetentionSettings.RetainedBackups != int64(spec.BackupRetention)) {
			patch := &sqladmin.Settings{BackupConfiguration: want, SettingsVersion: inst.Settings.SettingsVersion}
			if err := c.do(ctx, "enable backups of promoted "+spec.Name, func() (*sqladmin.Operation, error) {
				return c.svc.Instances.Patch(c.project, spec.Name, &sqladmin.DatabaseInstance{Settings: patch}).Context(ctx).Do()
			}); err != nil {
				return nil, c.wrap(err)
			}
		}
		return r.Read(ctx, spec, st)
	}
	return st, nil
}

// Read returns the replica as Cloud SQL holds it: a replica while it has a
// master, a primary once promoted (by Apply or by hand, which plan shows).
func (r *Replicas) Read(ctx context.Context, spec replica.Spec, _ *replica.Status) (*replica.Status, error) {
	inst, err := r.c.get(ctx, spec.Name)
	if err != nil {
		return nil, r.c.wrap(err)
	}
	got := spec
	got.Location = inst.Region
	got.Engine, _ = engineOf(inst.DatabaseVersion)
	if inst.Settings != nil {
		if spec.InstanceClass != "" {
			got.InstanceClass = inst.Settings.Tier
		}
		got.DeletionProtection = inst.Settings.DeletionProtectionEnabled
		got.HighAvailability = inst.Settings.AvailabilityType == "REGIONAL"
	}
	imported := spec.Component == "" && spec.Blueprint == ""
	if imported && inst.Settings != nil {
		got.Meta = importedMeta(spec.Meta, inst.Settings.UserLabels)
		if key, ok := labelKey(inst.Settings.UserLabels[sourceLabel]); ok && key != "" {
			got.SourceComponent = key
		}
	}
	st := &replica.Status{ID: inst.Name, URI: inst.ConnectionName, State: inst.State, Role: replica.RolePrimary}
	if inst.MasterInstanceName != "" {
		st.Role = replica.RoleReplica
		st.ReplicatingFrom = sourceName(inst.MasterInstanceName)
		if spec.SourceID == "" {
			// Import: the source as ha_database.arn spells it (its
			// connection name), when it can be read.
			got.SourceID = inst.MasterInstanceName
			if imported {
				if src, err := r.c.get(ctx, sourceName(inst.MasterInstanceName)); err == nil {
					got.SourceID = src.ConnectionName
				}
			}
		}
		if got.BackupRetention == 0 {
			// A replica keeps no backups; import takes the default it
			// gets on promotion.
			got.BackupRetention = 7
		}
	} else if inst.Settings != nil {
		if planOf(inst) != "" && spec.BackupRetention != 0 {
			// Owned by a backup plan, which reports its drift (as for
			// ha_database).
			got.BackupRetention = spec.BackupRetention
		} else if b := inst.Settings.BackupConfiguration; b != nil && b.Enabled && b.BackupRetentionSettings != nil {
			got.BackupRetention = int(b.BackupRetentionSettings.RetainedBackups)
		}
	}
	got.Promote = st.Role == replica.RolePrimary
	st.Address = address(inst)
	st.Port = port(got.Engine)
	st.Endpoint = endpoint(st.Address, st.Port)
	st.Spec = got
	return st, nil
}

// Promote makes the replica a standalone primary. It calls only the
// replica's instance, so it works with the source's region lost.
func (r *Replicas) Promote(ctx context.Context, st *replica.Status) (*replica.Status, error) {
	c := r.c
	name := st.Spec.Name
	inst, err := c.get(ctx, name)
	if err != nil {
		return nil, c.wrap(err)
	}
	if inst.MasterInstanceName != "" {
		if err := c.do(ctx, "promote Cloud SQL replica "+name, func() (*sqladmin.Operation, error) {
			return c.svc.Instances.PromoteReplica(c.project, name).Context(ctx).Do()
		}); err != nil {
			return nil, c.wrap(err)
		}
	}
	if _, err := c.waitRunnable(ctx, name); err != nil {
		return nil, c.wrap(err)
	}
	return r.Read(ctx, st.Spec, st)
}

// promotionWait bounds how long FindSource waits for a labelled source
// that is still a replica: a promotion in the same apply (a rebuilt
// region's replica following the standby promoted after a disaster) takes
// minutes on Cloud SQL.
var promotionWait = 15 * time.Minute

// FindSource finds the instance labelled as spec.SourceComponent of
// spec.Blueprint in spec.SourceLocation. Cloud SQL replicas follow a
// primary, so a labelled source that is still a replica is waited for:
// it is being promoted in the same apply (the two are instances of one
// resource block, which cannot depend on each other).
func (r *Replicas) FindSource(ctx context.Context, spec replica.Spec) (string, error) {
	c := r.c
	want := labels(backend.Meta{Component: spec.SourceComponent, Blueprint: spec.Blueprint})
	deadline := time.Now().Add(promotionWait)
	for {
		var found, following string
		err := gcp.Call(ctx, func() error {
			found, following = "", "" // a retried listing starts again from the first page
			return c.svc.Instances.List(c.project).Pages(ctx, func(p *sqladmin.InstancesListResponse) error {
				for _, inst := range p.Items {
					if inst.Region != spec.SourceLocation || inst.Settings == nil {
						continue
					}
					ok := true
					for k, v := range want {
						if inst.Settings.UserLabels[k] != v {
							ok = false
						}
					}
					switch {
					case ok && inst.MasterInstanceName != "":
						following = inst.Name + " (a read replica of " + sourceName(inst.MasterInstanceName) + ")"
					case ok:
						found = inst.ConnectionName
					}
				}
				return nil
			})
		})
		if err != nil {
			return "", c.wrap(fmt.Errorf("find source %s: %w", spec.SourceComponent, err))
		}
		switch {
		case found != "":
			return found, nil
		case following == "":
			return "", backend.NotFound("source database", spec.SourceComponent+" in "+spec.SourceLocation)
		case time.Now().After(deadline):
			return "", fmt.Errorf("source %s in %s is %s and was not promoted within %s: a Cloud SQL replica follows a primary, so promote the source first (promote = true)",
				spec.SourceComponent, spec.SourceLocation, following, promotionWait)
		}
		if err := gcp.Sleep(ctx, gcp.Poll); err != nil {
			return "", err
		}
	}
}

// Delete removes the replica (never with a final snapshot while it is one).
func (r *Replicas) Delete(ctx context.Context, st *replica.Status) error {
	c := r.c
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
	err = c.do(ctx, "delete Cloud SQL replica "+st.Spec.Name, func() (*sqladmin.Operation, error) {
		return c.svc.Instances.Delete(c.project, st.Spec.Name).Context(ctx).Do()
	})
	if err != nil && !gcp.IsNotFound(err) {
		return c.wrap(err)
	}
	return nil
}

// waitNoReplicas waits until inst has no replicas left: Cloud SQL refuses
// to delete a replication master, and a promoted copy being replaced on
// failback still masters the copy that is promoted in the same apply (an
// instance of the same resource block, so no dependency orders the two).
func (c *client) waitNoReplicas(ctx context.Context, inst *sqladmin.DatabaseInstance) error {
	deadline := time.Now().Add(promotionWait)
	for len(inst.ReplicaNames) > 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("instance %s still has the replicas %s after %s, and Cloud SQL does not delete a replication master: promote or delete them first",
				inst.Name, strings.Join(inst.ReplicaNames, ", "), promotionWait)
		}
		if err := gcp.Sleep(ctx, gcp.Poll); err != nil {
			return err
		}
		var err error
		if inst, err = c.get(ctx, inst.Name); backend.IsNotFound(err) {
			return nil
		} else if err != nil {
			return c.wrap(err)
		}
	}
	return nil
}
