package clouddns

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	dns "google.golang.org/api/dns/v1"
	"google.golang.org/api/option"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/gcplocal"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
)

// local starts the local GCP endpoint in-process (Cloud DNS checked
// against dns/v1, health checks against compute/v1); every violation the
// backend causes fails the test.
func local(t *testing.T) (*backend.Settings, *dns.Service) {
	t.Helper()
	dir, err := gcplocal.ModuleDir(".")
	if err != nil {
		t.Fatal(err)
	}
	c, err := gcplocal.LoadContract(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := gcplocal.New(c)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	t.Cleanup(func() {
		for _, v := range srv.Errors() {
			b, _ := json.Marshal(v)
			t.Errorf("contract violation: %s", b)
		}
	})
	old := gcp.Poll
	gcp.Poll = 5 * time.Millisecond
	t.Cleanup(func() { gcp.Poll = old })
	raw, err := dns.NewService(context.Background(), option.WithEndpoint(ts.URL+"/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	return &backend.Settings{GCP: backend.GCPSettings{Project: "ha-test", DNSEndpoint: ts.URL, ComputeEndpoint: ts.URL + "/compute/v1/"}}, raw
}

// TestLocalFailoverWeightedDriftDelete runs the Cloud DNS backend against
// the local endpoint: a zone created on demand, a primary-backup record set
// over health-checked targets, a switch to weighted round robin, a hand
// edit that Read shows, and a delete that removes the set, its health
// check and the zone it created.
func TestLocalFailoverWeightedDriftDelete(t *testing.T) {
	s, raw := local(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := New(ctx, s, "us-east1")
	if err != nil {
		t.Fatal(err)
	}
	sp := spec("failover")
	sp.CreateZone = true
	if _, err := b.Apply(ctx, dnsfailover.Spec{FQDN: sp.FQDN, Zone: sp.Zone, TTL: 30, Mode: "failover", RecordType: "A", Targets: sp.Targets}, nil); err == nil {
		t.Error("a missing zone without create_zone must be refused")
	}
	st, err := b.Apply(ctx, sp, nil)
	if err != nil {
		t.Fatalf("apply failover: %v", err)
	}
	if !st.ZoneCreated || st.ZoneID != "example-test" || len(st.HealthCheckIDs) != 1 || st.Spec.Mode != "failover" ||
		len(st.Spec.Targets) != 2 || st.Spec.Targets[0].Name != "us-east1" || st.Spec.Targets[1].Addresses[0] != "203.0.113.20" {
		t.Fatalf("failover status: %+v", st)
	}
	if hc := st.Spec.HealthCheck; hc.Port != 80 || hc.Path != "/health" || hc.Threshold != 3 {
		t.Errorf("health check read back: %+v", hc)
	}
	rr, err := raw.ResourceRecordSets.Get("ha-test", "example-test", "www.example.test.", "A").Do()
	if err != nil {
		t.Fatal(err)
	}
	pb := rr.RoutingPolicy.PrimaryBackup
	if pb == nil || rr.RoutingPolicy.HealthCheck == "" || pb.PrimaryTargets.ExternalEndpoints[0] != "203.0.113.10" ||
		len(pb.BackupGeoTargets.Items) != 1 || pb.BackupGeoTargets.Items[0].Location != "us-east1" {
		t.Fatalf("record set as Cloud DNS holds it: %+v", rr.RoutingPolicy)
	}

	// Weighted mode: weighted round robin over the same health check.
	w := spec("weighted")
	w.CreateZone = true
	st, err = b.Apply(ctx, w, st)
	if err != nil {
		t.Fatalf("apply weighted: %v", err)
	}
	if st.Spec.Mode != "weighted" || len(st.Spec.Targets) != 2 || st.Spec.Targets[0].Weight != 70 || st.Spec.Targets[1].Weight != 30 || !st.ZoneCreated {
		t.Fatalf("weighted status: %+v", st)
	}

	// A hand edit (one target's weight) shows in Read, so plan shows it.
	rr, _ = raw.ResourceRecordSets.Get("ha-test", "example-test", "www.example.test.", "A").Do()
	rr.RoutingPolicy.Wrr.Items[1].Weight = 0
	rr.RoutingPolicy.Wrr.Items[1].ForceSendFields = []string{"Weight"}
	if _, err := raw.ResourceRecordSets.Patch("ha-test", "example-test", "www.example.test.", "A", rr).Do(); err != nil {
		t.Fatal(err)
	}
	drift, err := b.Read(ctx, w, st)
	if err != nil {
		t.Fatal(err)
	}
	if drift.Spec.Targets[1].Weight != 0 {
		t.Errorf("hand edit not shown: %+v", drift.Spec.Targets)
	}
	// Import: Read from the name alone.
	imp, err := b.Read(ctx, dnsfailover.Spec{FQDN: "www.example.test", Zone: "example.test", RecordType: "A"}, nil)
	if err != nil || imp.Spec.Mode != "weighted" || len(imp.Spec.Targets) != 2 || imp.ZoneID != "example-test" {
		t.Fatalf("import read: %+v, %v", imp, err)
	}

	if err := b.Delete(ctx, st); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := b.Delete(ctx, st); err != nil {
		t.Errorf("second delete: %v", err)
	}
	if _, err := raw.ManagedZones.Get("ha-test", "example-test").Do(); !gcp.IsNotFound(err) {
		t.Errorf("zone created by apply left after delete: %v", err)
	}
	if _, err := b.compute.HealthChecks.Get("ha-test", healthCheckName(w)).Context(ctx).Do(); !gcp.IsNotFound(err) {
		t.Errorf("health check left after delete: %v", err)
	}
	if _, err := b.Read(ctx, w, nil); err == nil {
		t.Error("read after delete must say not found")
	}
}
