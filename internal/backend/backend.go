// Package backend holds what every cloud backend of every component kind
// shares: the cloud names, the cloud-neutral errors (not found, unreachable),
// the settings a backend factory is given and a registry keyed by cloud.
//
// The per-kind contracts (internal/loadbalancer, internal/scalinggroup,
// internal/database, internal/replica, internal/backupplan) each hold one
// Registry of their Backend interface. Cloud backends (internal/aws/...,
// internal/gcp/..., bare metal) register a Factory there from an init
// function; the provider imports them for that side effect and looks a
// backend up by the resource's `cloud` attribute. Backends never import the
// provider nor each other.
package backend

import (
	"errors"
	"fmt"
	"slices"
)

// Cloud names a family of backends, as the `cloud` attribute of a resource
// and the `cloud` of a blueprint region spell it.
type Cloud string

// The clouds a blueprint can name.
const (
	AWS       Cloud = "aws"
	GCP       Cloud = "gcp"
	BareMetal Cloud = "bare_metal"
)

// Clouds lists every cloud in the order documentation shows them.
var Clouds = []Cloud{AWS, GCP, BareMetal}

// Valid reports whether c is one of Clouds.
func (c Cloud) Valid() bool { return slices.Contains(Clouds, c) }

func (c Cloud) String() string { return string(c) }

// ErrNotFound is wrapped by every backend's Read when the object no longer
// exists (deleted by hand or by another tool), so the resource drops it from
// state and plans a re-create. Check with errors.Is.
var ErrNotFound = errors.New("not found")

// ErrUnreachable is wrapped by errors meaning the location's API could not
// be reached at all (refused, no route, DNS failure, dial timeout) or the
// location is listed in lost_locations, as opposed to an answer from it.
// After a region is lost, Delete uses it to forget the location's objects
// with a warning instead of failing or hanging the apply. Check with
// errors.Is (or IsUnreachable, which is the same).
var ErrUnreachable = errors.New("location unreachable")

// NotFound wraps ErrNotFound with what was looked for:
// NotFound("load balancer", "web-east") reads
// "load balancer web-east: not found".
func NotFound(what, name string) error {
	return fmt.Errorf("%s %s: %w", what, name, ErrNotFound)
}

// IsNotFound reports whether err wraps ErrNotFound.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// UnreachableError says a location could not be reached; Err is the cause
// (a dial error, or nil when the location is in lost_locations).
type UnreachableError struct {
	Cloud    Cloud
	Location string
	Err      error
}

func (e *UnreachableError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("%s location %s is listed in lost_locations: no call is made to it", e.Cloud, e.Location)
	}
	return fmt.Sprintf("%s location %s is unreachable: %v", e.Cloud, e.Location, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnreachable) true for every UnreachableError.
func (e *UnreachableError) Is(target error) bool { return target == ErrUnreachable }

// IsUnreachable reports whether err wraps ErrUnreachable.
func IsUnreachable(err error) bool { return errors.Is(err, ErrUnreachable) }

// NoBackendError is returned by a Registry for a cloud no backend of the
// kind registered for (in this build of the provider).
type NoBackendError struct {
	Kind      string  // "load balancer"
	Cloud     Cloud   // what was asked
	Available []Cloud // what is registered, sorted
}

func (e *NoBackendError) Error() string {
	if !e.Cloud.Valid() {
		return fmt.Sprintf("unknown cloud %q for a %s (clouds: %s)", e.Cloud, e.Kind, join(Clouds))
	}
	if len(e.Available) == 0 {
		return fmt.Sprintf("no %s backend for cloud %q in this provider version (none is available)", e.Kind, e.Cloud)
	}
	return fmt.Sprintf("no %s backend for cloud %q in this provider version (available: %s)", e.Kind, e.Cloud, join(e.Available))
}

func join(cs []Cloud) string {
	s := ""
	for i, c := range cs {
		if i > 0 {
			s += ", "
		}
		s += string(c)
	}
	return s
}

// Meta is what every component's Spec starts with: its names and tags.
type Meta struct {
	Name      string // physical name (the blueprint component's name)
	Location  string // region of the cloud ("us-east-1", "europe-west1", a site for bare metal)
	Component string // component key ("east/web/load_balancer"); tag/label ha:component
	Blueprint string // blueprint name; tag/label ha:blueprint
	// Tags are the user's further tags (labels on GCP). Keys starting with
	// "ha:" are reserved; backends add ha:component and ha:blueprint from
	// the fields above, spelled as their cloud allows.
	Tags map[string]string
}
