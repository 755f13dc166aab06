package acceptance

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/patroni"
	"github.com/ha-blueprints/terraform-provider-ha/internal/pgbackrest/pgbackresttest"
)

const pgDRBlueprint = `blueprint "pgdr" {}

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

// siteInventory is an inventory of site on lab's network: a UPS and a PDU
// per side, each host corded on the sides whose letters follow its
// three-letter prefix ("db-ab" on a and b).
func siteInventory(lab *nshosts.Lab, site string, sides []string, hosts []string) string {
	var inv strings.Builder
	fmt.Fprintf(&inv, "site %q {\n  network = %q\n", site, lab.Prefix.String())
	for _, side := range sides {
		fmt.Fprintf(&inv, "  ups \"ups-%s\" {\n    capacity_va = 20000\n  }\n  pdu \"pdu-%s\" {\n    rack     = \"r1\"\n    feed     = \"ups-%s\"\n    max_amps = 32\n    outlets  = 8\n  }\n", side, side, side)
	}
	for i, n := range hosts {
		h := lab.Hosts[n]
		fmt.Fprintf(&inv, "  host %q {\n    rack         = \"r1\"\n    address      = %q\n    ssh_host_key = %q\n    cpus         = 4\n    memory       = \"8GiB\"\n    watts        = 200\n", n, h.Address, strings.TrimSpace(h.HostKey))
		for j, side := range sides {
			if strings.Contains(n[3:], side) {
				fmt.Fprintf(&inv, "    psu %q {\n      pdu    = \"pdu-%s\"\n      outlet = %d\n    }\n", fmt.Sprint(j+1), side, i+1)
			}
		}
		inv.WriteString("  }\n")
	}
	inv.WriteString("}\n")
	return inv.String()
}

// Losing a bare-metal site with its database, through modules/stack: a
// Patroni cluster in dc1 backs up to a pgBackRest repository on a host of
// dc2; rows are committed and their WAL archived; dc1's hosts lose power;
// one apply with lost_regions = ["dc1"] (and the site declared lost to the
// provider) builds the database on three hosts of dc2, restored from the
// repository: every committed row is there, the new cluster has a leader
// and a sync standby, the next plan is empty, and destroy removes it.
func TestAccDatabase_bareMetalDisasterRecovery(t *testing.T) {
	PreCheck(t)
	nshosts.RequireLive(t)
	nshosts.OneClusterAtATime(t)
	for _, b := range []string{"patroni", "etcd", "pgbackrest", "/usr/lib/postgresql/15/bin/postgres"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Fatalf("%s not installed (scripts/install-deps.sh installs it)", b)
		}
	}
	dirs := []string{"/var/lib/ha-patroni/pgdr-dc1-orders", "/var/lib/ha-patroni/pgdr-dc2-orders",
		"/var/lib/ha-pgbackrest/pgdr-dc1-orders", "/etc/cron.d/ha-pgbackrest-pgdr-dc1-orders"}
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			t.Fatal(err)
		}
	}
	dc1 := []string{"db-a1", "db-ab", "db-b1"}
	// Whichever dc2 host the repository takes, the other three keep etcd's
	// majority through the loss of either feed.
	dc2 := []string{"db-c1", "db-cd1", "db-cd2", "db-d1"}
	spec := nshosts.Spec{Hosts: map[string]string{}}
	for _, n := range append(append([]string(nil), dc1...), dc2...) {
		spec.Hosts[n] = ""
	}
	lab, err := nshosts.Start(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	// Registered before the lab's stop, so it runs after it.
	t.Cleanup(func() {
		for _, d := range dirs {
			_ = os.RemoveAll(d)
		}
	})
	t.Cleanup(func() { _ = lab.Stop() })
	t.Setenv("HA_BARE_METAL_SSH_PRIVATE_KEY", string(lab.ClientKey))
	t.Setenv("HA_BARE_METAL_KNOWN_HOSTS", "")
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dc1.inventory.hcl", siteInventory(lab, "dc1", []string{"a", "b"}, dc1))
	write("dc2.inventory.hcl", siteInventory(lab, "dc2", []string{"c", "d"}, dc2))
	write("pgdr.ha.hcl", pgDRBlueprint)
	const password = "acc-pw-dr-123"
	tf := newCLI(t, CLIs(t)[0], dir, stackRoot(filepath.Join(dir, "pgdr.ha.hcl"), `
  database_username = "app"
  database_password = "`+password+`"
  backup_passphrase = "acc-dr-Secret-51c2"`+drArgs, drVariables+`
output "databases" {
  value = module.stack.bare_metal_databases
}
`))
	start := time.Now()
	tf.apply()
	t.Logf("apply: %s", time.Since(start).Round(time.Second))

	type dbOut struct {
		Endpoint string `json:"endpoint"`
		Hosts    []struct {
			Address string `json:"address"`
		} `json:"hosts"`
	}
	output := func() map[string]dbOut {
		t.Helper()
		var dbs map[string]dbOut
		if err := json.Unmarshal([]byte(tf.output("databases")), &dbs); err != nil {
			t.Fatal(err)
		}
		return dbs
	}
	leaderDSN := func(key string) string {
		t.Helper()
		dbs := output()
		host, port, ok := strings.Cut(dbs[key].Endpoint, ":")
		if !ok {
			t.Fatalf("no endpoint for %s: %+v", key, dbs)
		}
		return fmt.Sprintf("host=%s port=%s user=postgres password=%s dbname=postgres sslmode=disable connect_timeout=5", host, port, password)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	db, err := sql.Open("postgres", leaderDSN("dc1/orders/database"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE orders (n int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 500)"); err != nil {
		t.Fatal(err)
	}
	// Committed rows reach the other site once their WAL segment is
	// archived (at the latest archive_timeout later): switch and wait.
	if _, err := pgbackresttest.SwitchAndWaitArchived(ctx, db); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()

	// dc1 loses power.
	for _, n := range dc1 {
		if err := lab.Hosts[n].PowerOff(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tf.env = append(tf.env, "HA_BARE_METAL_LOST_LOCATIONS=dc1")
	lost := `lost_regions=["dc1"]`
	start = time.Now()
	tf.apply(lost)
	t.Logf("disaster-recovery apply: %s", time.Since(start).Round(time.Second))

	st := tf.state()
	st.expect(`module.stack.ha_database.bare_metal["dc2/orders/database"]`, "restore_from_component", "dc1/orders/database")
	st.absent(`module.stack.ha_database.bare_metal["dc1/orders/database"]`)
	rdb, err := sql.Open("postgres", leaderDSN("dc2/orders/database"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rdb.Close() }()
	var count, max int
	if err := rdb.QueryRowContext(ctx, "SELECT count(*), max(n) FROM orders").Scan(&count, &max); err != nil {
		t.Fatal(err)
	}
	if count != 500 || max != 500 {
		t.Errorf("restored database holds %d rows up to %d, want the 500 committed before the loss", count, max)
	}
	if _, err := rdb.ExecContext(ctx, "INSERT INTO orders VALUES (501)"); err != nil {
		t.Errorf("restored database does not accept writes: %v", err)
	}
	// Observer: the new cluster in dc2 has a leader and a sync standby.
	restored := output()["dc2/orders/database"]
	if len(restored.Hosts) != 3 {
		t.Fatalf("restored database hosts %+v", restored.Hosts)
	}
	cs, err := patroni.NewClient(restored.Hosts[0].Address + ":8008").Cluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Leader() == "" || len(cs.SyncStandbys()) != 1 {
		t.Errorf("dc2 cluster: leader %q, sync standbys %v (members %+v)", cs.Leader(), cs.SyncStandbys(), cs.Members)
	}
	tf.planEmpty(lost)
	tf.destroy(lost)
	if st := tf.state(); len(st.resources) != 0 {
		t.Errorf("state after destroy: %v", st.resources)
	}
	if left, _ := filepath.Glob("/var/lib/ha-patroni/pgdr-dc2-orders/*/data"); len(left) != 0 {
		t.Errorf("the restored cluster's files survive destroy: %v", left)
	}
}
