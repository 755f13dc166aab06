// Package loadbalancer is the cloud-neutral contract of the load_balancer
// component (ha_load_balancer): what the configuration asks for (Spec), what
// a backend finds (Status) and the Backend each cloud implements, looked up
// by cloud in Registry.
package loadbalancer

import (
	"context"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// Listener is one port the load balancer accepts traffic on; it forwards to
// the group of targets (Status.TargetGroupID).
type Listener struct {
	Port     int
	Protocol string // HTTP at layer 7; TCP, UDP or TCP_UDP at layer 4
}

// HealthCheck says how targets are probed. Port is also the port targets
// serve on.
type HealthCheck struct {
	Protocol           string // HTTP, HTTPS or TCP (layer 4)
	Port               int
	Path               string // HTTP(S) only
	Interval           int    // seconds
	Timeout            int    // seconds
	HealthyThreshold   int
	UnhealthyThreshold int
	Matcher            string // HTTP codes counted healthy ("200", "200-299"); HTTP(S) only
}

// Spec is the desired state of one load balancer.
type Spec struct {
	backend.Meta
	Zones       []string // zones of Location to spread across
	Layer       int      // 7 (HTTP, application) or 4 (TCP/UDP, network)
	Listeners   []Listener
	HealthCheck HealthCheck
	// Network is the VPC/network to place it in; empty: the location's
	// default network (AWS default VPC, GCP "default").
	Network string
	// Hosts are the machines running the balancer (bare metal: the
	// haproxy/keepalived hosts, addresses or names); unused on clouds.
	Hosts []string
	// VirtualAddress is the address clients use (bare metal: the VRRP
	// address moved between Hosts); unused on clouds, which assign one.
	VirtualAddress string
	// Targets are static target addresses ("10.0.0.5" or "10.0.0.5:8080")
	// for backends whose groups do not register themselves (bare metal).
	Targets []string
	// HostKeys pins SSH host keys by host address (bare metal; "ssh-ed25519
	// AAAA..."); hosts without one are checked against known_hosts.
	HostKeys map[string]string
}

// Status is what the backend reads back: Spec as it really is, plus ids and
// outputs.
type Status struct {
	Spec Spec
	// ID identifies the load balancer for Read and Delete: the ARN on AWS,
	// the forwarding rule's self link on GCP, "site/name" on bare metal.
	ID        string
	DNSName   string   // name clients resolve (AWS); "" where there is none
	Addresses []string // addresses clients connect to (GCP, bare metal)
	// ZoneID is the hosted zone of DNSName, for DNS alias records (AWS).
	ZoneID string
	// TargetGroupID is what a scaling group attaches to
	// (scalinggroup.Spec.TargetGroupID): the target group ARN on AWS, the
	// backend service on GCP, the haproxy backend on bare metal.
	TargetGroupID string
	NetworkID     string // VPC/network the balancer is in
	// Parts are ids of the further objects the backend created (GCP: URL
	// map, target proxy, health check; AWS: subnets), kind → id, so that
	// Delete can remove them from state alone.
	Parts map[string]string
}

// Backend manages load balancers of one cloud in one location.
//
// Idempotency: Apply converges to spec from whatever exists (previous nil
// on create, the last Status on update) and may be retried after a partial
// failure; objects it creates are named or tagged so that a retry finds
// them instead of leaking duplicates. Delete of something already gone
// returns nil, and removes dependent objects in the order the cloud needs
// (a health check still in use is retried, not leaked). Apply waits until
// the load balancer serves (or ctx ends).
//
// Not found: Read returns an error wrapping backend.ErrNotFound when the
// load balancer no longer exists, so the resource drops it from state.
//
// Import: Read must work from spec.Name and spec.Location alone with
// previous nil, or with previous holding only ID; it returns what the cloud
// holds (so hand edits show in plan), copying from spec only values the
// cloud cannot hold.
//
// Unreachable: errors meaning the location's API cannot be reached wrap
// backend.ErrUnreachable.
type Backend interface {
	Apply(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Read(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Delete(ctx context.Context, status *Status) error
}

// Registry holds each cloud's Backend factory; backends Register from init.
var Registry = backend.NewRegistry[Backend]("load balancer")

// Register makes f the load balancer backend of cloud.
func Register(cloud backend.Cloud, f backend.Factory[Backend]) { Registry.Register(cloud, f) }

// Open returns cloud's load balancer backend for location.
func Open(ctx context.Context, cloud backend.Cloud, s *backend.Settings, location string) (Backend, error) {
	return Registry.Open(ctx, cloud, s, location)
}
