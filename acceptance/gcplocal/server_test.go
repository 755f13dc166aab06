package gcplocal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"testing"

	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/option"
)

var (
	contractOnce sync.Once
	contract     *Contract
	contractErr  error
)

func start(t *testing.T) (*Server, string) {
	t.Helper()
	s := New(testContract(t))
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL
}

// testContract loads the discovery documents once for all tests.
func testContract(t *testing.T) *Contract {
	t.Helper()
	contractOnce.Do(func() {
		dir, err := ModuleDir(".")
		if err != nil {
			contractErr = err
			return
		}
		contract, contractErr = LoadContract(dir)
	})
	if contractErr != nil {
		t.Fatal(contractErr)
	}
	return contract
}

func call(t *testing.T, url, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url+path, bytes.NewBufferString(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestContractViolationsRejectedAndRecorded(t *testing.T) {
	s, url := start(t)
	cases := []struct{ name, method, path, body, want string }{
		{"unknown field", "POST", "/compute/v1/projects/p/global/healthChecks", `{"name":"hc","type":"TCP","bogus":1}`, `unknown field "bogus"`},
		{"wrong type", "POST", "/compute/v1/projects/p/global/healthChecks", `{"name":"hc","checkIntervalSec":"10"}`, "expected an integer"},
		{"int64 as number", "POST", "/compute/v1/projects/p/global/forwardingRules", `{"name":"fr","target":"x","id":12}`, "int64 must be a JSON string"},
		{"bad enum", "POST", "/compute/v1/projects/p/global/healthChecks", `{"name":"hc","type":"NOPE"}`, "is not one of"},
		{"missing required", "POST", "/compute/v1/projects/p/regions/us-central1/instanceGroupManagers", `{"targetSize":1}`, "required field missing"},
		{"undocumented query", "GET", "/compute/v1/projects/p/global/healthChecks?colour=red", ``, `query parameter "colour" is not documented`},
		{"unknown path", "GET", "/compute/v1/projects/p/global/teapots", ``, "matches no documented method"},
	}
	for _, c := range cases {
		before := len(s.Errors())
		code, body := call(t, url, c.method, c.path, c.body)
		if code != 400 {
			t.Errorf("%s: status %d, want 400", c.name, code)
		}
		e, _ := body["error"].(map[string]any)
		if msg, _ := e["message"].(string); !strings.Contains(msg, c.want) {
			t.Errorf("%s: error %v does not say %q", c.name, e, c.want)
		}
		if errs, _ := e["errors"].([]any); len(errs) != 1 || e["status"] != "INVALID_ARGUMENT" {
			t.Errorf("%s: not in Google's error format: %v", c.name, body)
		}
		if len(s.Errors()) != before+1 {
			t.Errorf("%s: violation not recorded", c.name)
		}
	}
	code, v := call(t, url, "GET", "/__violations", "")
	if vs, _ := v["violations"].([]any); code != 200 || len(vs) != len(cases) {
		t.Errorf("/__violations: %d %v", code, v)
	}
}

func TestComputeBehaviour(t *testing.T) {
	s, url := start(t)
	code, op := call(t, url, "POST", "/compute/v1/projects/p/global/healthChecks", `{"name":"hc","type":"TCP","tcpHealthCheck":{"port":80}}`)
	if code != 200 || op["status"] != "PENDING" {
		t.Fatalf("insert: %d %v", code, op)
	}
	opPath := strings.TrimPrefix(op["selfLink"].(string), "https://www.googleapis.com")
	var states []any
	for i := 0; i < 3; i++ {
		_, o := call(t, url, "POST", opPath+"/wait", "")
		states = append(states, o["status"])
	}
	if states[0] != "RUNNING" || states[2] != "DONE" {
		t.Errorf("operation states %v, want RUNNING then DONE", states)
	}
	if code, _ := call(t, url, "POST", "/compute/v1/projects/p/global/healthChecks", `{"name":"hc","type":"TCP"}`); code != 409 {
		t.Errorf("duplicate name: %d, want 409", code)
	}
	call(t, url, "POST", "/compute/v1/projects/p/global/backendServices", `{"name":"bs","healthChecks":["global/healthChecks/hc"]}`)
	if code, e := call(t, url, "DELETE", "/compute/v1/projects/p/global/healthChecks/hc", ""); code != 400 || !strings.Contains(e["error"].(map[string]any)["errors"].([]any)[0].(map[string]any)["reason"].(string), "resourceInUseByAnotherResource") {
		t.Errorf("delete of used health check: %d %v", code, e)
	}
	_, bs := call(t, url, "GET", "/compute/v1/projects/p/global/backendServices/bs", "")
	if code, _ := call(t, url, "PATCH", "/compute/v1/projects/p/global/backendServices/bs", `{"fingerprint":"c3RhbGU=","timeoutSec":5}`); code != 412 {
		t.Errorf("stale fingerprint: %d, want 412", code)
	}
	if code, _ := call(t, url, "PATCH", "/compute/v1/projects/p/global/backendServices/bs", `{"fingerprint":"`+bs["fingerprint"].(string)+`","timeoutSec":5}`); code != 200 {
		t.Errorf("fresh fingerprint: %d, want 200", code)
	}
	if code, _ := call(t, url, "GET", "/compute/v1/projects/p/regions/mars-1/instanceGroupManagers", ""); code != 404 {
		t.Errorf("unknown region: %d, want 404", code)
	}
	// A regional group is unstable until its instances exist, spread over zones.
	call(t, url, "POST", "/compute/v1/projects/p/global/instanceTemplates", `{"name":"t1","properties":{"machineType":"e2-small"}}`)
	call(t, url, "POST", "/compute/v1/projects/p/global/instanceTemplates", `{"name":"t2","properties":{"machineType":"e2-small"}}`)
	code, _ = call(t, url, "POST", "/compute/v1/projects/p/regions/us-central1/instanceGroupManagers", `{"name":"g","instanceTemplate":"global/instanceTemplates/t1","targetSize":3,"baseInstanceName":"g","updatePolicy":{"type":"PROACTIVE"}}`)
	if code != 200 {
		t.Fatalf("group insert: %d", code)
	}
	stable := func() bool {
		_, g := call(t, url, "GET", "/compute/v1/projects/p/regions/us-central1/instanceGroupManagers/g", "")
		return g["status"].(map[string]any)["isStable"].(bool)
	}
	n := 0
	for ; n < 20 && !stable(); n++ {
	}
	if n < 3 || n >= 20 {
		t.Errorf("group stable after %d reads, want several and finite", n)
	}
	_, li := call(t, url, "POST", "/compute/v1/projects/p/regions/us-central1/instanceGroupManagers/g/listManagedInstances", "")
	zones := map[string]bool{}
	for _, mi := range li["managedInstances"].([]any) {
		zones[strings.Split(mi.(map[string]any)["instance"].(string), "/")[8]] = true
	}
	if len(zones) != 3 {
		t.Errorf("instances in zones %v, want 3 zones", zones)
	}
	call(t, url, "PATCH", "/compute/v1/projects/p/regions/us-central1/instanceGroupManagers/g", `{"instanceTemplate":"global/instanceTemplates/t2"}`)
	if stable() {
		t.Errorf("group stable right after a template change")
	}
	if code, _ := call(t, url, "DELETE", "/compute/v1/projects/p/global/instanceTemplates/t1", ""); code != 400 {
		t.Errorf("delete of a template instances still use: %d, want 400", code)
	}
	for n = 0; n < 20 && !stable(); n++ {
	}
	if code, _ := call(t, url, "DELETE", "/compute/v1/projects/p/global/instanceTemplates/t1", ""); code != 200 {
		t.Errorf("delete of a rolled-away template: %d, want 200", code)
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("violations: %+v", errs)
	}
}

func TestComputeGoClient(t *testing.T) {
	s, url := start(t)
	ctx := context.Background()
	c, err := compute.NewService(ctx, option.WithEndpoint(url+"/compute/v1/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.HealthChecks.Insert("p", &compute.HealthCheck{
		Name: "hc1", Type: "HTTP", CheckIntervalSec: 5,
		HttpHealthCheck: &compute.HTTPHealthCheck{Port: 8080, RequestPath: "/healthz"},
	}).Context(ctx).Do()
	if err != nil {
		t.Fatal(err)
	}
	if err := waitOp(ctx, c, op); err != nil {
		t.Fatal(err)
	}
	got, err := c.HealthChecks.Get("p", "hc1").Context(ctx).Do()
	if err != nil {
		t.Fatal(err)
	}
	if got.HttpHealthCheck == nil || got.HttpHealthCheck.Port != 8080 || got.Id == 0 {
		t.Errorf("got %+v", got)
	}
	op, err = c.HealthChecks.Delete("p", "hc1").Context(ctx).Do()
	if err != nil {
		t.Fatal(err)
	}
	if err := waitOp(ctx, c, op); err != nil {
		t.Fatal(err)
	}
	if _, err := c.HealthChecks.Get("p", "hc1").Context(ctx).Do(); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("get after delete: %v, want 404", err)
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("violations: %+v", errs)
	}
}

// waitOp polls a compute operation of project p with the operations Get
// of its scope, as the provider does (the endpoint moves it on per poll).
func waitOp(ctx context.Context, c *compute.Service, op *compute.Operation) error {
	for op.Status != "DONE" {
		var err error
		switch {
		case op.Zone != "":
			op, err = c.ZoneOperations.Get("p", path.Base(op.Zone), op.Name).Context(ctx).Do()
		case op.Region != "":
			op, err = c.RegionOperations.Get("p", path.Base(op.Region), op.Name).Context(ctx).Do()
		default:
			op, err = c.GlobalOperations.Get("p", op.Name).Context(ctx).Do()
		}
		if err != nil {
			return err
		}
	}
	if op.Error != nil && len(op.Error.Errors) > 0 {
		return fmt.Errorf("%s: %s", op.Error.Errors[0].Code, op.Error.Errors[0].Message)
	}
	return nil
}

func TestDNSZonesAndRecordSets(t *testing.T) {
	s, url := start(t)
	z := "/dns/v1/projects/p/managedZones"
	if code, _ := call(t, url, "POST", z, `{"name":"z","dnsName":"example.com.","description":"d"}`); code != 200 {
		t.Fatalf("zone create: %d", code)
	}
	if code, _ := call(t, url, "POST", z, `{"name":"z","dnsName":"example.com.","description":"d"}`); code != 409 {
		t.Errorf("duplicate zone: %d, want 409", code)
	}
	if code, e := call(t, url, "POST", "/compute/v1/projects/p/global/healthChecks", `{"name":"hc","type":"TCP","tcpHealthCheck":{"port":80}}`); code != 200 {
		t.Fatalf("health check: %d %v", code, e)
	}
	rr := `{"name":"www.example.com.","type":"A","ttl":60,"routingPolicy":{"healthCheck":"projects/p/global/healthChecks/hc","primaryBackup":{"primaryTargets":{"externalEndpoints":["192.0.2.1"]},"backupGeoTargets":{"items":[{"location":"us-east1","rrdatas":["192.0.2.2"]}]},"trickleTraffic":0}}}`
	if code, e := call(t, url, "POST", z+"/z/rrsets", rr); code != 200 {
		t.Fatalf("rrset create: %d %v", code, e)
	}
	if code, _ := call(t, url, "POST", z+"/z/rrsets", rr); code != 409 {
		t.Errorf("duplicate rrset: %d, want 409", code)
	}
	if code, _ := call(t, url, "DELETE", z+"/z", ""); code != 400 {
		t.Errorf("delete of a non-empty zone: %d, want 400", code)
	}
	_, l := call(t, url, "GET", z+"/z/rrsets", "")
	if n := len(l["rrsets"].([]any)); n != 3 {
		t.Errorf("rrsets %d, want SOA, NS and A", n)
	}
	if code, _ := call(t, url, "DELETE", z+"/z/rrsets/www.example.com./A", ""); code != 200 {
		t.Errorf("rrset delete: %d", code)
	}
	if code, _ := call(t, url, "DELETE", z+"/z", ""); code != 200 {
		t.Errorf("delete of an empty zone: %d", code)
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("violations: %+v", errs)
	}
}
