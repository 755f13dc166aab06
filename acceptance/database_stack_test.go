package acceptance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/patroni"
)

const pgStackBlueprint = `blueprint "pgacc" {}

region "dc1" {
  cloud     = "bare_metal"
  inventory = "dc1.inventory.hcl"
  role      = "primary"
}

region "dc2" {
  cloud     = "bare_metal"
  inventory = "dc2.inventory.hcl"
}

database "orders" {
  engine  = "postgres"
  version = "15"
  primary = %q
  replication {
    mode = "sync"
  }
  backup {
    schedule = "daily 03:00"
    retain   = "7d"
    copy_to  = [region.dc2]
  }
}
`

// pgStackPassphrase is the repository cipher's: it must never show in
// terraform's output, even at TF_LOG=trace.
const pgStackPassphrase = "acc-repo-Secret-7f3a"

// A bare-metal database through modules/stack on three namespace hosts
// (one on feed A, one on feed B, one corded on both) with its backups in a
// second site: the blueprint's database becomes a host allocation and a
// Patroni cluster in sync mode, its backup block a pgBackRest plan whose
// encrypted repository is on a host of site dc2; Patroni's REST API (read
// as an observer) shows the declared primary leading with a sync standby
// and archiving on, the repository holds a full backup; the passphrase is
// nowhere in terraform's output at TF_LOG=trace; changing primary in the
// blueprint switches over in the next apply; the plan is then empty;
// destroy removes it all, the repository included.
func TestAccDatabase_bareMetalStack(t *testing.T) {
	PreCheck(t)
	nshosts.RequireLive(t)
	nshosts.OneClusterAtATime(t)
	for _, b := range []string{"patroni", "etcd", "/usr/lib/postgresql/15/bin/postgres"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Fatalf("%s not installed (scripts/install-deps.sh installs it)", b)
		}
	}
	names := []string{"db-a1", "db-ab", "db-b1"}
	const (
		clusterDir = "/var/lib/ha-patroni/pgacc-dc1-orders"
		repoDir    = "/var/lib/ha-pgbackrest/pgacc-dc1-orders"
		cronFile   = "/etc/cron.d/ha-pgbackrest-pgacc-dc1-orders"
	)
	for _, d := range []string{clusterDir, repoDir, cronFile} {
		if err := os.RemoveAll(d); err != nil {
			t.Fatal(err)
		}
	}
	lab, err := nshosts.Start(context.Background(), nshosts.Spec{Hosts: map[string]string{"db-a1": "", "db-b1": "", "db-ab": "", "bk-c1": ""}})
	if err != nil {
		t.Fatal(err)
	}
	// Registered before the lab's stop, so it runs after it: a failed run
	// leaves no Patroni or etcd data for the next (its members' addresses
	// change with every lab).
	t.Cleanup(func() {
		for _, d := range []string{clusterDir, repoDir, cronFile} {
			_ = os.RemoveAll(d)
		}
	})
	t.Cleanup(func() { _ = lab.Stop() })
	t.Setenv("HA_BARE_METAL_SSH_PRIVATE_KEY", string(lab.ClientKey))
	t.Setenv("HA_BARE_METAL_KNOWN_HOSTS", "")
	dir := t.TempDir()
	var apis []string
	for _, n := range names {
		apis = append(apis, lab.Hosts[n].Address+":8008")
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dc1.inventory.hcl", siteInventory(lab, "dc1", []string{"a", "b"}, names))
	write("dc2.inventory.hcl", siteInventory(lab, "dc2", []string{"c"}, []string{"bk-c1"}))
	write("pgacc.ha.hcl", fmt.Sprintf(pgStackBlueprint, "db-a1"))
	tf := newCLI(t, CLIs(t)[0], dir, stackRoot(filepath.Join(dir, "pgacc.ha.hcl"), `
  database_username = "app"
  database_password = "acc-pw-123"
  backup_passphrase = "`+pgStackPassphrase+`"`, `
output "databases" {
  value = module.stack.bare_metal_databases
}
output "backups" {
  value = module.stack.bare_metal_backup_plans
}
`))
	// observe reads /cluster through any member, as an observer would.
	observe := func(wantLeader string) {
		t.Helper()
		st, err := patroni.NewClient(apis[0]).Cluster(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Leader() != wantLeader || len(st.SyncStandbys()) != 1 || st.SyncStandbys()[0] == wantLeader {
			t.Errorf("cluster: leader %q, sync standbys %v; want leader %s and one sync standby (members %+v)", st.Leader(), st.SyncStandbys(), wantLeader, st.Members)
		}
	}
	start := time.Now()
	traced := *tf
	traced.env = append(append([]string(nil), tf.env...), "TF_LOG=trace")
	out := traced.run("apply", "-auto-approve", "-input=false")
	t.Logf("apply: %s", time.Since(start).Round(time.Second))
	if strings.Contains(out, pgStackPassphrase) {
		t.Errorf("the repository passphrase is in terraform's output at TF_LOG=trace")
	}
	db := `module.stack.ha_database.bare_metal["dc1/orders/database"]`
	st := tf.state()
	st.expect(db, "multi_az", "true")
	st.expect(`module.stack.ha_host_allocation.this["dc1/orders/host_allocation"]`, "host_count", "3")
	st.expect(`module.stack.ha_host_allocation.this["dc2/orders-repository/host_allocation"]`, "members", "[bk-c1]")
	observe("db-a1")
	// Observers: Patroni's dynamic configuration archives WAL with
	// pgBackRest; the repository (in site dc2's host's files) holds the
	// full backup terraform reports, encrypted.
	cfg, err := patroni.NewClient(apis[0]).Config(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(cfg); !strings.Contains(string(b), "archive-push") || !strings.Contains(string(b), `"archive_timeout":60`) {
		t.Errorf("Patroni configuration does not archive WAL to pgBackRest: %s", b)
	}
	var backups map[string]struct {
		Repository   string `json:"repository"`
		LatestBackup string `json:"latest_backup"`
	}
	if err := json.Unmarshal([]byte(tf.output("backups")), &backups); err != nil {
		t.Fatal(err)
	}
	label := backups["dc1/orders/backup_plan"].LatestBackup
	if label == "" || !strings.HasPrefix(backups["dc1/orders/backup_plan"].Repository, "bk-c1:") {
		t.Fatalf("backup plan output: %+v", backups)
	}
	if _, err := os.Stat(filepath.Join(repoDir, "repo/backup/pgacc-dc1-orders", label)); err != nil {
		t.Errorf("backup %s is not in the repository on bk-c1: %v", label, err)
	}
	if b, err := os.ReadFile(filepath.Join(repoDir, "repo/backup/pgacc-dc1-orders/backup.info")); err != nil || strings.Contains(string(b), "[backrest]") {
		t.Errorf("backup.info missing or not encrypted: %v %.80q", err, b)
	}
	if out := tf.output("databases"); !strings.Contains(out, lab.Hosts["db-a1"].Address+":5432") {
		t.Errorf("output does not name db-a1's endpoint: %s", out)
	}

	write("pgacc.ha.hcl", fmt.Sprintf(pgStackBlueprint, "db-b1"))
	start = time.Now()
	tf.apply()
	t.Logf("switchover apply: %s", time.Since(start).Round(time.Second))
	observe("db-b1")
	tf.planEmpty()
	tf.destroy()
	if st := tf.state(); len(st.resources) != 0 {
		t.Errorf("state after destroy: %v", st.resources)
	}
	if _, err := os.Stat(clusterDir + "/db-a1"); !os.IsNotExist(err) {
		t.Errorf("db-a1's Patroni files survive destroy: %v", err)
	}
	for _, f := range []string{repoDir, cronFile} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s survives destroy: %v", f, err)
		}
	}
}

// A bare-metal backup plan that cannot work is refused at plan, naming
// what is wrong, before anything is delivered: a repository on one of the
// database's own hosts (backups must leave the site), an encrypted
// repository without a passphrase, a schedule cron cannot run, and no
// repository host at all.
func TestAccBackupPlan_bareMetalPlanChecks(t *testing.T) {
	PreCheck(t)
	cfg := func(repo, passphrase, schedule string) string {
		repoHost := ""
		if repo != "" {
			repoHost = fmt.Sprintf("repository_host = { name = %q, address = \"10.9.0.%s\" }", repo, map[string]string{"db1": "1", "bk1": "9"}[repo])
		}
		if passphrase != "" {
			passphrase = fmt.Sprintf("passphrase = %q", passphrase)
		}
		return fmt.Sprintf(`
resource "ha_backup_plan" "orders" {
  cloud            = "bare_metal"
  name             = "shop-dc1-orders"
  location         = "dc1"
  copy_to_location = "dc2"
  schedule         = %q
  stanza           = "shop-dc1-orders"
  database_hosts   = [{ name = "db1", address = "10.9.0.1" }, { name = "db2", address = "10.9.0.2" }]
  %s
  %s
}
`, schedule, repoHost, passphrase)
	}
	Test(t, resource.TestCase{Steps: []resource.TestStep{
		{Config: cfg("db1", "s3cret-pass", "cron(0 3 * * ? *)"), PlanOnly: true, ExpectError: wordsRE("repository host db1 is a database host: backups must leave the site")},
		{Config: cfg("bk1", "", "cron(0 3 * * ? *)"), PlanOnly: true, ExpectError: wordsRE("needs passphrase when encrypted")},
		{Config: cfg("bk1", "s3cret-pass", "rate(1 day)"), PlanOnly: true, ExpectError: wordsRE(`want cron(MIN HOUR DOM MON DOW YEAR)`)},
		{Config: cfg("", "s3cret-pass", "cron(0 3 * * ? *)"), PlanOnly: true, ExpectError: wordsRE("needs repository_host")},
	}})
}
