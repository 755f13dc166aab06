package acceptance

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
)

// The GCP load balancer and scaling group converge through faults as the
// AWS stack does: the fault front sits before the Compute endpoint and
// answers a seeded share of calls with 429, 500, 503 (Google's error
// format) or a dropped connection; the objects gcloud then sees (straight
// at the endpoint) equal a fault-free apply's, the next plan is empty, and
// destroy under the same faults leaves nothing.
func TestAccFaults_gcpConverges(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.GCP)
	opts, err := services.FaultOptionsFromEnv(faultDefaults)
	if err != nil {
		t.Fatal(err)
	}
	clean := applyGCPUnderFaults(t, services.FaultOptions{})
	faulty := applyGCPUnderFaults(t, opts)
	if opts.Rate > 0 && faulty.Stats.Faults == 0 {
		t.Fatalf("no call was faulted: %s", faulty.Stats)
	}
	if d := diffLists(clean.Objects, faulty.Objects); d != "" {
		t.Errorf("objects under faults differ from a fault-free apply:\n%s", d)
	}
	if len(faulty.Left) > 0 || len(clean.Left) > 0 {
		t.Errorf("left after destroy: under faults %v, fault-free %v", faulty.Left, clean.Left)
	}
}

func applyGCPUnderFaults(t *testing.T, opts services.FaultOptions) faultRun {
	t.Helper()
	name := "flg" + strings.ToLower(acctest.RandStringFromCharSet(6, acctest.CharSetAlphaNum))
	proxy, err := services.StartFaultProxy(strings.TrimSuffix(os.Getenv("HA_GCP_LOCAL_URL"), "/"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = proxy.Close() }()
	config := `
terraform {
  required_providers {
    ha = { source = "ha-blueprints/ha" }
  }
}
` + gcpComputeConfig(name, "e2-small", "/healthz")
	tf := newCLI(t, CLIs(t)[0], t.TempDir(), config)
	tf.env = append(tf.env, "HA_GCP_COMPUTE_ENDPOINT="+proxy.URL+"/compute/v1/")
	t.Cleanup(func() {
		if left := gcpObjects(t, name); len(left) > 0 {
			_, _ = tf.try("destroy", "-auto-approve", "-input=false")
		}
	})
	return convergeUnderFaults(t, tf, proxy, opts, name, func() []string { return gcpObjects(t, name) })
}

// templateHash ends an instance template's name: a hash of its spec.
var templateHash = regexp.MustCompile(`-[0-9a-f]{8}$`)

// gcpObjects lists, through gcloud straight at the endpoint, every compute
// object whose name starts with name, with name and made-up numbers
// replaced so that two applies compare equal.
func gcpObjects(t *testing.T, name string) []string {
	t.Helper()
	var out []string
	for _, args := range [][]string{
		{"compute", "instance-groups", "managed", "list"},
		{"compute", "instance-templates", "list"},
		{"compute", "forwarding-rules", "list"},
		{"compute", "backend-services", "list"},
		{"compute", "health-checks", "list"},
	} {
		v, err := gcloudJSON(args...)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		var items []map[string]any
		if err := json.Unmarshal(b, &items); err != nil {
			t.Fatalf("gcloud %s: %v", strings.Join(args, " "), err)
		}
		for _, it := range items {
			n, _ := it["name"].(string)
			if !strings.HasPrefix(n, name) {
				continue
			}
			// Template names end in a hash of their spec, which holds
			// the test's name.
			o := args[1] + " " + templateHash.ReplaceAllString(strings.ReplaceAll(n, name, "BP"), "-HASH")
			out = append(out, stampLike.ReplaceAllString(o, "N"))
		}
	}
	sort.Strings(out)
	return out
}
