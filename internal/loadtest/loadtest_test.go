package loadtest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/loadtest"
)

// standIn serves at most perWindow requests per 100 ms window (a capacity
// of 10·perWindow requests per second) and answers 503 beyond it.
func standIn(t *testing.T, perWindow int) *httptest.Server {
	var mu sync.Mutex
	window, n := time.Now(), 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		if time.Since(window) >= 100*time.Millisecond {
			window, n = time.Now(), 0
		}
		n++
		over := n > perWindow
		mu.Unlock()
		if over {
			http.Error(w, "over capacity", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRun_findsTheBottleneck steps the rate from 40 to 400 req/s against a
// stand-in with a capacity of 100 req/s: the lowest step has no errors, a
// higher one does, and the bottleneck is reported at a stepped rate.
func TestRun_findsTheBottleneck(t *testing.T) {
	srv := standIn(t, 10)
	res, err := loadtest.Run(context.Background(), loadtest.Options{
		Target: srv.URL, Paths: []string{"/", "/cart"}, Rate: 400, Steps: 10, Concurrency: 32, Duration: 3 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Summary())
	if len(res.Steps) != 10 || res.Steps[0].Rate != 40 || res.Steps[9].Rate != 400 {
		t.Fatalf("steps = %+v", res.Steps)
	}
	if res.Steps[0].Errors != 0 {
		t.Errorf("errors at 40 req/s against a capacity of 100: %+v", res.Steps[0])
	}
	if res.Steps[9].Errors == 0 || res.BottleneckRate <= 40 || res.BottleneckRate > 400 {
		t.Errorf("no bottleneck found: %+v, bottleneck %.0f", res.Steps, res.BottleneckRate)
	}
	if res.Requests != len(res.Samples) || res.P50Ms <= 0 || res.ErrorRate <= 0 {
		t.Errorf("totals: %+v", res)
	}
}

func TestRun_refusesOtherHosts(t *testing.T) {
	for _, target := range []string{"http://10.1.2.3/", "https://example.com/", "ftp://127.0.0.1/"} {
		if _, err := loadtest.Run(context.Background(), loadtest.Options{Target: target, Rate: 1, Duration: time.Second}); err == nil {
			t.Errorf("%s accepted", target)
		}
	}
	if _, err := loadtest.CheckTarget("http://10.1.2.3/"); !errors.Is(err, loadtest.ErrTargetNotAllowed) {
		t.Errorf("10.1.2.3: %v", err)
	}
	t.Setenv(loadtest.TestHostsEnv, "10.1.2.3")
	if _, err := loadtest.CheckTarget("http://10.1.2.3:8080/"); err != nil {
		t.Errorf("a listed test host is refused: %v", err)
	}
}
