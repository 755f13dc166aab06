package gcplocal

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
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
