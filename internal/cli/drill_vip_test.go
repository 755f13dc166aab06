package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/keepalived"
	"github.com/ha-blueprints/terraform-provider-ha/internal/pdu"
	"github.com/ha-blueprints/terraform-provider-ha/internal/vipdrill"
)

func TestDrillVIPBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"drill", "vip", "--host", "a=10.0.0.1"},
		{"drill", "vip", "--vip", "10.0.0.9"},
		{"drill", "vip", "--vip", "10.0.0.9", "--host", "a"},
		{"drill", "vip", "--vip", "10.0.0.9", "--host", "a=10.0.0.1", "--mode", "unplug"},
	} {
		if code, _, errs := run(t, args...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, errs)
		}
	}
}

// vipHosts starts three namespace hosts serving their names at
// :8080/host and holding a keepalived VIP; it returns the lab, the master,
// the drill's arguments and a function that starts a host's web server.
func vipHosts(t *testing.T) (*nshosts.Lab, string, []string, func(h *nshosts.Host)) {
	t.Helper()
	ctx := context.Background()
	names := []string{"r1-h01", "r1-h02", "r2-h01"}
	lab, err := nshosts.Start(ctx, nshosts.Spec{Hosts: map[string]string{"r1-h01": "", "r1-h02": "", "r2-h01": ""}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lab.Stop() })
	vip := lab.Prefix.Addr()
	for i := 0; i < 10; i++ {
		vip = vip.Next()
	}
	g := keepalived.Group{Name: "drill-web", VIP: vip.String(), PrefixLen: lab.Prefix.Bits(), RouterID: 11, AdvertSec: 1}
	keys := keepalived.HostKeys{}
	web := func(h *nshosts.Host) {
		cmd, err := h.Start("web", "/usr/bin/python3", "-m", "http.server", "--bind", "0.0.0.0", "--directory", "/etc/haproxy", "8080")
		if err != nil {
			t.Error(err)
			return
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	}
	args := []string{"drill", "vip", "--vip", vip.String(), "--json", "--link-down", "5s"}
	for _, n := range names {
		h := lab.Hosts[n]
		if err := os.WriteFile(h.EtcDir+"/haproxy/host", []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
		web(h)
		g.Members = append(g.Members, keepalived.Member{Name: n, Address: h.Address})
		keys[n] = h.HostKey
		args = append(args, "--host", n+"="+h.Address, "--host-key", n+"="+strings.TrimSpace(h.HostKey))
	}
	if err := g.Deliver(ctx, hostdeliver.Settings{PrivateKey: lab.ClientKey}, keys, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Remove(ctx, hostdeliver.Settings{PrivateKey: lab.ClientKey}, keys) })
	t.Setenv("HA_BARE_METAL_SSH_PRIVATE_KEY", string(lab.ClientKey))
	return lab, keepalived.Order(g.Members)[0].Name, args, web
}

// drill vip on three namespace hosts holding a keepalived VIP: in both
// modes the VIP moves off the master to another host and fails back.
func TestDrillVIP_namespaceHosts(t *testing.T) {
	nshosts.RequireLive(t)
	_, master, args, _ := vipHosts(t)
	for _, mode := range []string{vipdrill.ModeKeepalived, vipdrill.ModeLink} {
		code, out, errs := run(t, append(args, "--mode", mode)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s %s", mode, code, out, errs)
		}
		var r vipdrill.Result
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%s: %v: %s", mode, err, out)
		}
		if !r.Passed || r.Before != master || r.After == master || r.After == "" || r.FailedBackTo != master {
			t.Errorf("%s: %+v; want a move off %s and back", mode, r, master)
		}
		t.Logf("%s: %s -> %s in %.2fs, failback %.2fs", mode, r.Before, r.After, r.SwitchSeconds, r.FailbackSecond)
	}
}

// drill power: the master's two PDU outlets (snmpsim) are switched off over
// SNMP, the harness powers off the host that lost every feed, and the VIP
// moves; switched on again, the host boots and the VIP fails back.
func TestDrillPower_namespaceHosts(t *testing.T) {
	nshosts.RequireLive(t)
	svc, err := services.Start(context.Background(), t.TempDir(), services.SNMP)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Stop)
	lab, master, args, web := vipHosts(t)
	addr := svc.Env["HA_TEST_SNMP_ADDR"]
	feeds := map[string][]nshosts.Feed{}
	for i, n := range []string{"r1-h01", "r1-h02", "r2-h01"} {
		for _, c := range services.PDUCommunities {
			cl := &pdu.Client{Addr: addr, Community: c, Timeout: time.Second}
			if _, err := cl.SetOutlet(context.Background(), i+1, pdu.ImmediateOn); err != nil {
				t.Fatal(err)
			}
			feeds[n] = append(feeds[n], outletFeed(cl, i+1))
			args = append(args, "--outlet", fmt.Sprintf("%s=%s/%s/%d", n, addr, c, i+1))
		}
	}
	stop := lab.WatchPower(feeds, 100*time.Millisecond, web)
	t.Cleanup(stop)
	code, out, errs := run(t, append([]string{"drill", "power"}, args[2:]...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	var r vipdrill.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !r.Passed || r.Kind != "power" || r.Before != master || r.After == master || r.After == "" || r.FailedBackTo != master {
		t.Errorf("%+v; want a move off %s and back", r, master)
	}
	t.Logf("power: %s -> %s in %.2fs, failback %.2fs", r.Before, r.After, r.SwitchSeconds, r.FailbackSecond)
}

func TestParseOutlet(t *testing.T) {
	n, o, err := parseOutlet("r1-h01=10.0.1.11/private/3", "public")
	if err != nil || n != "r1-h01" || o.Number != 3 || o.PDU.Addr != "10.0.1.11:161" || o.PDU.Community != "private" {
		t.Errorf("got %q %+v %v", n, o, err)
	}
	if _, o, err = parseOutlet("h=127.0.0.1:1161//2", "public"); err != nil || o.PDU.Community != "public" || o.PDU.Addr != "127.0.0.1:1161" {
		t.Errorf("default community: %+v %v", o, err)
	}
	for _, bad := range []string{"h", "h=pdu/c", "=pdu/c/1", "h=pdu/c/0", "h=/c/1", "h=pdu/c/x"} {
		if _, _, err := parseOutlet(bad, ""); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// outletFeed reads one PDU outlet over SNMP for nshosts.WatchPower.
func outletFeed(cl *pdu.Client, n int) nshosts.Feed {
	return func(ctx context.Context) (bool, error) {
		o, err := cl.Outlet(ctx, n)
		if err != nil {
			return false, err
		}
		return o.State == pdu.StateOff, nil
	}
}
