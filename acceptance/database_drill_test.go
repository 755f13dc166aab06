package acceptance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/patroni"
)

// ha_database_drill runs a real drill from Terraform against a Patroni
// cluster in sync mode on three namespace hosts (feeds A, B and a dual-fed
// host, built by the bare_metal database backend): the kill command kills
// the leader's postmaster; writes recover and no acknowledged write is
// lost. A kill command that kills nothing never sees writes fail, which
// the drill reports as no recovery.
func TestAccDatabaseDrill_patroni(t *testing.T) {
	PreCheck(t)
	if os.Geteuid() != 0 {
		t.Fatal("namespace hosts need root (CAP_NET_ADMIN)")
	}
	nshosts.OneClusterAtATime(t)
	for _, b := range []string{"patroni", "etcd", "/usr/lib/postgresql/15/bin/postgres"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Fatalf("%s not installed (scripts/install-deps.sh installs it)", b)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	names := []string{"db-a1", "db-b1", "db-ab"}
	lab, err := nshosts.Start(ctx, nshosts.Spec{Hosts: map[string]string{"db-a1": "", "db-b1": "", "db-ab": ""}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lab.Stop() })
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	feeds := map[string]string{"db-a1": "A", "db-b1": "B", "db-ab": ""}
	var hosts []database.Host
	var apis []string
	kill := "#!/bin/sh\n# kills the postmaster of the host whose address is $1\n"
	for _, n := range names {
		h := lab.Hosts[n]
		hosts = append(hosts, database.Host{Name: n, Address: h.Address, HostKey: h.HostKey, Domains: map[string]string{"feed": feeds[n]}})
		apis = append(apis, fmt.Sprintf("%q", h.Address+":8008"))
		kill += fmt.Sprintf("[ \"$1\" = %s ] && kill -9 \"$(head -1 %s)\"\n", h.Address, filepath.Join(base, "acc-db", n, "data", "postmaster.pid"))
	}
	kill += "exit 0\n"
	killScript := filepath.Join(base, "kill.sh")
	if err := os.WriteFile(killScript, []byte(kill), 0o755); err != nil {
		t.Fatal(err)
	}
	b := &patroni.Backend{SSH: hostdeliver.Settings{PrivateKey: lab.ClientKey}, Wait: 3 * time.Minute}
	st, err := b.Apply(ctx, database.Spec{Meta: backend.Meta{Name: "acc-db", Location: "dc1"}, Engine: "postgres", HighAvailability: true,
		Password: "acc-pw", BareMetal: &database.BareMetal{Hosts: hosts, RTO: 13 * time.Second, BaseDir: base}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Delete(context.Background(), st) })
	if len(st.SyncStandbys) != 1 {
		t.Fatalf("no sync standby: %+v", st)
	}
	cfg := func(killCmd, timeout string) string {
		return fmt.Sprintf(`
data "ha_database_drill" "db" {
  patroni         = [%s]
  password        = "acc-pw"
  kill_command    = %q
  timeout         = %q
  require_no_loss = true
}
`, strings.Join(apis, ", "), killCmd, timeout)
	}
	d := "data.ha_database_drill.db"
	Test(t, resource.TestCase{
		PreCheck: func() { PreCheck(t) },
		Steps: []resource.TestStep{
			{
				Config: cfg("sh "+killScript+" {leader}", "2m"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(d, tfjsonpath.New("recovered"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(d, tfjsonpath.New("lost"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(d, tfjsonpath.New("rto_seconds"), knownvalue.Float64Func(func(v float64) error {
						if v <= 0 {
							return fmt.Errorf("rto_seconds %v", v)
						}
						return nil
					})),
					statecheck.ExpectKnownValue(d, tfjsonpath.New("acknowledged"), knownvalue.Int64Func(func(v int64) error {
						if v < 10 {
							return fmt.Errorf("only %d acknowledged writes", v)
						}
						return nil
					})),
				},
			},
			{
				Config:      cfg("true", "3s"),
				ExpectError: wordsRE("writes did not recover"),
			},
		},
	})
}
