// Package dnsfailover holds what the DNS failover backends share: the plain
// description of a health-checked failover name and the interface each
// backend (Route 53, PowerDNS) implements. ha_dns_failover dispatches on it.
package dnsfailover

import (
	"context"
	"errors"
)

// ErrNotFound is returned by Read when the record set no longer exists, so
// the resource can drop it from state and plan a re-create.
var ErrNotFound = errors.New("dns failover record not found")

// Target is one endpoint of the failover, in priority order.
type Target struct {
	Name      string   // label, usually the blueprint region ("east")
	Addresses []string // IPv4/IPv6 addresses (PowerDNS; Route 53 without alias)
	DNSName   string   // alias target (Route 53: a load balancer's DNS name)
	ZoneID    string   // hosted zone of the alias target
	Weight    int      // weighted mode only
}

// HealthCheck says how every target is probed.
type HealthCheck struct {
	Protocol  string // HTTP, HTTPS or TCP
	Port      int
	Path      string // HTTP(S) only
	Interval  int    // seconds
	Threshold int    // failures before a target is out
}

// Spec is the desired state of one failover name.
type Spec struct {
	FQDN        string // "www.example.test."-style names are normalised by backends
	Zone        string
	CreateZone  bool
	TTL         int
	Mode        string // "failover" (ordered) or "weighted" (active/active)
	RecordType  string // A or AAAA
	Targets     []Target
	HealthCheck HealthCheck
	Tags        map[string]string
}

// Status is what the backend reads back; Spec as it really is, plus ids.
type Status struct {
	Spec           Spec
	ZoneID         string
	RecordIDs      []string
	HealthCheckIDs []string
	// ZoneCreated says the zone was created for this name (Spec.CreateZone
	// on a zone that did not exist), so Delete removes the zone as well.
	ZoneCreated bool
}

// Backend manages failover names on one DNS service. Implementations must be
// idempotent: Apply converges to spec, Delete of something gone is nil.
//
// Read must work from FQDN, Zone and RecordType alone, with previous nil or
// holding only ids: that is what ha_dns_failover has on import (id
// BACKEND/ZONE/FQDN[/RECORD_TYPE]). It returns the record as the service
// holds it, so hand edits show in plan; values the service cannot hold may
// be copied from spec.
type Backend interface {
	Apply(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Read(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Delete(ctx context.Context, status *Status) error
}

// DetectionSeconds is the worst-case time for resolvers to see a failover on
// a backend: interval × threshold for the health checks to mark a target down,
// plus TTL for cached answers to expire.
func DetectionSeconds(hc HealthCheck, ttl int) int {
	return hc.Interval*hc.Threshold + ttl
}

// ServerCheckInterval is implemented by backends whose probe interval is a
// server-wide setting rather than part of the record (PowerDNS:
// lua-health-checks-interval). The resource uses it for detection_seconds.
type ServerCheckInterval interface {
	ServerCheckInterval(ctx context.Context) (int, error)
}

// EffectiveDetectionSeconds is DetectionSeconds with the interval raised to
// the server's own when that is slower than the one asked for.
func EffectiveDetectionSeconds(hc HealthCheck, ttl, serverInterval int) int {
	if serverInterval > hc.Interval {
		hc.Interval = serverInterval
	}
	return DetectionSeconds(hc, ttl)
}
