package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// backendWarnings returns ctx carrying a collector for what backends report
// with backend.Warn, and a function that adds those reports to diags as
// warnings (call it once the backend calls are done, e.g. deferred).
func backendWarnings(ctx context.Context, diags *diag.Diagnostics) (context.Context, func()) {
	ctx, w := backend.WithWarnings(ctx)
	return ctx, func() {
		for _, x := range w.List() {
			diags.AddWarning(x.Summary, x.Detail)
		}
	}
}
