package clouddns

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestAccGCloudObservesCloudDNS: the record set the backend writes is what
// `gcloud dns record-sets list` shows: a primary-backup routing policy over
// health-checked targets. TF_ACC-gated: gcloud takes seconds to start.
func TestAccGCloudObservesCloudDNS(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("TF_ACC not set")
	}
	gcloud, err := exec.LookPath("gcloud")
	if err != nil {
		t.Fatal("gcloud not installed (Debian package google-cloud-cli)")
	}
	s, _ := local(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := New(ctx, s, "us-east1")
	if err != nil {
		t.Fatal(err)
	}
	sp := spec("failover")
	sp.CreateZone = true
	if _, err := b.Apply(ctx, sp, nil); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gcloud, "dns", "record-sets", "list", "--zone", "example-test", "--project", "ha-test", "--format", "json")
	cmd.Env = append(os.Environ(), "CLOUDSDK_CONFIG="+t.TempDir(), "CLOUDSDK_CORE_DISABLE_PROMPTS=1",
		"CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true", "CLOUDSDK_API_ENDPOINT_OVERRIDES_DNS="+strings.TrimSuffix(s.GCP.DNSEndpoint, "/")+"/dns/v1/")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gcloud: %v: %s", err, out)
	}
	var sets []struct {
		Name, Type    string
		RoutingPolicy struct {
			HealthCheck   string
			PrimaryBackup struct {
				PrimaryTargets   struct{ ExternalEndpoints []string }
				BackupGeoTargets struct {
					Items []struct {
						Location             string
						HealthCheckedTargets struct{ ExternalEndpoints []string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(out, &sets); err != nil {
		t.Fatalf("gcloud output %s: %v", out, err)
	}
	found := false
	for _, rr := range sets {
		if rr.Name != "www.example.test." || rr.Type != "A" {
			continue
		}
		found = true
		pb := rr.RoutingPolicy.PrimaryBackup
		if rr.RoutingPolicy.HealthCheck == "" || len(pb.PrimaryTargets.ExternalEndpoints) != 1 || pb.PrimaryTargets.ExternalEndpoints[0] != "203.0.113.10" ||
			len(pb.BackupGeoTargets.Items) != 1 || pb.BackupGeoTargets.Items[0].HealthCheckedTargets.ExternalEndpoints[0] != "203.0.113.20" {
			t.Errorf("gcloud sees %s", out)
		}
	}
	if !found {
		t.Errorf("gcloud does not list the record set: %s", out)
	}
}
