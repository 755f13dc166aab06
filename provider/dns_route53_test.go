package provider

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/internal/config"
	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
)

// "route53" resolves, through the registry ha_dns_failover uses, to a
// backend on the provider's AWS session that really manages records.
func TestRoute53BackendRegistered(t *testing.T) {
	env := services.ForTest(t, services.Moto)
	var cfg config.Config
	cfg.AWS.Endpoint = env["HA_AWS_ENDPOINT"]
	cfg.AWS.AccessKey = env["HA_AWS_ACCESS_KEY"]
	cfg.AWS.SecretKey = env["HA_AWS_SECRET_KEY"]
	cfg.AWS.MaxRetries = 2
	d := newProviderData(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	b, err := d.dnsFailoverBackend(ctx, "route53", "")
	if err != nil {
		t.Fatal(err)
	}
	spec := dnsfailover.Spec{
		FQDN: "app.registered.example", Zone: "registered.example", CreateZone: true, TTL: 20, Mode: "failover",
		Targets: []dnsfailover.Target{
			{Name: "east", Addresses: []string{"198.51.100.1"}},
			{Name: "west", Addresses: []string{"198.51.100.2"}},
		},
		HealthCheck: dnsfailover.HealthCheck{Protocol: "TCP", Port: 443, Interval: 10, Threshold: 2},
	}
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Read(ctx, spec, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Spec.Targets) != 2 || got.Spec.Targets[1].Addresses[0] != "198.51.100.2" || got.Spec.TTL != 20 {
		t.Fatalf("read back %+v", got.Spec)
	}
	if err := b.Delete(ctx, got); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(ctx, spec, nil); !errors.Is(err, dnsfailover.ErrNotFound) {
		t.Fatalf("read after delete: %v", err)
	}
	if _, err := d.dnsFailoverBackend(ctx, "nosuch", ""); err == nil {
		t.Fatal("unknown backend accepted")
	}
}
