// Package cache holds the cloud-neutral contract of the cache component: a
// replicated in-memory store (sessions) with a primary node and replicas
// spread over zones, automatic failover and encryption. ha_cache dispatches
// on it by cloud.
package cache

import (
	"context"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// ErrNotFound is backend.ErrNotFound: Read wraps it when the group is gone.
var ErrNotFound = backend.ErrNotFound

// ErrNotImplemented is wrapped when the cloud's endpoint lacks a call a
// change needs (reported only against an endpoint override).
var ErrNotImplemented = backendError("not implemented by this endpoint")

type backendError string

func (e backendError) Error() string { return string(e) }

// Spec is the desired state of one replication group; Meta.Name is its id.
type Spec struct {
	backend.Meta
	Engine            string // redis or valkey
	EngineVersion     string
	NodeType          string
	Replicas          int // replica nodes besides the primary
	Zones             []string
	MultiAZ           bool
	AutomaticFailover bool
	TransitEncryption bool
	AtRestEncryption  bool
	// BareMetal is the bare-metal backend's part; nil on clouds.
	BareMetal *BareMetal
}

// Status is what the backend reads back.
type Status struct {
	Spec            Spec
	ID              string // ARN on AWS
	State           string // available, creating, modifying, ...
	PrimaryEndpoint string // host:port of the writable node
	ReaderEndpoint  string // host:port spreading reads over replicas
	Port            int
	// Bare metal: the host whose Redis the Sentinels name as master, the
	// hosts replicating from it, and the SHA-256 of each host's delivered
	// files as found there ("" when missing): a hand edit shows as drift.
	Master     string
	Replicas   []string
	ConfigHash map[string]string
}

// Backend manages replication groups of one cloud. Apply converges to spec
// (previous nil: create) and waits until the group serves; Read works from
// Name and Location alone (import); Delete of something gone is nil.
type Backend interface {
	Apply(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Read(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Delete(ctx context.Context, status *Status) error
}

// Registry holds each cloud's Backend factory; backends Register from init.
var Registry = backend.NewRegistry[Backend]("cache")

// Register makes f the cache backend of cloud.
func Register(cloud backend.Cloud, f backend.Factory[Backend]) { Registry.Register(cloud, f) }

// Open returns cloud's cache backend for location.
func Open(ctx context.Context, cloud backend.Cloud, s *backend.Settings, location string) (Backend, error) {
	return Registry.Open(ctx, cloud, s, location)
}
