package acceptance

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
)

// gcpCrashPoint is a GCP create call after which terraform is killed: the
// nth answered call whose method and path match.
type gcpCrashPoint struct {
	name string
	call *regexp.Regexp
	nth  int
}

// gcpCrashPoints are the first create calls of each GCP resource kind (and
// the last of the multi-call ones).
var gcpCrashPoints = []gcpCrashPoint{
	{"instanceTemplates.insert (ha_scaling_group)", regexp.MustCompile(`^POST .*/global/instanceTemplates$`), 1},
	{"regionInstanceGroupManagers.insert (ha_scaling_group)", regexp.MustCompile(`^POST .*/regions/[^/]+/instanceGroupManagers$`), 1},
	{"healthChecks.insert (the first of ha_load_balancer, ha_scaling_group, ha_dns_failover)", regexp.MustCompile(`^POST .*/healthChecks$`), 1},
	{"forwardingRules.insert (ha_load_balancer, its last call)", regexp.MustCompile(`^POST .*/forwardingRules$`), 1},
	{"sql instances.insert (ha_database)", regexp.MustCompile(`^POST /sql/v1beta4/projects/[^/]+/instances$`), 1},
	{"sql instances.insert (ha_database_replica)", regexp.MustCompile(`^POST /sql/v1beta4/projects/[^/]+/instances$`), 2},
	{"sql backupRuns.insert (ha_backup_plan)", regexp.MustCompile(`^POST /sql/v1beta4/projects/[^/]+/instances/[^/]+/backupRuns$`), 1},
	{"dns managedZones.create (ha_dns_failover)", regexp.MustCompile(`^POST /dns/v1/projects/[^/]+/managedZones$`), 1},
}

// GCP's creates after a kill, as AWS's: a load balancer, a scaling group, a
// Cloud SQL database with its cross-region replica and backup plan, and a
// Cloud DNS failover name are applied through the CLI, and terraform (with
// its provider) is SIGKILLed right after the local GCP endpoint answered a
// create call; the next apply adopts what was made (found by name) instead
// of failing on "already exists" or making a twin, gcloud then sees what a
// clean apply makes, the plan is empty and destroy leaves nothing. Prints,
// per kill point, the applies needed and the objects left.
// HA_GCP_CRASH_POINT runs only the kill points whose name starts with it.
//
// It runs by default, as the AWS kill points do (its gcloud listings may
// come as batch requests, which the local endpoint serves); a
// HA_CRASH_POINTS naming kill points runs it only if it names "gcp".
func TestAccCrash_gcpKilledApplyIsAdopted(t *testing.T) {
	if v := os.Getenv(crashPointsVar); v != "" && v != "all" && !strings.Contains(v, "gcp") {
		t.Skip(crashPointsVar + " names no GCP kill point (add gcp)")
	}
	PreCheck(t)
	UseServices(t, services.GCP)
	_, clean, cleanLeft := gcpCrashRun(t, "clean", nil)
	if len(cleanLeft) > 0 {
		t.Fatalf("left after destroying a clean apply: %v", cleanLeft)
	}
	for _, p := range gcpCrashPoints {
		if only := os.Getenv("HA_GCP_CRASH_POINT"); only != "" && !strings.HasPrefix(p.name, only) {
			continue
		}
		t.Run(strings.Join(strings.Fields(p.name)[:2], "_")+"#"+fmt.Sprint(p.nth), func(t *testing.T) {
			var mu sync.Mutex
			seen := 0
			kill := func(c services.Call) bool {
				if !p.call.MatchString(strings.SplitN(c.Operation, " ", 2)[0] + " " + c.Path) {
					return false
				}
				mu.Lock()
				defer mu.Unlock()
				seen++
				return seen == p.nth
			}
			applies, objects, left := gcpCrashRun(t, p.name, kill)
			t.Logf("kill point %s: applies needed after the kill %d; objects %d (clean apply %d); left after destroy %d",
				p.name, applies, len(objects), len(clean), len(left))
			if d := diffLists(clean, objects); d != "" {
				t.Errorf("after the kill at %s, gcloud sees other objects than after a clean apply:\n%s", p.name, d)
			}
			if len(left) > 0 {
				t.Errorf("left after destroy: %v", left)
			}
		})
	}
}

// gcpCrashRun applies the GCP compute and data configuration under a new
// name, killed where kill says (nil: a clean apply), and returns the
// applies needed after the kill and what gcloud saw after them and after
// destroy, with the name replaced so that runs compare.
func gcpCrashRun(t *testing.T, what string, kill func(services.Call) bool) (applies int, objects, left []string) {
	t.Helper()
	name := "gk" + strings.ToLower(acctest.RandStringFromCharSet(6, acctest.CharSetAlphaNum))
	config := `
terraform {
  required_providers {
    ha = { source = "ha-blueprints/ha" }
  }
}
` + gcpComputeConfig(name, "e2-small", "/healthz") + newGCPData(name).config()
	list := func() []string { return append(gcpObjects(t, name), gcpDataObjects(t, name)...) }
	if kill == nil {
		tf := newCLI(t, CLIs(t)[0], t.TempDir(), config)
		tf.apply()
		objects = list()
		tf.destroy()
		return 1, objects, list()
	}
	return crashRun{
		what: what, upstream: strings.TrimSuffix(os.Getenv("HA_GCP_LOCAL_URL"), "/"), dir: t.TempDir(), config: config,
		env: func(u string) []string {
			return []string{"HA_GCP_COMPUTE_ENDPOINT=" + u + "/compute/v1/", "HA_GCP_SQLADMIN_ENDPOINT=" + u + "/", "HA_GCP_DNS_ENDPOINT=" + u + "/"}
		},
		kill: kill, objects: list,
	}.run(t)
}

// gcpDataObjects lists, through gcloud straight at the endpoint, the Cloud
// SQL instances, managed zones and record sets of the test, name replaced.
func gcpDataObjects(t *testing.T, name string) []string {
	t.Helper()
	var out []string
	insts, err := gcloudList("sql", "instances", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range insts {
		if n := fmt.Sprint(i["name"]); strings.HasPrefix(n, name) {
			out = append(out, "sql "+strings.ReplaceAll(n, name, "BP"))
		}
	}
	zones, err := gcloudList("dns", "managed-zones", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range zones {
		zn := fmt.Sprint(z["name"])
		if !strings.HasPrefix(zn, name) {
			continue
		}
		out = append(out, "zone "+strings.ReplaceAll(zn, name, "BP"))
		sets, err := gcloudList("dns", "record-sets", "list", "--zone", zn)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sets {
			out = append(out, "record "+strings.ReplaceAll(fmt.Sprint(s["name"]), name, "BP")+" "+fmt.Sprint(s["type"]))
		}
	}
	sort.Strings(out)
	return out
}
