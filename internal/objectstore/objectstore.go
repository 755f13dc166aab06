// Package objectstore holds the cloud-neutral contract of the object_store
// component: a bucket with versioning, default encryption, public access
// blocked and, optionally, replication to a bucket in another location.
// ha_object_store dispatches on it by cloud.
package objectstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrNotFound is returned (wrapped) by Read when the bucket does not exist,
// so the resource drops it from state and plans a re-create.
var ErrNotFound = errors.New("object store not found")

// Copy says where a bucket replicates to.
type Copy struct {
	Bucket   string // destination bucket name
	Location string // its location
}

// Spec is the desired state of one bucket.
type Spec struct {
	Name              string
	Location          string
	Versioning        bool
	Encryption        string // AES256 or aws:kms
	BlockPublicAccess bool
	CopyTo            *Copy // nil: no replication
	// ReplicationRole is the identity the service assumes to copy objects;
	// "" lets the backend create one (and delete it with the bucket).
	ReplicationRole string
	// ForceDestroy deletes every object version with the bucket.
	ForceDestroy bool
	Tags         map[string]string
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

// Registry holds one Backend per cloud (aws, gcp, ...).
type Registry map[string]Backend

// For returns the backend of cloud, or an error naming the known ones.
func (r Registry) For(cloud string) (Backend, error) {
	if b, ok := r[cloud]; ok && b != nil {
		return b, nil
	}
	known := make([]string, 0, len(r))
	for k := range r {
		known = append(known, k)
	}
	sort.Strings(known)
	return nil, fmt.Errorf("no object store backend for cloud %q (have: %s)", cloud, strings.Join(known, ", "))
}
