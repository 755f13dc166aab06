// Package database is the cloud-neutral contract of the database component
// (ha_database): a managed relational database (RDS DB instance, Cloud SQL
// instance, a Patroni cluster on bare metal).
package database

import (
	"context"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// Spec is the desired state of one database.
type Spec struct {
	backend.Meta
	Engine        string // "postgres" or "mysql"
	EngineVersion string // "" for the engine's default
	// InstanceClass is the size: "db.t3.micro" (RDS), "db-custom-2-7680"
	// (Cloud SQL tier). Bare metal: ignored.
	InstanceClass string
	StorageGB     int
	// HighAvailability is a synchronous standby in another zone (RDS
	// Multi-AZ, Cloud SQL REGIONAL availability, Patroni sync standby).
	HighAvailability   bool
	StorageEncrypted   bool
	KeyID              string // customer managed key; "" for the cloud's default
	DeletionProtection bool
	BackupRetention    int    // days of automated backups; 0 disables them
	BackupWindow       string // "hh24:mi-hh24:mi" UTC; "" for the cloud's choice
	SkipFinalSnapshot  bool
	FinalSnapshotName  string // "" for NAME-final
	Username           string
	Password           string // sensitive; never read back nor logged
	// RestoreFrom is the id of the recovery point to create the database
	// from (backupplan.RecoveryPoint.ID, as the provider found it with the
	// backup plan backend of the same cloud and location); "" for an empty
	// database. Only used on create.
	RestoreFrom string
	Network     string   // VPC/network; "" for the default
	Zones       []string // preferred zones; "" for the cloud's choice
	// Hosts are the database machines on bare metal; unused on clouds.
	Hosts []string
	// BareMetal is the bare-metal backend's part; nil on clouds.
	BareMetal *BareMetal
}

// Status is what the backend reads back: Spec as it really is (Password
// and RestoreFrom copied from spec), plus ids and the endpoint.
type Status struct {
	Spec         Spec
	ID           string // instance identifier (AWS), instance name (GCP)
	URI          string // ARN (AWS: what a replica's SourceID takes), self link (GCP)
	Address      string // DNS name or IP clients connect to
	Port         int
	Endpoint     string // "address:port"
	Role         string // "primary" (a database is never a replica)
	RestoredFrom string // recovery point it was created from, else ""
	State        string // cloud's status ("available", "RUNNABLE")
	// Leader is the member leading now (bare metal): it differs from
	// Spec.BareMetal.Primary after a failover. SyncStandbys are the
	// members acknowledging commits in synchronous mode.
	Leader       string
	SyncStandbys []string
	// Warnings are what the apply or read found but did not change (a
	// leader changed by failover).
	Warnings []string
}

// Backend manages databases of one cloud in one location.
//
// Idempotency: Apply converges to spec (previous nil on create), waits until
// the database is available, and may be retried after a partial failure
// without creating a second instance. Password is set when it differs from
// previous's. Delete waits until the instance is gone, taking the final
// snapshot unless Spec.SkipFinalSnapshot; deleting a gone database is nil;
// with DeletionProtection on it fails with a clear message.
//
// Not found: Read wraps backend.ErrNotFound when the database is gone.
//
// Import: Read works from spec.Name and spec.Location alone (previous nil)
// or previous holding only ID; it returns what the cloud holds.
//
// Unreachable: errors meaning the location cannot be reached wrap
// backend.ErrUnreachable.
type Backend interface {
	Apply(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Read(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Delete(ctx context.Context, status *Status) error
}

// Registry holds each cloud's Backend factory; backends Register from init.
var Registry = backend.NewRegistry[Backend]("database")

// Register makes f the database backend of cloud.
func Register(cloud backend.Cloud, f backend.Factory[Backend]) { Registry.Register(cloud, f) }

// Open returns cloud's database backend for location.
func Open(ctx context.Context, cloud backend.Cloud, s *backend.Settings, location string) (Backend, error) {
	return Registry.Open(ctx, cloud, s, location)
}
