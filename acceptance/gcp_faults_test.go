package acceptance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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

// gcpFaultBlueprints are the GCP stock blueprints the stack fault test
// applies: gcp-active-passive has the data tier (Cloud SQL primary,
// cross-region replica, backup plan) and the Cloud DNS failover;
// gcp-web-active-passive is the tiers-only one. hybrid-aws-gcp is left to
// the hybrid test: half of it is AWS.
var gcpFaultBlueprints = []string{"gcp-active-passive", "gcp-web-active-passive"}

// gcpFaultRegions are the regions the GCP stock blueprints use.
var gcpFaultRegions = []string{"europe-west1", "europe-west4"}

// The GCP stock blueprints through modules/stack with the fault front
// before every GCP API the provider calls (Compute, Cloud SQL Admin, Cloud
// DNS), 30 % of calls answered with 429, 500, 503 (Google's error format)
// or a dropped connection, and latency added: one apply (at worst a second
// that only continues); gcloud, straight at the endpoint, then sees what a
// fault-free apply of the same config makes (groups, templates, load
// balancer pieces, Cloud SQL instances with their replication and backup
// configuration, the plan's backups, managed zones and record sets), no
// twins; the next plan is empty and destroy under the same faults leaves
// nothing. Logs objects per blueprint and the fault stats;
// HA_FAULT_BLUEPRINTS narrows the set.
func TestAccFaults_gcpStackConverges(t *testing.T) {
	PreCheck(t)
	useGCP(t)
	opts, err := services.FaultOptionsFromEnv(faultDefaults)
	if err != nil {
		t.Fatal(err)
	}
	keys := gcpFaultBlueprints
	if v := os.Getenv(faultBlueprintsVar); v != "" {
		keys = strings.Split(v, ",")
	}
	clean := applyGCPStacksUnderFaults(t, keys, services.FaultOptions{})
	faulty := applyGCPStacksUnderFaults(t, keys, opts)
	if opts.Rate > 0 && faulty.Stats.Faults == 0 {
		t.Fatalf("no call was faulted: %s", faulty.Stats)
	}
	t.Logf("objects of the fault-free apply:\n%s", strings.Join(clean.Objects, "\n"))
	t.Logf("faults by API: %v", faulty.Stats.ByService)
	checkStacksConverged(t, keys, clean, faulty)
}

// applyGCPStacksUnderFaults applies the GCP blueprints (keys of
// gcpFaultBlueprints) as one config, one modules/stack instance each, with
// the provider's Compute, Cloud SQL Admin and Cloud DNS calls going through
// a fault front, with convergeUnderFaults. Each blueprint's name is name
// plus a letter.
func applyGCPStacksUnderFaults(t *testing.T, keys []string, opts services.FaultOptions) faultRun {
	t.Helper()
	name := "fg" + strings.ToLower(acctest.RandStringFromCharSet(6, acctest.CharSetAlphaNum))
	dir := t.TempDir()
	config := stackModules(t, dir, keys, name, "")
	local := strings.TrimSuffix(os.Getenv("HA_GCP_LOCAL_URL"), "/")
	proxy, err := services.StartFaultProxy(local, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = proxy.Close() }()
	tf := newCLI(t, CLIs(t)[0], dir, config)
	direct := append([]string(nil), tf.env...)
	tf.env = append(tf.env, "HA_GCP_COMPUTE_ENDPOINT="+proxy.URL+"/compute/v1/",
		"HA_GCP_SQLADMIN_ENDPOINT="+proxy.URL+"/", "HA_GCP_DNS_ENDPOINT="+proxy.URL+"/")
	// A failed run is destroyed straight at the endpoint (the front is
	// closed by then), and what the state lost is deleted by name.
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		out, err := (&cliRun{t: t, cli: tf.cli, dir: tf.dir, env: direct}).try("destroy", "-auto-approve", "-input=false")
		t.Logf("cleanup destroy of %s: %v\n%s", name, err, tail(out, 20))
		insts, _ := gcloudList("sql", "instances", "list")
		for _, in := range insts {
			if n := fmt.Sprint(in["name"]); strings.HasPrefix(n, name) {
				_, _ = gcloud("sql", "instances", "delete", n, "--quiet")
			}
		}
	})
	objects := func() []string {
		names := make([]string, len(keys))
		for i := range keys {
			names[i] = name + string(rune('a'+i))
		}
		byName := gcpStackObjects(t, names...)
		var out []string
		for i, key := range keys {
			for _, o := range byName[names[i]] {
				out = append(out, key+": "+o)
			}
		}
		return out
	}
	return convergeUnderFaults(t, tf, proxy, opts, name, objects)
}

// nameHash ends a name cut to fit (a Cloud SQL replica's, a Cloud DNS
// health check's) or an instance template's name: a hash of what holds
// the test's name.
var nameHash = regexp.MustCompile(`-[0-9a-f]{8}\b`)

// gcpStackObjects lists, through gcloud straight at the endpoint, what the
// GCP blueprints named names hold in gcpFaultRegions and globally, each
// name's objects with the name, hashes and made-up numbers replaced so
// that two applies compare equal. Each listing is of one kind in one
// scope: gcloud sends a list of several scopes as one batch request.
func gcpStackObjects(t *testing.T, names ...string) map[string][]string {
	t.Helper()
	lists := [][]string{
		{"compute", "instance-templates", "list", "--global"},
		{"compute", "forwarding-rules", "list", "--global"},
		{"compute", "target-http-proxies", "list", "--global"},
		{"compute", "url-maps", "list", "--global"},
		{"compute", "backend-services", "list", "--global"},
		{"compute", "health-checks", "list", "--global"},
	}
	for _, r := range gcpFaultRegions {
		lists = append(lists, []string{"compute", "instance-groups", "managed", "list", "--regions", r})
	}
	out := map[string][]string{}
	for _, args := range lists {
		items, err := gcloudList(args...)
		if err != nil {
			t.Fatal(err)
		}
		kind := args[1]
		if kind == "instance-groups" {
			kind = "instance-group"
		}
		for _, it := range items {
			n := fmt.Sprint(it["name"])
			for _, name := range names {
				// Cloud DNS health checks are named after the record
				// (ha-dns-RECORD-...), the rest start with the name.
				if !strings.Contains(n, name) {
					continue
				}
				o := kind + " " + strings.ReplaceAll(n, name, "BP") + regionOf(it)
				if kind == "instance-group" {
					o += fmt.Sprintf(" size=%v autoscaled=%v", it["targetSize"], it["autoscaled"])
				}
				out[name] = append(out[name], o)
			}
		}
	}
	for name, objs := range gcpDataObjectsOf(t, names...) {
		out[name] = append(out[name], objs...)
	}
	for _, objs := range out {
		for i, o := range objs {
			objs[i] = stampLike.ReplaceAllString(nameHash.ReplaceAllString(o, "-HASH"), "N")
		}
		sort.Strings(objs)
	}
	return out
}

// regionOf is " @REGION" of a regional object, "" for a global one.
func regionOf(item map[string]any) string {
	if r, ok := item["region"].(string); ok && r != "" {
		return " @" + filepath.Base(r)
	}
	return ""
}
