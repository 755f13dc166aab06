package acceptance

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
)

// vipLab starts namespace hosts r1-h01, r1-h02 (rack 1) and r2-h01 (rack 2),
// each serving its name at :8080/host and ok at :8080/healthz, and puts the
// lab's SSH key into the provider's environment.
func vipLab(t *testing.T) *nshosts.Lab {
	t.Helper()
	PreCheck(t)
	if os.Geteuid() != 0 {
		t.Fatal("namespace hosts need root (CAP_NET_ADMIN)")
	}
	lab, err := nshosts.Start(context.Background(), nshosts.Spec{Hosts: map[string]string{"r1-h01": "", "r1-h02": "", "r2-h01": ""}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lab.Stop(); err != nil {
			t.Errorf("stop lab: %v", err)
		}
	})
	for _, h := range lab.Hosts {
		for f, body := range map[string]string{"host": h.Name, "healthz": "ok"} {
			if err := os.WriteFile(h.EtcDir+"/haproxy/"+f, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := h.Start("web", "/usr/bin/python3", "-m", "http.server", "--bind", "0.0.0.0", "--directory", "/etc/haproxy", "8080"); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HA_BARE_METAL_SSH_PRIVATE_KEY", string(lab.ClientKey))
	t.Setenv("HA_BARE_METAL_KNOWN_HOSTS", "")
	return lab
}

func vipAddr(lab *nshosts.Lab, n int) string {
	a := lab.Prefix.Addr()
	for i := 0; i < n; i++ {
		a = a.Next()
	}
	return a.String()
}

type vipHost struct{ name, addr, key string }

func vipConfig(lab *nshosts.Lab, name, vip string, hosts []vipHost) string {
	feeds := map[string]string{"r1": `["ups-a", "pdu-r1-a", "ups-b", "pdu-r1-b"]`, "r2": `["ups-a", "pdu-r2-a", "ups-b", "pdu-r2-b"]`}
	var hs strings.Builder
	for _, h := range hosts {
		fmt.Fprintf(&hs, "    { name = %q, address = %q, ssh_host_key = %q, feeds = %s },\n", h.name, h.addr, h.key, feeds[h.name[:2]])
	}
	return fmt.Sprintf(`
resource "ha_virtual_ip" "web" {
  name          = %q
  vip           = %q
  network       = %q
  auth_pass     = "s3cret"
  check_command = "/usr/bin/curl -sf -m 1 -o /dev/null http://127.0.0.1:8080/healthz"
  hosts = [
%s  ]
}
`, name, vip, lab.Prefix.String(), hs.String())
}

func labHosts(lab *nshosts.Lab) []vipHost {
	var out []vipHost
	for _, n := range []string{"r1-h01", "r1-h02", "r2-h01"} {
		h := lab.Hosts[n]
		out = append(out, vipHost{n, h.Address, h.HostKey})
	}
	return out
}

// answering is the host serving on the VIP, or "" when none does.
func answering(vip string) string {
	c := http.Client{Timeout: 500 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + vip + ":8080/host")
	if err != nil {
		return ""
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func vipAnswersFrom(vip, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		deadline := time.Now().Add(20 * time.Second)
		for {
			got := answering(vip)
			if got == want {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("VIP %s answered by %q, want %q", vip, got, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// keepalivedGone checks every host has no configuration and no daemon.
func keepalivedGone(lab *nshosts.Lab) func(*terraform.State) error {
	return func(*terraform.State) error {
		for n, h := range lab.Hosts {
			if _, err := os.Stat(h.EtcDir + "/keepalived/keepalived.conf"); err == nil {
				return fmt.Errorf("%s: keepalived.conf left behind", n)
			}
			if _, err := os.Stat(h.EtcDir + "/keepalived/keepalived.pid"); err == nil {
				return fmt.Errorf("%s: keepalived still running", n)
			}
		}
		return nil
	}
}

// A VIP over three namespace hosts in two racks: it answers from the master
// (first rack), a hand edit of keepalived.conf shows as drift and is
// repaired, a host leaving the group loses its configuration, and destroy
// removes it from every host.
func TestAccVirtualIP_namespaceHosts(t *testing.T) {
	lab := vipLab(t)
	vip := vipAddr(lab, 10)
	hosts := labHosts(lab)
	cfg := vipConfig(lab, "acc-dc1-web", vip, hosts)
	Test(t, resource.TestCase{
		CheckDestroy: keepalivedGone(lab),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  resource.ComposeAggregateTestCheckFunc(vipAnswersFrom(vip, "r1-h01")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ha_virtual_ip.web", tfjsonpath.New("master"), knownvalue.StringExact("r1-h01")),
					statecheck.ExpectKnownValue("ha_virtual_ip.web", tfjsonpath.New("detection_seconds"), knownvalue.Int64Exact(4)),
					// The first backup is in the other rack, on other feeds.
					statecheck.ExpectKnownValue("ha_virtual_ip.web", tfjsonpath.New("priorities"), knownvalue.MapExact(map[string]knownvalue.Check{
						"r1-h01": knownvalue.Int64Exact(254), "r2-h01": knownvalue.Int64Exact(253), "r1-h02": knownvalue.Int64Exact(237),
					})),
				},
			},
			{
				// Unchanged: nothing to do.
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// A hand edit on a host shows as drift.
				PreConfig: func() {
					p := lab.Hosts["r2-h01"].EtcDir + "/keepalived/keepalived.conf"
					b, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, []byte(strings.Replace(string(b), "advert_int 1", "advert_int 7", 1)), 0o600); err != nil {
						t.Fatal(err)
					}
				},
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// Apply repairs it.
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_virtual_ip.web", plancheck.ResourceActionUpdate)}},
				Check: func(*terraform.State) error {
					b, err := os.ReadFile(lab.Hosts["r2-h01"].EtcDir + "/keepalived/keepalived.conf")
					if err != nil || strings.Contains(string(b), "advert_int 7") {
						return fmt.Errorf("hand edit not repaired: %w", err)
					}
					return nil
				},
			},
			{
				// r1-h02 leaves the group: its configuration goes.
				Config: vipConfig(lab, "acc-dc1-web", vip, []vipHost{hosts[0], hosts[2]}),
				Check: func(*terraform.State) error {
					if _, err := os.Stat(lab.Hosts["r1-h02"].EtcDir + "/keepalived/keepalived.conf"); err == nil {
						return fmt.Errorf("r1-h02 kept its keepalived.conf")
					}
					return vipAnswersFrom(vip, "r1-h01")(nil)
				},
			},
		},
	})
}

// Bad input: a VIP outside the site network is refused at plan; an
// unreachable host and a wrong host key fail the apply naming the host, and
// no host is left configured.
func TestAccVirtualIP_badInput(t *testing.T) {
	lab := vipLab(t)
	hosts := labHosts(lab)
	wrongKey := append([]vipHost(nil), hosts...)
	wrongKey[1].key = hosts[0].key
	unreachable := append([]vipHost(nil), hosts...)
	unreachable[2] = vipHost{"r2-h09", vipAddr(lab, 99), hosts[2].key}
	Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      vipConfig(lab, "acc-bad", "192.168.77.1", hosts),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`outside the site network`),
			},
			{
				Config:      vipConfig(lab, "acc-bad", vipAddr(lab, 11), wrongKey),
				ExpectError: regexp.MustCompile(`host r1-h02: host key does not match`),
			},
			{
				Config:      vipConfig(lab, "acc-bad", vipAddr(lab, 11), unreachable),
				ExpectError: regexp.MustCompile(`host r2-h09: unreachable`),
			},
			{
				// Nothing was written anywhere by the failed applies.
				Config: `# nothing`,
				Check:  keepalivedGone(lab),
			},
		},
	})
}
