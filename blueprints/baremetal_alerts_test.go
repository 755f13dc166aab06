package blueprints

import (
	"os"
	"strings"
	"testing"
)

// Without an rto the exporter alarms at 10 min of runtime left (5 min of
// failover planned and the 5 min margin), after 3 polls; web's load
// balancer is watched through its health check; emails get a warning, for
// bare metal posts to webhooks only.
func TestBareMetalAlerts_defaultsAndEmailWarning(t *testing.T) {
	src, err := os.ReadFile("testdata/valid/bare-metal-alerts.ha.hcl")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(src), "objectives {\n  rto = \"4m\"\n}\n", "", 1)
	s = strings.Replace(s, "alerts {\n", "alerts {\n  email = [\"ops@example.com\"]\n", 1)
	res, diags := Compile("testdata/valid/x.ha.hcl", []byte(s), Options{ReadFile: os.ReadFile, Dir: "testdata/valid"})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var warned bool
	for _, d := range diags {
		warned = warned || d.Summary == "Email not sent from bare metal"
	}
	if !warned {
		t.Errorf("no warning that dc1 sends no email: %v", diags)
	}
	al := component(t, res, "dc1/alerts/alerts")
	if len(al.Alerts.Emails) != 0 || al.Alerts.Host != "r1-h01" {
		t.Errorf("dc1 alerts: emails %v, host %q; want none and r1-h01 (fed by both UPS units)", al.Alerts.Emails, al.Alerts.Host)
	}
	if len(al.Alerts.Alarms) != 5 {
		t.Fatalf("dc1 alarms: %+v, want on battery and low runtime for ups-a and ups-b, and web's unhealthy hosts", al.Alerts.Alarms)
	}
	for _, a := range al.Alerts.Alarms {
		period := UPSAlarmPeriod
		if a.Metric == MetricUnhealthyHosts {
			// As often as HAProxy checks (health_check interval).
			period = 5
			if a.Target != "onsite-dc1-web" || a.Component != "dc1/web/load_balancer" || a.Comparison != ">" || a.Threshold != 0 {
				t.Errorf("unhealthy hosts alarm %+v", a)
			}
		}
		if a.EvaluationPeriods != 3 || a.Period != period {
			t.Errorf("alarm %s: %d periods of %d s, want 3 of %d", a.Name, a.EvaluationPeriods, a.Period, period)
		}
		if a.Metric == MetricUPSLowRuntime && a.Threshold != 600 {
			t.Errorf("alarm %s: low runtime below %d s, want 600", a.Name, a.Threshold)
		}
	}
	if east := component(t, res, "east/alerts/alerts"); len(east.Alerts.Emails) != 1 {
		t.Errorf("east lost its email: %v", east.Alerts.Emails)
	}
}

func TestBareMetalAlerts_needWebhook(t *testing.T) {
	src, err := os.ReadFile("testdata/valid/bare-metal-alerts.ha.hcl")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(src), `webhook = ["https://hooks.example.com/T000/B000/XXXX"]`, `email = ["ops@example.com"]`, 1)
	_, diags := Compile("testdata/valid/x.ha.hcl", []byte(s), Options{ReadFile: os.ReadFile, Dir: "testdata/valid"})
	var got bool
	for _, d := range diags {
		got = got || (d.Summary == "Alerts without a webhook" && strings.Contains(d.Detail, `"dc1"`))
	}
	if !got {
		t.Fatalf("no error for bare-metal alerts without a webhook: %v", diags)
	}
}
