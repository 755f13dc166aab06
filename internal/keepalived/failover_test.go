package keepalived_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/keepalived"
	"github.com/ha-blueprints/terraform-provider-ha/internal/vipdrill"
)

// A VRRP group delivered over SSH to three namespace hosts in two racks:
// the VIP answers; a killed keepalived, a sick service and a power loss
// each move it to another host, and it fails back; a hand edit reads back
// as drift; removal leaves no configuration and no daemon.
func TestVRRPGroupOnNamespaceHosts(t *testing.T) {
	nshosts.RequireLive(t)
	ctx := context.Background()
	lab, err := nshosts.Start(ctx, nshosts.Spec{Hosts: map[string]string{"r1-h01": "", "r1-h02": "", "r2-h01": ""}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lab.Stop() }()
	vip := lab.Prefix.Addr().Next().Next().Next().Next().Next().Next().Next().Next().Next().Next().String() // .10
	if !lab.Prefix.Contains(netip.MustParseAddr(vip)) {
		t.Fatal("vip outside prefix")
	}
	s := hostdeliver.Settings{PrivateKey: lab.ClientKey}
	feeds := map[string][]string{"r1-h01": {"pdu-r1-a", "pdu-r1-b"}, "r1-h02": {"pdu-r1-a", "pdu-r1-b"}, "r2-h01": {"pdu-r2-a", "pdu-r2-b"}}
	g := keepalived.Group{Name: "t-dc1-web", VIP: vip, PrefixLen: lab.Prefix.Bits(), RouterID: 42, AdvertSec: 1, AuthPass: "pw",
		CheckScript: "/usr/bin/curl -sf -m 1 -o /dev/null http://127.0.0.1:8080/healthz"}
	for _, n := range []string{"r1-h01", "r1-h02", "r2-h01"} {
		g.Members = append(g.Members, keepalived.Member{Name: n, Address: lab.Hosts[n].Address, Feeds: feeds[n]})
	}
	confs, err := g.Render()
	if err != nil {
		t.Fatal(err)
	}
	serve := func(h *nshosts.Host) {
		t.Helper()
		for f, body := range map[string]string{"host": h.Name, "healthz": "ok"} {
			if err := os.WriteFile(h.EtcDir+"/haproxy/"+f, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := h.Start("web", "/usr/bin/python3", "-m", "http.server", "--bind", "0.0.0.0", "--directory", "/etc/haproxy", "8080"); err != nil {
			t.Fatal(err)
		}
	}
	apply := func(name string, force bool) hostdeliver.Result {
		t.Helper()
		h := lab.Hosts[name]
		c, err := hostdeliver.Dial(ctx, s, hostdeliver.Target{Name: name, Address: h.Address, HostKey: h.HostKey})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		r, err := c.Apply(ctx, g.Daemon(confs[name]), force)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, h := range lab.Hosts {
		serve(h)
	}
	for n := range lab.Hosts {
		apply(n, true)
	}
	if r := apply("r1-h01", false); r.Reloaded || len(r.Changed) > 0 {
		t.Fatalf("unchanged apply did %+v", r)
	}
	client := http.Client{Timeout: 500 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	probe := func(ctx context.Context) (string, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+vip+":8080/host", nil)
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer func() { _ = resp.Body.Close() }()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	kill := func(ctx context.Context, host string) error {
		_, err := lab.Hosts[host].Exec(ctx, "sh", "-c", vipdrill.CrashCommand(""))
		return err
	}
	restart := func(ctx context.Context, host string) error { apply(host, true); return nil }

	holders := func() []string {
		var out []string
		for n, h := range lab.Hosts {
			if b, err := h.Exec(ctx, "ip", "-4", "-o", "addr", "show", "dev", "eth0"); err == nil && strings.Contains(string(b), " "+vip+"/") {
				out = append(out, n)
			}
		}
		return out
	}
	// Settle: the top-priority host holds the VIP, and only it.
	settle := func() {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			hs := holders()
			who, _ := probe(ctx)
			if len(hs) == 1 && hs[0] == "r1-h01" && who == "r1-h01" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("VIP held by %v, answering %q; want r1-h01 alone", hs, who)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	settle()

	res, err := vipdrill.Run(ctx, vipdrill.Drill{Kind: "vip", VIP: vip, Probe: probe, Break: kill, Restore: restart, Timeout: 30 * time.Second})
	t.Log(res.Summary())
	if err != nil {
		t.Fatal(err)
	}
	// The master is the placement's first host; its first backup is in the other rack.
	if res.Before != "r1-h01" || res.After != "r2-h01" || res.FailedBackTo != "r1-h01" {
		t.Fatalf("drill %s", res.JSON())
	}

	// Sick service on the master: the tracked check gives the VIP up.
	sick, err := vipdrill.Run(ctx, vipdrill.Drill{Kind: "health", VIP: vip, Probe: probe, Timeout: 30 * time.Second,
		Break: func(ctx context.Context, host string) error {
			return os.Remove(lab.Hosts[host].EtcDir + "/haproxy/healthz")
		}})
	t.Log(sick.Summary())
	if err != nil {
		t.Fatal(err)
	}
	if sick.Before != "r1-h01" || sick.After != "r2-h01" {
		t.Fatalf("health drill %s", sick.JSON())
	}
	if err := os.WriteFile(lab.Hosts["r1-h01"].EtcDir+"/haproxy/healthz", []byte("ok"), 0o644); err != nil {
		t.Fatal(err)
	}

	settle()
	pw, err := vipdrill.Run(ctx, vipdrill.Drill{Kind: "power", VIP: vip, Probe: probe, Timeout: 30 * time.Second,
		Break: func(ctx context.Context, host string) error { return lab.Hosts[host].PowerOff(ctx) },
		Restore: func(ctx context.Context, host string) error {
			if err := lab.Hosts[host].PowerOn(ctx); err != nil {
				return err
			}
			serve(lab.Hosts[host])
			return restart(ctx, host)
		}})
	t.Log(pw.Summary())
	if err != nil {
		t.Fatal(err)
	}

	// Hand edit: read back differs from the rendered config; apply restores it.
	h := lab.Hosts["r2-h01"]
	c, err := hostdeliver.Dial(ctx, s, hostdeliver.Target{Name: h.Name, Address: h.Address, HostKey: h.HostKey})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if _, err := c.Run(ctx, "sed -i 's/advert_int 1/advert_int 9/' /etc/keepalived/keepalived.conf", nil); err != nil {
		t.Fatal(err)
	}
	got, err := c.Read(ctx, g.Daemon(confs[h.Name]))
	if err != nil {
		t.Fatal(err)
	}
	if string(got[g.ConfigPath()]) == confs[h.Name] || !strings.Contains(string(got[g.ConfigPath()]), "advert_int 9") {
		t.Fatal("hand edit not read back")
	}
	if r := apply(h.Name, false); !r.Reloaded {
		t.Fatalf("apply after hand edit: %+v", r)
	}

	for n, h := range lab.Hosts {
		c, err := hostdeliver.Dial(ctx, s, hostdeliver.Target{Name: n, Address: h.Address, HostKey: h.HostKey})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Remove(ctx, g.Daemon(confs[n])); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Run(ctx, g.Running(), nil); err == nil {
			t.Errorf("%s: keepalived still running after remove", n)
		}
		if _, ok, _ := c.ReadFile(ctx, g.ConfigPath()); ok {
			t.Errorf("%s: config left after remove", n)
		}
		_ = c.Close()
	}
	fmt.Println(res.JSON())
}
