package acceptance

import (
	"fmt"
	"os"
	"path/filepath"
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
// SQL instances of the test (region, tier, availability, what each
// replicates from, backup configuration, labels) with the backups taken on
// demand (a twin shows), and the managed zones with their record sets
// (routing policy shape and health check), name replaced.
func gcpDataObjects(t *testing.T, name string) []string {
	t.Helper()
	return gcpDataObjectsOf(t, name)[name]
}

// gcpDataObjectsOf is gcpDataObjects of several names with one round of
// listings: each name's objects, sorted.
func gcpDataObjectsOf(t *testing.T, names ...string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	owner := func(n string) string {
		for _, name := range names {
			if strings.HasPrefix(n, name) {
				return name
			}
		}
		return ""
	}
	insts, err := gcloudList("sql", "instances", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range insts {
		n := fmt.Sprint(i["name"])
		name := owner(n)
		if name == "" {
			continue
		}
		add := func(o string) { out[name] = append(out[name], o) }
		add(fmt.Sprintf("sql %s @%s %s %s master=%s", n, jsonPath(i, "region"), jsonPath(i, "settings.tier"),
			jsonPath(i, "settings.availabilityType"), sourceName(jsonPath(i, "masterInstanceName"))))
		if b, ok := jsonValue(i, "settings.backupConfiguration").(map[string]any); ok && b["enabled"] == true {
			add(fmt.Sprintf("sql-backup-config %s start=%v location=%v retained=%s pitr=%v", n, b["startTime"], b["location"],
				jsonPath(b, "backupRetentionSettings.retainedBackups"), b["pointInTimeRecoveryEnabled"]))
		}
		labels, _ := jsonValue(i, "settings.userLabels").(map[string]any)
		keys := make([]string, 0, len(labels))
		for k, v := range labels {
			keys = append(keys, k+"="+fmt.Sprint(v))
		}
		sort.Strings(keys)
		add("sql-labels " + n + " " + strings.Join(keys, ","))
		runs, err := gcloudList("sql", "backups", "list", "--instance", n)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			if d := fmt.Sprint(r["description"]); strings.HasPrefix(d, "ha:") {
				add(fmt.Sprintf("sql-backup %s %s %v", n, d, r["type"]))
			}
		}
	}
	zones, err := gcloudList("dns", "managed-zones", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range zones {
		zn := fmt.Sprint(z["name"])
		name := owner(zn)
		if name == "" {
			continue
		}
		out[name] = append(out[name], "zone "+zn+" "+fmt.Sprint(z["dnsName"]))
		sets, err := gcloudList("dns", "record-sets", "list", "--zone", zn)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sets {
			rec := "record " + fmt.Sprint(s["name"]) + " " + fmt.Sprint(s["type"])
			if p, ok := s["routingPolicy"].(map[string]any); ok {
				// The targets' addresses are made up per apply; the
				// policy's shape and health check are not.
				rec += fmt.Sprintf(" primary=%d backups=%d wrr=%d hc=%s", len(jsonList(p, "primaryBackup.primaryTargets.externalEndpoints")),
					len(jsonList(p, "primaryBackup.backupGeoTargets.items")), len(jsonList(p, "wrr.items")), filepath.Base(jsonPath(p, "healthCheck")))
			}
			out[name] = append(out[name], rec)
		}
	}
	for name, objs := range out {
		for i, o := range objs {
			// A DNS health check's name ends in a hash of the record's
			// name, which holds the test's name.
			objs[i] = nameHash.ReplaceAllString(strings.ReplaceAll(o, name, "BP"), "-HASH")
		}
		sort.Strings(objs)
	}
	return out
}

// sourceName is the instance name of a Cloud SQL master, which gcloud may
// spell as PROJECT:NAME.
func sourceName(s string) string { return s[strings.LastIndex(s, ":")+1:] }

// jsonList is a nested list field of a gcloud object, nil when absent.
func jsonList(m map[string]any, p string) []any {
	l, _ := jsonValue(m, p).([]any)
	return l
}
