package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/drill"
	"github.com/ha-blueprints/terraform-provider-ha/internal/loadtest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/picture"
)

// The load drill against a local stand-in that fails every fifth request:
// one summary line, JSON with steps and samples, and a chart whose
// structure has the latency series, the errors and one mark per step.
func TestDrillLoad(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1)%5 == 0 {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	svg := filepath.Join(t.TempDir(), "load.svg")
	code, out, errs := run(t, "drill", "load", "--target", srv.URL, "--rate", "40", "--steps", "2", "--duration", "1s", "--svg", svg)
	if code != 0 || !strings.HasPrefix(out, "load http://127.0.0.1:") || !strings.Contains(out, "errors start at 20 req/s") || strings.Count(out, "\n") != 1 {
		t.Fatalf("exit %d stdout %q stderr %q", code, out, errs)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := picture.Structure(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"axis axis_x seconds", "axis axis_y latency, ms", "mark mark_step_1 20/s", "mark mark_step_2 40/s", "series errors", "series latency"}
	joined := strings.Join(st, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("chart lacks %q:\n%s", w, joined)
		}
	}

	code, out, _ = run(t, "drill", "load", "--target", srv.URL, "--rate", "20", "--duration", "500ms", "--json")
	var res loadtest.Result
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Requests == 0 || len(res.Samples) != res.Requests || len(res.Steps) != 1 {
		t.Fatalf("json: exit %d %.300s", code, out)
	}

	if code, _, errs := run(t, "drill", "load", "--target", "http://192.0.2.1/", "--duration", "1s"); code == 0 || !strings.Contains(errs, "127.0.0.0/8") {
		t.Errorf("a foreign target was accepted: exit %d %q", code, errs)
	}
}

// The drill timeline: one mark per change of answer, and the users'
// requests and errors placed on the drill's clock.
func TestTimelineSVG(t *testing.T) {
	start := time.Now()
	r := &drill.Result{Name: "www.example.test", Started: start, SwitchSeconds: 1.5, Changes: []drill.Change{
		{Seconds: 0, Phase: "baseline", Answer: "127.0.0.2"},
		{Seconds: 2.1, Phase: "fail", Answer: "127.0.0.3"},
	}}
	users := &loadtest.Result{Started: start.Add(100 * time.Millisecond), Samples: []loadtest.Sample{
		{Seconds: 0.5, LatencyMs: 1, OK: true}, {Seconds: 1.0, OK: false}, {Seconds: 2.5, LatencyMs: 2, OK: true},
	}}
	st, err := picture.Structure(TimelineSVG(r, users))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(st, "\n")
	for _, w := range []string{"mark mark_change_1 baseline: 127.0.0.2", "mark mark_change_2 fail: 127.0.0.3", "series errors", "series requests", "graph drill_timeline DNS drill of www.example.test"} {
		if !strings.Contains(got, w) {
			t.Errorf("timeline lacks %q:\n%s", w, got)
		}
	}
}
