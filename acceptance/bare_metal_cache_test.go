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

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
)

const cachePassword = "acc-cache-pw"

const metalCacheBlueprint = `blueprint "metal" {}

objectives {
  rto = "2m"
}

region "dc1" {
  cloud     = "bare_metal"
  inventory = "dc1.inventory.hcl"
  role      = "primary"
}

tier "web" {
  uses = [cache.sessions]
  capacity {
    min = 1
    max = 1
  }
}

cache "sessions" {
  engine     = "redis"
  version    = "7.0"
  down_after = "1s"
}
`

func (m *metalLab) cacheCLI(t *testing.T) *cliRun {
	t.Helper()
	if err := os.WriteFile(filepath.Join(m.dir, "metal.ha.hcl"), []byte(metalCacheBlueprint), 0o644); err != nil {
		t.Fatal(err)
	}
	return newCLI(t, CLIs(t)[0], m.dir, stackRoot(filepath.Join(m.dir, "metal.ha.hcl"), fmt.Sprintf(`
  database_password  = "unused-here"
  exclude_on_battery = false
  cache_password     = %q`, cachePassword), `
output "caches" {
  value = module.stack.bare_metal_caches
}
`))
}

// redisCLI is the independent observer: redis-cli from the root namespace
// (on the lab's bridge) against one host.
func redisCLI(addr string, port int, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "redis-cli", append([]string{"-h", addr, "-p", fmt.Sprint(port), "--raw"}, args...)...)
	cmd.Env = append(os.Environ(), "REDISCLI_AUTH="+cachePassword)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// roleOf is the first line of ROLE on host n ("master", "slave", or "").
func roleOf(lab *nshosts.Lab, n string) string {
	out, err := redisCLI(lab.Hosts[n].Address, 6379, "ROLE")
	if err != nil {
		return ""
	}
	return strings.SplitN(out, "\n", 2)[0]
}

// sentinelMaster is the master address the Sentinel on host n names.
func sentinelMaster(lab *nshosts.Lab, n string) string {
	out, err := redisCLI(lab.Hosts[n].Address, 26379, "SENTINEL", "get-master-addr-by-name", "metal-dc1-sessions")
	if err != nil {
		return ""
	}
	return strings.SplitN(out, "\n", 2)[0]
}

const cacheDir = "/var/lib/ha-redis/metal-dc1-sessions"

// replicated checks with redis-cli alone: master is master, the replicas
// replicate from it (a key written on the master is read on each) and
// refuse writes, and the master refuses a wrong password.
func replicated(t *testing.T, lab *nshosts.Lab, master string, replicas []string) {
	t.Helper()
	m := lab.Hosts[master].Address
	if r := roleOf(lab, master); r != "master" {
		t.Fatalf("%s role %q, want master", master, r)
	}
	if out, err := redisCLI(m, 6379, "SET", "session:1", "alice"); err != nil || out != "OK" {
		t.Fatalf("SET on master: %q %v", out, err)
	}
	for _, n := range replicas {
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, _ := redisCLI(lab.Hosts[n].Address, 6379, "GET", "session:1")
			if roleOf(lab, n) == "slave" && got == "alice" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: role %q, session:1 = %q; want a replica holding alice", n, roleOf(lab, n), got)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if out, _ := redisCLI(lab.Hosts[n].Address, 6379, "SET", "x", "y"); !strings.Contains(out, "READONLY") {
			t.Errorf("%s accepted a write: %q", n, out)
		}
	}
	if out, _ := redisCLI(m, 6379, "--pass", "wrong", "PING"); out == "PONG" {
		t.Error("master answered with a wrong password")
	}
}

// cacheGone checks no host has files or listening daemons left.
func cacheGone(t *testing.T, lab *nshosts.Lab) {
	t.Helper()
	if _, err := os.Stat(cacheDir); err == nil {
		t.Errorf("%s left behind", cacheDir)
	}
	for n, h := range lab.Hosts {
		for _, p := range []int{6379, 26379} {
			if _, err := redisCLI(h.Address, p, "PING"); err == nil {
				t.Errorf("%s: port %d still answers", n, p)
			}
		}
	}
}

func listAttr(s string) []string { return strings.Fields(strings.Trim(s, "[]")) }

// A bare-metal blueprint's cache through modules/stack on four namespace
// hosts in two racks (A+B feeds): the cache gets its own allocation of
// three hosts (the tier that uses it the fourth), Redis and Sentinel on
// each; redis-cli sees the master and both replicas and the data
// replicated; an unchanged config plans nothing; the master's Redis is
// killed and the Sentinels promote the replica in the other rack (the time
// is printed); a hand edit of a host's file shows as drift, and the apply
// that repairs it restarts the old master as a replica of the new one and
// records the new master; destroy stops everything and removes the files.
func TestAccBareMetalCache_sentinelThroughStack(t *testing.T) {
	PreCheck(t)
	nshosts.RequireLive(t)
	for _, b := range []string{"redis-server", "redis-sentinel", "redis-cli"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Fatalf("%s not installed (scripts/install-deps.sh installs it)", b)
		}
	}
	nshosts.OneClusterAtATime(t)
	t0 := time.Now()
	m := startMetalLab(t)
	m.inventory(t, nil)
	tf := m.cacheCLI(t)
	t.Logf("lab and provider build: %.0f s", time.Since(t0).Seconds())
	t0 = time.Now()
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			_, _ = tf.try("destroy", "-auto-approve", "-input=false")
		}
	})
	tf.apply()
	t.Logf("apply: %.0f s", time.Since(t0).Seconds())
	st := tf.state()
	addr := `module.stack.ha_cache.bare_metal["dc1/sessions/cache"]`
	st.expect(addr, "engine", "redis")
	st.expect(addr, "replicas", "2")
	st.expect(addr, "down_after_ms", "1000")
	st.expect(addr, "failover_seconds", "4")
	members := listAttr(st.attr(`module.stack.ha_host_allocation.bare_metal_cache["dc1/sessions/host_allocation"]`, "members"))
	web := st.attr(`module.stack.ha_host_allocation.this["dc1/web/host_allocation"]`, "members")
	master := st.attr(addr, "master")
	replicas := listAttr(st.attr(addr, "replica_hosts"))
	t.Logf("cache hosts %v (tier web on %s): master %s, replicas %v", members, web, master, replicas)
	if len(members) != 3 || len(replicas) != 2 || strings.Contains(web, master) {
		t.Fatalf("cache hosts %v, master %s, replicas %v, web %s: want 3 hosts of their own", members, master, replicas, web)
	}
	replicated(t, m.lab, master, replicas)
	tf.planEmpty()

	// The master's Redis dies; the Sentinels promote a replica.
	pid, err := os.ReadFile(filepath.Join(cacheDir, master, "redis.pid"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.lab.Hosts[master].Exec(context.Background(), "kill", "-9", strings.TrimSpace(string(pid))); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	promoted := ""
	for promoted == "" && time.Since(start) < time.Minute {
		for _, n := range replicas {
			if a := sentinelMaster(m.lab, n); a != "" && a != m.lab.Hosts[master].Address && roleOf(m.lab, hostAt(m.lab, a)) == "master" {
				promoted = hostAt(m.lab, a)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if promoted == "" {
		for _, n := range members {
			b, _ := os.ReadFile(filepath.Join(cacheDir, n, "sentinel.log"))
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			t.Logf("%s: role %q, sentinel names %q; sentinel.log:\n%s", n, roleOf(m.lab, n), sentinelMaster(m.lab, n), strings.Join(lines[max(len(lines)-15, 0):], "\n"))
		}
		t.Fatal("no replica promoted within a minute")
	}
	t.Logf("failover: %s promoted %.1f s after the master's Redis on %s was killed (down_after 1s, planned worst case 4 s)", promoted, time.Since(start).Seconds(), master)
	// The first replica by power feeds: the other rack.
	if promoted[:2] == master[:2] {
		t.Errorf("promoted %s is in the same rack as the old master %s", promoted, master)
	}
	if got, err := redisCLI(m.lab.Hosts[promoted].Address, 6379, "GET", "session:1"); err != nil || got != "alice" {
		t.Errorf("new master %s lost session:1: %q %v", promoted, got, err)
	}

	// A hand edit on the other replica shows as drift in plan; apply
	// repairs it, restarts the old master's Redis as a replica of the
	// promoted one, and records the Sentinels' master.
	other := replicas[0]
	if other == promoted {
		other = replicas[1]
	}
	conf := filepath.Join(cacheDir, other, "redis.conf")
	b, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, append(b, []byte("maxmemory 1mb\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := tf.try("plan", "-input=false", "-detailed-exitcode"); err == nil || !strings.Contains(out, addr+" will be updated") {
		t.Fatalf("hand edit of redis.conf on %s not shown as drift (%v):\n%s", other, err, out)
	}
	tf.apply()
	if b, err := os.ReadFile(conf); err != nil || strings.Contains(string(b), "maxmemory 1mb") {
		t.Fatalf("hand edit not repaired (%v)", err)
	}
	for _, n := range []string{other, master} {
		if r := roleOf(m.lab, n); r != "slave" {
			t.Errorf("%s after apply: role %q, want a replica of %s", n, r, promoted)
		}
	}
	tf.state().expect(addr, "master", promoted)

	t0 = time.Now()
	tf.destroy()
	destroyed = true
	t.Logf("destroy: %.0f s", time.Since(t0).Seconds())
	cacheGone(t, m.lab)
}

func hostAt(lab *nshosts.Lab, addr string) string {
	for n, h := range lab.Hosts {
		if h.Address == addr {
			return n
		}
	}
	return ""
}
