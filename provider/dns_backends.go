package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
)

// dnsBackends maps the `backend` of ha_dns_failover (route53, powerdns) to a
// constructor; each backend registers itself from its own file in init, so
// the resource does not need to know them all.
var dnsBackends = map[string]func(ctx context.Context, d *providerData, location string) (dnsfailover.Backend, error){}

func (d *providerData) dnsFailoverBackend(ctx context.Context, name, location string) (dnsfailover.Backend, error) {
	mk, ok := dnsBackends[name]
	if !ok {
		known := make([]string, 0, len(dnsBackends))
		for k := range dnsBackends {
			known = append(known, k)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("unknown DNS failover backend %q (known: %s)", name, strings.Join(known, ", "))
	}
	return mk(ctx, d, location)
}
