package route53

import (
	"context"
	"errors"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go/middleware"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/loadbalancer"
	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
)

func newBackend(t *testing.T) (*Backend, *awsbase.Session, context.Context) {
	s := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	b, err := New(ctx, s, "")
	if err != nil {
		t.Fatal(err)
	}
	b.Poll = 100 * time.Millisecond
	return b, s, ctx
}

// allRecords lists every record of the zone, to see exactly what is there.
func allRecords(t *testing.T, b *Backend, ctx context.Context, zoneID string) []r53types.ResourceRecordSet {
	t.Helper()
	out, err := b.r53.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: sdkaws.String(zoneID)})
	if err != nil {
		t.Fatal(err)
	}
	return out.ResourceRecordSets
}

func countNamed(recs []r53types.ResourceRecordSet, name string) int {
	n := 0
	for _, r := range recs {
		if sdkaws.ToString(r.Name) == name {
			n++
		}
	}
	return n
}

func TestFailoverAddressesLifecycle(t *testing.T) {
	b, _, ctx := newBackend(t)
	tags := awsbase.Tags(nil, "r53test", "global/www/dns_failover")
	spec := dnsfailover.Spec{
		FQDN: "www.r53test.example", Zone: "r53test.example", CreateZone: true, TTL: 30, Mode: "failover",
		Targets: []dnsfailover.Target{
			{Name: "east", Addresses: []string{"192.0.2.10"}},
			{Name: "west", Addresses: []string{"192.0.2.20", "192.0.2.21"}},
		},
		HealthCheck: dnsfailover.HealthCheck{Protocol: "HTTP", Port: 80, Path: "/healthz", Interval: 10, Threshold: 3},
		Tags:        tags,
	}
	// A neighbour name in the same zone with the same target names must
	// survive everything done to www (moto deletes by SetIdentifier).
	other := spec
	other.FQDN = "api.r53test.example"
	other.Targets = []dnsfailover.Target{{Name: "east", Addresses: []string{"192.0.2.99"}}}
	ost, err := b.Apply(ctx, other, nil)
	if err != nil {
		t.Fatal(err)
	}

	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.HealthCheckIDs) != 2 || st.HealthCheckIDs[0] == st.HealthCheckIDs[1] {
		t.Fatalf("health checks: %v", st.HealthCheckIDs)
	}
	got := st.Spec
	if got.Mode != "failover" || got.TTL != 30 || len(got.Targets) != 2 || got.Targets[0].Name != "east" ||
		len(got.Targets[1].Addresses) != 2 || got.HealthCheck != spec.HealthCheck {
		t.Fatalf("read back %+v", got)
	}
	recs := allRecords(t, b, ctx, st.ZoneID)
	var primary, secondary int
	for _, r := range recs {
		if sdkaws.ToString(r.Name) != "www.r53test.example." {
			continue
		}
		switch r.Failover {
		case r53types.ResourceRecordSetFailoverPrimary:
			primary++
		case r53types.ResourceRecordSetFailoverSecondary:
			secondary++
		}
		if sdkaws.ToInt64(r.TTL) != 30 || sdkaws.ToString(r.HealthCheckId) == "" {
			t.Fatalf("record %+v", r)
		}
	}
	if primary != 1 || secondary != 1 {
		t.Fatalf("want one PRIMARY and one SECONDARY, got %d/%d in %+v", primary, secondary, recs)
	}

	// Applying again changes nothing and adds no duplicate.
	again, err := b.Apply(ctx, spec, st)
	if err != nil {
		t.Fatal(err)
	}
	if n := countNamed(allRecords(t, b, ctx, st.ZoneID), "www.r53test.example."); n != 2 {
		t.Fatalf("%d records after a second apply, want 2", n)
	}
	if again.HealthCheckIDs[0] != st.HealthCheckIDs[0] {
		t.Fatalf("health check replaced without cause: %v -> %v", st.HealthCheckIDs, again.HealthCheckIDs)
	}

	// Threshold and path change in place; interval 30 needs new checks.
	spec.HealthCheck.Threshold = 2
	up, err := b.Apply(ctx, spec, again)
	if err != nil {
		t.Fatal(err)
	}
	if up.HealthCheckIDs[0] != st.HealthCheckIDs[0] || up.Spec.HealthCheck.Threshold != 2 {
		t.Fatalf("threshold update: %+v", up)
	}
	spec.HealthCheck.Interval = 30
	up2, err := b.Apply(ctx, spec, up)
	if err != nil {
		t.Fatal(err)
	}
	if up2.HealthCheckIDs[0] == up.HealthCheckIDs[0] || up2.Spec.HealthCheck.Interval != 30 {
		t.Fatalf("interval update: %+v", up2)
	}
	if _, err := b.r53.GetHealthCheck(ctx, &r53.GetHealthCheckInput{HealthCheckId: sdkaws.String(up.HealthCheckIDs[0])}); err == nil {
		t.Fatalf("old health check %s still exists", up.HealthCheckIDs[0])
	}

	// To weighted (active/active), then drop a target.
	spec.Mode = "weighted"
	spec.Targets[0].Weight, spec.Targets[1].Weight = 70, 30
	w, err := b.Apply(ctx, spec, up2)
	if err != nil {
		t.Fatal(err)
	}
	if w.Spec.Mode != "weighted" || w.Spec.Targets[0].Weight != 70 || w.Spec.Targets[1].Weight != 30 {
		t.Fatalf("weighted: %+v", w.Spec)
	}
	if n := countNamed(allRecords(t, b, ctx, st.ZoneID), "www.r53test.example."); n != 2 {
		t.Fatalf("%d records after the mode change, want 2", n)
	}
	spec.Targets = spec.Targets[:1]
	one, err := b.Apply(ctx, spec, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Spec.Targets) != 1 || len(one.HealthCheckIDs) != 1 {
		t.Fatalf("after dropping a target: %+v", one)
	}
	if n := countNamed(allRecords(t, b, ctx, st.ZoneID), "api.r53test.example."); n != 1 {
		t.Fatalf("neighbour name has %d records, want 1", n)
	}

	if err := b.Delete(ctx, one); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(ctx, spec, one); !errors.Is(err, dnsfailover.ErrNotFound) {
		t.Fatalf("read after delete: %v", err)
	}
	if n := countNamed(allRecords(t, b, ctx, st.ZoneID), "api.r53test.example."); n != 1 {
		t.Fatalf("neighbour name has %d records after delete, want 1", n)
	}
	if err := b.Delete(ctx, one); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if err := b.Delete(ctx, ost); err != nil {
		t.Fatal(err)
	}
	hcs, zones, err := b.Owned(ctx, "r53test")
	if err != nil || len(hcs)+len(zones) != 0 {
		t.Fatalf("left over: %v %v %v", hcs, zones, err)
	}
}

func TestFailoverAliasToLoadBalancers(t *testing.T) {
	b, s, ctx := newBackend(t)
	tags := awsbase.Tags(nil, "r53alias", "global/shop/dns_failover")
	var targets []dnsfailover.Target
	for _, lc := range []struct{ region, loc string }{{"east", "us-east-1"}, {"west", "us-west-2"}} {
		c, err := loadbalancer.New(ctx, s, lc.loc)
		if err != nil {
			t.Fatal(err)
		}
		name := "r53alias-" + lc.region
		lb, err := c.Create(ctx, loadbalancer.Spec{
			Name: name, Zones: []string{lc.loc + "a", lc.loc + "b"}, Layer: 7,
			Listeners:   []loadbalancer.Listener{{Port: 80, Protocol: "HTTP"}},
			HealthCheck: loadbalancer.HealthCheck{Protocol: "HTTP", Port: 80, Path: "/", Interval: 10, Timeout: 5, HealthyThreshold: 2, UnhealthyThreshold: 2, Matcher: "200"},
			Tags:        tags,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Delete(context.Background(), lb.ARN, name) })
		targets = append(targets, dnsfailover.Target{Name: lc.region, DNSName: lb.DNSName, ZoneID: lb.ZoneID})
	}
	// The zone exists already: it is looked up, not created, and stays.
	zone, err := b.r53.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{Name: sdkaws.String("shop.example"), CallerReference: sdkaws.String("r53alias-test")})
	if err != nil {
		t.Fatal(err)
	}
	spec := dnsfailover.Spec{
		FQDN: "shop.example", Zone: "shop.example", TTL: 60, Mode: "failover", Targets: targets,
		HealthCheck: dnsfailover.HealthCheck{Protocol: "HTTPS", Port: 443, Path: "/healthz", Interval: 30, Threshold: 3},
		Tags:        tags,
	}
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.ZoneID != trimZoneID(*zone.HostedZone.Id) {
		t.Fatalf("zone %s, want %s", st.ZoneID, *zone.HostedZone.Id)
	}
	for i, tg := range st.Spec.Targets {
		if tg.DNSName != targets[i].DNSName || tg.ZoneID != targets[i].ZoneID || len(tg.Addresses) != 0 {
			t.Fatalf("target %d read back %+v, want alias %+v", i, tg, targets[i])
		}
	}
	for _, r := range allRecords(t, b, ctx, st.ZoneID) {
		if r.SetIdentifier != nil && (r.AliasTarget == nil || !r.AliasTarget.EvaluateTargetHealth) {
			t.Fatalf("record %+v is not an alias that evaluates target health", r)
		}
	}
	hc, err := b.r53.GetHealthCheck(ctx, &r53.GetHealthCheckInput{HealthCheckId: sdkaws.String(st.HealthCheckIDs[0])})
	if err != nil {
		t.Fatal(err)
	}
	if c := hc.HealthCheck.HealthCheckConfig; sdkaws.ToString(c.FullyQualifiedDomainName) != targets[0].DNSName || c.Type != "HTTPS" {
		t.Fatalf("health check of east: %+v", c)
	}
	if err := b.Delete(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, err := b.r53.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: zone.HostedZone.Id}); err != nil {
		t.Fatalf("a zone the backend did not create was deleted: %v", err)
	}
}

func TestValidate(t *testing.T) {
	base := dnsfailover.Spec{
		FQDN: "a.example", Zone: "example", Mode: "failover",
		Targets:     []dnsfailover.Target{{Name: "x", Addresses: []string{"192.0.2.1"}}},
		HealthCheck: dnsfailover.HealthCheck{Protocol: "TCP", Port: 80, Interval: 10, Threshold: 3},
	}
	if err := validate(base); err != nil {
		t.Fatalf("valid spec rejected: %v", err)
	}
	bad := []func(s *dnsfailover.Spec){
		func(s *dnsfailover.Spec) { s.HealthCheck.Interval = 15 },
		func(s *dnsfailover.Spec) { s.HealthCheck.Protocol = "UDP" },
		func(s *dnsfailover.Spec) { s.FQDN = "a.other" },
		func(s *dnsfailover.Spec) {
			s.Targets = append(s.Targets, dnsfailover.Target{Name: "y", Addresses: []string{"1"}}, dnsfailover.Target{Name: "z", Addresses: []string{"2"}})
		},
		func(s *dnsfailover.Spec) { s.Targets = []dnsfailover.Target{{Name: "x", DNSName: "lb.example"}} },
	}
	for i, mut := range bad {
		s := base
		s.Targets = append([]dnsfailover.Target(nil), base.Targets...)
		mut(&s)
		if err := validate(s); err == nil {
			t.Errorf("case %d: invalid spec accepted: %+v", i, s)
		}
	}
}

// A run killed between CreateHostedZone and tagging leaves our zone without
// tags; the next apply tags it, so sweepers find it. A zone someone else
// made (another CallerReference) is used as it is and never tagged.
func TestUntaggedZoneFromKilledRunIsTagged(t *testing.T) {
	b, _, ctx := newBackend(t)
	blueprint := "r53kill" + time.Now().Format("150405")
	ours := blueprint + "-ours.example"
	theirs := blueprint + "-theirs.example"
	for zone, ref := range map[string]string{ours: callerRef(zoneRefPrefix, ours), theirs: "someone-else-" + blueprint} {
		if _, err := b.r53.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{
			Name: sdkaws.String(zone + "."), CallerReference: sdkaws.String(ref),
		}); err != nil {
			t.Fatal(err)
		}
	}
	tags := awsbase.Tags(nil, blueprint, "global/www/dns_failover")
	var zoneIDs []string
	for _, zone := range []string{ours, theirs} {
		st, err := b.Apply(ctx, dnsfailover.Spec{
			FQDN: "www." + zone, Zone: zone, CreateZone: true, TTL: 30, Mode: "failover",
			Targets:     []dnsfailover.Target{{Name: "east", Addresses: []string{"192.0.2.10"}}, {Name: "west", Addresses: []string{"192.0.2.20"}}},
			HealthCheck: dnsfailover.HealthCheck{Protocol: "HTTP", Port: 80, Path: "/", Interval: 10, Threshold: 3},
			Tags:        tags,
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		zoneIDs = append(zoneIDs, st.ZoneID)
	}
	_, zones, err := b.Owned(ctx, blueprint)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := zones[zoneIDs[0]]; !ok {
		t.Errorf("our zone %s left untagged after the apply: owned zones %v", zoneIDs[0], zones)
	}
	if _, ok := zones[zoneIDs[1]]; ok {
		t.Errorf("a zone made by someone else was tagged as the blueprint's: %v", zones)
	}
	if err := b.Sweep(ctx, blueprint); err != nil {
		t.Fatal(err)
	}
	if _, err := b.r53.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: sdkaws.String(zoneIDs[0])}); awsbase.ErrorCode(err) != "NoSuchHostedZone" {
		t.Errorf("sweep left our zone: %v", err)
	}
	if _, err := b.r53.DeleteHostedZone(ctx, &r53.DeleteHostedZoneInput{Id: sdkaws.String(zoneIDs[1])}); err != nil {
		t.Logf("cleanup of the other zone: %v", err)
	}
}

// TestZoneDeletedByItsOtherNameMeanwhile: two names in a zone the provider
// created are destroyed at the same moment; the other name found the zone
// empty and deleted it between this delete's read of the zone and its
// listing of the records. The delete is done, not an error.
func TestZoneDeletedByItsOtherNameMeanwhile(t *testing.T) {
	b, _, ctx := newBackend(t)
	zone := "race" + time.Now().Format("150405") + ".example"
	spec := func(name string) dnsfailover.Spec {
		return dnsfailover.Spec{
			FQDN: name + "." + zone, Zone: zone, CreateZone: true, TTL: 30, Mode: "failover",
			Targets:     []dnsfailover.Target{{Name: "east", Addresses: []string{"192.0.2.10"}}, {Name: "west", Addresses: []string{"192.0.2.20"}}},
			HealthCheck: dnsfailover.HealthCheck{Protocol: "HTTP", Port: 80, Path: "/", Interval: 10, Threshold: 3},
			Tags:        awsbase.Tags(nil, "race", "global/"+name+"/dns_failover"),
		}
	}
	first, err := b.Apply(ctx, spec("www"), nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.Apply(ctx, spec("api"), &dnsfailover.Status{ZoneID: first.ZoneID, ZoneCreated: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, second); err != nil {
		t.Fatal(err)
	}
	// The other delete wins the race: right after this delete reads the
	// zone, the zone goes (once it is empty).
	plain := b.r53
	deleted := false
	b.r53 = r53.New(plain.Options(), func(o *r53.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("otherNameDeletesZone",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					out, md, err := next.HandleInitialize(ctx, in)
					if _, ok := in.Parameters.(*r53.GetHostedZoneInput); ok && err == nil {
						if _, derr := plain.DeleteHostedZone(ctx, &r53.DeleteHostedZoneInput{Id: sdkaws.String(first.ZoneID)}); derr == nil {
							deleted = true
						}
					}
					return out, md, err
				}), middleware.After)
		})
	})
	if err := b.Delete(ctx, first); err != nil {
		t.Fatalf("delete after the zone went meanwhile: %v", err)
	}
	if !deleted {
		t.Fatal("the zone was never deleted between the read and the listing; the test did not set up the race")
	}
}
