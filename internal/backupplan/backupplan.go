// Package backupplan is the cloud-neutral contract of the backup_plan
// component (ha_backup_plan): scheduled backups of a database kept in the
// location and copied to another location of the same cloud, from which a
// database can be restored after the first location is lost.
package backupplan

import (
	"context"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// Spec is the desired state of one backup plan.
type Spec struct {
	backend.Meta
	// Schedule is when backups run, in AWS cron form
	// ("cron(0 3 * * ? *)"); backends of other clouds translate it.
	Schedule      string
	RetentionDays int    // days recovery points and copies are kept
	Database      string // component key of the protected database; tag ha:database
	CopyToRegion  string // blueprint region name of CopyToLocation; tag ha:copy-to-region
	// CopyToLocation is where copies go (same cloud as Location).
	CopyToLocation string
	Encrypted      bool
	KeyID          string // key of the vault in Location; "" creates one when Encrypted
	// Resources are the ids of what the plan protects (ARNs on AWS,
	// instance names on GCP); the first database among them is also
	// snapshotted and copied to CopyToLocation.
	Resources     []string
	SelectionTags map[string]string // protect everything carrying all these tags
	Role          string            // identity the backup service acts as; "" for the default
	// StartBackupNow starts an on-demand backup of every Resources entry
	// when the plan is created or SnapshotTrigger changes.
	StartBackupNow bool
	// SnapshotTrigger: any change takes a new snapshot and copy.
	SnapshotTrigger string
	// KeepSnapshots keeps superseded snapshots and copies, and those left
	// when the plan is destroyed.
	KeepSnapshots bool
	// BareMetal is the bare-metal backend's part; nil on clouds.
	BareMetal *BareMetal
}

// Status is what the backend reads back: Spec as it really is, plus ids.
type Status struct {
	Spec                  Spec
	ID                    string // plan id (AWS: plan ARN)
	PlanID                string // AWS Backup plan id; "" elsewhere
	VaultID               string // vault in Location
	CopyVaultID           string // vault in CopyToLocation
	CopyKeyID             string // key created for the copy vault; "" when not encrypted
	SelectionID           string // "" when nothing is selected
	LatestRecoveryPointID string // newest recovery point in VaultID, "" if none
	LatestSnapshotID      string // newest snapshot taken by the plan in Location
	LatestCopyID          string // its copy in CopyToLocation: what disaster recovery restores
	// Warnings are problems that did not stop the apply (a backup selection
	// the service refused for a reason that is not the user's). The
	// resource shows them as warning diagnostics.
	Warnings []string
}

// RecoveryPoint is one copy of a database's data a database can be created
// from (database.Spec.RestoreFrom takes ID).
type RecoveryPoint struct {
	ID        string // snapshot ARN (AWS), backup id (GCP)
	Location  string
	Database  string // component key of the database it holds
	CreatedAt time.Time
}

// Backend manages backup plans of one cloud in one location (the plan's
// Location; it reaches CopyToLocation itself).
//
// Idempotency: Apply converges to spec (previous nil on create), creating
// keys and vaults it needs, and may be retried after a partial failure
// without leaking them. Delete removes the plan, its vaults and (unless
// KeepSnapshots) its snapshots and copies; gone is nil; an unreachable copy
// location does not stop the rest.
//
// Not found: Read wraps backend.ErrNotFound when the plan is gone.
//
// Import: Read works from spec.Name, spec.Location and spec.CopyToLocation
// (previous nil) or previous holding only ID.
//
// Unreachable: errors meaning a location cannot be reached wrap
// backend.ErrUnreachable.
type Backend interface {
	Apply(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Read(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Delete(ctx context.Context, status *Status) error
	// LatestRecoveryPoint is the restore side: the newest recovery point
	// in this backend's location holding the data of the database with
	// component key database of the blueprint (a copy made by a plan
	// elsewhere included; "" matches any blueprint, for recovery points
	// made before they carried it). Two blueprints may both have a
	// database "east/orders/database": one never restores the other's.
	// backend.ErrNotFound when there is none.
	LatestRecoveryPoint(ctx context.Context, blueprint, database string) (*RecoveryPoint, error)
}

// Registry holds each cloud's Backend factory; backends Register from init.
var Registry = backend.NewRegistry[Backend]("backup plan")

// Register makes f the backup plan backend of cloud.
func Register(cloud backend.Cloud, f backend.Factory[Backend]) { Registry.Register(cloud, f) }

// Open returns cloud's backup plan backend for location.
func Open(ctx context.Context, cloud backend.Cloud, s *backend.Settings, location string) (Backend, error) {
	return Registry.Open(ctx, cloud, s, location)
}
