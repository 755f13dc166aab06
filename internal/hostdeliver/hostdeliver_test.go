package hostdeliver_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
)

func startLab(t *testing.T, hosts map[string]string) *nshosts.Lab {
	t.Helper()
	nshosts.RequireLive(t)
	lab, err := nshosts.Start(context.Background(), nshosts.Spec{Hosts: hosts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lab.Stop(); err != nil {
			t.Errorf("stop lab: %v", err)
		}
	})
	return lab
}

func target(h *nshosts.Host) hostdeliver.Target {
	return hostdeliver.Target{Name: h.Name, Address: h.Address, HostKey: h.HostKey}
}

// Delivery over SSH to namespace hosts: pinned keys, idempotent writes,
// read-back, per-host /etc, refusal of a wrong key, a named unreachable host.
func TestDeliverToNamespaceHosts(t *testing.T) {
	lab := startLab(t, map[string]string{"h1": "", "h2": ""})
	ctx := context.Background()
	s := hostdeliver.Settings{PrivateKey: lab.ClientKey}
	h1, h2 := lab.Hosts["h1"], lab.Hosts["h2"]

	t0 := time.Now()
	defer func() { t.Logf("total %s", time.Since(t0)) }()
	c1, err := hostdeliver.Dial(ctx, s, target(h1))
	t.Logf("dial %s", time.Since(t0))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c1.Close() }()
	out, err := c1.Run(ctx, "ip -4 -o addr show dev eth0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), h1.Address+"/") {
		t.Fatalf("h1 eth0 = %q, want %s", out, h1.Address)
	}

	d := hostdeliver.Daemon{
		Name:   "marker",
		Files:  []hostdeliver.File{{Path: "/etc/keepalived/marker.conf", Content: []byte("one\n")}},
		Reload: "echo x >> /etc/keepalived/reloads",
	}
	r, err := c1.Apply(ctx, d, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Changed) != 1 || !r.Reloaded {
		t.Fatalf("first apply = %+v, want a write and a reload", r)
	}
	r, err = c1.Apply(ctx, d, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Changed) != 0 || r.Reloaded {
		t.Fatalf("second apply = %+v, want nothing written or reloaded", r)
	}
	reloads, _, err := c1.ReadFile(ctx, "/etc/keepalived/reloads")
	if err != nil || string(reloads) != "x\n" {
		t.Fatalf("reloads = %q, %v; want exactly one", reloads, err)
	}
	// A hand edit is what Read returns.
	if _, err := c1.Run(ctx, "echo edited >> /etc/keepalived/marker.conf", nil); err != nil {
		t.Fatal(err)
	}
	got, err := c1.Read(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if string(got["/etc/keepalived/marker.conf"]) != "one\nedited\n" {
		t.Fatalf("read back %q", got["/etc/keepalived/marker.conf"])
	}

	t.Logf("applied %s", time.Since(t0))
	// /etc/keepalived is private per host.
	c2, err := hostdeliver.Dial(ctx, s, target(h2))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c2.Close() }()
	if _, ok, err := c2.ReadFile(ctx, "/etc/keepalived/marker.conf"); err != nil || ok {
		t.Fatalf("h2 sees h1's file (ok=%v, err=%v)", ok, err)
	}
	if err := c1.Remove(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := c1.ReadFile(ctx, "/etc/keepalived/marker.conf"); ok {
		t.Fatal("file still there after Remove")
	}

	// known_hosts instead of a pin.
	kh := hostdeliver.Settings{PrivateKey: lab.ClientKey, KnownHosts: lab.KnownHosts()}
	c, err := hostdeliver.Dial(ctx, kh, hostdeliver.Target{Name: "h2", Address: h2.Address})
	if err != nil {
		t.Fatalf("known_hosts: %v", err)
	}
	_ = c.Close()

	// h2's key pinned for h1: refused.
	_, err = hostdeliver.Dial(ctx, s, hostdeliver.Target{Name: "h1", Address: h1.Address, HostKey: h2.HostKey})
	if !errors.Is(err, hostdeliver.ErrHostKey) || !strings.Contains(err.Error(), "host h1") {
		t.Fatalf("wrong pinned key: err = %v", err)
	}
	// Not in known_hosts: refused.
	_, err = hostdeliver.Dial(ctx, hostdeliver.Settings{PrivateKey: lab.ClientKey, KnownHosts: h2.Address + " " + h2.HostKey + "\n"},
		hostdeliver.Target{Name: "h1", Address: h1.Address})
	if !errors.Is(err, hostdeliver.ErrHostKey) {
		t.Fatalf("unknown host: err = %v", err)
	}

	t.Logf("keys %s", time.Since(t0))
	// Power off: processes gone, host unreachable, error names it.
	if err := h1.PowerOff(ctx); err != nil {
		t.Fatal(err)
	}
	short := s
	short.Timeout = time.Second
	_, err = hostdeliver.Dial(ctx, short, target(h1))
	var he *hostdeliver.HostError
	if !errors.As(err, &he) || he.Host != "h1" || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("powered-off host: err = %v", err)
	}
	if err := h1.PowerOn(ctx); err != nil {
		t.Fatal(err)
	}
	c, err = hostdeliver.Dial(ctx, s, target(h1))
	if err != nil {
		t.Fatalf("after power on: %v", err)
	}
	_ = c.Close()
}

// Stop removes every namespace and interface of the lab.
func TestLabStopLeavesNothing(t *testing.T) {
	nshosts.RequireLive(t)
	lab, err := nshosts.Start(context.Background(), nshosts.Spec{Hosts: map[string]string{"a": ""}})
	if err != nil {
		t.Fatal(err)
	}
	ns := lab.Hosts["a"].Netns
	if err := lab.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/run/netns/" + ns); err == nil {
		t.Fatalf("namespace %s left behind", ns)
	}
	if _, err := os.Stat("/sys/class/net/" + lab.Bridge); err == nil {
		t.Fatalf("bridge %s left behind", lab.Bridge)
	}
}
