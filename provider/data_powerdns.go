package provider

import (
	"github.com/ha-blueprints/terraform-provider-ha/internal/powerdns"
)

// powerdnsClient returns a PowerDNS API client from the provider settings.
// Building one makes no call and shares the default HTTP transport, so it
// is made per use rather than cached in providerData.
func (d *providerData) powerdnsClient() (*powerdns.Client, error) {
	return powerdns.NewClient(powerdns.Settings{
		APIURL:   d.cfg.PowerDNS.APIURL,
		APIKey:   d.cfg.PowerDNS.APIKey,
		ServerID: d.cfg.PowerDNS.ServerID,
	})
}
