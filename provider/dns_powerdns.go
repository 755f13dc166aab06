package provider

import (
	"context"

	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
	"github.com/ha-blueprints/terraform-provider-ha/internal/powerdns"
)

// PowerDNS serves every location from one API (the provider's powerdns
// block), so location is not used.
func init() {
	dnsBackends["powerdns"] = func(_ context.Context, d *providerData, _ string) (dnsfailover.Backend, error) {
		c, err := d.powerdnsClient()
		if err != nil {
			return nil, err
		}
		return powerdns.NewBackend(c), nil
	}
}
