package compute

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	compute "google.golang.org/api/compute/v1"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/gcplocal"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
	"github.com/ha-blueprints/terraform-provider-ha/internal/loadbalancer"
	"github.com/ha-blueprints/terraform-provider-ha/internal/scalinggroup"
)

var (
	contractOnce sync.Once
	contract     *gcplocal.Contract
	contractErr  error
)

// local starts the local GCP endpoint (checked against Google's discovery
// documents) and returns settings pointing at it. Every contract
// violation the backends cause fails the test.
func local(t *testing.T) (*backend.Settings, *gcplocal.Server) {
	t.Helper()
	contractOnce.Do(func() {
		dir, err := gcplocal.ModuleDir(".")
		if err == nil {
			contract, err = gcplocal.LoadContract(dir)
		}
		contractErr = err
	})
	if contractErr != nil {
		t.Fatal(contractErr)
	}
	srv := gcplocal.New(contract)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	t.Cleanup(func() {
		for _, v := range srv.Errors() {
			b, _ := json.Marshal(v)
			t.Errorf("contract violation: %s", b)
		}
	})
	oldPoll := gcp.Poll
	gcp.Poll = 20 * time.Millisecond
	t.Cleanup(func() { gcp.Poll = oldPoll })
	return &backend.Settings{GCP: backend.GCPSettings{Project: "ha-test", ComputeEndpoint: ts.URL + "/compute/v1/"}}, srv
}

func lbSpec() loadbalancer.Spec {
	return loadbalancer.Spec{
		Meta:  backend.Meta{Name: "web-east", Location: "us-east1", Component: "east/web/load_balancer", Blueprint: "shop"},
		Layer: 7, Listeners: []loadbalancer.Listener{{Port: 80, Protocol: "HTTP"}},
		HealthCheck: loadbalancer.HealthCheck{Protocol: "HTTP", Port: 8080, Path: "/health", Interval: 10, Timeout: 5, HealthyThreshold: 2, UnhealthyThreshold: 3},
	}
}

func groupSpec(target string) scalinggroup.Spec {
	return scalinggroup.Spec{
		Meta:  backend.Meta{Name: "web-east", Location: "us-east1", Component: "east/web/scaling_group", Blueprint: "shop"},
		Image: "debian-cloud/debian-12", MachineType: "e2-small",
		MinSize: 2, DesiredCapacity: 3, MaxSize: 6, CPUTarget: 60, GracePeriod: 120, MinHealthyPercentage: 66,
		TargetGroupID: target,
	}
}

func TestLocalLoadBalancerAndScalingGroup(t *testing.T) {
	s, _ := local(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	lbs, err := NewLoadBalancers(ctx, s, "us-east1")
	if err != nil {
		t.Fatal(err)
	}
	groups, err := NewScalingGroups(ctx, s, "us-east1")
	if err != nil {
		t.Fatal(err)
	}
	lbs.InUseWait, groups.InUseWait = 5*time.Second, 5*time.Second

	lb, err := lbs.Apply(ctx, lbSpec(), nil)
	if err != nil {
		t.Fatalf("create load balancer: %v", err)
	}
	if len(lb.Addresses) != 1 || lb.Addresses[0] == "" || lb.TargetGroupID == "" || lb.Spec.Layer != 7 {
		t.Fatalf("load balancer status: %+v", lb)
	}
	again, err := lbs.Read(ctx, loadbalancer.Spec{Meta: backend.Meta{Name: "web-east", Location: "us-east1"}}, nil)
	if err != nil {
		t.Fatalf("read by name (import): %v", err)
	}
	if again.Spec.HealthCheck.Port != 8080 || again.Spec.HealthCheck.Path != "/health" || again.Spec.Listeners[0].Port != 80 {
		t.Fatalf("imported load balancer: %+v", again.Spec)
	}

	g, err := groups.Apply(ctx, groupSpec(lb.TargetGroupID), nil)
	if err != nil {
		t.Fatalf("create scaling group: %v", err)
	}
	if len(g.Spec.Zones) != 3 || g.AutoscalerID == "" || g.Spec.CPUTarget != 60 || g.Spec.TargetGroupID != lb.TargetGroupID {
		t.Fatalf("group status: %+v", g)
	}
	if len(g.Instances) != 3 {
		t.Fatalf("apply returns when the group is stable with its instances, got %d", len(g.Instances))
	}

	// A machine type change rolls every instance through the update
	// policy; Apply returns when the roll is done.
	spec := groupSpec(lb.TargetGroupID)
	spec.MachineType = "e2-medium"
	rolled, err := groups.Apply(ctx, spec, g)
	if err != nil {
		t.Fatalf("roll: %v", err)
	}
	if rolled.RollMethod != "proactive_update" || rolled.TemplateVersion != 2 || rolled.Spec.MachineType != "e2-medium" || sameRef(rolled.TemplateID, g.TemplateID) {
		t.Fatalf("rolled status: %+v", rolled)
	}

	// A health check and listener change is made in place.
	ls := lbSpec()
	ls.HealthCheck.Path = "/ready"
	ls.Listeners = append(ls.Listeners, loadbalancer.Listener{Port: 8080, Protocol: "HTTP"})
	lb2, err := lbs.Apply(ctx, ls, lb)
	if err != nil {
		t.Fatalf("update load balancer: %v", err)
	}
	if lb2.Spec.HealthCheck.Path != "/ready" || len(lb2.Spec.Listeners) != 2 || lb2.Addresses[0] != lb.Addresses[0] {
		t.Fatalf("updated load balancer: %+v", lb2)
	}

	// Destroy in the order terraform does (the group depends on the load
	// balancer), then nothing of either is left.
	if err := groups.Delete(ctx, rolled); err != nil {
		t.Fatalf("delete group: %v", err)
	}
	if err := lbs.Delete(ctx, lb2); err != nil {
		t.Fatalf("delete load balancer: %v", err)
	}
	if _, err := groups.Read(ctx, spec, nil); !backend.IsNotFound(err) {
		t.Fatalf("group after delete: %v", err)
	}
	if _, err := lbs.Read(ctx, ls, nil); !backend.IsNotFound(err) {
		t.Fatalf("load balancer after delete: %v", err)
	}
	left := listAll(ctx, t, groups.c)
	if len(left) > 0 {
		t.Fatalf("left behind: %v", left)
	}
	if err := groups.Delete(ctx, rolled); err != nil {
		t.Fatalf("deleting a gone group is not an error: %v", err)
	}
}

func TestLocalLayer4AndDisappears(t *testing.T) {
	s, _ := local(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lbs, _ := NewLoadBalancers(ctx, s, "us-east1")
	lbs.InUseWait = 5 * time.Second
	spec := lbSpec()
	spec.Layer = 4
	spec.Listeners = []loadbalancer.Listener{{Port: 5432, Protocol: "TCP"}}
	spec.HealthCheck = loadbalancer.HealthCheck{Protocol: "TCP", Port: 5432, Interval: 5, Timeout: 5, HealthyThreshold: 2, UnhealthyThreshold: 2}
	lb, err := lbs.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lb.Spec.Layer != 4 || !strings.Contains(lb.TargetGroupID, "/regions/us-east1/") || lb.Addresses[0] == "" {
		t.Fatalf("layer 4 status: %+v", lb)
	}
	// Deleted out of band: Read says not found, so plan re-creates.
	if err := lbs.Delete(ctx, lb); err != nil {
		t.Fatal(err)
	}
	if _, err := lbs.Read(ctx, spec, lb); !backend.IsNotFound(err) {
		t.Fatalf("want not found, got %v", err)
	}
}

func TestLocalLostRegionMakesNoCall(t *testing.T) {
	s, _ := local(t)
	s.GCP.LostLocations = []string{"us-east1"}
	if _, err := NewScalingGroups(context.Background(), s, "us-east1"); !backend.IsUnreachable(err) {
		t.Fatalf("want unreachable, got %v", err)
	}
}

// listAll lists what the backends create, to check nothing is left.
func listAll(ctx context.Context, t *testing.T, c *clients) []string {
	t.Helper()
	var out []string
	p, svc := c.project, c.svc
	check := func(err error) {
		if err != nil {
			t.Fatalf("list: %v", err)
		}
	}
	check(svc.InstanceTemplates.List(p).Pages(ctx, func(l *compute.InstanceTemplateList) error {
		for _, x := range l.Items {
			out = append(out, x.Name)
		}
		return nil
	}))
	check(svc.HealthChecks.List(p).Pages(ctx, func(l *compute.HealthCheckList) error {
		for _, x := range l.Items {
			out = append(out, x.Name)
		}
		return nil
	}))
	check(svc.BackendServices.List(p).Pages(ctx, func(l *compute.BackendServiceList) error {
		for _, x := range l.Items {
			out = append(out, x.Name)
		}
		return nil
	}))
	check(svc.RegionInstanceGroupManagers.List(p, "us-east1").Pages(ctx, func(l *compute.RegionInstanceGroupManagerList) error {
		for _, x := range l.Items {
			out = append(out, x.Name)
		}
		return nil
	}))
	check(svc.RegionAutoscalers.List(p, "us-east1").Pages(ctx, func(l *compute.RegionAutoscalerList) error {
		for _, x := range l.Items {
			out = append(out, x.Name)
		}
		return nil
	}))
	return out
}
