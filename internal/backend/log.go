package backend

import (
	"context"
	"fmt"
)

type loggerKey struct{}

// WithLogger returns ctx carrying logf, where backends report progress
// (a roll's steps, a retry); the provider passes Terraform's log there.
func WithLogger(ctx context.Context, logf func(msg string)) context.Context {
	return context.WithValue(ctx, loggerKey{}, logf)
}

// Logf reports progress to ctx's logger, if any. Never pass secrets.
func Logf(ctx context.Context, format string, args ...any) {
	if logf, ok := ctx.Value(loggerKey{}).(func(string)); ok && logf != nil {
		logf(fmt.Sprintf(format, args...))
	}
}
