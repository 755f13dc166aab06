package keepalived

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testGroup() Group {
	return Group{
		Name: "shop-dc1-web", VIP: "10.0.2.100", PrefixLen: 24, RouterID: 51, AdvertSec: 1, AuthPass: "s3cret",
		CheckScript: "/usr/bin/curl -sf -m 1 http://127.0.0.1:8080/healthz",
		Members: []Member{
			{Name: "r1-h01", Address: "10.0.2.1", Feeds: []string{"pdu-r1-a", "pdu-r1-b"}},
			{Name: "r1-h02", Address: "10.0.2.2", Feeds: []string{"pdu-r1-a", "pdu-r1-b"}},
			{Name: "r2-h01", Address: "10.0.2.3", Feeds: []string{"pdu-r2-a", "pdu-r2-b"}},
		},
	}
}

// Every member's rendered configuration passes keepalived's own checker.
func TestRenderPassesKeepalivedCheck(t *testing.T) {
	if _, err := exec.LookPath("keepalived"); err != nil {
		t.Fatalf("keepalived not installed (scripts/install-deps.sh): %v", err)
	}
	confs, err := testGroup().Render()
	if err != nil {
		t.Fatal(err)
	}
	if len(confs) != 3 {
		t.Fatalf("%d configs, want 3", len(confs))
	}
	for host, c := range confs {
		p := filepath.Join(t.TempDir(), "keepalived.conf")
		if err := os.WriteFile(p, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("keepalived", "-t", "-f", p).CombinedOutput(); err != nil {
			t.Errorf("%s: keepalived -t: %v\n%s\n%s", host, err, out, c)
		}
		for _, want := range []string{"unicast_peer", "auth_pass s3cret", "10.0.2.100/24 dev eth0", "track_script", "advert_int 1"} {
			if !strings.Contains(c, want) {
				t.Errorf("%s: config lacks %q", host, want)
			}
		}
	}
	// A broken configuration is refused by the same check (so the check
	// is not vacuous).
	p := filepath.Join(t.TempDir(), "bad.conf")
	_ = os.WriteFile(p, []byte("vrrp_instance X {\n  virtual_router_id 999\n  priority\n"), 0o600)
	if err := exec.Command("keepalived", "-t", "-f", p).Run(); err == nil {
		t.Error("keepalived -t accepted a broken configuration")
	}
}

// The master and first backup share no power feed when the placement
// offers two racks.
func TestOrderSpreadsFeeds(t *testing.T) {
	g := testGroup()
	o := Order(g.Members)
	if o[0].Name != "r1-h01" || o[1].Name != "r2-h01" || o[2].Name != "r1-h02" {
		t.Fatalf("order = %v", []string{o[0].Name, o[1].Name, o[2].Name})
	}
	if s := SharedFeeds(g.Members); len(s) != 0 {
		t.Fatalf("shared feeds %v", s)
	}
	// The first backup's skew is small (3/256 advert); the next backup
	// fires a clear 16/256 advert later. Power-domain order.
	p := g.Priorities()
	if p["r1-h01"] != 254 || p["r2-h01"] != 253 || p["r1-h02"] != 237 {
		t.Fatalf("priorities %v, want 254/253/237", p)
	}
	one := []Member{g.Members[0], g.Members[1]}
	if s := SharedFeeds(one); len(s) != 2 {
		t.Fatalf("one rack: shared feeds %v, want both PDUs", s)
	}
}

func TestDetection(t *testing.T) {
	// 3 adverts + (256 - 253) / 256 advert.
	if d := Detection(1); d != 3*time.Second+11718750*time.Nanosecond {
		t.Errorf("Detection(1) = %s", d)
	}
	for a, want := range map[int]int{1: 4, 2: 7, 30: 91, 255: 768} {
		if got := DetectionSeconds(a); got != want {
			t.Errorf("DetectionSeconds(%d) = %d, want %d", a, got, want)
		}
	}
}

func TestAdvertFromBudget(t *testing.T) {
	for _, c := range []struct {
		budget time.Duration
		want   int
	}{{time.Second, 1}, {4 * time.Second, 1}, {12 * time.Second, 3}, {time.Hour, 255}} {
		if got := AdvertFor(c.budget); got != c.want {
			t.Errorf("AdvertFor(%s) = %d, want %d", c.budget, got, c.want)
		}
		if Detection(AdvertFor(c.budget)) > c.budget && c.budget >= 4*time.Second {
			t.Errorf("detection %s over budget %s", Detection(AdvertFor(c.budget)), c.budget)
		}
	}
}

func TestValidate(t *testing.T) {
	g := testGroup()
	g.AuthPass = "toolongpassword"
	g.RouterID = 0
	err := g.Validate()
	if err == nil || !strings.Contains(err.Error(), "8 characters") || !strings.Contains(err.Error(), "virtual_router_id") {
		t.Fatalf("err = %v", err)
	}
}
