package haproxy_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/haproxy"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/keepalived"
	"github.com/ha-blueprints/terraform-provider-ha/internal/loadbalancer"
)

// HAProxy on the VIP holders of three namespace hosts balances across all
// three, and drops a dead backend after interval × fall.
func TestBalanceOnNamespaceHosts(t *testing.T) {
	nshosts.RequireLive(t)
	ctx := context.Background()
	names := []string{"r1-h01", "r1-h02", "r2-h01"}
	lab, err := nshosts.Start(ctx, nshosts.Spec{Hosts: map[string]string{"r1-h01": "", "r1-h02": "", "r2-h01": ""}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lab.Stop() }()
	vip := lab.Prefix.Addr()
	for i := 0; i < 10; i++ {
		vip = vip.Next()
	}
	web := map[string]*exec.Cmd{}
	for _, n := range names {
		h := lab.Hosts[n]
		for f, body := range map[string]string{"host": n, "healthz": "ok"} {
			if err := os.WriteFile(h.EtcDir+"/haproxy/"+f, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if web[n], err = h.Start("web", "/usr/bin/python3", "-m", "http.server", "--bind", "0.0.0.0", "--directory", "/etc/haproxy", "8080"); err != nil {
			t.Fatal(err)
		}
	}
	g := keepalived.Group{Name: "t-web", VIP: vip.String(), PrefixLen: lab.Prefix.Bits(), RouterID: 7, AdvertSec: 1,
		CheckScript: "/bin/sh -c '[ -s /etc/haproxy/haproxy.pid ] && kill -0 $(cat /etc/haproxy/haproxy.pid)'"}
	var servers []haproxy.Server
	for _, n := range names {
		g.Members = append(g.Members, keepalived.Member{Name: n, Address: lab.Hosts[n].Address})
		servers = append(servers, haproxy.Server{Name: n, Address: lab.Hosts[n].Address})
	}
	hc := haproxy.Config{Spec: loadbalancer.Spec{Meta: backend.Meta{Name: "t-web"}, Layer: 7, VirtualAddress: vip.String(),
		Listeners:   []loadbalancer.Listener{{Port: 80, Protocol: "HTTP"}},
		HealthCheck: loadbalancer.HealthCheck{Protocol: "HTTP", Port: 8080, Path: "/healthz", Interval: 1, Timeout: 1, HealthyThreshold: 1, UnhealthyThreshold: 2}},
		Servers: servers}
	s := hostdeliver.Settings{PrivateKey: lab.ClientKey}
	keys := keepalived.HostKeys{}
	for _, n := range names {
		keys[n] = lab.Hosts[n].HostKey
		hc.Spec.Hosts = append(hc.Spec.Hosts, lab.Hosts[n].Address)
		hc.Spec.Targets = append(hc.Spec.Targets, lab.Hosts[n].Address+":8080")
	}
	hc.Spec.Location = "dc1"
	// Through the registry, as ha_load_balancer with cloud = "bare_metal" does.
	lb, err := loadbalancer.Open(ctx, backend.BareMetal, &backend.Settings{BareMetal: backend.BareMetalSettings{
		SSHPrivateKey: string(lab.ClientKey), SSHKnownHosts: lab.KnownHosts()}}, "dc1")
	if err != nil {
		t.Fatal(err)
	}
	st, err := lb.Apply(ctx, hc.Spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Deliver(ctx, s, keys, true); err != nil {
		t.Fatal(err)
	}
	client := http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	seen := func(n int) map[string]int {
		out := map[string]int{}
		for i := 0; i < n; i++ {
			resp, err := client.Get("http://" + vip.String() + "/host")
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			out[string(b)]++
		}
		return out
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(seen(6)) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("VIP never balanced across three backends: %v", seen(6))
		}
		time.Sleep(200 * time.Millisecond)
	}
	// r1-h02's service dies: HAProxy stops sending to it after inter × fall.
	start := time.Now()
	_ = web["r1-h02"].Process.Kill()
	for {
		got := seen(6)
		if got["r1-h02"] == 0 && len(got) == 2 {
			break
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("dead backend still served: %v", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("dead backend dropped after %s (inter 1s × fall 2)", time.Since(start).Round(10*time.Millisecond))
	// Read: present and unchanged; a hand edit is drift; Delete removes it everywhere.
	if got, err := lb.Read(ctx, hc.Spec, st); err != nil || len(got.Spec.Targets) != 3 {
		t.Fatalf("read = %+v, %v", got, err)
	}
	if err := os.WriteFile(lab.Hosts["r2-h01"].EtcDir+"/haproxy/haproxy.cfg", []byte("# edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := lb.Read(ctx, hc.Spec, st); err != nil || got.Spec.Targets != nil {
		t.Fatalf("hand edit not seen: %+v, %v", got, err)
	}
	if err := lb.Delete(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, err := lb.Read(ctx, hc.Spec, st); !backend.IsNotFound(err) {
		t.Fatalf("after delete: %v, want not found", err)
	}
	if err := g.Remove(ctx, s, keys); err != nil {
		t.Fatal(err)
	}
}
