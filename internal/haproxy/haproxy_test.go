package haproxy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/loadbalancer"
)

func testConfig(layer int) Config {
	return Config{
		Spec: loadbalancer.Spec{
			Meta:           backend.Meta{Name: "shop-dc1-web", Location: "dc1"},
			Layer:          layer,
			Listeners:      []loadbalancer.Listener{{Port: 80, Protocol: "HTTP"}, {Port: 8081, Protocol: "HTTP"}},
			HealthCheck:    loadbalancer.HealthCheck{Protocol: "HTTP", Port: 8080, Path: "/healthz", Interval: 2, Timeout: 1, HealthyThreshold: 2, UnhealthyThreshold: 3, Matcher: "200-299"},
			VirtualAddress: "10.0.2.100",
		},
		Servers: []Server{{Name: "r1-h01", Address: "10.0.2.1"}, {Name: "r1-h02", Address: "10.0.2.2"}, {Name: "r2-h01", Address: "10.0.2.3"}},
	}
}

// The rendered configuration passes HAProxy's own checker, at layer 7 and 4.
func TestRenderPassesHAProxyCheck(t *testing.T) {
	if _, err := exec.LookPath("haproxy"); err != nil {
		t.Fatalf("haproxy not installed (scripts/install-deps.sh): %v", err)
	}
	for _, layer := range []int{7, 4} {
		c := testConfig(layer)
		c.Dir = t.TempDir()
		cfg, err := c.Render()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(c.Dir, "haproxy.cfg")
		if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("haproxy", "-c", "-f", p).CombinedOutput(); err != nil {
			t.Errorf("layer %d: haproxy -c: %v\n%s\n%s", layer, err, out, cfg)
		}
		for _, want := range []string{"bind 10.0.2.100:80 transparent", "bind 10.0.2.100:8081 transparent", "server r2-h01 10.0.2.3:8080 check", "inter 2s fall 3 rise 2", "master-worker"} {
			if !strings.Contains(cfg, want) {
				t.Errorf("layer %d: config lacks %q", layer, want)
			}
		}
		if layer == 7 && !strings.Contains(cfg, "option httpchk GET /healthz") {
			t.Error("no HTTP check at layer 7")
		}
	}
	// The checker is not vacuous: a broken file is refused.
	p := filepath.Join(t.TempDir(), "bad.cfg")
	_ = os.WriteFile(p, []byte("backend x\n  server a 10.0.0.1:80 check nonsense-keyword\n"), 0o600)
	if err := exec.Command("haproxy", "-c", "-f", p).Run(); err == nil {
		t.Error("haproxy -c accepted a broken configuration")
	}
}

func TestValidate(t *testing.T) {
	c := testConfig(7)
	c.Spec.VirtualAddress = "nope"
	c.Servers = nil
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "virtual address") || !strings.Contains(err.Error(), "no backend host") {
		t.Fatalf("err = %v", err)
	}
}
