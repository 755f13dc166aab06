// Package objectstore holds the cloud-neutral contract of the object_store
// component: a bucket with versioning, default encryption, public access
// blocked and, optionally, replication to a bucket in another location.
// ha_object_store dispatches on it by cloud.
package objectstore

import (
	"context"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// ErrNotFound is backend.ErrNotFound: Read wraps it when the bucket does
// not exist, so the resource drops it from state and plans a re-create.
var ErrNotFound = backend.ErrNotFound

// Copy says where a bucket replicates to.
type Copy struct {
	Bucket   string // destination bucket name
	Location string // its location
}

// Spec is the desired state of one bucket; Meta.Name is the bucket name.
type Spec struct {
	backend.Meta
	Versioning        bool
	Encryption        string // AES256 or aws:kms
	BlockPublicAccess bool
	CopyTo            *Copy // nil: no replication
	// ReplicationRole is the identity the service assumes to copy objects;
	// "" lets the backend create one (and delete it with the bucket).
	ReplicationRole string
	// ForceDestroy deletes every object version with the bucket.
	ForceDestroy bool
}

// Status is what the backend reads back.
type Status struct {
	Spec Spec
	ARN  string
	// ReplicationStatus is the state of the replication rule (Enabled,
	// Disabled) or "" without one.
	ReplicationStatus string
	// RoleCreated says ReplicationRole was created for this bucket.
	RoleCreated bool
}

// Backend manages buckets of one cloud. Apply converges to spec (creating
// what is missing); Read works from Name and Location alone (import);
// Delete of something gone is nil.
type Backend interface {
	Apply(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Read(ctx context.Context, name, location string, previous *Status) (*Status, error)
	Delete(ctx context.Context, status *Status) error
}

// Registry holds each cloud's Backend factory; backends Register from init.
var Registry = backend.NewRegistry[Backend]("object store")

// Register makes f the object store backend of cloud.
func Register(cloud backend.Cloud, f backend.Factory[Backend]) { Registry.Register(cloud, f) }

// Open returns cloud's object store backend for location.
func Open(ctx context.Context, cloud backend.Cloud, s *backend.Settings, location string) (Backend, error) {
	return Registry.Open(ctx, cloud, s, location)
}
