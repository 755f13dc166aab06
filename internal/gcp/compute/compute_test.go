package compute

import (
	"encoding/json"
	"strings"
	"testing"

	compute "google.golang.org/api/compute/v1"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/loadbalancer"
	"github.com/ha-blueprints/terraform-provider-ha/internal/scalinggroup"
)

func TestLabels(t *testing.T) {
	got := labels(backend.Meta{Component: "east/web/scaling_group", Blueprint: "Web-App", Tags: map[string]string{"Team": "Ops Core"}})
	want := map[string]string{"ha-component": "east-web-scaling_group", "ha-blueprint": "web-app", "team": "ops-core"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("label %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	long := labels(backend.Meta{Tags: map[string]string{"k": strings.Repeat("x", 80)}})
	if len(long["k"]) != 63 {
		t.Errorf("label values are cut to 63 characters, got %d", len(long["k"]))
	}
}

func TestTemplateNameChangesWithWhatInstancesRun(t *testing.T) {
	s := scalinggroup.Spec{Meta: backend.Meta{Name: "web"}, MachineType: "e2-small", Image: "debian-cloud/debian-12"}
	a := templateName(s, "global/networks/default")
	if !isTemplateOf("web", a) || isTemplateOf("we", a) {
		t.Fatalf("%s must be recognised as web's template only", a)
	}
	if templateName(s, "global/networks/default") != a {
		t.Fatal("the name must be stable, so a retried apply finds its template")
	}
	s.MachineType = "e2-medium"
	if templateName(s, "global/networks/default") == a {
		t.Fatal("a machine type change must make a new template")
	}
	s.MinSize = 3
	b := templateName(s, "global/networks/default")
	s.MinSize = 1
	if templateName(s, "global/networks/default") != b {
		t.Fatal("sizes are not part of the template")
	}
}

func TestUpdatePolicyKeepsMinHealthy(t *testing.T) {
	for _, tc := range []struct {
		desired, minHealthy, zones int
		surge, unavailable         int64
	}{
		{desired: 3, minHealthy: 90, zones: 3, surge: 3, unavailable: 0},
		{desired: 6, minHealthy: 50, zones: 3, surge: 3, unavailable: 3},
		{desired: 10, minHealthy: 90, zones: 3, surge: 3, unavailable: 0},
	} {
		p := updatePolicy(scalinggroup.Spec{DesiredCapacity: tc.desired, MinHealthyPercentage: tc.minHealthy}, tc.zones)
		if p.Type != "PROACTIVE" || fixedOf(p.MaxSurge) != tc.surge || fixedOf(p.MaxUnavailable) != tc.unavailable {
			t.Errorf("%+v: got %v", tc, p)
		}
		if in := int64(tc.desired) - fixedOf(p.MaxUnavailable); int(in)*100 < tc.desired*tc.minHealthy {
			t.Errorf("%+v: only %d of %d stay in service", tc, in, tc.desired)
		}
	}
	p := updatePolicy(scalinggroup.Spec{UpdatePolicy: scalinggroup.UpdatePolicy{MaxSurge: 1, MaxUnavailable: 2, MinimalAction: "restart"}}, 3)
	if fixedOf(p.MaxSurge) != 1 || fixedOf(p.MaxUnavailable) != 2 || p.MinimalAction != "RESTART" {
		t.Errorf("an explicit policy is kept: %v", p)
	}
}

// TestZeroesAreSent: a zero the backends set (none unavailable, a port or
// a delay of 0) is in the request body, not left to the API's default.
func TestZeroesAreSent(t *testing.T) {
	p := updatePolicy(scalinggroup.Spec{DesiredCapacity: 3, MinHealthyPercentage: 100}, 3)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"maxUnavailable":{"fixed":0}`) {
		t.Errorf("update policy %s: want maxUnavailable fixed 0 sent", b)
	}
	h := &compute.HealthCheck{Name: "hc"}
	setProbe(h, "TCP", 0, "")
	if b, _ = json.Marshal(h); !strings.Contains(string(b), `"tcpHealthCheck":{"port":0}`) {
		t.Errorf("health check %s: want port 0 sent", b)
	}

	// A backend drained by hand (capacity 0) is sent back drained when
	// another group is attached; a passthrough one keeps no scaler.
	read := []*compute.Backend{
		{Group: "projects/p/regions/r/instanceGroups/drained", BalancingMode: "UTILIZATION"},
		{Group: "projects/p/regions/r/instanceGroups/nlb", BalancingMode: "CONNECTION"},
		{Group: "projects/p/regions/r/instanceGroups/web", BalancingMode: "UTILIZATION", CapacityScaler: 0.5},
	}
	kept, found := keptBackends(read, "projects/p/regions/r/instanceGroups/web", false)
	if !found || len(kept) != 2 {
		t.Fatalf("detach web: kept %d, found %v", len(kept), found)
	}
	if b, _ = json.Marshal(kept); !strings.Contains(string(b), `"capacityScaler":0,"group":"projects/p/regions/r/instanceGroups/drained"`) ||
		strings.Count(string(b), "capacityScaler") != 1 {
		t.Errorf("backends sent back %s: want the drained one's capacityScaler 0 only", b)
	}
}

func TestValidate(t *testing.T) {
	ok := scalinggroup.Spec{Meta: backend.Meta{Name: "web", Location: "us-east1"}, MachineType: "e2-small", Image: "i", MinSize: 1, DesiredCapacity: 2, MaxSize: 3, Zones: []string{"us-east1-b"}}
	if err := validateGroup(ok); err != nil {
		t.Fatal(err)
	}
	bad := ok
	bad.Zones = []string{"us-west1-a"}
	if err := validateGroup(bad); err == nil || !strings.Contains(err.Error(), "not in region") {
		t.Errorf("a zone of another region: %v", err)
	}
	bad = ok
	bad.Name = "Web_1"
	if err := validateGroup(bad); err == nil {
		t.Error("an invalid GCP name must be refused")
	}
	lb := loadbalancer.Spec{Meta: backend.Meta{Name: "web"}, Layer: 7, Listeners: []loadbalancer.Listener{{Port: 80, Protocol: "HTTP"}}}
	if err := validateLB(lb); err != nil {
		t.Fatal(err)
	}
	lb.Listeners[0].Protocol = "TCP"
	if err := validateLB(lb); err == nil {
		t.Error("a TCP listener at layer 7 must be refused")
	}
	lb.Layer = 4
	lb.Listeners = append(lb.Listeners, loadbalancer.Listener{Port: 53, Protocol: "UDP"})
	if err := validateLB(lb); err == nil {
		t.Error("mixed protocols at layer 4 must be refused")
	}
}

func TestRefs(t *testing.T) {
	if !sameRef("https://www.googleapis.com/compute/v1/projects/p/global/healthChecks/hc", "projects/p/global/healthChecks/hc") {
		t.Error("a self link and a relative path to one object are the same")
	}
	if regionOf("projects/p/regions/us-east1/backendServices/b") != "us-east1" || regionOf("projects/p/global/backendServices/b") != "" {
		t.Error("regionOf")
	}
	if imageRef("debian-cloud/debian-12") != "projects/debian-cloud/global/images/family/debian-12" {
		t.Error("project/family is an image family")
	}
	if !ownRule("web", "web-8080") || ownRule("web", "web-bs") || ownRule("web", "webx") {
		t.Error("ownRule")
	}
}

// TestCheckNameLength: GCP names are at most 63 characters with the suffix
// the backend adds, start with a letter and do not end with a dash.
func TestCheckNameLength(t *testing.T) {
	for _, c := range []struct {
		name   string
		suffix int
		ok     bool
	}{
		{"a", 0, true}, {strings.Repeat("a", 63), 0, true}, {strings.Repeat("a", 64), 0, false},
		{strings.Repeat("a", 59), 4, true}, {strings.Repeat("a", 60), 4, false},
		{"web-1", 0, true}, {"web-", 0, false}, {"1web", 0, false}, {"Web", 0, false}, {"", 0, false},
	} {
		if err := checkName("group", c.name, c.suffix); (err == nil) != c.ok {
			t.Errorf("checkName(%q, %d) = %v, want ok %v", c.name, c.suffix, err, c.ok)
		}
	}
}
