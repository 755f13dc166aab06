package acceptance

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestAccGCPObserver_session: the gcloud session answers as a gcloud
// process does. A list prints the same JSON, a missing object is gcloud's
// "was not found" error, and the session answers the next command after one.
func TestAccGCPObserver_session(t *testing.T) {
	PreCheck(t)
	useGCP(t)
	args := []string{"compute", "regions", "list", "--format", "json"}
	viaSession, err := gcloud(args...)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("gcloud", append(args, "--project", os.Getenv("HA_GCP_PROJECT"))...)
	cmd.Env = gcloudEnv()
	viaProcess, err := cmd.Output()
	if err != nil {
		t.Fatalf("gcloud process: %v", err)
	}
	if viaSession != string(viaProcess) || !strings.Contains(viaSession, `"us-east1"`) {
		t.Errorf("the session printed\n%s\na gcloud process\n%s", viaSession, viaProcess)
	}

	_, err = gcloud("compute", "instance-templates", "describe", "no-such-template")
	if err == nil || !strings.Contains(err.Error(), "no-such-template' was not found") {
		t.Fatalf("describe of a missing template: %v", err)
	}
	again, err := gcloud(args...)
	if err != nil || again != viaSession {
		t.Errorf("after an error the session answered %q, %v", again, err)
	}
}
