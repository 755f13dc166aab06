package redissentinel

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

func labGroup() Group {
	return Group{Name: "shop-dc1-sessions", Password: "pw-123", DownAfter: 2 * time.Second, Members: []Member{
		{Name: "r1-h01", Address: "10.0.2.1", Feeds: []string{"ups-a", "pdu-r1-a"}},
		{Name: "r1-h02", Address: "10.0.2.2", Feeds: []string{"ups-a", "pdu-r1-a"}},
		{Name: "r2-h01", Address: "10.0.2.3", Feeds: []string{"ups-b", "pdu-r2-a"}},
	}}
}

func TestOrderSpreadsFeeds(t *testing.T) {
	g := labGroup()
	var got []string
	for _, m := range Order(g.Members) {
		got = append(got, m.Name)
	}
	// The first replica is in the other rack, on other feeds.
	if strings.Join(got, " ") != "r1-h01 r2-h01 r1-h02" {
		t.Errorf("Order = %v", got)
	}
	if g.Master() != "r1-h01" || g.Quorum() != 2 {
		t.Errorf("master %s, quorum %d", g.Master(), g.Quorum())
	}
}

func TestValidate(t *testing.T) {
	g := labGroup()
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	two := g
	two.Members = g.Members[:2]
	one := g
	one.Members = []Member{
		{Name: "a", Address: "10.0.0.1", Feeds: []string{"ups-a"}},
		{Name: "b", Address: "10.0.0.2", Feeds: []string{"ups-a", "ups-a"}},
		{Name: "c", Address: "10.0.0.3", Feeds: []string{"ups-b"}},
	}
	nopw := g
	nopw.Password = ""
	bad := g
	bad.Primary = "r9-h01"
	for name, tc := range map[string]struct {
		g    Group
		want string
	}{
		"two hosts":      {two, "at least 3 hosts"},
		"one feed":       {one, "power feed ups-a alone feeds a, b"},
		"no password":    {nopw, "password is required"},
		"unknown master": {bad, `primary "r9-h01"`},
	} {
		if err := tc.g.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

func TestTimings(t *testing.T) {
	g := labGroup()
	if g.FailoverTime() != 5*time.Second || g.FailoverTimeout() != 10*time.Second {
		t.Errorf("failover %s, timeout %s", g.FailoverTime(), g.FailoverTimeout())
	}
	if d := DownAfterFor(30 * time.Second); d != 27*time.Second {
		t.Errorf("DownAfterFor(30s) = %s", d)
	}
	if d := DownAfterFor(2 * time.Second); d != time.Second {
		t.Errorf("DownAfterFor(2s) = %s", d)
	}
}

func TestRenderedFiles(t *testing.T) {
	g := labGroup()
	fs, err := g.Files("r2-h01")
	if err != nil {
		t.Fatal(err)
	}
	sentinel := string(fs[1].Content)
	for _, want := range []string{
		"bind 10.0.2.3\n",
		"sentinel monitor shop-dc1-sessions 10.0.2.1 6379 2\n",
		"sentinel down-after-milliseconds shop-dc1-sessions 2000\n",
		"sentinel failover-timeout shop-dc1-sessions 10000\n",
		"pidfile /var/lib/ha-redis/shop-dc1-sessions/r2-h01/sentinel.pid\n",
	} {
		if !strings.Contains(sentinel, want) {
			t.Errorf("sentinel.conf lacks %q:\n%s", want, sentinel)
		}
	}
	h1, _ := g.ExpectedHashes()
	g.Password = "other"
	h2, _ := g.ExpectedHashes()
	if h1["r1-h01"] == h2["r1-h01"] {
		t.Error("a password change does not change the hash")
	}
}

// The rendered files and ctl.sh run the real daemons: one member on
// loopback starts as master (no peer Sentinel answers), both daemons
// accept their configuration, and stop leaves nothing running.
func TestCtlStartsRealDaemons(t *testing.T) {
	// Peers that refuse at once: no peer Sentinel answers.
	g := loopbackGroup(t)
	writeFiles(t, g, "r1-h01")
	ctl := g.Dir("r1-h01") + "/ctl.sh"
	run := func(arg string) error {
		out, err := exec.Command("sh", ctl, arg).CombinedOutput()
		if err != nil {
			t.Logf("ctl.sh %s: %s", arg, out)
		}
		return err
	}
	if err := run("start"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run("stop") })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addr := net.JoinHostPort("127.0.0.1", itoa(g.Port))
	v, err := call(ctx, addr, g.Password, "INFO", "replication")
	if err != nil || infoFields(v)["role"] != "master" {
		t.Fatalf("redis: %v %v", v, err)
	}
	if _, err := call(ctx, addr, "wrong", "PING"); err == nil {
		t.Error("redis accepted a wrong password")
	}
	var m any
	for ctx.Err() == nil {
		if m, err = call(ctx, net.JoinHostPort("127.0.0.1", itoa(g.SentinelPort)), g.Password, "SENTINEL", "get-master-addr-by-name", g.Name); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a, ok := m.([]any); !ok || len(a) != 2 || a[0] != "127.0.0.1" {
		t.Fatalf("sentinel names master %v (%v)", m, err)
	}
	if err := run("running"); err != nil {
		t.Fatal("ctl.sh running: not running")
	}
	if err := run("stop"); err != nil {
		t.Fatal(err)
	}
	if run("running") == nil {
		t.Error("still running after stop")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// loopbackGroup is labGroup on 127.0.0.1 to 127.0.0.3 with free ports and
// its files under a temporary directory, for the real daemons.
func loopbackGroup(t *testing.T) Group {
	t.Helper()
	for _, bin := range []string{"redis-server", "redis-sentinel", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not installed (scripts/install-deps.sh): %v", bin, err)
		}
	}
	g := labGroup()
	g.BaseDir = t.TempDir()
	g.Port, g.SentinelPort = freePort(t), freePort(t)
	g.Members[0].Address, g.Members[1].Address, g.Members[2].Address = "127.0.0.1", "127.0.0.2", "127.0.0.3"
	return g
}

// writeFiles writes host's managed files where ctl.sh expects them.
func writeFiles(t *testing.T, g Group, host string) {
	t.Helper()
	fs, err := g.Files(host)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(g.Dir(host), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if err := os.WriteFile(f.Path, f.Content, os.FileMode(f.Mode)); err != nil {
			t.Fatal(err)
		}
	}
}

// A Sentinel that missed a failover still names the old master. ctl.sh
// (whose answer a restarted host follows) and the backend both take the
// newest configuration epoch, not the first or most common answer: real
// Sentinels on loopback, the first asked holding epoch 0 and the second
// epoch 7 for a different master.
func TestCurrentMasterIsTheNewestEpoch(t *testing.T) {
	g := loopbackGroup(t)
	start := func(bin, dir, conf string) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		path := dir + "/" + bin + ".conf"
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, path).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", bin, err, out)
		}
		t.Cleanup(func() {
			if pid, err := os.ReadFile(dir + "/pid"); err == nil {
				if p, err := strconv.Atoi(strings.TrimSpace(string(pid))); err == nil {
					if proc, err := os.FindProcess(p); err == nil {
						_ = proc.Kill()
					}
				}
			}
		})
	}
	base := func(addr string, port int, dir string) string {
		return "bind " + addr + "\nport " + itoa(port) + "\nrequirepass " + g.Password + "\ndaemonize yes\npidfile " + dir + "/pid\nlogfile " + dir + "/log\ndir " + dir + "\n"
	}
	for i, m := range g.Members[1:] {
		d := g.BaseDir + "/lab/" + m.Name
		start("redis-server", d+"/redis", base(m.Address, g.Port, d+"/redis")+"save \"\"\n")
		sentinel := base(m.Address, g.SentinelPort, d+"/sentinel") +
			"sentinel monitor " + g.Name + " " + m.Address + " " + itoa(g.Port) + " 2\nsentinel auth-pass " + g.Name + " " + g.Password + "\n"
		if i == 1 {
			sentinel += "sentinel config-epoch " + g.Name + " 7\nsentinel current-epoch 7\n"
		}
		start("redis-sentinel", d+"/sentinel", sentinel)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, m := range g.Members[1:] {
		for {
			v, err := call(ctx, net.JoinHostPort(m.Address, itoa(g.SentinelPort)), g.Password, "SENTINEL", "master", g.Name)
			if err == nil && pairs(v)["ip"] == m.Address {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("sentinel on %s: %v %v", m.Address, v, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	writeFiles(t, g, "r1-h01")
	out, err := exec.Command("sh", g.Dir("r1-h01")+"/ctl.sh", "master").CombinedOutput()
	if want := "127.0.0.3 " + itoa(g.Port); err != nil || strings.TrimSpace(string(out)) != want {
		t.Errorf("ctl.sh master: %q (%v), want %q", out, err, want)
	}
	s := &session{g: g}
	if m, err := s.master(ctx); err != nil || m != "r2-h01" {
		t.Errorf("backend's master: %q (%v), want r2-h01", m, err)
	}
}

func TestNewestMaster(t *testing.T) {
	for _, c := range []struct {
		views []sentinelView
		want  string
	}{
		{nil, ""},
		{[]sentinelView{{"a", 0}, {"a", 0}, {"b", 1}}, "b"},
		{[]sentinelView{{"b", 2}, {"a", 2}, {"b", 2}}, "b"},
		{[]sentinelView{{"c", 3}, {"a", 3}}, "a"},
	} {
		if got := newestMaster(c.views); got != c.want {
			t.Errorf("newestMaster(%v) = %q, want %q", c.views, got, c.want)
		}
	}
}
