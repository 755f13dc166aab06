package cloudsql

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/replica"
)

// gcloudSQL runs gcloud (an independent client) against the local endpoint
// and decodes its JSON output.
func gcloudSQL(t *testing.T, endpoint string, out any, args ...string) {
	t.Helper()
	gcloud, err := exec.LookPath("gcloud")
	if err != nil {
		t.Fatal("gcloud not installed (Debian package google-cloud-cli)")
	}
	cmd := exec.Command(gcloud, append(args, "--project", "ha-test", "--format", "json")...)
	cmd.Env = append(os.Environ(), "CLOUDSDK_CONFIG="+t.TempDir(), "CLOUDSDK_CORE_DISABLE_PROMPTS=1",
		"CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true", "CLOUDSDK_API_ENDPOINT_OVERRIDES_SQL="+strings.TrimSuffix(endpoint, "/")+"/")
	b, err := cmd.Output()
	if err != nil {
		var stderr string
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("gcloud %v: %v: %s", args, err, stderr)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("gcloud output %s: %v", b, err)
	}
}

// TestAccGCloudObservesCloudSQL: what the backends create, gcloud sees
// through the same endpoint (`gcloud sql instances describe`): a REGIONAL
// instance with PITR, a replica reporting its master, and the replica
// standalone after promotion. TF_ACC-gated: gcloud takes seconds to start.
func TestAccGCloudObservesCloudSQL(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("TF_ACC not set")
	}
	s, _, _ := local(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dbs, err := database.Open(ctx, backend.GCP, s, "us-east1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dbs.Apply(ctx, dbSpec("obs-east", "us-east1"), nil); err != nil {
		t.Fatal(err)
	}
	reps, err := replica.Open(ctx, backend.GCP, s, "us-west1")
	if err != nil {
		t.Fatal(err)
	}
	rspec := replica.Spec{Meta: backend.Meta{Name: "obs-west", Location: "us-west1"}, SourceID: "ha-test:us-east1:obs-east"}
	rep, err := reps.Apply(ctx, rspec, nil)
	if err != nil {
		t.Fatal(err)
	}
	var inst struct {
		State, Region, MasterInstanceName, DatabaseVersion string
		ReplicaNames                                       []string
		Settings                                           struct {
			AvailabilityType    string
			BackupConfiguration struct {
				Enabled, PointInTimeRecoveryEnabled bool
			}
		}
	}
	gcloudSQL(t, s.GCP.SQLAdminEndpoint, &inst, "sql", "instances", "describe", "obs-east")
	if inst.State != "RUNNABLE" || inst.Settings.AvailabilityType != "REGIONAL" || !inst.Settings.BackupConfiguration.PointInTimeRecoveryEnabled ||
		inst.DatabaseVersion != "POSTGRES_16" || len(inst.ReplicaNames) != 1 || inst.ReplicaNames[0] != "obs-west" {
		t.Errorf("gcloud sees the primary as %+v", inst)
	}
	gcloudSQL(t, s.GCP.SQLAdminEndpoint, &inst, "sql", "instances", "describe", "obs-west")
	if inst.MasterInstanceName != "obs-east" || inst.Region != "us-west1" {
		t.Errorf("gcloud sees the replica as %+v", inst)
	}
	rspec.Promote = true
	if _, err := reps.Apply(ctx, rspec, rep); err != nil {
		t.Fatal(err)
	}
	inst.MasterInstanceName = ""
	gcloudSQL(t, s.GCP.SQLAdminEndpoint, &inst, "sql", "instances", "describe", "obs-west")
	if inst.MasterInstanceName != "" || inst.State != "RUNNABLE" {
		t.Errorf("gcloud sees the promoted replica as %+v", inst)
	}
	var runs []struct{ Status, Type string }
	gcloudSQL(t, s.GCP.SQLAdminEndpoint, &runs, "sql", "backups", "list", "--instance", "obs-east")
	if len(runs) != 0 {
		t.Errorf("no backup was taken yet, gcloud lists %+v", runs)
	}
}
