package gcplocal

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/option"
)

// TestAccGCloudObserver: what the Go compute client creates, gcloud (an
// independent client) sees through the same endpoint. TF_ACC-gated: gcloud
// takes seconds to start.
func TestAccGCloudObserver(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("TF_ACC not set")
	}
	gcloud, err := exec.LookPath("gcloud")
	if err != nil {
		t.Fatal("gcloud not installed (Debian package google-cloud-cli)")
	}
	s, url := start(t)
	ctx := context.Background()
	c, err := compute.NewService(ctx, option.WithEndpoint(url+"/compute/v1/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.InstanceTemplates.Insert("p", &compute.InstanceTemplate{
		Name: "web", Properties: &compute.InstanceProperties{MachineType: "e2-small"}}).Context(ctx).Do()
	if err == nil {
		err = waitOp(ctx, c, op)
	}
	if err != nil {
		t.Fatal(err)
	}
	op, err = c.RegionInstanceGroupManagers.Insert("p", "us-central1", &compute.InstanceGroupManager{
		Name: "web", BaseInstanceName: "web", TargetSize: 2,
		InstanceTemplate: "global/instanceTemplates/web"}).Context(ctx).Do()
	if err == nil {
		err = waitOp(ctx, c, op)
	}
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gcloud, "compute", "instance-groups", "managed", "list", "--project", "p", "--format", "json")
	cmd.Env = append(os.Environ(), "CLOUDSDK_CONFIG="+t.TempDir(), "CLOUDSDK_CORE_DISABLE_PROMPTS=1",
		"CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true", "CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE="+url+"/compute/v1/")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gcloud: %v: %s", err, out)
	}
	var groups []map[string]any
	if err := json.Unmarshal(out, &groups); err != nil {
		t.Fatalf("gcloud output %s: %v", out, err)
	}
	if len(groups) != 1 || groups[0]["name"] != "web" || groups[0]["targetSize"] != float64(2) {
		t.Errorf("gcloud sees %s", out)
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("violations: %+v", errs)
	}
}

// TestAccGCloudDNSTransaction: gcloud's record-set transaction (a DNS
// change deleting the SOA and adding the new one with the record, then
// polled until done) goes through the changes model without violations.
func TestAccGCloudDNSTransaction(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("TF_ACC not set")
	}
	gcloud, err := exec.LookPath("gcloud")
	if err != nil {
		t.Fatal("gcloud not installed (Debian package google-cloud-cli)")
	}
	s, url := start(t)
	cfg, work := t.TempDir(), t.TempDir()
	run := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(gcloud, append(args, "--project", "p")...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "CLOUDSDK_CONFIG="+cfg, "CLOUDSDK_CORE_DISABLE_PROMPTS=1",
			"CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true", "CLOUDSDK_API_ENDPOINT_OVERRIDES_DNS="+url+"/dns/v1/")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("gcloud %v: %v: %s", args, err, out)
		}
		return out
	}
	run("dns", "managed-zones", "create", "z", "--dns-name", "example.com.", "--description", "d")
	run("dns", "record-sets", "transaction", "start", "--zone", "z")
	run("dns", "record-sets", "transaction", "add", "192.0.2.1", "--name", "www.example.com.", "--ttl", "60", "--type", "A", "--zone", "z")
	run("dns", "record-sets", "transaction", "execute", "--zone", "z")
	var sets []struct {
		Name, Type string
		Rrdatas    []string
	}
	if err := json.Unmarshal(run("dns", "record-sets", "list", "--zone", "z", "--format", "json"), &sets); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rr := range sets {
		if rr.Name == "www.example.com." && rr.Type == "A" && len(rr.Rrdatas) == 1 && rr.Rrdatas[0] == "192.0.2.1" {
			found = true
		}
		if rr.Type == "SOA" && (len(rr.Rrdatas) != 1 || !strings.Contains(rr.Rrdatas[0], " 2 21600 ")) {
			t.Errorf("the transaction bumps the SOA serial: %v", rr.Rrdatas)
		}
	}
	if !found {
		t.Errorf("record not listed: %+v", sets)
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("violations: %+v", errs)
	}
}

// TestAccGCloudBatch: gcloud lists managed groups in two regions with one
// aggregated call, then asks for the regions' instance groups and
// autoscalers in batch requests (POST /batch/compute/v1); its answer shows
// which group is autoscaled, which it can only know from the batch answer.
func TestAccGCloudBatch(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("TF_ACC not set")
	}
	gcloud, err := exec.LookPath("gcloud")
	if err != nil {
		t.Fatal("gcloud not installed (Debian package google-cloud-cli)")
	}
	s := New(testContract(t))
	var batches atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/batch/compute/v1" {
			batches.Add(1)
		}
		s.ServeHTTP(w, r)
	}))
	defer ts.Close()
	for _, c := range [][2]string{
		{"global/instanceTemplates", `{"name":"web","properties":{"machineType":"e2-small"}}`},
		{"regions/us-central1/instanceGroupManagers", `{"name":"web-us","baseInstanceName":"web","targetSize":1,"instanceTemplate":"global/instanceTemplates/web"}`},
		{"regions/europe-west1/instanceGroupManagers", `{"name":"web-eu","baseInstanceName":"web","targetSize":1,"instanceTemplate":"global/instanceTemplates/web"}`},
		{"regions/us-central1/autoscalers", `{"name":"web-us","target":"regions/us-central1/instanceGroupManagers/web-us","autoscalingPolicy":{"minNumReplicas":2,"maxNumReplicas":4}}`},
	} {
		if code, e := call(t, ts.URL, "POST", "/compute/v1/projects/p/"+c[0], c[1]); code != 200 {
			t.Fatalf("insert into %s: %d %v", c[0], code, e)
		}
	}
	cmd := exec.Command(gcloud, "compute", "instance-groups", "managed", "list", "--project", "p", "--format", "json")
	cmd.Env = append(os.Environ(), "CLOUDSDK_CONFIG="+t.TempDir(), "CLOUDSDK_CORE_DISABLE_PROMPTS=1",
		"CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true", "CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE="+ts.URL+"/compute/v1/")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gcloud: %v: %s", err, out)
	}
	var groups []struct {
		Name       string
		Autoscaled string
		Autoscaler struct {
			AutoscalingPolicy struct{ MinNumReplicas int }
		}
	}
	if err := json.Unmarshal(out, &groups); err != nil {
		t.Fatalf("gcloud output %s: %v", out, err)
	}
	got := map[string]string{}
	for _, g := range groups {
		got[g.Name] = g.Autoscaled
		if g.Name == "web-us" && g.Autoscaler.AutoscalingPolicy.MinNumReplicas != 2 {
			t.Errorf("web-us autoscaler as gcloud sees it: %+v", g.Autoscaler)
		}
	}
	if len(got) != 2 || got["web-us"] != "yes" || got["web-eu"] != "no" {
		t.Errorf("gcloud sees groups autoscaled %v, want web-us yes and web-eu no: %s", got, out)
	}
	if n := batches.Load(); n == 0 {
		t.Errorf("gcloud sent no batch request")
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("violations: %+v", errs)
	}
}
