package acceptance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/alertexporter"
)

const metalAlertsBlueprint = `blueprint "metal" {}

objectives {
  rto = "1m"
}

region "dc1" {
  cloud     = "bare_metal"
  inventory = "dc1.inventory.hcl"
  role      = "primary"
}

tier "web" {
  capacity {
    min = 2
    max = 2
  }
  load_balancer {
    vip = %q
    listener {
      port = 80
    }
    health_check {
      port     = 8080
      path     = "/healthz"
      interval = "5s"
      timeout  = "2s"
    }
  }
}

alerts {
  webhook = [%q]
}
`

const alertsDir = "/var/lib/ha-alerts/metal-dc1-alerts"

type alarmPost struct {
	Alarm, Metric, State, Target string
	PreviousState                string `json:"previous_state"`
	Value                        float64
	at                           time.Time
}

// webhookReceiver serves POSTs on addr:0 (the lab's bridge, which the hosts
// reach) and hands each alarm body to the returned channel.
func webhookReceiver(t *testing.T, addr string) (string, <-chan alarmPost) {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan alarmPost, 64)
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p alarmPost
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil || r.Method != http.MethodPost || r.URL.Query().Get("token") != "acc-token" {
			t.Errorf("webhook: %s %s, body error %v", r.Method, r.URL.Path, err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		p.at = time.Now()
		ch <- p
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/hook?token=acc-token", ch
}

// awaitPosts waits until each alarm in want has been posted in its state.
func awaitPosts(t *testing.T, ch <-chan alarmPost, limit time.Duration, want map[string]string) map[string]alarmPost {
	t.Helper()
	got := map[string]alarmPost{}
	deadline := time.After(limit)
	for len(got) < len(want) {
		select {
		case p := <-ch:
			if want[p.Alarm] != p.State {
				t.Fatalf("unexpected post %+v while waiting for %v", p, want)
			}
			got[p.Alarm] = p
		case <-deadline:
			t.Fatalf("after %s: %d of %d posts %v arrived: %+v", limit, len(got), len(want), want, got)
		}
	}
	return got
}

func exporterPID(t *testing.T) int {
	t.Helper()
	pid, err := alertexporter.RunningPID(alertsDir)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func pidGone(pid int) bool {
	for i := 0; i < 100; i++ {
		if syscall.Kill(pid, 0) != nil {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// A bare-metal blueprint with an alerts block through modules/stack, on
// namespace hosts with a real upsd (dummy-ups drivers) on the lab's bridge:
// the exporter runs on the host fed by both UPS units, watching each unit at
// the NUT address the inventory gives through inventory_variables; ups-a
// going on battery with 200 s left reaches the webhook as ALARM for on
// battery and low runtime (threshold rto 1 min + 5 min = 360 s), its return
// as OK; a web host whose health check fails is posted as one unhealthy
// host of the load balancer, and OK again once it answers; a killed exporter
// shows as drift and the apply restarts it; destroy stops it and removes its
// files.
func TestAccBareMetalAlerts_upsThroughStack(t *testing.T) {
	PreCheck(t)
	for _, b := range []string{"upsc", "curl"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Fatalf("%s not installed (scripts/install-deps.sh installs nut-client and curl)", b)
		}
	}
	m := startMetalLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	nut, err := services.StartNUT(ctx, t.TempDir(), m.lab.BridgeAddress)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nut.Stop() })
	hook, posts := webhookReceiver(t, m.lab.BridgeAddress)

	// The lab's inventory, with both UPS units monitored at a NUT address
	// that a variable sets.
	m.inventory(t, nil)
	inv := filepath.Join(m.dir, "dc1.inventory.hcl")
	b, err := os.ReadFile(inv)
	if err != nil {
		t.Fatal(err)
	}
	s := "variable \"nut_addr\" {\n  default = \"10.0.0.5:3493\"\n}\n\n" + string(b)
	for _, u := range []string{"ups-a", "ups-b"} {
		s = strings.Replace(s, fmt.Sprintf("ups %q {\n    capacity_va = 20000\n", u), fmt.Sprintf("ups %q {\n    capacity_va = 20000\n    nut         = \"%s@${var.nut_addr}\"\n", u, u), 1)
	}
	if err := os.WriteFile(inv, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(m.dir, "metal.ha.hcl"), []byte(fmt.Sprintf(metalAlertsBlueprint, m.vip, hook)), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := newCLI(t, CLIs(t)[0], m.dir, stackRoot(filepath.Join(m.dir, "metal.ha.hcl"), fmt.Sprintf(`
  database_password   = "unused-here"
  exclude_on_battery  = false
  inventory_variables = { nut_addr = %q }`, nut.Addr), `
output "alerts" {
  value = module.stack.bare_metal_alerts
}
`))
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			_, _ = tf.try("destroy", "-auto-approve", "-input=false")
		}
	})
	t0 := time.Now()
	tf.apply()
	t.Logf("apply: %.0f s", time.Since(t0).Seconds())
	var out map[string]struct {
		ExporterHost string            `json:"exporter_host"`
		Alarms       map[string]string `json:"alarms"`
	}
	if err := json.Unmarshal([]byte(tf.output("alerts")), &out); err != nil {
		t.Fatal(err)
	}
	al := out["dc1/alerts/alerts"]
	onBattery, lowRuntime := "metal-dc1-ups-a-on-battery", "metal-dc1-ups-a-low-runtime"
	unhealthy := "metal-dc1-web-unhealthy-hosts"
	urls := strings.Split(al.Alarms[unhealthy], ",")
	if al.ExporterHost != "r1-h01" || len(al.Alarms) != 5 || al.Alarms[onBattery] != "ups-a@"+nut.Addr || al.Alarms["metal-dc1-ups-b-low-runtime"] != "ups-b@"+nut.Addr || len(urls) != 2 {
		t.Fatalf("bare_metal_alerts = %+v; want the exporter on r1-h01, 4 alarms on ups-a and ups-b at %s and one on web's 2 hosts", out, nut.Addr)
	}
	var webHost string
	if a, ok := strings.CutPrefix(urls[0], "http://"); ok {
		webHost = hostAt(m.lab, strings.TrimSuffix(a, ":8080/healthz"))
	}
	if webHost == "" {
		t.Fatalf("unhealthy-hosts target %q: want http://HOST:8080/healthz of the tier's hosts", al.Alarms[unhealthy])
	}
	st := tf.state()
	addr := `module.stack.ha_alerts.bare_metal["dc1/alerts/alerts"]`
	st.expect(addr, "id", "bare_metal/dc1/metal-dc1-alerts")
	pid := exporterPID(t)
	tf.planEmpty()
	select {
	case p := <-posts:
		t.Fatalf("posted while every UPS is on line: %+v", p)
	default:
	}

	// ups-a on battery with 200 s left.
	switched := time.Now()
	if err := services.UPSDevice(nut.Dir, "ups-a", "OB DISCHRG", 30, 200, 23); err != nil {
		t.Fatal(err)
	}
	for _, p := range awaitPosts(t, posts, 30*time.Second, map[string]string{onBattery: "ALARM", lowRuntime: "ALARM"}) {
		if p.Target != "ups-a@"+nut.Addr || p.PreviousState != "OK" {
			t.Errorf("ALARM post %+v: want target ups-a@%s, previous OK", p, nut.Addr)
		}
		t.Logf("%s ALARM (%s = %g) posted %.1f s after ups-a went on battery (polls every 10 s)", p.Alarm, p.Metric, p.Value, p.at.Sub(switched).Seconds())
	}
	switched = time.Now()
	if err := services.UPSDevice(nut.Dir, "ups-a", "OL", 100, 1800, 23); err != nil {
		t.Fatal(err)
	}
	for _, p := range awaitPosts(t, posts, 30*time.Second, map[string]string{onBattery: "OK", lowRuntime: "OK"}) {
		t.Logf("%s OK posted %.1f s after ups-a came back on line", p.Alarm, p.at.Sub(switched).Seconds())
	}

	// One of web's hosts stops answering its health check: one unhealthy
	// host, then none again.
	switched = time.Now()
	_ = m.web[webHost].Process.Kill()
	p := awaitPosts(t, posts, 30*time.Second, map[string]string{unhealthy: "ALARM"})[unhealthy]
	if p.Value != 1 {
		t.Errorf("unhealthy-hosts ALARM %+v: want 1 host", p)
	}
	t.Logf("%s ALARM (%g host) posted %.1f s after %s's web server stopped (polls every 5 s, as HAProxy checks)", p.Alarm, p.Value, p.at.Sub(switched).Seconds(), webHost)
	m.startWeb(t, webHost)
	awaitPosts(t, posts, 30*time.Second, map[string]string{unhealthy: "OK"})

	// A killed exporter watches nothing: plan shows it, apply restarts it.
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !pidGone(pid) {
		t.Fatal("killed exporter still runs")
	}
	if o, err := tf.try("plan", "-input=false", "-detailed-exitcode"); err == nil || !strings.Contains(o, addr+" will be updated") {
		t.Fatalf("a killed exporter is not shown as drift (%v):\n%s", err, o)
	}
	tf.apply()
	if p := exporterPID(t); p == pid {
		t.Fatal("apply did not restart the exporter")
	}
	tf.planEmpty()
	pid = exporterPID(t)

	tf.destroy()
	destroyed = true
	if !pidGone(pid) {
		t.Errorf("exporter pid %d still runs after destroy", pid)
	}
	if _, err := os.Stat(alertsDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left after destroy: %v", alertsDir, err)
	}
}

func bareMetalAlertsConfig(h *nshosts.Host, baseDir string, threshold int, webhook string) string {
	return fmt.Sprintf(`
resource "ha_alerts" "dc1" {
  cloud     = "bare_metal"
  location  = "dc1"
  name      = "acc-dc1-alerts"
  component = "dc1/alerts/alerts"
  webhooks  = [%q]
  base_dir  = %q
  exporter_host = {
    name         = %q
    address      = %q
    ssh_host_key = %q
  }
  alarms = [
    { name = "acc-dc1-ups-a-on-battery", component = "dc1/alerts/alerts", metric = "ups_on_battery", target = "ups-a@127.0.0.1:3493", comparison = ">=", threshold = 1, period = 5, evaluation_periods = 1 },
    { name = "acc-dc1-ups-a-low-runtime", component = "dc1/alerts/alerts", metric = "ups_low_runtime", target = "ups-a@127.0.0.1:3493", comparison = "<", threshold = %d, period = 5, evaluation_periods = 2 },
  ]
}
`, webhook, baseDir, h.Name, h.Address, strings.TrimSpace(h.HostKey), threshold)
}

// exporterIn checks the exporter whose files are in dir runs, or with
// running false that neither it nor its files are left.
func exporterIn(dir string, running bool) error {
	b, err := os.ReadFile(filepath.Join(dir, "exporter.pid"))
	if !running {
		if _, serr := os.Stat(dir); serr == nil {
			return fmt.Errorf("%s left behind", dir)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("exporter in %s: %w", dir, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || syscall.Kill(pid, 0) != nil {
		return fmt.Errorf("exporter in %s (pid %q) is not running", dir, b)
	}
	return nil
}

// ha_alerts on bare metal through the plugin test framework: create (the
// webhook URL is sensitive), an unchanged plan, import as
// bare_metal/SITE/NAME (the next apply takes the host from configuration),
// an update of a threshold and the webhook, a move to another host, the
// exporter and its files removed out of band (plan recreates), destroy.
func TestAccAlerts_bareMetal(t *testing.T) {
	lab := vipLab(t)
	// Namespace hosts share one filesystem: each host gets its own base_dir.
	dirA, dirB := t.TempDir(), t.TempDir()
	h1, h2 := lab.Hosts["r1-h01"], lab.Hosts["r1-h02"]
	hook := "https://hooks.example.com/ha?token=acc"
	cfg := bareMetalAlertsConfig(h1, dirA, 360, hook)
	addr := "ha_alerts.dc1"
	Test(t, resource.TestCase{
		CheckDestroy: func(*terraform.State) error {
			return errors.Join(exporterIn(dirA+"/acc-dc1-alerts", false), exporterIn(dirB+"/acc-dc1-alerts", false))
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  func(*terraform.State) error { return exporterIn(dirA+"/acc-dc1-alerts", true) },
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("bare_metal/dc1/acc-dc1-alerts")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("alarm_arns"), knownvalue.MapExact(map[string]knownvalue.Check{
						"acc-dc1-ups-a-on-battery":  knownvalue.StringExact("bare_metal/dc1/acc-dc1-alerts/acc-dc1-ups-a-on-battery"),
						"acc-dc1-ups-a-low-runtime": knownvalue.StringExact("bare_metal/dc1/acc-dc1-alerts/acc-dc1-ups-a-low-runtime"),
					})),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("webhooks")),
				},
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{
				// Forgotten by the state, still running on the host...
				Config: "removed {\n  from = ha_alerts.dc1\n  lifecycle {\n    destroy = false\n  }\n}\n",
				Check:  func(*terraform.State) error { return exporterIn(dirA+"/acc-dc1-alerts", true) },
			},
			{
				// ... and imported.
				Config: cfg, ResourceName: addr, ImportState: true, ImportStateId: "bare_metal/dc1/acc-dc1-alerts", ImportStatePersist: true,
				ImportStateCheck: func(is []*terraform.InstanceState) error {
					if len(is) != 1 || is[0].Attributes["cloud"] != "bare_metal" || is[0].Attributes["location"] != "dc1" || is[0].Attributes["name"] != "acc-dc1-alerts" {
						return fmt.Errorf("imported %+v", is)
					}
					return nil
				},
			},
			{
				// The imported state has no host yet: the apply takes it from configuration.
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
				Check:            func(*terraform.State) error { return exporterIn(dirA+"/acc-dc1-alerts", true) },
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{
				Config:           bareMetalAlertsConfig(h1, dirA, 600, hook+"2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
				Check: func(*terraform.State) error {
					b, err := os.ReadFile(dirA + "/acc-dc1-alerts/alarms.conf")
					if err != nil || !strings.Contains(string(b), "\t<\t600\t5\t2") {
						return fmt.Errorf("alarms.conf after the update (%w):\n%s", err, b)
					}
					w, err := os.ReadFile(dirA + "/acc-dc1-alerts/webhooks.conf")
					if err != nil || strings.TrimSpace(string(w)) != hook+"2" {
						return fmt.Errorf("webhooks.conf after the update (%w): %q", err, w)
					}
					return exporterIn(dirA+"/acc-dc1-alerts", true)
				},
			},
			{
				// The exporter moves to r1-h02: the old host's is removed.
				Config:           bareMetalAlertsConfig(h2, dirB, 600, hook+"2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}},
				Check: func(*terraform.State) error {
					return errors.Join(exporterIn(dirA+"/acc-dc1-alerts", false), exporterIn(dirB+"/acc-dc1-alerts", true))
				},
			},
			{
				// Gone out of band: the plan recreates it.
				PreConfig: func() {
					if _, err := h2.Exec(context.Background(), "sh", dirB+"/acc-dc1-alerts/ctl.sh", "stop"); err != nil {
						t.Fatal(err)
					}
					if err := os.RemoveAll(dirB + "/acc-dc1-alerts"); err != nil {
						t.Fatal(err)
					}
				},
				Config:           bareMetalAlertsConfig(h2, dirB, 600, hook+"2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)}},
				Check:            func(*terraform.State) error { return exporterIn(dirB+"/acc-dc1-alerts", true) },
			},
		},
	})
}
