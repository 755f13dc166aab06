package backend

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// Factory builds a backend of one kind for one location (region) of one
// cloud. It should fail fast with an UnreachableError when the location is
// lost (Settings.CheckLocation) and otherwise make no call that can fail on
// a slow network; clients it needs across resources go in Settings.Shared.
type Factory[B any] func(ctx context.Context, s *Settings, location string) (B, error)

// Registry maps a cloud to the factory of its backend of one kind. The
// zero value is not usable; use NewRegistry.
type Registry[B any] struct {
	kind string
	mu   sync.RWMutex
	m    map[Cloud]Factory[B]
}

// NewRegistry returns an empty registry for a kind ("load balancer"), the
// name errors use.
func NewRegistry[B any](kind string) *Registry[B] {
	return &Registry[B]{kind: kind, m: map[Cloud]Factory[B]{}}
}

// Kind is the name given to NewRegistry.
func (r *Registry[B]) Kind() string { return r.kind }

// Register makes f the factory of cloud. Registering a cloud twice, or a
// cloud not in Clouds, is a programming error and panics (at init).
func (r *Registry[B]) Register(cloud Cloud, f Factory[B]) {
	if !cloud.Valid() {
		panic(fmt.Sprintf("backend: %s backend registered for unknown cloud %q", r.kind, cloud))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.m[cloud]; dup {
		panic(fmt.Sprintf("backend: %s backend for %q registered twice", r.kind, cloud))
	}
	r.m[cloud] = f
}

// Has reports whether cloud has a backend: what plan-time checks use.
func (r *Registry[B]) Has(cloud Cloud) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.m[cloud]
	return ok
}

// Available lists the clouds with a backend, sorted.
func (r *Registry[B]) Available() []Cloud {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Cloud, 0, len(r.m))
	for c := range r.m {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Check returns a *NoBackendError when cloud has no backend, else nil.
func (r *Registry[B]) Check(cloud Cloud) error {
	if r.Has(cloud) {
		return nil
	}
	return &NoBackendError{Kind: r.kind, Cloud: cloud, Available: r.Available()}
}

// Open builds cloud's backend for location: a *NoBackendError when none is
// registered, the factory's error otherwise.
func (r *Registry[B]) Open(ctx context.Context, cloud Cloud, s *Settings, location string) (B, error) {
	r.mu.RLock()
	f, ok := r.m[cloud]
	r.mu.RUnlock()
	if !ok {
		var zero B
		return zero, &NoBackendError{Kind: r.kind, Cloud: cloud, Available: r.Available()}
	}
	return f(ctx, s, location)
}
