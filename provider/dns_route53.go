package provider

import (
	"context"

	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/route53"
	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
)

// The Route 53 backend of ha_dns_failover; Route 53 is global, so location
// only chooses the region the SDK signs for (us-east-1 when empty).
func init() {
	dnsBackends["route53"] = func(ctx context.Context, d *providerData, location string) (dnsfailover.Backend, error) {
		return route53.New(ctx, d.awsSession(), location)
	}
}
