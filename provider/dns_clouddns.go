package provider

import (
	"context"

	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp/clouddns"
)

// Cloud DNS is global: location only picks the default backup location.
func init() {
	dnsBackends["clouddns"] = func(ctx context.Context, d *providerData, location string) (dnsfailover.Backend, error) {
		return clouddns.New(ctx, d.backends, location)
	}
}
