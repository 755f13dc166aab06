package gcplocal

import (
	"strings"
	"testing"
)

// A fingerprint sent back in the URL-safe base64 alphabet (as gcloud does
// with `format: byte` fields) is the same fingerprint; another one is stale.
func TestFingerprintAlphabets(t *testing.T) {
	s, url := start(t)
	if code, b := call(t, url, "POST", "/compute/v1/projects/p/global/backendServices", `{"name":"bs"}`); code != 200 {
		t.Fatalf("insert: %d %v", code, b)
	}
	// Std-alphabet fingerprints with + and / in them, set directly.
	o := s.objects["projects/p/global/backendServices/bs"]
	for fp, want := range map[string]int{"a-b_cd": 200, "a+b/cd==": 200, "a-b_ce": 412} {
		o.body["fingerprint"] = "a+b/cd=="
		code, b := call(t, url, "PATCH", "/compute/v1/projects/p/global/backendServices/bs", `{"timeoutSec":7,"fingerprint":"`+fp+`"}`)
		if code != want {
			t.Errorf("fingerprint %q: %d %v, want %d", fp, code, b, want)
		}
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("violations: %+v", errs)
	}
}

// regionAutoscalers.update and .patch name the autoscaler in a query
// parameter, on the collection's path.
func TestAutoscalerUpdatedOnItsCollection(t *testing.T) {
	s, url := start(t)
	base := "/compute/v1/projects/p/regions/us-east1/"
	for _, c := range []struct{ path, body string }{
		{"global/instanceTemplates", `{"name":"t","properties":{"machineType":"e2-small"}}`},
		{"regions/us-east1/instanceGroupManagers", `{"name":"g","instanceTemplate":"global/instanceTemplates/t","targetSize":1}`},
		{"regions/us-east1/autoscalers", `{"name":"g","target":"regions/us-east1/instanceGroupManagers/g","autoscalingPolicy":{"minNumReplicas":1,"maxNumReplicas":3}}`},
	} {
		if code, b := call(t, url, "POST", "/compute/v1/projects/p/"+c.path, c.body); code != 200 {
			t.Fatalf("insert %s: %d %v", c.path, code, b)
		}
	}
	pol := `"autoscalingPolicy":{"minNumReplicas":2,"maxNumReplicas":5}`
	if code, b := call(t, url, "PUT", base+"autoscalers?autoscaler=g", `{"name":"g","target":"regions/us-east1/instanceGroupManagers/g",`+pol+`}`); code != 200 {
		t.Fatalf("update: %d %v", code, b)
	}
	if code, b := call(t, url, "PATCH", base+"autoscalers", `{"name":"g","autoscalingPolicy":{"maxNumReplicas":6}}`); code != 200 {
		t.Fatalf("patch by body name: %d %v", code, b)
	}
	code, b := call(t, url, "GET", base+"autoscalers/g", "")
	p, _ := b["autoscalingPolicy"].(map[string]any)
	if code != 200 || p["minNumReplicas"] != float64(2) || p["maxNumReplicas"] != float64(6) {
		t.Errorf("after update and patch: %d %v", code, b)
	}
	if code, b := call(t, url, "PUT", base+"autoscalers?autoscaler=missing", `{"name":"missing",`+pol+`}`); code != 404 || !strings.Contains(b["error"].(map[string]any)["message"].(string), "autoscalers/missing") {
		t.Errorf("update of a missing autoscaler: %d %v", code, b)
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("violations: %+v", errs)
	}
}
