package patroni_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/dbdrill"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/patroni"
)

// A three-host Patroni cluster (etcd on each host) in sync mode on
// namespace hosts across feeds A and B, configured over SSH: it elects a
// leader with a synchronous standby, takes a dynamic-config change through
// PATCH /config (read back, no drift), switches over to a named standby,
// and drills: the leader's power cut loses no acknowledged write; in async
// mode a killed postgres is measured.
func TestPatroniClusterOnNamespaceHosts(t *testing.T) {
	nshosts.RequireLive(t)
	nshosts.OneClusterAtATime(t)
	for _, b := range []string{"patroni", "etcd", "/usr/lib/postgresql/15/bin/postgres"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s not installed (scripts/install-deps.sh installs it)", b)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	names := []string{"db-a1", "db-b1", "db-a2"}
	lab, err := nshosts.Start(ctx, nshosts.Spec{Hosts: map[string]string{"db-a1": "", "db-b1": "", "db-a2": ""}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lab.Stop() }()
	defer func() {
		if t.Failed() {
			for _, n := range names {
				for _, l := range []string{"etcd", "patroni"} {
					b, _ := os.ReadFile(filepath.Join(lab.Dir, n, l+".log"))
					if len(b) > 3000 {
						b = b[len(b)-3000:]
					}
					t.Logf("%s %s.log:\n%s", n, l, b)
				}
			}
		}
	}()
	base := t.TempDir()
	// postgres reads its directory below the test's (root-only) ones.
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	feeds := map[string]string{"db-a1": "A", "db-b1": "B", "db-a2": "A"}
	c := patroni.Cluster{Name: "t-db", Sync: true, Timings: patroni.TimingsFor(13 * time.Second),
		SuperuserPassword: "su-pw", ReplicationPassword: "repl-pw"}
	for _, n := range names {
		dir := filepath.Join(base, n)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := exec.Command("chown", "postgres:postgres", dir).Run(); err != nil {
			t.Fatal(err)
		}
		c.Members = append(c.Members, patroni.Member{Name: n, Address: lab.Hosts[n].Address,
			Domains: map[string]string{"feed": feeds[n]}, DataDir: filepath.Join(dir, "data"), SocketDir: dir})
	}
	s := hostdeliver.Settings{PrivateKey: lab.ClientKey, KnownHosts: lab.KnownHosts()}
	for i, n := range names {
		h := lab.Hosts[n]
		conf, err := c.Render(i)
		if err != nil {
			t.Fatal(err)
		}
		cl, err := hostdeliver.Dial(ctx, s, hostdeliver.Target{Name: n, Address: h.Address, HostKey: h.HostKey})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(base, n, "patroni.yml")
		if _, err := cl.WriteFile(ctx, path, conf, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Run(ctx, "chown postgres:postgres "+hostdeliver.Quote(path), nil); err != nil {
			t.Fatal(err)
		}
		_ = cl.Close()
		if _, err := h.Start("etcd", append([]string{"etcd"}, c.EtcdArgs(i, filepath.Join(base, n, "etcd"))...)...); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range names {
		if _, err := lab.Hosts[n].Start("patroni", "runuser", "-u", "postgres", "--", "patroni", filepath.Join(base, n, "patroni.yml")); err != nil {
			t.Fatal(err)
		}
	}
	api := func(n string) *patroni.Client { return patroni.NewClient(lab.Hosts[n].Address + ":8008") }

	st, err := waitSync(ctx, api(names[0]), "")
	if err != nil {
		t.Fatalf("no leader with a sync standby: %v (logs in %s)", err, lab.Dir)
	}
	leader := st.Leader()
	t.Logf("leader %s, sync standbys %v", leader, st.SyncStandbys())

	// Dynamic config through the REST API, read back without drift.
	want := c.Dynamic()
	if err := api(leader).PatchConfig(ctx, map[string]any{"maximum_lag_on_failover": 2 << 20}); err != nil {
		t.Fatal(err)
	}
	want["maximum_lag_on_failover"] = 2 << 20
	// Another member sees the change at its next loop (loop_wait), not at
	// once: read until it does, for a few loops at most.
	var got map[string]any
	for i := 0; ; i++ {
		if got, err = api(names[1]).Config(ctx); err != nil {
			t.Fatal(err)
		}
		d := patroni.DynamicDrift(want, got)
		if len(d) == 0 {
			break
		}
		if i == 20 {
			t.Errorf("dynamic config drift after PATCH: %v (got %v)", d, got)
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	got["ttl"] = 30.0
	if d := patroni.DynamicDrift(want, got); len(d) != 1 || d[0] != "ttl" {
		t.Errorf("a changed ttl is not drift: %v", d)
	}

	// Switchover to the sync standby, declared by name.
	target := st.SyncStandbys()[0]
	if err := api(leader).Switchover(ctx, leader, target); err != nil {
		t.Fatal(err)
	}
	if _, err := waitSync(ctx, api(target), target); err != nil {
		t.Fatalf("switchover to %s: %v", target, err)
	}

	// Drill in sync mode: the leader loses power while a writer commits
	// numbered rows; no acknowledged row may be missing on the new leader.
	var apis []string
	for _, n := range names {
		apis = append(apis, lab.Hosts[n].Address+":8008")
	}
	toLeader := func(ctx context.Context) (string, error) {
		m, err := patroni.FindLeader(ctx, apis)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("host=%s port=%d user=postgres password=su-pw dbname=postgres sslmode=disable connect_timeout=2", m.Host, m.Port), nil
	}
	res, err := dbdrill.Run(ctx, dbdrill.Spec{Target: toLeader, Kill: func(ctx context.Context) error {
		return lab.Hosts[target].PowerOff(ctx)
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sync, power cut: %s (ttl %d, loop_wait %d)", res.Summary(), c.Timings.TTL, c.Timings.LoopWait)
	if !res.Recovered || res.Acked == 0 || res.Lost != 0 {
		t.Errorf("sync mode drill: %+v", res)
	}

	// Async mode through PATCH /config, then postgres killed on the leader
	// (the remaining two hosts keep etcd's quorum): the drill reports what
	// it measured; async mode may lose writes.
	// Asked of a member that kept its power: one without it answers
	// nothing until the test's deadline.
	st, err = api(other(names, target)).WaitLeader(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	leader = st.Leader()
	// The surviving replica follows the new leader only once it has
	// switched timelines; a drill started before then fails over to a
	// member without the drill's table, which measures the test's haste,
	// not Patroni's failover.
	if err := waitStreaming(ctx, api(leader), target); err != nil {
		t.Fatal(err)
	}
	if err := api(leader).PatchConfig(ctx, map[string]any{"synchronous_mode": false}); err != nil {
		t.Fatal(err)
	}
	res, err = dbdrill.Run(ctx, dbdrill.Spec{Target: toLeader, Kill: func(ctx context.Context) error {
		pid, err := os.ReadFile(filepath.Join(base, leader, "data", "postmaster.pid"))
		if err != nil {
			return err
		}
		return exec.CommandContext(ctx, "kill", "-9", strings.SplitN(string(pid), "\n", 2)[0]).Run()
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("async, postgres killed: %s", res.Summary())
	if !res.Recovered {
		t.Errorf("async drill: writes did not recover: %+v", res)
	}
}

// waitStreaming waits until every member but the leader and skip
// streams from the leader on its timeline with no lag.
func waitStreaming(ctx context.Context, c *patroni.Client, skip string) error {
	ctx2, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var last patroni.ClusterStatus
	for {
		st, err := c.Cluster(ctx2)
		if err == nil {
			last = st
			if caughtUp(st, skip) {
				return nil
			}
		}
		select {
		case <-ctx2.Done():
			return fmt.Errorf("replicas not streaming from the leader: %+v", last.Members)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func caughtUp(st patroni.ClusterStatus, skip string) bool {
	tl := -1
	for _, m := range st.Members {
		if m.Name == st.Leader() {
			tl = m.Timeline
		}
	}
	if tl < 0 {
		return false
	}
	for _, m := range st.Members {
		if m.Name == skip || m.Name == st.Leader() {
			continue
		}
		// Patroni 3.0 says "running" for a replica that streams; later
		// versions say "streaming".
		live := m.State == "streaming" || m.State == "running"
		if lag, ok := m.Lag.(float64); !live || m.Timeline != tl || !ok || lag != 0 {
			return false
		}
	}
	return true
}

func other(names []string, not string) string {
	for _, n := range names {
		if n != not {
			return n
		}
	}
	return ""
}

// waitSync waits until want (or any member) leads with a sync standby.
func waitSync(ctx context.Context, c *patroni.Client, want string) (patroni.ClusterStatus, error) {
	ctx2, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for {
		st, err := c.WaitLeader(ctx2, want)
		if err != nil {
			return st, err
		}
		if len(st.SyncStandbys()) > 0 {
			return st, nil
		}
		select {
		case <-ctx2.Done():
			var roles []string
			for _, m := range st.Members {
				roles = append(roles, fmt.Sprintf("%s=%s/%s", m.Name, m.Role, m.State))
			}
			sort.Strings(roles)
			return st, fmt.Errorf("no sync standby: %v", roles)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
