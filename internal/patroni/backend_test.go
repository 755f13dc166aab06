package patroni_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/patroni"
)

func dbSpec(sync bool, hosts ...database.Host) database.Spec {
	return database.Spec{Meta: backend.Meta{Name: "shop-db", Location: "dc1"}, Engine: "postgres",
		HighAvailability: sync, Username: "app", Password: "s3cret'pw",
		BareMetal: &database.BareMetal{Hosts: hosts, RTO: 13 * time.Second}}
}

func TestCheckSpec(t *testing.T) {
	h := func(n, feed, ups string) database.Host {
		return database.Host{Name: n, Address: "10.0.0." + n[len(n)-1:], Domains: map[string]string{"feed": feed, "ups": ups}}
	}
	// db3 has two PSUs on feeds A and B: no single feed takes it down.
	if err := patroni.CheckSpec(dbSpec(true, h("db1", "A", "u1"), h("db2", "B", "u2"), h("db3", "", "u3"))); err != nil {
		t.Errorf("good placement refused: %v", err)
	}
	err := patroni.CheckSpec(dbSpec(true, h("db1", "A", "u1")))
	if err == nil || !strings.Contains(err.Error(), "synchronous mode needs a standby") {
		t.Errorf("sync mode with one host: %v", err)
	}
	err = patroni.CheckSpec(dbSpec(false, h("db1", "A", "u1"), h("db2", "A", "u2"), h("db3", "B", "u2")))
	var pe *patroni.PlacementError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), `feed "A"`) || !strings.Contains(err.Error(), `ups "u2"`) {
		t.Errorf("etcd majority on feed A and ups u2 not named: %v", err)
	}
	s := dbSpec(false, h("db1", "A", "u1"), h("db2", "B", "u2"), h("db3", "C", "u3"))
	s.BareMetal.Primary = "db9"
	if err := patroni.CheckSpec(s); err == nil || !strings.Contains(err.Error(), `primary "db9"`) {
		t.Errorf("unknown primary: %v", err)
	}
}

// The bare_metal database backend on three namespace hosts across feeds A
// and B (the third dual-fed): Apply bootstraps the declared primary as leader with a sync
// standby (seen through the REST API as an observer); a change of sync mode
// made behind its back shows in Read and is set back by Apply; a changed
// primary switches over and the new leader accepts writes; a failover
// (power cut) is reported by Read and not fought by Apply; Delete removes
// everything.
func TestBackendOnNamespaceHosts(t *testing.T) {
	nshosts.RequireLive(t)
	nshosts.OneClusterAtATime(t)
	for _, b := range []string{"patroni", "etcd", "/usr/lib/postgresql/15/bin/postgres"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Fatalf("%s not installed (scripts/install-deps.sh installs it)", b)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	names := []string{"db-a1", "db-b1", "db-ab"}
	lab, err := nshosts.Start(ctx, nshosts.Spec{Hosts: map[string]string{"db-a1": "", "db-b1": "", "db-ab": ""}})
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
	defer func() {
		if t.Failed() {
			for _, n := range names {
				for _, l := range []string{"etcd", "patroni"} {
					b, _ := os.ReadFile(filepath.Join(base, "shop-db", n, l+".log"))
					if len(b) > 3000 {
						b = b[len(b)-3000:]
					}
					t.Logf("%s %s.log:\n%s", n, l, b)
				}
			}
		}
	}()
	// db-ab has a PSU on each feed: losing one feed takes one host.
	feeds := map[string]string{"db-a1": "A", "db-b1": "B", "db-ab": ""}
	var hosts []database.Host
	for _, n := range names {
		hosts = append(hosts, database.Host{Name: n, Address: lab.Hosts[n].Address, HostKey: lab.Hosts[n].HostKey,
			Domains: map[string]string{"feed": feeds[n], "pdu": "pdu-" + n}})
	}
	spec := dbSpec(true, hosts...)
	spec.BareMetal.BaseDir = base
	spec.BareMetal.Primary = "db-b1"
	b := &patroni.Backend{SSH: hostdeliver.Settings{PrivateKey: lab.ClientKey}, Wait: 3 * time.Minute}

	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Leader != "db-b1" || len(st.SyncStandbys) != 1 || !st.Spec.HighAvailability || len(st.Warnings) != 0 {
		t.Fatalf("after create: leader %q, sync standbys %v, sync %v, warnings %v", st.Leader, st.SyncStandbys, st.Spec.HighAvailability, st.Warnings)
	}
	// Observer: the REST API of another member.
	observer := patroni.NewClient(lab.Hosts["db-ab"].Address + ":8008")
	cs, err := observer.Cluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Leader() != "db-b1" || len(cs.SyncStandbys()) != 1 {
		t.Fatalf("observer sees leader %q, sync standbys %v", cs.Leader(), cs.SyncStandbys())
	}
	cfg, err := observer.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := patroni.TimingsFor(13 * time.Second)
	if cfg["ttl"] != float64(want.TTL) || cfg["loop_wait"] != float64(want.LoopWait) || cfg["synchronous_mode"] != true {
		t.Errorf("dynamic config: %v, want ttl %d loop_wait %d synchronous_mode", cfg, want.TTL, want.LoopWait)
	}

	// Drift made behind the backend's back shows in Read; Apply sets it back.
	if err := observer.PatchConfig(ctx, map[string]any{"synchronous_mode": false, "ttl": 30}); err != nil {
		t.Fatal(err)
	}
	// Each member serves /config from its own view of the DCS, refreshed
	// every loop_wait: read until the member asked has the change.
	var got *database.Status
	for deadline := time.Now().Add(15 * time.Second); ; {
		if got, err = b.Read(ctx, spec, st); err != nil {
			t.Fatal(err)
		}
		if !got.Spec.HighAvailability || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if got.Spec.HighAvailability || got.Spec.BareMetal.RTO == spec.BareMetal.RTO {
		t.Errorf("drift not read: sync %v, rto %v", got.Spec.HighAvailability, got.Spec.BareMetal.RTO)
	}
	if st, err = b.Apply(ctx, spec, st); err != nil {
		t.Fatal(err)
	}
	if !st.Spec.HighAvailability || st.Spec.BareMetal.RTO != spec.BareMetal.RTO {
		t.Errorf("drift not corrected: sync %v, rto %v", st.Spec.HighAvailability, st.Spec.BareMetal.RTO)
	}

	// Patroni picks a sync standby again a loop after synchronous_mode is
	// back on: wait for it, through Read.
	for deadline := time.Now().Add(30 * time.Second); len(st.SyncStandbys) == 0; time.Sleep(500 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no sync standby 30 s after synchronous_mode was set back: %+v", st)
		}
		if st, err = b.Read(ctx, spec, st); err != nil {
			t.Fatal(err)
		}
	}

	// Switchover as declared state.
	prev := st
	spec2 := spec
	bm := *spec.BareMetal
	bm.Primary = st.SyncStandbys[0]
	spec2.BareMetal = &bm
	if st, err = b.Apply(ctx, spec2, prev); err != nil {
		t.Fatal(err)
	}
	if st.Leader != bm.Primary {
		t.Fatalf("switchover to %s: leader is %s", bm.Primary, st.Leader)
	}
	if cs, err = patroni.NewClient(lab.Hosts["db-b1"].Address + ":8008").Cluster(ctx); err != nil || cs.Leader() != bm.Primary {
		t.Fatalf("observer after switchover: leader %q, %v", cs.Leader(), err)
	}

	// Failover by power cut: Read reports it; Apply does not fight it.
	if err := lab.Hosts[bm.Primary].PowerOff(ctx); err != nil {
		t.Fatal(err)
	}
	var after *database.Status
	for end := time.Now().Add(2 * time.Minute); time.Now().Before(end); time.Sleep(time.Second) {
		after, err = b.Read(ctx, spec2, st)
		if err == nil && after.Leader != "" && after.Leader != bm.Primary {
			break
		}
	}
	if after == nil || after.Leader == bm.Primary || after.Leader == "" || len(after.Warnings) == 0 || !strings.Contains(after.Warnings[0], "failed over") {
		t.Fatalf("failover not reported: %+v, %v", after, err)
	}
	t.Logf("after the power cut: %s", after.Warnings[0])
	if err := lab.Hosts[bm.Primary].PowerOn(ctx); err != nil {
		t.Fatal(err)
	}
	// The old leader's host is back but its daemons are not: Apply starts
	// them again and rejoins it, without switching back.
	st2, err := b.Apply(ctx, spec2, st)
	if err != nil {
		t.Fatal(err)
	}
	if st2.Leader != after.Leader || len(st2.Warnings) == 0 {
		t.Errorf("apply fought the failover: leader %s (was %s), warnings %v", st2.Leader, after.Leader, st2.Warnings)
	}

	if err := b.Delete(ctx, st2); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(ctx, spec2, nil); !backend.IsNotFound(err) {
		t.Errorf("read after delete: %v, want not found", err)
	}
}
