package pgbackrest_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backupplan"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/patroni"
	"github.com/ha-blueprints/terraform-provider-ha/internal/pgbackrest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/pgbackrest/pgbackresttest"
)

func TestCronSchedule(t *testing.T) {
	for in, want := range map[string]string{"cron(0 3 * * ? *)": "0 3 * * *", "": "0 3 * * *", "15 */6 * * 1-5": "15 */6 * * 1-5"} {
		if got, err := pgbackrest.CronSchedule(in); err != nil || got != want {
			t.Errorf("CronSchedule(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"cron(0 3 * * ? 2027)", "cron(0 3 *)", "daily"} {
		if _, err := pgbackrest.CronSchedule(in); err == nil {
			t.Errorf("CronSchedule(%q): no error", in)
		}
	}
}

// The blueprint's RPO for a bare-metal site is the archive_timeout the plan
// sets.
func TestArchiveTimeoutIsTheBlueprintsBound(t *testing.T) {
	if pgbackrest.ArchiveTimeout != blueprints.WALArchiveInterval {
		t.Errorf("archive_timeout %d s, blueprints plan with %d s", pgbackrest.ArchiveTimeout, blueprints.WALArchiveInterval)
	}
}

func TestCheck(t *testing.T) {
	h := backupplan.Host{Name: "db1", Address: "10.0.0.1"}
	spec := backupplan.Spec{Encrypted: true, BareMetal: &backupplan.BareMetal{Stanza: "s", DBHosts: []backupplan.Host{h}, RepoHost: h}}
	err := pgbackrest.Check(spec)
	if err == nil || !strings.Contains(err.Error(), "must leave the site") || !strings.Contains(err.Error(), "passphrase") {
		t.Errorf("repository on a database host, no passphrase: %v", err)
	}
}

// A Patroni cluster on two hosts of site A and a pgBackRest repository on a
// host of site B (namespace hosts): the plan turns on WAL archiving, a
// full backup lands in site B's encrypted repository; a row committed after
// the backup is archived; a restore into a new host reaches it.
func TestBackupAndRestoreOnNamespaceHosts(t *testing.T) {
	nshosts.RequireLive(t)
	nshosts.OneClusterAtATime(t)
	for _, b := range []string{"patroni", "etcd", "pgbackrest", "/usr/lib/postgresql/15/bin/postgres"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Fatalf("%s not installed (scripts/install-deps.sh installs it)", b)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	lab, err := nshosts.Start(ctx, nshosts.Spec{Hosts: map[string]string{"db-a1": "", "db-a2": "", "bk-b1": "", "db-new": ""}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lab.Stop() }()
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ssh := hostdeliver.Settings{PrivateKey: lab.ClientKey}
	host := func(n string) backupplan.Host {
		return backupplan.Host{Name: n, Address: lab.Hosts[n].Address, HostKey: lab.Hosts[n].HostKey}
	}
	defer func() {
		if t.Failed() {
			for _, f := range []string{"patroni/shop-db/db-a1/patroni.log", "patroni/shop-db/db-a1/pgbackrest-log/shop-db-archive-push-async.log",
				"pgbr/shop-db/log/shop-db-backup.log", "pgbr/shop-db/pgbackrest-server.log", "patroni/shop-db/db-a1/pgbackrest-server.log",
				"patroni/shop-db/db-new/postgresql.log"} {
				b, _ := os.ReadFile(filepath.Join(base, f))
				if len(b) > 3000 {
					b = b[len(b)-3000:]
				}
				t.Logf("%s:\n%s", f, b)
			}
		}
	}()

	dbs := &patroni.Backend{SSH: ssh, Wait: 3 * time.Minute}
	dspec := database.Spec{Meta: backend.Meta{Name: "shop-db", Location: "dc-a"}, Engine: "postgres", Password: "pw",
		BareMetal: &database.BareMetal{Primary: "db-a1", RTO: 13 * time.Second, BaseDir: filepath.Join(base, "patroni"), Hosts: []database.Host{
			{Name: "db-a1", Address: lab.Hosts["db-a1"].Address, HostKey: lab.Hosts["db-a1"].HostKey, Domains: map[string]string{"pdu": "a1"}},
			{Name: "db-a2", Address: lab.Hosts["db-a2"].Address, HostKey: lab.Hosts["db-a2"].HostKey, Domains: map[string]string{"pdu": "a2"}},
		}}}
	dst, err := dbs.Apply(ctx, dspec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = dbs.Delete(context.Background(), dst) }()
	dsn := func(addr string) string {
		return fmt.Sprintf("host=%s port=5432 user=postgres password=pw dbname=postgres sslmode=disable connect_timeout=3", addr)
	}
	db, err := sql.Open("postgres", dsn(lab.Hosts["db-a1"].Address))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if _, err := db.ExecContext(ctx, "CREATE TABLE orders (n int PRIMARY KEY); INSERT INTO orders VALUES (1)"); err != nil {
		t.Fatal(err)
	}

	plan := backupplan.Spec{Meta: backend.Meta{Name: "shop-db-backups", Location: "dc-a"}, Database: "dc-a/database",
		CopyToLocation: "dc-b", Schedule: "cron(0 3 * * ? *)", RetentionDays: 7, Encrypted: true, StartBackupNow: true,
		BareMetal: &backupplan.BareMetal{Stanza: "shop-db", DBHosts: []backupplan.Host{host("db-a1"), host("db-a2")},
			RepoHost: host("bk-b1"), Passphrase: "repo-secret",
			PatroniAPIs:     []string{lab.Hosts["db-a1"].Address + ":8008", lab.Hosts["db-a2"].Address + ":8008"},
			BaseDir:         filepath.Join(base, "pgbr"),
			DatabaseBaseDir: filepath.Join(base, "patroni"),
			CronDir:         filepath.Join(base, "cron")}}
	pb := &pgbackrest.Backend{SSH: ssh}
	st, err := pb.Apply(ctx, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.LatestRecoveryPointID == "" || !st.Spec.Encrypted {
		t.Fatalf("no backup after apply: %+v", st)
	}
	t.Logf("backup %s in %s", st.LatestRecoveryPointID, st.VaultID)
	// Observer: the repository on the site-B host holds the backup, and
	// its files are encrypted (no plain INI header).
	out, err := lab.Hosts["bk-b1"].Exec(ctx, "cat", filepath.Join(base, "pgbr/shop-db/repo/backup/shop-db/backup.info"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "[backrest]") || strings.Contains(string(out), st.LatestRecoveryPointID) {
		t.Errorf("backup.info in the repository is not encrypted: %.200q", out)
	}
	if _, err := os.Stat(filepath.Join(base, "pgbr/shop-db/repo/backup/shop-db", st.LatestRecoveryPointID)); err != nil {
		t.Errorf("backup %s not in the repository: %v", st.LatestRecoveryPointID, err)
	}
	cron, err := os.ReadFile(filepath.Join(base, "cron/ha-pgbackrest-shop-db"))
	if err != nil || !strings.Contains(string(cron), "0 3 * * * postgres") {
		t.Errorf("schedule: %q, %v", cron, err)
	}
	var archiveCmd string
	if err := db.QueryRowContext(ctx, "SHOW archive_command").Scan(&archiveCmd); err != nil || !strings.Contains(archiveCmd, "archive-push") {
		t.Errorf("archive_command %q, %v", archiveCmd, err)
	}
	// Patroni reloads PostgreSQL within a loop_wait: archive_timeout bounds
	// the RPO of losing site A.
	var archiveTimeout string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && archiveTimeout != "1min"; time.Sleep(500 * time.Millisecond) {
		_ = db.QueryRowContext(ctx, "SHOW archive_timeout").Scan(&archiveTimeout)
	}
	if archiveTimeout != "1min" {
		t.Errorf("archive_timeout %q, want 1min", archiveTimeout)
	}

	// A row committed after the backup, its WAL segment archived.
	if _, err := db.ExecContext(ctx, "INSERT INTO orders VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	if _, err := pgbackresttest.SwitchAndWaitArchived(ctx, db); err != nil {
		t.Fatal(err)
	}

	// Restore into a new host: it reaches the row after the backup.
	if err := pb.Restore(ctx, plan, pgbackrest.RestoreSpec{Host: host("db-new")}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pb.StopRestored(context.Background(), plan, host("db-new"), "") }()
	rdb, err := sql.Open("postgres", dsn(lab.Hosts["db-new"].Address))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rdb.Close() }()
	var max int
	if err := rdb.QueryRowContext(ctx, "SELECT max(n) FROM orders").Scan(&max); err != nil {
		t.Fatal(err)
	}
	if max != 2 {
		t.Errorf("restored database has rows up to %d, want 2 (the newest archived WAL)", max)
	}

	// Deleting the plan while its database does not answer (its site
	// lost) keeps the repository, with a warning; the plan's other files go.
	lostSite := *st
	lostBM := *st.Spec.BareMetal
	lostBM.PatroniAPIs, lostBM.DBHosts = []string{"127.0.0.1:1"}, nil
	lostSite.Spec.BareMetal = &lostBM
	wctx, warnings := backend.WithWarnings(ctx)
	if err := pb.Delete(wctx, &lostSite); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(base, "pgbr/shop-db/repo/backup/shop-db", st.LatestRecoveryPointID)); err != nil {
		t.Errorf("repository not kept when the database does not answer: %v", err)
	}
	if w := warnings.List(); len(w) != 1 || !strings.Contains(w[0].Detail, "pgbackrest --stanza=shop-db restore") {
		t.Errorf("warnings %+v", w)
	}
	if _, err := os.Stat(filepath.Join(base, "cron/ha-pgbackrest-shop-db")); !os.IsNotExist(err) {
		t.Errorf("schedule left behind: %v", err)
	}

	if err := pb.Delete(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, err := pb.Read(ctx, plan, nil); !backend.IsNotFound(err) {
		t.Errorf("read after delete: %v", err)
	}
	// Patroni reloads PostgreSQL within a loop_wait.
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		if err := db.QueryRowContext(ctx, "SHOW archive_command").Scan(&archiveCmd); err == nil && archiveCmd == "/bin/true" {
			break
		}
	}
	if archiveCmd != "/bin/true" {
		t.Errorf("archive_command after delete %q", archiveCmd)
	}
}
