package cli

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/keepalived"
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

// drill vip on three namespace hosts holding a keepalived VIP: in both
// modes the VIP moves off the master to another host and fails back.
func TestDrillVIP_namespaceHosts(t *testing.T) {
	nshosts.RequireLive(t)
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
	args := []string{"drill", "vip", "--vip", vip.String(), "--json", "--link-down", "5s"}
	for _, n := range names {
		h := lab.Hosts[n]
		if err := os.WriteFile(h.EtcDir+"/haproxy/host", []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd, err := h.Start("web", "/usr/bin/python3", "-m", "http.server", "--bind", "0.0.0.0", "--directory", "/etc/haproxy", "8080")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		g.Members = append(g.Members, keepalived.Member{Name: n, Address: h.Address})
		keys[n] = h.HostKey
		args = append(args, "--host", n+"="+h.Address, "--host-key", n+"="+strings.TrimSpace(h.HostKey))
	}
	if err := g.Deliver(ctx, hostdeliver.Settings{PrivateKey: lab.ClientKey}, keys, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Remove(ctx, hostdeliver.Settings{PrivateKey: lab.ClientKey}, keys) })
	t.Setenv("HA_BARE_METAL_SSH_PRIVATE_KEY", string(lab.ClientKey))
	master := keepalived.Order(g.Members)[0].Name
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
