package backend

import (
	"context"
	"sync"
)

// Warning is a problem a backend worked around without failing (an
// operation the endpoint lacks, an object forgotten in an unreachable
// location). The resource shows it as a warning diagnostic.
type Warning struct {
	Summary string
	Detail  string
}

// Warnings collects what backends report with Warn during one call.
type Warnings struct {
	mu   sync.Mutex
	list []Warning
}

type warningsKey struct{}

// WithWarnings returns ctx carrying a new collector, and the collector the
// caller reads (List) once the backend call returns.
func WithWarnings(ctx context.Context) (context.Context, *Warnings) {
	w := &Warnings{}
	return context.WithValue(ctx, warningsKey{}, w), w
}

// Warn records a warning in ctx's collector; without one it goes to the
// logger (Logf), so it is never lost silently. Never pass secrets.
func Warn(ctx context.Context, summary, detail string) {
	w, ok := ctx.Value(warningsKey{}).(*Warnings)
	if !ok || w == nil {
		Logf(ctx, "warning: %s: %s", summary, detail)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, Warning{Summary: summary, Detail: detail})
}

// List returns the warnings recorded so far, in order.
func (w *Warnings) List() []Warning {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Warning(nil), w.list...)
}
