package clouddns

import (
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
)

func spec(mode string) dnsfailover.Spec {
	return dnsfailover.Spec{
		FQDN: "www.example.test", Zone: "example.test", TTL: 30, Mode: mode, RecordType: "A",
		Targets: []dnsfailover.Target{
			{Name: "us-east1", Addresses: []string{"203.0.113.10"}, Weight: 70},
			{Name: "west", Addresses: []string{"203.0.113.20"}, Weight: 30},
		},
		HealthCheck: dnsfailover.HealthCheck{Protocol: "HTTP", Port: 80, Path: "/health", Interval: 30, Threshold: 3},
	}
}

func TestRecordSetFailover(t *testing.T) {
	b := &Backend{project: "p", DefaultLocation: "us-central1"}
	rrs := b.recordSet(spec("failover"), "projects/p/global/healthChecks/hc")
	pb := rrs.RoutingPolicy.PrimaryBackup
	if rrs.Name != "www.example.test." || pb == nil || pb.PrimaryTargets.ExternalEndpoints[0] != "203.0.113.10" {
		t.Fatalf("primary: %+v", rrs)
	}
	it := pb.BackupGeoTargets.Items
	if len(it) != 1 || it[0].Location != "us-central1" || it[0].HealthCheckedTargets.ExternalEndpoints[0] != "203.0.113.20" {
		t.Fatalf("backup (a target not named for a region gets the default location): %+v", it)
	}
	if rrs.RoutingPolicy.HealthCheck == "" {
		t.Fatal("targets must be health-checked")
	}
}

func TestRecordSetWeighted(t *testing.T) {
	b := &Backend{project: "p", DefaultLocation: "us-central1"}
	rrs := b.recordSet(spec("weighted"), "hc")
	w := rrs.RoutingPolicy.Wrr
	if w == nil || len(w.Items) != 2 || w.Items[0].Weight != 70 || w.Items[1].Weight != 30 {
		t.Fatalf("weighted round robin: %+v", rrs.RoutingPolicy)
	}
}

func TestValidate(t *testing.T) {
	s := spec("failover")
	if err := Validate(s); err != nil {
		t.Fatal(err)
	}
	s.Targets = s.Targets[:1]
	if err := Validate(s); err == nil {
		t.Error("one target is refused")
	}
	s = spec("failover")
	s.Targets[1] = dnsfailover.Target{Name: "x", DNSName: "lb.example.com"}
	if err := Validate(s); err == nil {
		t.Error("alias targets are refused")
	}
}

func TestNames(t *testing.T) {
	if zoneName("Example.test.") != "example-test" || zoneName("1.example") != "z-1-example" {
		t.Error("zoneName")
	}
	a, b := spec("failover"), spec("failover")
	b.RecordType = "AAAA"
	if healthCheckName(a) == healthCheckName(b) || len(healthCheckName(a)) > 63 {
		t.Error("one health check per record, in GCP's name length")
	}
}
