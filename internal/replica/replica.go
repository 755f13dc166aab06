// Package replica is the cloud-neutral contract of the database_replica
// component (ha_database_replica): a read replica of a database in the same
// or another location of the same cloud, which can be promoted to a
// standalone primary.
package replica

import (
	"context"
	"errors"
	"fmt"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// Roles of a replica.
const (
	RoleReplica = "replica"
	RolePrimary = "primary" // promoted
)

// Spec is the desired state of one replica.
type Spec struct {
	backend.Meta
	// SourceID is the source database's database.Status.URI (ARN on AWS,
	// instance connection name on GCP). Needed to create; "" lets the
	// backend find it with FindSource.
	SourceID        string
	SourceLocation  string // location of the source
	SourceComponent string // component key of the source; tag ha:source
	Engine          string // must match the source's; "" to inherit
	InstanceClass   string // "" for the source's
	// HighAvailability is a standby of the replica in another zone.
	HighAvailability   bool
	KeyID              string // key in the replica's location (cross-location encrypted source)
	DeletionProtection bool
	// Promote asks for a standalone primary. A replica with Promote true is
	// promoted by Apply; there is no way back.
	Promote           bool
	BackupRetention   int    // days of backups once promoted
	BackupWindow      string // once promoted; "" for the cloud's choice
	SkipFinalSnapshot bool   // once promoted
	FinalSnapshotName string // once promoted; "" for NAME-final
	// Hosts are the replica machines on bare metal; unused on clouds.
	Hosts []string
}

// Status is what the backend reads back: Spec as it really is, plus ids.
type Status struct {
	Spec     Spec
	ID       string
	URI      string
	Address  string
	Port     int
	Endpoint string // "address:port"
	Role     string // RoleReplica or RolePrimary
	// ReplicatingFrom is the source's id while a replica, "" once promoted.
	ReplicatingFrom string
	State           string
}

// Backend manages replicas of one cloud in one location.
//
// Idempotency: Apply converges to spec (previous nil on create; it waits
// until the replica is available) and may be retried; with Spec.Promote it
// promotes a replica (as Promote does) and waits until it accepts writes.
// Delete waits until the instance is gone; a replica never gets a final
// snapshot, a promoted one does unless SkipFinalSnapshot; gone is nil.
//
// Not found: Read and FindSource wrap backend.ErrNotFound.
//
// Import: Read works from spec.Name and spec.Location alone (previous nil)
// or previous holding only ID.
//
// Unreachable: errors meaning the location (the replica's, or the source's
// during create) cannot be reached wrap backend.ErrUnreachable. Promote
// must work while the source's location is unreachable: that is what it is
// for.
type Backend interface {
	Apply(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Read(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Delete(ctx context.Context, status *Status) error
	// Promote makes the replica a standalone primary, returning its new
	// Status (Role RolePrimary). Promoting a primary is a no-op.
	Promote(ctx context.Context, status *Status) (*Status, error)
	// FindSource returns the SourceID of the database tagged as
	// spec.SourceComponent of spec.Blueprint in spec.SourceLocation.
	FindSource(ctx context.Context, spec Spec) (string, error)
}

// Registry holds each cloud's Backend factory; backends Register from init.
var Registry = backend.NewRegistry[Backend]("database replica")

// Register makes f the replica backend of cloud.
func Register(cloud backend.Cloud, f backend.Factory[Backend]) { Registry.Register(cloud, f) }

// Open returns cloud's replica backend for location (the replica's).
func Open(ctx context.Context, cloud backend.Cloud, s *backend.Settings, location string) (Backend, error) {
	return Registry.Open(ctx, cloud, s, location)
}

// ErrEngineMismatch is matched (errors.Is) by the error Apply returns when
// the replica's engine, as created from its source, is not Spec.Engine; the
// resource reports it on its engine attribute.
var ErrEngineMismatch = errors.New("engine does not match the source")

// EngineMismatchError is that error: Want is Spec.Engine, Source the engine
// the replica got from its source.
type EngineMismatchError struct{ Want, Source string }

func (e *EngineMismatchError) Error() string {
	return fmt.Sprintf("engine is %q but the source runs %q", e.Want, e.Source)
}

// Is makes errors.Is(err, ErrEngineMismatch) true.
func (e *EngineMismatchError) Is(target error) bool { return target == ErrEngineMismatch }
