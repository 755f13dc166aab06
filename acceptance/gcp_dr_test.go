package acceptance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
)

// drStackConfig is modules/stack with the disaster-recovery inputs as
// variables, and the lost GCP regions declared on the provider
// (gcp { lost_locations }), as a user would after a disaster.
func drStackConfig(bpPath string) string {
	return stackRootWith(`variable "lost_locations" {
  type    = list(string)
  default = []
}

provider "ha" {
  gcp {
    lost_locations = var.lost_locations
  }
}`, bpPath, acceptanceArgs+drArgs, drVariables+`
output "recovery" {
  value = module.stack.recovery
}

output "gcp_load_balancers" {
  value = module.stack.gcp_load_balancers
}
`)
}

// The stock gcp-active-passive blueprint (web tier and Postgres across
// belgium = europe-west1 and netherlands = europe-west4, Cloud DNS
// failover, backups copied) through modules/stack, then the GCP disaster
// recovery the AWS quickstart test does, in one test to keep CI short:
//
//  1. apply; gcloud sees the primary (tier, PITR, backups copied to
//     europe-west4), the cross-region replica following it, both groups,
//     and a Cloud DNS primary-backup record on the two load balancers'
//     addresses; the next plan is empty.
//  2. belgium is lost: its group disappears (its Cloud SQL primary and the
//     load balancer's global pieces stay) and europe-west1 is declared lost on the provider. One
//     apply promotes the netherlands replica, moves DNS to netherlands and
//     rebuilds belgium in europe-west3 as a replica of the promoted copy;
//     nothing is created in europe-west1; the next plan is empty.
//  3. Failback to the rebuilt belgium (primary_region); the next plan is
//     empty.
//  4. Destroy leaves only the lost primary in europe-west1, which the state
//     forgot; once the region answers again it is found by its label and
//     deleted, and nothing of the blueprint is left.
func TestAccGCPDR_activePassiveThroughStack(t *testing.T) {
	PreCheck(t)
	useGCP(t)
	name := "gd" + strings.ToLower(acctest.RandStringFromCharSet(6, acctest.CharSetAlphaNum))
	stock, err := os.ReadFile(filepath.Join(RepoRoot(), "blueprints", "stock", "gcp-active-passive.ha.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(strings.ReplaceAll(string(stock), "gshop", name), "example.com", name+".test")
	dir := t.TempDir()
	bpPath := filepath.Join(dir, "bp.ha.hcl")
	if err := os.WriteFile(bpPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	fqdn, zone := name+"."+name+".test.", name+"-test"
	tf := newCLI(t, CLIs(t)[0], dir, drStackConfig(bpPath))
	t.Cleanup(func() { gcpSweepBlueprint(t, tf, name) })

	lb := func(k string) string { return `module.stack.ha_load_balancer.this["` + k + `"]` }
	replica := func(k string) string { return `module.stack.ha_database_replica.this["` + k + `"]` }
	sg := func(k string) string { return `module.stack.ha_scaling_group.this["` + k + `"]` }

	// 1. Apply the stock blueprint.
	started := time.Now()
	tf.apply()
	t.Logf("apply: %.1fs", time.Since(started).Seconds())
	st := tf.state()
	// Long Cloud SQL names end in a hash, so they are read from the state.
	primaryDB, nlReplica := st.attr(`module.stack.ha_database.this["belgium/orders/database"]`, "name"), st.attr(replica("netherlands/orders/replica"), "name")
	st.expect(`module.stack.ha_database.this["belgium/orders/database"]`, "cloud", "gcp")
	st.expect(replica("netherlands/orders/replica"), "role", "replica")
	st.expect(`module.stack.ha_dns_failover.this["global/`+name+"."+name+`.test/dns_failover"]`, "backend", "clouddns")
	db := mustSQLInstance(t, primaryDB)
	settings, _ := db["settings"].(map[string]any)
	backups, _ := settings["backupConfiguration"].(map[string]any)
	if db["region"] != "europe-west1" || db["state"] != "RUNNABLE" || settings["tier"] != "db-custom-2-7680" ||
		backups["enabled"] != true || backups["pointInTimeRecoveryEnabled"] != true || backups["location"] != "europe-west4" {
		t.Errorf("primary %s is not as the blueprint says (europe-west1, RUNNABLE, db-custom-2-7680, backups with PITR copied to europe-west4): %v", primaryDB, db)
	}
	checkFollows(t, nlReplica, "europe-west4", primaryDB)
	checkGroup(t, name+"-belgium-web", "europe-west1")
	checkGroup(t, name+"-netherlands-web", "europe-west4")
	beAddr, nlAddr := st.attr(lb("belgium/web/load_balancer"), "address"), st.attr(lb("netherlands/web/load_balancer"), "address")
	checkDNSPrimary(t, zone, fqdn, beAddr, nlAddr)
	tf.planEmpty()

	// 2. belgium is lost.
	// Its group goes (out of the global backend service first, as GCP
	// refuses to delete a group that is a backend); the global pieces of
	// the load balancer outlive a regional outage.
	if _, err := gcloud("compute", "backend-services", "remove-backend", name+"-belgium-web-bs", "--global",
		"--instance-group", name+"-belgium-web", "--instance-group-region", "europe-west1"); err != nil {
		t.Fatal(err)
	}
	if _, err := gcloud("compute", "instance-groups", "managed", "delete", name+"-belgium-web", "--region", "europe-west1", "--quiet"); err != nil {
		t.Fatal(err)
	}
	lost := []string{`lost_regions=["belgium"]`, `replacements={belgium="europe-west3"}`, `lost_locations=["europe-west1"]`}
	started = time.Now()
	tf.apply(lost...)
	t.Logf("disaster-recovery apply: %.1fs", time.Since(started).Seconds())
	st = tf.state()
	st.expect(replica("netherlands/orders/replica"), "role", "primary")
	st.expect(replica("belgium/orders/replica"), "location", "europe-west3")
	beReplica := st.attr(replica("belgium/orders/replica"), "name")
	st.expect(lb("belgium/web/load_balancer"), "location", "europe-west3")
	st.expect(sg("belgium/web/scaling_group"), "location", "europe-west3")
	st.absent(`module.stack.ha_database.this["belgium/orders/database"]`)
	if got := tf.output("recovery"); !strings.Contains(got, `"new_primary":"netherlands"`) {
		t.Errorf("recovery output: %s", got)
	}
	checkStandalone(t, nlReplica)
	checkFollows(t, beReplica, "europe-west3", nlReplica)
	checkGroup(t, name+"-belgium-web", "europe-west3")
	checkDNSPrimary(t, zone, fqdn, nlAddr, st.attr(lb("belgium/web/load_balancer"), "address"))
	if in := gcpInRegion(t, name, "europe-west1"); strings.Join(in, ",") != "sql "+primaryDB {
		t.Errorf("europe-west1 should hold only the lost primary (nothing rebuilt there), holds %v", in)
	}
	tf.planEmpty(lost...)

	// 3. Fail back to the rebuilt belgium.
	failback := append(append([]string{}, lost...), `primary_region=belgium`)
	tf.apply(failback...)
	st = tf.state()
	st.expect(replica("belgium/orders/replica"), "role", "primary")
	st.expect(replica("netherlands/orders/replica"), "role", "replica")
	checkStandalone(t, beReplica)
	checkFollows(t, nlReplica, "europe-west4", beReplica)
	checkDNSPrimary(t, zone, fqdn, st.attr(lb("belgium/web/load_balancer"), "address"), nlAddr)
	tf.planEmpty(failback...)

	// 4. Destroy; then the region answers again and its leftover goes.
	started = time.Now()
	tf.destroy(failback...)
	t.Logf("destroy: %.1fs", time.Since(started).Seconds())
	if st := tf.state(); len(st.resources) != 0 {
		t.Errorf("state after destroy: %v", st.resources)
	}
	if in := gcpInRegion(t, name, "europe-west1"); strings.Join(in, ",") != "sql "+primaryDB {
		t.Errorf("after destroy europe-west1 should hold only the forgotten lost primary, holds %v", in)
	}
	if _, err := gcloud("sql", "instances", "delete", primaryDB, "--quiet"); err != nil {
		t.Error(err)
	}
	left := gcpBlueprintObjects(t, name, "europe-west1", "europe-west3", "europe-west4")
	if len(left) > 0 {
		t.Errorf("left after destroy: %v", left)
	}
}

// mustSQLInstance is sqlInstance (gcloud's view), failing the test on error.
func mustSQLInstance(t *testing.T, name string) map[string]any {
	t.Helper()
	inst, err := sqlInstance(name)
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// checkFollows checks with gcloud that name is a RUNNABLE read replica of
// master in region.
func checkFollows(t *testing.T, name, region, master string) {
	t.Helper()
	inst := mustSQLInstance(t, name)
	if inst["region"] != region || inst["state"] != "RUNNABLE" || inst["masterInstanceName"] != master && !strings.HasSuffix(fmt.Sprint(inst["masterInstanceName"]), ":"+master) {
		t.Errorf("%s: want a RUNNABLE replica of %s in %s, gcloud sees region %v, state %v, master %v", name, master, region, inst["region"], inst["state"], inst["masterInstanceName"])
	}
}

// checkStandalone checks with gcloud that name no longer replicates.
func checkStandalone(t *testing.T, name string) {
	t.Helper()
	if m := mustSQLInstance(t, name)["masterInstanceName"]; m != nil {
		t.Errorf("%s still replicates from %v", name, m)
	}
}

// checkGroup checks with gcloud that the managed instance group is in region.
func checkGroup(t *testing.T, name, region string) {
	t.Helper()
	if _, err := gcloudObject("compute", "instance-groups", "managed", "describe", name, "--region", region); err != nil {
		t.Error(err)
	}
}

// checkDNSPrimary checks with gcloud that the failover record of fqdn in
// the managed zone answers primary while healthy, backup otherwise.
func checkDNSPrimary(t *testing.T, zone, fqdn, primary, backup string) {
	t.Helper()
	recs, err := gcloudList("dns", "record-sets", "list", "--zone", zone)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r["name"] != fqdn || r["type"] != "A" {
			continue
		}
		b, _ := json.Marshal(r["routingPolicy"])
		var rp struct {
			PrimaryBackup struct {
				PrimaryTargets struct {
					ExternalEndpoints []string `json:"externalEndpoints"`
				} `json:"primaryTargets"`
				BackupGeoTargets struct {
					Items []struct {
						HealthCheckedTargets struct {
							ExternalEndpoints []string `json:"externalEndpoints"`
						} `json:"healthCheckedTargets"`
					} `json:"items"`
				} `json:"backupGeoTargets"`
			} `json:"primaryBackup"`
		}
		if err := json.Unmarshal(b, &rp); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range rp.PrimaryBackup.BackupGeoTargets.Items {
			got = append(got, it.HealthCheckedTargets.ExternalEndpoints...)
		}
		if p := rp.PrimaryBackup.PrimaryTargets.ExternalEndpoints; strings.Join(p, ",") != primary || strings.Join(got, ",") != backup {
			t.Errorf("%s: primary %v backup %v, want primary %s backup %s", fqdn, p, got, primary, backup)
		}
		return
	}
	t.Errorf("no A record %s in zone %s", fqdn, zone)
}

// gcpREST lists the items of one GCP list call straight at the local
// endpoint (leftover checks run many lists; gcloud, the observer of what
// the stack built, takes seconds per call on a busy machine).
func gcpREST(t *testing.T, path string) []map[string]any {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(os.Getenv("HA_GCP_LOCAL_URL"), "/") + path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var v struct {
		Items []map[string]any `json:"items"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return v.Items
}

// gcpInRegion lists the Cloud SQL instances (sql NAME) and managed
// instance groups (group NAME) of the blueprint in region.
func gcpInRegion(t *testing.T, name, region string) []string {
	t.Helper()
	var out []string
	for _, o := range gcpBlueprintObjects(t, name, region) {
		if strings.HasSuffix(o, "@"+region) {
			out = append(out, strings.TrimSuffix(o, "@"+region))
		}
	}
	return out
}

// gcpBlueprintObjects is every Cloud SQL instance and managed instance
// group in regions (as KIND NAME@REGION), managed zone and global compute
// object whose name starts with name.
func gcpBlueprintObjects(t *testing.T, name string, regions ...string) []string {
	t.Helper()
	project := os.Getenv("HA_GCP_PROJECT")
	var out []string
	add := func(kind string, items []map[string]any) {
		for _, it := range items {
			if n := fmt.Sprint(it["name"]); strings.HasPrefix(n, name) {
				if r, ok := it["region"].(string); ok {
					n += "@" + filepath.Base(r)
				}
				out = append(out, kind+" "+n)
			}
		}
	}
	add("sql", gcpREST(t, "/sql/v1beta4/projects/"+project+"/instances"))
	add("zone", gcpREST(t, "/dns/v1/projects/"+project+"/managedZones"))
	for _, r := range regions {
		add("group", gcpREST(t, "/compute/v1/projects/"+project+"/regions/"+r+"/instanceGroupManagers"))
	}
	for _, kind := range []string{"forwardingRules", "targetHttpProxies", "urlMaps", "backendServices", "healthChecks", "instanceTemplates"} {
		add(kind, gcpREST(t, "/compute/v1/projects/"+project+"/global/"+kind))
	}
	return out
}

// gcpSweepBlueprint, after a failed test, destroys what the state holds and
// deletes what the lost region kept, so the next test starts clean.
func gcpSweepBlueprint(t *testing.T, tf *cliRun, name string) {
	if !t.Failed() {
		return
	}
	started := time.Now()
	out, err := tf.try("destroy", "-auto-approve", "-input=false")
	t.Logf("cleanup destroy (%.1fs): %v\n%s", time.Since(started).Seconds(), err, out)
	insts, _ := gcloudList("sql", "instances", "list")
	for _, i := range insts {
		if n := fmt.Sprint(i["name"]); strings.HasPrefix(n, name) {
			_, _ = gcloud("sql", "instances", "delete", n, "--quiet")
		}
	}
}
