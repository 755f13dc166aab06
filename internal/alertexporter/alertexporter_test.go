package alertexporter

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/alerts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
)

func upsAlarms(nut string) []alerts.Alarm {
	return []alerts.Alarm{
		{Name: "shop-dc1-ups-a-on-battery", Component: "dc1/alerts/alerts", Metric: alerts.MetricUPSOnBattery, Target: nut,
			Comparison: ">=", Threshold: 1, Period: 1, EvaluationPeriods: 1},
		{Name: "shop-dc1-ups-a-low-runtime", Component: "dc1/alerts/alerts", Metric: alerts.MetricUPSLowRuntime, Target: nut,
			Comparison: "<", Threshold: 600, Period: 1, EvaluationPeriods: 2},
	}
}

func TestCheckSpec(t *testing.T) {
	ok := alerts.Spec{Meta: backend.Meta{Name: "a"}, Webhooks: []string{"https://hooks.example/x?token=1"},
		Alarms: upsAlarms("ups-a@10.0.0.9:3493"), BareMetal: &alerts.BareMetal{Host: alerts.Host{Name: "h1", Address: "10.0.0.1"}}}
	if err := CheckSpec(ok); err != nil {
		t.Fatalf("CheckSpec(valid) = %v", err)
	}
	lb := ok
	lb.Alarms = append(upsAlarms("ups-a@10.0.0.9:3493"), alerts.Alarm{Name: "lb", Metric: alerts.MetricUnhealthyHosts,
		Target: "http://10.0.2.1:8080/healthz,http://10.0.2.2:8080/healthz", Comparison: ">", Period: 5, EvaluationPeriods: 2})
	if err := CheckSpec(lb); err != nil {
		t.Fatalf("CheckSpec(with unhealthy_hosts) = %v", err)
	}
	for name, c := range map[string]struct {
		mod  func(*alerts.Spec)
		want string
	}{
		"no host":      {func(s *alerts.Spec) { s.BareMetal = nil }, "need the host that runs the exporter"},
		"emails":       {func(s *alerts.Spec) { s.Emails = []string{"ops@example.com"} }, "notify webhooks only"},
		"bad webhook":  {func(s *alerts.Spec) { s.Webhooks = []string{"ftp://u:pw@x/?token=secret"} }, `webhook "ftp://%2A%2A%2A@x/?***" is not an http(s) URL`},
		"cloud metric": {func(s *alerts.Spec) { s.Alarms[0].Metric = "replica_lag" }, `metric "replica_lag" is not watched on bare metal`},
		"bad target":   {func(s *alerts.Spec) { s.Alarms[0].Target = "10.0.0.9; rm -rf /" }, "is not a NUT address"},
		"bad name":     {func(s *alerts.Spec) { s.Alarms[0].Name = `a"b` }, "names are letters"},
		"twice":        {func(s *alerts.Spec) { s.Alarms[1].Name = s.Alarms[0].Name }, "listed twice"},
		"period":       {func(s *alerts.Spec) { s.Alarms[0].Period = 0 }, "at least 1"},
		"bad url": {func(s *alerts.Spec) {
			s.Alarms[0].Metric, s.Alarms[0].Target = alerts.MetricUnhealthyHosts, "http://10.0.2.1:8080/healthz,10.0.2.2:8080"
		}, `"10.0.2.2:8080" is not a health check URL`},
	} {
		t.Run(name, func(t *testing.T) {
			s := ok
			s.Alarms = upsAlarms("ups-a@10.0.0.9:3493")
			c.mod(&s)
			err := CheckSpec(s)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("CheckSpec = %v, want %q", err, c.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows the webhook's token: %v", err)
			}
		})
	}
}

// The configuration the host holds parses back into the alarms delivered,
// which is what makes drift visible.
func TestFilesParseBack(t *testing.T) {
	spec := alerts.Spec{Meta: backend.Meta{Name: "shop-dc1-alerts"}, Alarms: upsAlarms("ups-a@10.0.0.9:3493"),
		BareMetal: &alerts.BareMetal{Host: alerts.Host{Name: "h1", Address: "10.0.0.1"}, BaseDir: "/srv/alerts/"}}
	spec.Alarms[1].Threshold = 412.5
	fs := Files(spec)
	var conf string
	for _, f := range fs {
		if !strings.HasPrefix(f.Path, "/srv/alerts/shop-dc1-alerts/") {
			t.Errorf("file %s outside the exporter's directory", f.Path)
		}
		if strings.HasSuffix(f.Path, "/alarms.conf") {
			conf = string(f.Content)
		}
		if strings.HasSuffix(f.Path, "webhooks.conf") && f.Mode != 0o600 {
			t.Errorf("webhooks.conf mode %o, want 0600 (URLs carry tokens)", f.Mode)
		}
	}
	got, err := parseAlarms(conf)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(spec.Alarms, got); d != "" {
		t.Errorf("alarms read back differ (-delivered +read):\n%s", d)
	}
	if _, err := parseAlarms("a\tb\n"); err == nil {
		t.Error("a hand-broken alarms.conf parses")
	}
}

type hookEvent struct {
	Alarm, Metric, State, PreviousState, Target string
	Value                                       float64
	Token                                       string
	At                                          time.Time
}

// TestExporterLive runs the exporter on a namespace host against a real
// upsd with dummy-ups drivers and a webhook receiver in the test: a UPS
// going on battery must reach the webhook as ALARM (also when the webhook
// refuses the first post) and its return as OK.
func TestExporterLive(t *testing.T) {
	nshosts.RequireLive(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	lab, err := nshosts.Start(ctx, nshosts.Spec{Hosts: map[string]string{"mon-1": "", "web-1": ""}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lab.Stop() }()
	// upsd and the receiver listen on the bridge: the host reaches them there.
	nut, err := services.StartNUT(ctx, t.TempDir(), lab.BridgeAddress)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = nut.Stop() }()
	ln, err := net.Listen("tcp", net.JoinHostPort(lab.BridgeAddress, "0"))
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan hookEvent, 64)
	// The first post is refused: the exporter must post it again.
	var refused atomic.Int32
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refused.CompareAndSwap(0, 1) {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		var b struct {
			Alarm, Metric, State, Target string
			PreviousState                string `json:"previous_state"`
			Value                        float64
		}
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil || r.Method != http.MethodPost {
			t.Errorf("webhook got %s with a body that is not the alarm JSON: %v", r.Method, err)
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		events <- hookEvent{Alarm: b.Alarm, Metric: b.Metric, State: b.State, PreviousState: b.PreviousState, Target: b.Target,
			Value: b.Value, Token: r.URL.Query().Get("token"), At: time.Now()}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }()

	// web-1 answers a load balancer's health check until it is stopped.
	web := lab.Hosts["web-1"]
	www := t.TempDir()
	if err := os.WriteFile(filepath.Join(www, "healthz"), []byte("ok"), 0o644); err != nil {
		t.Fatal(err)
	}
	startWeb := func() *exec.Cmd {
		cmd, err := web.Start("web", "/usr/bin/python3", "-m", "http.server", "--bind", web.Address, "--directory", www, "8080")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		return cmd
	}
	webCmd := startWeb()
	health := "http://" + web.Address + ":8080/healthz"
	waitHTTP(t, health, true)

	h := lab.Hosts["mon-1"]
	b := &Backend{SSH: hostdeliver.Settings{User: lab.User, PrivateKey: lab.ClientKey}}
	target := "ups-a@" + nut.Addr
	spec := alerts.Spec{
		Meta:     backend.Meta{Name: "shop-dc1-alerts", Location: "dc1"},
		Webhooks: []string{"http://" + ln.Addr().String() + "/hook?token=s3cret"},
		Alarms: append(upsAlarms(target), alerts.Alarm{Name: "shop-dc1-web-unhealthy-hosts", Component: "dc1/web/load_balancer",
			Metric: alerts.MetricUnhealthyHosts, Target: health, Comparison: ">", Threshold: 0, Period: 1, EvaluationPeriods: 1}),
		BareMetal: &alerts.BareMetal{Host: alerts.Host{Name: h.Name, Address: h.Address, HostKey: h.HostKey}, BaseDir: t.TempDir()},
	}
	dir := Dir(spec)
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(spec.Alarms, st.Spec.Alarms); d != "" {
		t.Fatalf("alarms after apply (-want +got):\n%s", d)
	}
	if len(st.AlarmIDs) != 3 || !cmp.Equal(st.Spec.Webhooks, spec.Webhooks) {
		t.Fatalf("status after apply: %+v", st)
	}
	pid := exporterPID(t, dir)
	t.Logf("exporter runs on %s as pid %d", h.Name, pid)

	// Nothing changes: no restart.
	if _, err := b.Apply(ctx, spec, st); err != nil {
		t.Fatal(err)
	}
	if p := exporterPID(t, dir); p != pid {
		t.Errorf("an unchanged apply restarted the exporter (pid %d -> %d)", pid, p)
	}
	// An OL unit posts nothing.
	select {
	case e := <-events:
		t.Fatalf("webhook called while the UPS is on line: %+v", e)
	case <-time.After(3 * time.Second):
	}

	// On battery with 300 s left: both alarms fire.
	switched := time.Now()
	if err := services.UPSDevice(nut.Dir, "ups-a", "OB DISCHRG", 40, 300, 23); err != nil {
		t.Fatal(err)
	}
	got := waitEvents(t, events, 20*time.Second, map[string]string{spec.Alarms[0].Name: "ALARM", spec.Alarms[1].Name: "ALARM"})
	for _, e := range got {
		if e.Token != "s3cret" || e.Target != target || e.PreviousState != "OK" {
			t.Errorf("ALARM event %+v: want token s3cret, target %s, previous OK", e, target)
		}
		t.Logf("%s ALARM (%s = %g) reached the webhook %.1fs after the UPS went on battery", e.Alarm, e.Metric, e.Value, e.At.Sub(switched).Seconds())
	}
	if refused.Load() != 1 {
		t.Errorf("the webhook refused %d posts, want 1 (then the retry)", refused.Load())
	}
	// The refusal is logged without the URL's token.
	if log, err := os.ReadFile(filepath.Join(dir, "exporter.log")); err != nil || !strings.Contains(string(log), "post to a webhook failed") || strings.Contains(string(log), "s3cret") {
		t.Errorf("exporter.log (%v) should note the refused post without the token:\n%s", err, log)
	}
	if v := got[spec.Alarms[1].Name].Value; v != 300 {
		t.Errorf("low-runtime value %g, want 300", v)
	}

	// Back on line: both clear.
	switched = time.Now()
	if err := services.UPSDevice(nut.Dir, "ups-a", "OL", 100, 1800, 23); err != nil {
		t.Fatal(err)
	}
	for _, e := range waitEvents(t, events, 20*time.Second, map[string]string{spec.Alarms[0].Name: "OK", spec.Alarms[1].Name: "OK"}) {
		if e.PreviousState != "ALARM" {
			t.Errorf("OK event %+v: previous state not ALARM", e)
		}
		t.Logf("%s OK reached the webhook %.1fs after the UPS came back on line", e.Alarm, e.At.Sub(switched).Seconds())
	}

	// The load balancer's host stops answering its health check: one
	// unhealthy host; back: none.
	switched = time.Now()
	_ = webCmd.Process.Kill()
	e := waitEvents(t, events, 20*time.Second, map[string]string{"shop-dc1-web-unhealthy-hosts": "ALARM"})["shop-dc1-web-unhealthy-hosts"]
	if e.Value != 1 || e.Target != health {
		t.Errorf("unhealthy-hosts ALARM %+v: want value 1, target %s", e, health)
	}
	t.Logf("unhealthy_hosts ALARM (1 host) reached the webhook %.2fs after web-1 stopped answering", e.At.Sub(switched).Seconds())
	startWeb()
	waitHTTP(t, health, true)
	waitEvents(t, events, 20*time.Second, map[string]string{"shop-dc1-web-unhealthy-hosts": "OK"})

	// Drift: a hand edit on the host reads back.
	if _, err := h.Exec(ctx, "sed", "-i", "s/\t600\t/\t900\t/", dir+"/alarms.conf"); err != nil {
		t.Fatal(err)
	}
	rd, err := b.Read(ctx, spec.Name, spec.Location, st)
	if err != nil {
		t.Fatal(err)
	}
	if rd.Spec.Alarms[1].Threshold != 900 {
		t.Errorf("hand-edited threshold read back as %g, want 900", rd.Spec.Alarms[1].Threshold)
	}
	// A killed exporter reads as watching nothing; apply restarts it.
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
	if rd, err = b.Read(ctx, spec.Name, spec.Location, st); err != nil || len(rd.Spec.Alarms) != 0 {
		t.Fatalf("Read with the exporter killed = %d alarms, %v; want none", len(rd.Spec.Alarms), err)
	}
	if st, err = b.Apply(ctx, spec, rd); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(spec.Alarms, st.Spec.Alarms); d != "" {
		t.Fatalf("alarms after the repairing apply (-want +got):\n%s", d)
	}
	pid2 := exporterPID(t, dir)
	if pid2 == pid {
		t.Fatal("the exporter was not restarted")
	}

	// Delete stops it and removes its files; a second Delete is nil.
	if err := b.Delete(ctx, st); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid2)
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left after Delete: %v", dir, err)
	}
	if _, err := b.Read(ctx, spec.Name, spec.Location, st); !errors.Is(err, alerts.ErrNotFound) {
		t.Errorf("Read after Delete = %v, want ErrNotFound", err)
	}
	if err := b.Delete(ctx, st); err != nil {
		t.Errorf("second Delete = %v", err)
	}
}

// waitEvents collects events until every alarm in want has reached its
// state, failing after limit.
func waitEvents(t *testing.T, events <-chan hookEvent, limit time.Duration, want map[string]string) map[string]hookEvent {
	t.Helper()
	got := map[string]hookEvent{}
	deadline := time.After(limit)
	for len(got) < len(want) {
		select {
		case e := <-events:
			if w, ok := want[e.Alarm]; !ok || w != e.State {
				t.Fatalf("unexpected webhook event %+v (waiting for %v)", e, want)
			}
			got[e.Alarm] = e
		case <-deadline:
			t.Fatalf("after %s the webhook had %d of %d events %v: %+v", limit, len(got), len(want), want, got)
		}
	}
	return got
}

// waitHTTP waits until url answers 200 (up) or does not (down), from the
// root namespace over the lab's bridge.
func waitHTTP(t *testing.T, url string, up bool) {
	t.Helper()
	c := http.Client{Timeout: 500 * time.Millisecond}
	for i := 0; i < 100; i++ {
		resp, err := c.Get(url)
		ok := err == nil && resp.StatusCode == http.StatusOK
		if err == nil {
			_ = resp.Body.Close()
		}
		if ok == up {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: still not up=%v", url, up)
}

func exporterPID(t *testing.T, dir string) int {
	t.Helper()
	pid, err := RunningPID(dir)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("exporter pid %d still runs", pid)
}

// TestSafeNameKeepsItsLength: safeName, which tests the length apart from
// its regexp, accepts exactly what `^[A-Za-z0-9._:/-]{1,256}$` accepts.
func TestSafeNameKeepsItsLength(t *testing.T) {
	bounded := regexp.MustCompile(`^[A-Za-z0-9._:/-]{1,256}$`)
	accepted, refused := 0, 0
	for _, n := range []int{0, 1, 2, 100, 255, 256, 257, 300} {
		for _, fill := range []string{"a", "Z9._:/-", "a b", "é"} {
			s := strings.Repeat(fill, n/len(fill)+1)[:n]
			want := bounded.MatchString(s)
			if got := safeName(s); got != want {
				t.Fatalf("%q (%d bytes): safeName %v, the bounded pattern %v", s, n, got, want)
			}
			if want {
				accepted++
			} else {
				refused++
			}
		}
	}
	if accepted == 0 || refused == 0 {
		t.Fatalf("%d accepted, %d refused", accepted, refused)
	}
}
