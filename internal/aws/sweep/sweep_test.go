package sweep

import (
	"context"
	"testing"
	"time"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/loadbalancer"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/route53"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/scaling"
	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
)

// Objects of two blueprints are left behind; sweeping one removes exactly
// its own and leaves the other's.
func TestSweepOneBlueprint(t *testing.T) {
	s := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	locs := []string{"us-east-1", "us-west-2"}
	build := func(bp, loc string) {
		tags := awsbase.Tags(nil, bp, "x")
		lbc, err := loadbalancer.New(ctx, s, loc)
		if err != nil {
			t.Fatal(err)
		}
		lb, err := lbc.Create(ctx, loadbalancer.Spec{
			Name: bp + "-lb", Zones: []string{loc + "a", loc + "b"}, Layer: 7,
			Listeners:   []loadbalancer.Listener{{Port: 80, Protocol: "HTTP"}},
			HealthCheck: loadbalancer.HealthCheck{Protocol: "HTTP", Port: 80, Path: "/", Interval: 10, Timeout: 5, HealthyThreshold: 2, UnhealthyThreshold: 2, Matcher: "200"},
			Tags:        tags,
		})
		if err != nil {
			t.Fatal(err)
		}
		sc, err := scaling.New(ctx, s, loc)
		if err != nil {
			t.Fatal(err)
		}
		sc.Poll = 100 * time.Millisecond
		if _, err := sc.Create(ctx, scaling.Spec{
			Name: bp + "-sg", Zones: []string{loc + "a"}, Image: awstest.Image, InstanceType: "t3.micro",
			MinSize: 1, DesiredCapacity: 1, MaxSize: 2, MinHealthyPercentage: 100, TargetGroupARN: lb.TargetGroupARN, Tags: tags,
		}); err != nil {
			t.Fatal(err)
		}
		r, err := route53.New(ctx, s, "")
		if err != nil {
			t.Fatal(err)
		}
		r.Poll = 100 * time.Millisecond
		if _, err := r.Apply(ctx, dnsfailover.Spec{
			FQDN: loc + "." + bp + ".example", Zone: bp + ".example", CreateZone: true, TTL: 30, Mode: "failover",
			Targets:     []dnsfailover.Target{{Name: "a", DNSName: lb.DNSName, ZoneID: lb.ZoneID}},
			HealthCheck: dnsfailover.HealthCheck{Protocol: "TCP", Port: 80, Interval: 10, Threshold: 3},
			Tags:        tags,
		}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, loc := range locs {
		build("sweepme", loc)
		build("keepme", loc)
	}
	left, err := Leftovers(ctx, s, locs, "sweepme")
	if err != nil {
		t.Fatal(err)
	}
	// Per location: load balancer, target group, group, template; plus two
	// health checks and one zone.
	if len(left) != 2*4+3 {
		t.Fatalf("leftovers before sweep: %d %v", len(left), left)
	}
	if err := Sweep(ctx, s, locs, "sweepme"); err != nil {
		t.Fatal(err)
	}
	if left, err := Leftovers(ctx, s, locs, "sweepme"); err != nil || len(left) != 0 {
		t.Fatalf("after sweep: %v %v", left, err)
	}
	if kept, err := Leftovers(ctx, s, locs, "keepme"); err != nil || len(kept) != 2*4+3 {
		t.Fatalf("the other blueprint lost objects: %d %v %v", len(kept), kept, err)
	}
	if err := Sweep(ctx, s, locs, "keepme"); err != nil {
		t.Fatal(err)
	}
}
