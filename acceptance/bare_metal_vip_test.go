package acceptance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
)

// metalLab is four namespace hosts in two racks, each serving its name at
// :8080/host and ok at :8080/healthz, with an inventory (A+B feeds, the
// lab's network and pinned host keys) and a blueprint whose tier "web" has
// a load balancer on virtual IP vip.
type metalLab struct {
	lab   *nshosts.Lab
	dir   string
	vip   string
	names []string
	web   map[string]*exec.Cmd
}

func startMetalLab(t *testing.T) *metalLab {
	t.Helper()
	PreCheck(t)
	nshosts.RequireLive(t)
	names := []string{"r1-h01", "r1-h02", "r2-h01", "r2-h02"}
	spec := nshosts.Spec{Hosts: map[string]string{}}
	for _, n := range names {
		spec.Hosts[n] = ""
	}
	lab, err := nshosts.Start(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lab.Stop(); err != nil {
			t.Errorf("stop lab: %v", err)
		}
	})
	m := &metalLab{lab: lab, dir: t.TempDir(), vip: vipAddr(lab, 20), names: names, web: map[string]*exec.Cmd{}}
	for _, n := range names {
		h := lab.Hosts[n]
		for f, body := range map[string]string{"host": n, "healthz": "ok"} {
			if err := os.WriteFile(h.EtcDir+"/haproxy/"+f, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		m.startWeb(t, n)
	}
	t.Setenv("HA_BARE_METAL_SSH_PRIVATE_KEY", string(lab.ClientKey))
	t.Setenv("HA_BARE_METAL_KNOWN_HOSTS", "")
	return m
}

func (m *metalLab) startWeb(t *testing.T, n string) {
	t.Helper()
	cmd, err := m.lab.Hosts[n].Start("web", "/usr/bin/python3", "-m", "http.server", "--bind", "0.0.0.0", "--directory", "/etc/haproxy", "8080")
	if err != nil {
		t.Fatal(err)
	}
	m.web[n] = cmd
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
}

// inventory writes dc1.inventory.hcl; keys overrides pinned host keys.
func (m *metalLab) inventory(t *testing.T, keys map[string]string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "site \"dc1\" {\n  network = %q\n\n", m.lab.Prefix.String())
	b.WriteString("  ups \"ups-a\" {\n    capacity_va = 20000\n  }\n  ups \"ups-b\" {\n    capacity_va = 20000\n  }\n")
	for _, r := range []string{"r1", "r2"} {
		for _, side := range []string{"a", "b"} {
			fmt.Fprintf(&b, "  pdu \"pdu-%s-%s\" {\n    rack     = %q\n    feed     = \"ups-%s\"\n    max_amps = 32\n    outlets  = 8\n  }\n", r, side, r, side)
		}
	}
	for i, n := range m.names {
		h := m.lab.Hosts[n]
		key := h.HostKey
		if k, ok := keys[n]; ok {
			key = k
		}
		r := n[:2]
		fmt.Fprintf(&b, "  host %q {\n    rack         = %q\n    address      = %q\n    ssh_host_key = %q\n    cpus         = 4\n    memory       = \"8GiB\"\n    watts        = 200\n", n, r, h.Address, strings.TrimSpace(key))
		fmt.Fprintf(&b, "    psu \"1\" {\n      pdu    = \"pdu-%s-a\"\n      outlet = %d\n    }\n    psu \"2\" {\n      pdu    = \"pdu-%s-b\"\n      outlet = %d\n    }\n  }\n", r, i+1, r, i+1)
	}
	b.WriteString("}\n")
	if err := os.WriteFile(filepath.Join(m.dir, "dc1.inventory.hcl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

const metalVIPBlueprint = `blueprint "metal" {}

objectives {
  rto = "2m"
}

region "dc1" {
  cloud     = "bare_metal"
  inventory = "dc1.inventory.hcl"
  role      = "primary"
}

tier "web" {
  capacity {
    min = 3
    max = 3
  }
  spread = ["rack"]
  load_balancer {
    vip = %q
    listener {
      port = 80
    }
    health_check {
      port      = 8080
      path      = "/healthz"
      interval  = "5s"
      timeout   = "2s"
      healthy   = 2
      unhealthy = 2
    }
  }
}
`

func (m *metalLab) cli(t *testing.T, vip string) *cliRun {
	t.Helper()
	if err := os.WriteFile(filepath.Join(m.dir, "metal.ha.hcl"), []byte(fmt.Sprintf(metalVIPBlueprint, vip)), 0o644); err != nil {
		t.Fatal(err)
	}
	return newCLI(t, CLIs(t)[0], m.dir, fmt.Sprintf(`
terraform {
  required_providers {
    ha = { source = "ha-blueprints/ha" }
  }
}

provider "ha" {}

module "stack" {
  source             = %q
  blueprint          = %q
  database_password  = "unused-here"
  exclude_on_battery = false
  vrrp_auth_pass     = "s3cret"
}

output "virtual_ips" {
  value = module.stack.virtual_ips
}
# extra
`, filepath.Join(RepoRoot(), "modules", "stack"), filepath.Join(m.dir, "metal.ha.hcl")))
}

// through returns the host names answering n requests through HAProxy on
// the VIP, "" for a failed request.
func through(vip string, n int) []string {
	c := http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var out []string
	for i := 0; i < n; i++ {
		resp, err := c.Get("http://" + vip + "/host")
		if err != nil {
			out = append(out, "")
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			out = append(out, "")
			continue
		}
		out = append(out, string(b))
	}
	return out
}

func (m *metalLab) configsGone(t *testing.T) {
	t.Helper()
	for _, n := range m.names {
		h := m.lab.Hosts[n]
		for _, f := range []string{"keepalived/keepalived.conf", "keepalived/keepalived.pid", "haproxy/haproxy.cfg", "haproxy/haproxy.pid"} {
			if _, err := os.Stat(filepath.Join(h.EtcDir, f)); err == nil {
				t.Errorf("%s: %s left behind", n, f)
			}
		}
	}
}

// A bare-metal blueprint with a load-balanced tier through modules/stack on
// four namespace hosts in two racks (A+B feeds): the VIP answers from the
// master, HAProxy on the VIP balances across the three allocated backends
// and drops a dead one, hand edits of keepalived.conf and haproxy.cfg show
// as drift and are repaired, and destroy removes the configuration from
// every host.
func TestAccBareMetalVIP_throughStack(t *testing.T) {
	m := startMetalLab(t)
	m.inventory(t, nil)
	tf := m.cli(t, m.vip)
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			_, _ = tf.try("destroy", "-auto-approve", "-input=false")
		}
	})
	tf.apply()
	st := tf.state()
	vipAddrRes := `module.stack.ha_virtual_ip.this["dc1/web/virtual_ip"]`
	lbAddr := `module.stack.ha_load_balancer.bare_metal["dc1/web/load_balancer"]`
	st.expect(vipAddrRes, "vip", m.vip)
	st.expect(vipAddrRes, "detection_seconds", "4")
	st.expect(lbAddr, "virtual_address", m.vip)
	master := st.attr(vipAddrRes, "master")
	members := st.attr(`module.stack.ha_host_allocation.this["dc1/web/host_allocation"]`, "members")
	t.Logf("members %s, master %s", members, master)
	if err := vipAnswersFrom(m.vip, master)(nil); err != nil {
		t.Fatal(err)
	}

	// HAProxy balances across the backends (round robin over three).
	got := map[string]int{}
	for _, h := range through(m.vip, 12) {
		got[h]++
	}
	if got[""] > 0 || len(got) != 3 {
		t.Fatalf("through HAProxy on %s: %v, want three backends and no failure", m.vip, got)
	}
	for h := range got {
		if !strings.Contains(members, h) {
			t.Errorf("%s answered but is not a member (%s)", h, members)
		}
	}

	// A dead backend is dropped: after interval × fall (5s × 2) every
	// request succeeds from the other two.
	var dead string
	for h := range got {
		if h != master {
			dead = h
			break
		}
	}
	_ = m.web[dead].Process.Kill()
	_ = m.web[dead].Wait()
	start := time.Now()
	for {
		res := through(m.vip, 6)
		ok := true
		for _, h := range res {
			ok = ok && h != "" && h != dead
		}
		if ok {
			break
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("HAProxy still sends to dead %s after a minute: %v", dead, res)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("HAProxy dropped dead backend %s after %.1fs (health check interval × fall = 10s)", dead, time.Since(start).Seconds())
	m.startWeb(t, dead)

	tf.planEmpty()

	// Hand edits on a host show as drift in plan, and apply repairs them.
	other := ""
	for _, n := range m.names {
		if n != master && strings.Contains(members, n) {
			other = n
		}
	}
	edit := func(rel, from, to string) {
		p := filepath.Join(m.lab.Hosts[other].EtcDir, rel)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), from) {
			t.Fatalf("%s on %s lacks %q", rel, other, from)
		}
		if err := os.WriteFile(p, []byte(strings.Replace(string(b), from, to, 1)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	edit("keepalived/keepalived.conf", "advert_int 1", "advert_int 7")
	out, err := tf.try("plan", "-input=false", "-detailed-exitcode")
	if err == nil || !strings.Contains(out, vipAddrRes+" will be updated") {
		t.Fatalf("hand edit of keepalived.conf on %s not shown as drift (%v):\n%s", other, err, out)
	}
	edit("haproxy/haproxy.cfg", "balance roundrobin", "balance source")
	out, err = tf.try("plan", "-input=false", "-detailed-exitcode")
	if err == nil || !strings.Contains(out, lbAddr+" will be updated") {
		t.Fatalf("hand edit of haproxy.cfg on %s not shown as drift (%v):\n%s", other, err, out)
	}
	tf.apply()
	tf.planEmpty()
	for rel, bad := range map[string]string{"keepalived/keepalived.conf": "advert_int 7", "haproxy/haproxy.cfg": "balance source"} {
		b, err := os.ReadFile(filepath.Join(m.lab.Hosts[other].EtcDir, rel))
		if err != nil || strings.Contains(string(b), bad) {
			t.Errorf("%s on %s not repaired (%v)", rel, other, err)
		}
	}

	tf.destroy()
	destroyed = true
	if st := tf.state(); len(st.resources) != 0 {
		var left []string
		for k := range st.resources {
			left = append(left, k)
		}
		sort.Strings(left)
		t.Errorf("state after destroy: %v", left)
	}
	m.configsGone(t)
}

// setRoot replaces the root module of a cliRun with the stack plus extra.
func (m *metalLab) setRoot(t *testing.T, tf *cliRun, extra string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tf.dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	base, _, _ := strings.Cut(string(b), "# extra\n")
	if err := os.WriteFile(filepath.Join(tf.dir, "main.tf"), []byte(base+"# extra\n"+extra), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Bad input through modules/stack: a VIP outside the site network fails the
// plan at the blueprint's own FILE:LINE:COL; a wrong pinned host key in the
// inventory is refused naming the host, with no virtual IP claimed in state
// and nothing written to any host. Then, fixed, ha_vip_drill kills the
// master's keepalived and measures the VIP moving and failing back.
func TestAccBareMetalVIP_badInputAndDrill(t *testing.T) {
	m := startMetalLab(t)
	m.inventory(t, nil)
	tf := m.cli(t, "192.168.77.1")
	out, err := tf.try("plan", "-input=false")
	if err == nil || !strings.Contains(out, "VIP outside the network") || !regexpMatch(`metal\.ha\.hcl:\d+:\d+`, out) {
		t.Fatalf("plan with a VIP outside the network: %v\n%s", err, out)
	}

	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			_, _ = tf.try("destroy", "-auto-approve", "-input=false")
		}
	})
	tf = m.cli(t, m.vip)
	m.inventory(t, map[string]string{"r1-h02": m.lab.Hosts["r1-h01"].HostKey, "r2-h01": m.lab.Hosts["r1-h01"].HostKey})
	out, err = tf.try("apply", "-auto-approve", "-input=false")
	if err == nil || !strings.Contains(out, "host key does not match") || !regexpMatch(`host r(1-h02|2-h01): host key does not match`, out) {
		t.Fatalf("apply with a wrong pinned host key: %v\n%s", err, out)
	}
	st := tf.state()
	if _, ok := st.resources[`module.stack.ha_virtual_ip.this["dc1/web/virtual_ip"]`]; ok {
		t.Errorf("virtual IP claimed in state after a refused host key")
	}
	m.configsGone(t)

	m.inventory(t, nil)
	tf.apply()
	master := tf.state().attr(`module.stack.ha_virtual_ip.this["dc1/web/virtual_ip"]`, "master")
	if err := vipAnswersFrom(m.vip, master)(nil); err != nil {
		t.Fatal(err)
	}
	m.setRoot(t, tf, `
data "ha_vip_drill" "web" {
  vip     = module.stack.virtual_ips["dc1/web/virtual_ip"].address
  hosts   = module.stack.vip_hosts["dc1/web/virtual_ip"]
  timeout = "30s"
}

output "drill" {
  value = data.ha_vip_drill.web.json
}
`)
	tf.apply()
	var r struct {
		Before, After string
		Passed        bool
		Back          string  `json:"failed_back_to"`
		Switch        float64 `json:"switch_seconds"`
	}
	raw := tf.output("drill")
	var s string
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatalf("drill output %s: %v", raw, err)
	}
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("drill result %s: %v", s, err)
	}
	if !r.Passed || r.Before != master || r.After == master || r.After == "" || r.Back != master {
		t.Errorf("drill %s: want a move off %s and back", s, master)
	}
	t.Logf("ha_vip_drill: %s", s)
	m.setRoot(t, tf, "")
	tf.destroy()
	destroyed = true
	m.configsGone(t)
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }
