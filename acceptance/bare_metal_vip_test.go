package acceptance

import (
	"context"
	"encoding/json"
	"errors"
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

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/keepalived"
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
	// A second site (region dc2, its own network) when addStandbySite ran:
	// the blueprint then spans dc1 and dc2 with a DNS failover name over
	// the two VIPs (zone).
	lab2   *nshosts.Lab
	vip2   string
	names2 []string
	zone   string
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
		m.serveWeb(t, lab.Hosts[n])
	}
	t.Setenv("HA_BARE_METAL_SSH_PRIVATE_KEY", string(lab.ClientKey))
	t.Setenv("HA_BARE_METAL_KNOWN_HOSTS", "")
	return m
}

// host is the namespace host named n in either site.
func (m *metalLab) host(n string) *nshosts.Host {
	if h := m.lab.Hosts[n]; h != nil {
		return h
	}
	return m.lab2.Hosts[n]
}

// serveWeb writes a host's /host and /healthz pages and starts its web
// server.
func (m *metalLab) serveWeb(t *testing.T, h *nshosts.Host) {
	t.Helper()
	for f, body := range map[string]string{"host": h.Name, "healthz": "ok"} {
		if err := os.WriteFile(h.EtcDir+"/haproxy/"+f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m.startWeb(t, h.Name)
}

// addStandbySite starts a second site, dc2, on its own bridge and network
// (three hosts in two racks), with its inventory.
func (m *metalLab) addStandbySite(t *testing.T) {
	t.Helper()
	m.names2 = []string{"r1-h11", "r1-h12", "r2-h11"}
	spec := nshosts.Spec{Hosts: map[string]string{}}
	for _, n := range m.names2 {
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
	// One SSH client key for both sites, as the provider has one.
	f, err := os.OpenFile(filepath.Join(lab.Dir, "authorized_keys"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(m.lab.ClientPublicKey + "\n")
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		t.Fatal(err)
	}
	m.lab2, m.vip2, m.zone = lab, vipAddr(lab, 20), "vip-"+m.lab.Tag+".test"
	for _, n := range m.names2 {
		m.serveWeb(t, lab.Hosts[n])
	}
	writeInventory(t, filepath.Join(m.dir, "dc2.inventory.hcl"), "dc2", lab, m.names2, nil)
}

func (m *metalLab) startWeb(t *testing.T, n string) {
	t.Helper()
	cmd, err := m.host(n).Start("web", "/usr/bin/python3", "-m", "http.server", "--bind", "0.0.0.0", "--directory", "/etc/haproxy", "8080")
	if err != nil {
		t.Fatal(err)
	}
	m.web[n] = cmd
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
}

// inventory writes dc1.inventory.hcl; keys overrides pinned host keys.
func (m *metalLab) inventory(t *testing.T, keys map[string]string) {
	t.Helper()
	writeInventory(t, filepath.Join(m.dir, "dc1.inventory.hcl"), "dc1", m.lab, m.names, keys)
}

// writeInventory writes the inventory of one site: its lab's network, two
// UPSes, A and B PDUs per rack (racks from the host names' first two
// characters), the hosts with pinned keys.
func writeInventory(t *testing.T, path, site string, lab *nshosts.Lab, names []string, keys map[string]string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "site %q {\n  network = %q\n\n", site, lab.Prefix.String())
	b.WriteString("  ups \"ups-a\" {\n    capacity_va = 20000\n  }\n  ups \"ups-b\" {\n    capacity_va = 20000\n  }\n")
	for _, r := range []string{"r1", "r2"} {
		for _, side := range []string{"a", "b"} {
			fmt.Fprintf(&b, "  pdu \"pdu-%s-%s\" {\n    rack     = %q\n    feed     = \"ups-%s\"\n    max_amps = 32\n    outlets  = 8\n  }\n", r, side, r, side)
		}
	}
	for i, n := range names {
		h := lab.Hosts[n]
		key := h.HostKey
		if k, ok := keys[n]; ok {
			key = k
		}
		r := n[:2]
		fmt.Fprintf(&b, "  host %q {\n    rack         = %q\n    address      = %q\n    ssh_host_key = %q\n    cpus         = 4\n    memory       = \"8GiB\"\n    watts        = 200\n", n, r, h.Address, strings.TrimSpace(key))
		fmt.Fprintf(&b, "    psu \"1\" {\n      pdu    = \"pdu-%s-a\"\n      outlet = %d\n    }\n    psu \"2\" {\n      pdu    = \"pdu-%s-b\"\n      outlet = %d\n    }\n  }\n", r, i+1, r, i+1)
	}
	b.WriteString("}\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
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
    vip = %s
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

// metalStandbySite extends metalVIPBlueprint to the second site: region
// dc2 runs tier web too, and a failover name (PowerDNS) answers dc1's VIP
// while HAProxy there answers /healthz, else dc2's.
const metalStandbySite = `
region "dc2" {
  cloud     = "bare_metal"
  inventory = "dc2.inventory.hcl"
}

dns "www.%[1]s" {
  zone    = %[1]q
  ttl     = 5
  to      = tier.web
  backend = "powerdns"
  failover {
    order = ["dc1", "dc2"]
    health_check {
      interval  = "1s"
      threshold = 1
    }
  }
}
`

func (m *metalLab) cli(t *testing.T, vip string) *cliRun {
	t.Helper()
	bp := fmt.Sprintf(metalVIPBlueprint, fmt.Sprintf("%q", vip))
	if m.lab2 != nil {
		bp = fmt.Sprintf(metalVIPBlueprint, fmt.Sprintf("{ dc1 = %q, dc2 = %q }", vip, m.vip2)) + fmt.Sprintf(metalStandbySite, m.zone)
	}
	if err := os.WriteFile(filepath.Join(m.dir, "metal.ha.hcl"), []byte(bp), 0o644); err != nil {
		t.Fatal(err)
	}
	return newCLI(t, CLIs(t)[0], m.dir, stackRoot(filepath.Join(m.dir, "metal.ha.hcl"), `
  database_password  = "unused-here"
  exclude_on_battery = false
  vrrp_auth_pass     = "s3cret"
  create_dns_zones   = true`, `
output "virtual_ips" {
  value = module.stack.virtual_ips
}
# extra
`))
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
	for _, n := range append(append([]string(nil), m.names...), m.names2...) {
		h := m.host(n)
		for _, f := range []string{"keepalived/keepalived.conf", "keepalived/keepalived.pid", "haproxy/haproxy.cfg", "haproxy/haproxy.pid"} {
			if _, err := os.Stat(filepath.Join(h.EtcDir, f)); err == nil {
				t.Errorf("%s: %s left behind", n, f)
			}
		}
	}
}

// A bare-metal blueprint with a load-balanced tier through modules/stack on
// two sites: dc1 on four namespace hosts in two racks (A+B feeds), dc2 on
// three, each with its own network and VIP, and a DNS failover name over
// the two VIPs on the harness's PowerDNS. The VIP answers from the master;
// the name answers dc1's VIP, then dc2's once dc1's VIP is gone (keepalived
// stopped on every holder), then dc1's again; HAProxy on the VIP balances
// across the three allocated backends and drops a dead one, hand edits of
// keepalived.conf and haproxy.cfg show as drift and are repaired, and
// destroy removes the configuration from every host.
func TestAccBareMetalVIP_throughStack(t *testing.T) {
	m := startMetalLab(t)
	env := UseServices(t, services.PowerDNS)
	m.inventory(t, nil)
	m.addStandbySite(t)
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
	st.expect(`module.stack.ha_virtual_ip.this["dc2/web/virtual_ip"]`, "vip", m.vip2)
	m.dnsFailsOverToStandby(t, env["HA_TEST_PDNS_DNS"], st, members)
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

// dnsFailsOverToStandby checks the failover name between the sites on the
// live PowerDNS: it targets the two VIPs and answers dc1's; with keepalived
// stopped on every dc1 holder (members) the VIP is gone from the site and
// the name answers dc2's; with keepalived started again, dc1's.
func (m *metalLab) dnsFailsOverToStandby(t *testing.T, server string, st *cliState, members string) {
	t.Helper()
	fqdn := "www." + m.zone
	var dns string
	for k := range st.resources {
		if strings.HasPrefix(k, "module.stack.ha_dns_failover.this[") {
			dns = k
		}
	}
	if dns == "" {
		t.Fatalf("no ha_dns_failover for %s in state", fqdn)
	}
	if tg := st.attr(dns, "target"); !strings.Contains(tg, m.vip) || !strings.Contains(tg, m.vip2) || strings.Index(tg, m.vip) > strings.Index(tg, m.vip2) {
		t.Fatalf("%s targets %s, want dc1's VIP %s then dc2's %s", dns, tg, m.vip, m.vip2)
	}
	if err := expectAnswer(server, fqdn, m.vip); err != nil {
		t.Fatalf("primary site: %v", err)
	}
	ctx := context.Background()
	ka := keepalived.Group{}
	var holders []string
	for _, n := range m.names {
		if strings.Contains(members, n) {
			holders = append(holders, n)
		}
	}
	start := time.Now()
	for _, n := range holders {
		// keepalived's own stop: SIGTERM, the VIP is released.
		if out, err := m.lab.Hosts[n].Exec(ctx, "sh", "-c", ka.Daemon("").Stop); err != nil {
			t.Fatalf("stop keepalived on %s: %v: %s", n, err, out)
		}
	}
	if err := expectAnswer(server, fqdn, m.vip2); err != nil {
		t.Fatalf("after stopping keepalived on every dc1 holder: %v", err)
	}
	t.Logf("%s answered dc2's VIP %s %.1fs after dc1's VIP went away (including 1.5 s of steady answers)", fqdn, m.vip2, time.Since(start).Seconds())
	for _, n := range holders {
		if out, err := m.lab.Hosts[n].Exec(ctx, "sh", "-c", ka.Daemon("").Reload); err != nil {
			t.Fatalf("start keepalived on %s: %v: %s", n, err, out)
		}
	}
	if err := expectAnswer(server, fqdn, m.vip); err != nil {
		t.Fatalf("after keepalived is back on dc1: %v", err)
	}
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
