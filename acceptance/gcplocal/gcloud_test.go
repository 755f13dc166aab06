package gcplocal

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	compute "cloud.google.com/go/compute/apiv1"
	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/api/option"
	"google.golang.org/protobuf/proto"
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
	opts := []option.ClientOption{option.WithEndpoint(url), option.WithoutAuthentication()}
	tc, err := compute.NewInstanceTemplatesRESTClient(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tc.Close() }()
	op, err := tc.Insert(ctx, &computepb.InsertInstanceTemplateRequest{Project: "p", InstanceTemplateResource: &computepb.InstanceTemplate{
		Name: proto.String("web"), Properties: &computepb.InstanceProperties{MachineType: proto.String("e2-small")}}})
	if err == nil {
		err = op.Wait(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
	gc, err := compute.NewRegionInstanceGroupManagersRESTClient(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = gc.Close() }()
	op, err = gc.Insert(ctx, &computepb.InsertRegionInstanceGroupManagerRequest{Project: "p", Region: "us-central1", InstanceGroupManagerResource: &computepb.InstanceGroupManager{
		Name: proto.String("web"), BaseInstanceName: proto.String("web"), TargetSize: proto.Int32(2),
		InstanceTemplate: proto.String("global/instanceTemplates/web")}})
	if err == nil {
		err = op.Wait(ctx)
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
