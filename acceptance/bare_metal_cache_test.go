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
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
)

const cachePassword = "acc-cache-pw"

// cacheLab starts namespace hosts r1-h01, r1-h02 (rack 1) and r2-h01 (rack
// 2) and puts the lab's SSH key into the provider's environment.
func cacheLab(t *testing.T) *nshosts.Lab {
	t.Helper()
	PreCheck(t)
	if os.Geteuid() != 0 {
		t.Fatal("namespace hosts need root (CAP_NET_ADMIN)")
	}
	for _, b := range []string{"redis-server", "redis-sentinel", "redis-cli"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Fatalf("%s not installed (scripts/install-deps.sh installs it)", b)
		}
	}
	nshosts.OneClusterAtATime(t)
	lab, err := nshosts.Start(context.Background(), nshosts.Spec{Hosts: map[string]string{"r1-h01": "", "r1-h02": "", "r2-h01": ""}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lab.Stop(); err != nil {
			t.Errorf("stop lab: %v", err)
		}
	})
	t.Setenv("HA_BARE_METAL_SSH_PRIVATE_KEY", string(lab.ClientKey))
	t.Setenv("HA_BARE_METAL_KNOWN_HOSTS", "")
	return lab
}

func bmCacheConfig(lab *nshosts.Lab, baseDir string) string {
	feeds := map[string]string{"r1": `["ups-a", "pdu-r1-a"]`, "r2": `["ups-b", "pdu-r2-a"]`}
	var hs strings.Builder
	for _, n := range []string{"r1-h01", "r1-h02", "r2-h01"} {
		h := lab.Hosts[n]
		fmt.Fprintf(&hs, "    { name = %q, address = %q, ssh_host_key = %q, feeds = %s },\n", n, h.Address, h.HostKey, feeds[n[:2]])
	}
	return fmt.Sprintf(`
resource "ha_cache" "sessions" {
  cloud         = "bare_metal"
  location      = "dc1"
  name          = "acc-dc1-sessions"
  component     = "dc1/sessions/cache"
  password      = %q
  down_after_ms = 1000
  base_dir      = %q
  hosts = [
%s  ]
}
`, cachePassword, baseDir, hs.String())
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
	out, err := redisCLI(lab.Hosts[n].Address, 26379, "SENTINEL", "get-master-addr-by-name", "acc-dc1-sessions")
	if err != nil {
		return ""
	}
	return strings.SplitN(out, "\n", 2)[0]
}

// replicated checks with redis-cli alone: r1-h01 is master, the others
// replicas, and a key written on the master is read on each replica.
func replicated(lab *nshosts.Lab) resource.TestCheckFunc {
	return func(*terraform.State) error {
		m := lab.Hosts["r1-h01"].Address
		if r := roleOf(lab, "r1-h01"); r != "master" {
			return fmt.Errorf("r1-h01 role %q, want master", r)
		}
		if out, err := redisCLI(m, 6379, "SET", "session:1", "alice"); err != nil || out != "OK" {
			return fmt.Errorf("SET on master: %q %v", out, err)
		}
		for _, n := range []string{"r1-h02", "r2-h01"} {
			deadline := time.Now().Add(10 * time.Second)
			for {
				got, _ := redisCLI(lab.Hosts[n].Address, 6379, "GET", "session:1")
				if roleOf(lab, n) == "slave" && got == "alice" {
					break
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("%s: role %q, session:1 = %q; want a replica holding alice", n, roleOf(lab, n), got)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if out, _ := redisCLI(lab.Hosts[n].Address, 6379, "SET", "x", "y"); !strings.Contains(out, "READONLY") {
				return fmt.Errorf("%s accepted a write: %q", n, out)
			}
		}
		if out, _ := redisCLI(m, 6379, "--pass", "wrong", "PING"); out == "PONG" {
			return fmt.Errorf("master answered without the password")
		}
		return nil
	}
}

// cacheGone checks no host has files or listening daemons left.
func cacheGone(lab *nshosts.Lab, baseDir string) func(*terraform.State) error {
	return func(*terraform.State) error {
		if _, err := os.Stat(filepath.Join(baseDir, "acc-dc1-sessions")); err == nil {
			return fmt.Errorf("%s/acc-dc1-sessions left behind", baseDir)
		}
		for n, h := range lab.Hosts {
			for _, p := range []int{6379, 26379} {
				if _, err := redisCLI(h.Address, p, "PING"); err == nil {
					return fmt.Errorf("%s: port %d still answers", n, p)
				}
			}
		}
		return nil
	}
}

// Redis with Sentinel on three namespace hosts in two racks: the master
// starts in rack 1 with its first replica in rack 2; redis-cli sees the
// master and both replicas and the data replicated; an unchanged config
// plans nothing; a hand edit of a host's file shows as drift and is
// repaired; the master's Redis is killed and the Sentinels promote a
// replica in the other rack (the time is printed), which a refresh reports; destroy stops
// everything and removes the files.
func TestAccCache_bareMetalSentinel(t *testing.T) {
	lab := cacheLab(t)
	base := t.TempDir()
	cfg := bmCacheConfig(lab, base)
	Test(t, resource.TestCase{
		CheckDestroy: cacheGone(lab, base),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  replicated(lab),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ha_cache.sessions", tfjsonpath.New("master"), knownvalue.StringExact("r1-h01")),
					statecheck.ExpectKnownValue("ha_cache.sessions", tfjsonpath.New("replica_hosts"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("r1-h02"), knownvalue.StringExact("r2-h01")})),
					statecheck.ExpectKnownValue("ha_cache.sessions", tfjsonpath.New("replicas"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue("ha_cache.sessions", tfjsonpath.New("engine"), knownvalue.StringExact("redis")),
					statecheck.ExpectKnownValue("ha_cache.sessions", tfjsonpath.New("failover_seconds"), knownvalue.Int64Exact(4)),
					statecheck.ExpectKnownValue("ha_cache.sessions", tfjsonpath.New("primary_endpoint"),
						knownvalue.StringExact(lab.Hosts["r1-h01"].Address+":6379")),
				},
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// A hand edit on a host shows as drift, and apply repairs it.
				PreConfig: func() {
					p := filepath.Join(base, "acc-dc1-sessions", "r2-h01", "redis.conf")
					b, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, append(b, []byte("maxmemory 1mb\n")...), 0o600); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_cache.sessions", plancheck.ResourceActionUpdate)}},
				Check: func(*terraform.State) error {
					b, err := os.ReadFile(filepath.Join(base, "acc-dc1-sessions", "r2-h01", "redis.conf"))
					if err != nil || strings.Contains(string(b), "maxmemory 1mb") {
						return fmt.Errorf("hand edit not repaired: %v", err)
					}
					if r := roleOf(lab, "r2-h01"); r != "slave" {
						return fmt.Errorf("r2-h01 after its restart: role %q, want slave", r)
					}
					return nil
				},
			},
			{
				// The master's Redis dies; the Sentinels promote a replica.
				PreConfig: func() {
					pid, err := os.ReadFile(filepath.Join(base, "acc-dc1-sessions", "r1-h01", "redis.pid"))
					if err != nil {
						t.Fatal(err)
					}
					if _, err := lab.Hosts["r1-h01"].Exec(context.Background(), "kill", "-9", strings.TrimSpace(string(pid))); err != nil {
						t.Fatal(err)
					}
					start := time.Now()
					old := lab.Hosts["r1-h01"].Address
					for time.Since(start) < 60*time.Second {
						for _, n := range []string{"r1-h02", "r2-h01"} {
							if a := sentinelMaster(lab, n); a != "" && a != old && roleOf(lab, hostAt(lab, a)) == "master" {
								t.Logf("failover: %s promoted %.1f s after the master's Redis was killed (down_after_ms 1000, planned worst case 4 s)",
									hostAt(lab, a), time.Since(start).Seconds())
								return
							}
						}
						time.Sleep(50 * time.Millisecond)
					}
					t.Fatal("no replica promoted within 60 s")
				},
				Config: cfg,
				Check: func(s *terraform.State) error {
					m := s.RootModule().Resources["ha_cache.sessions"].Primary.Attributes["master"]
					// The replica in the other rack (lowest replica-priority).
					if m != "r2-h01" {
						return fmt.Errorf("state names master %q after the failover, want r2-h01", m)
					}
					got, err := redisCLI(lab.Hosts[m].Address, 6379, "GET", "session:1")
					if err != nil || got != "alice" {
						return fmt.Errorf("new master %s lost session:1: %q %v", m, got, err)
					}
					return nil
				},
			},
		},
	})
}

func hostAt(lab *nshosts.Lab, addr string) string {
	for n, h := range lab.Hosts {
		if h.Address == addr {
			return n
		}
	}
	return ""
}
