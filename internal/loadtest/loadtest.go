// Package loadtest runs bounded HTTP load tests: a fixed request rate
// (optionally stepped up to find where errors start), a bounded number of
// requests in flight, a bounded duration, against the loopback address or
// the project's own test hosts only. It reports latency percentiles, error
// rate, throughput, the rate at which errors start, and every request's
// latency over time (for a chart).
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// TestHostsEnv lists (comma-separated) the addresses of this project's test
// hosts (network namespaces) that a load test may target besides loopback.
const TestHostsEnv = "HA_TEST_HOSTS"

// ErrTargetNotAllowed is returned for a target outside loopback and the
// project's test hosts: a load test is never pointed at someone else.
var ErrTargetNotAllowed = errors.New("load tests run only against 127.0.0.0/8, ::1 or the project's test hosts (" + TestHostsEnv + ")")

// Options describe one load test.
type Options struct {
	Target      string        // base URL, http://127.0.0.1:8080
	Paths       []string      // paths requested in turn; "/" when empty
	Rate        float64       // requests per second (the last step's rate when stepping)
	Steps       int           // >1: rates Rate/Steps, 2·Rate/Steps, … Rate, each for Duration/Steps
	Concurrency int           // requests in flight at most (default 16)
	Duration    time.Duration // whole test (default 10 s, at most 10 min)
	Timeout     time.Duration // per request (default 2 s)
	// ErrorThreshold is the error rate (0..1) above which a step counts as
	// past the bottleneck (default 0.01).
	ErrorThreshold float64
	Client         *http.Client
}

// Sample is one request.
type Sample struct {
	Seconds   float64 `json:"t"`          // since the start, when sent
	LatencyMs float64 `json:"latency_ms"` // until the answer (or the failure)
	OK        bool    `json:"ok"`         // 2xx or 3xx
	Step      int     `json:"step"`
}

// Step is what one rate step measured.
type Step struct {
	Rate       float64 `json:"rate"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	ErrorRate  float64 `json:"error_rate"`
	Throughput float64 `json:"throughput"` // successful requests per second
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
}

// Result is what a load test measured.
type Result struct {
	Target     string    `json:"target"`
	Started    time.Time `json:"started"`
	Seconds    float64   `json:"seconds"`
	Requests   int       `json:"requests"`
	Errors     int       `json:"errors"`
	Skipped    int       `json:"skipped"` // not sent: every slot in flight (counted as errors)
	ErrorRate  float64   `json:"error_rate"`
	Throughput float64   `json:"throughput"`
	P50Ms      float64   `json:"p50_ms"`
	P90Ms      float64   `json:"p90_ms"`
	P99Ms      float64   `json:"p99_ms"`
	MaxMs      float64   `json:"max_ms"`
	Steps      []Step    `json:"steps"`
	// BottleneckRate is the first step's rate whose error rate passed the
	// threshold; 0 when none did.
	BottleneckRate float64  `json:"bottleneck_rate"`
	Samples        []Sample `json:"samples"`
}

// CheckTarget refuses anything but loopback and the project's test hosts.
func CheckTarget(target string) (*url.URL, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, fmt.Errorf("target %q: want http(s)://HOST[:PORT]", target)
	}
	host := u.Hostname()
	if host == "localhost" {
		return u, nil
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsLoopback() {
		return u, nil
	}
	for _, h := range strings.Split(os.Getenv(TestHostsEnv), ",") {
		if h = strings.TrimSpace(h); h != "" && h == host {
			return u, nil
		}
	}
	return nil, fmt.Errorf("target %s: %w", host, ErrTargetNotAllowed)
}

// Run performs the load test; the context bounds it further.
func Run(ctx context.Context, o Options) (*Result, error) {
	base, err := CheckTarget(o.Target)
	if err != nil {
		return nil, err
	}
	if o.Rate <= 0 || o.Rate > 10000 {
		return nil, fmt.Errorf("rate %.1f: want 0 < rate ≤ 10000 requests per second", o.Rate)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Duration > 10*time.Minute {
		return nil, fmt.Errorf("duration %s: at most 10m", o.Duration)
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Steps < 1 {
		o.Steps = 1
	}
	if o.ErrorThreshold <= 0 {
		o.ErrorThreshold = 0.01
	}
	if len(o.Paths) == 0 {
		o.Paths = []string{"/"}
	}
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: o.Timeout, Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency, MaxConnsPerHost: o.Concurrency}}
	}
	res := &Result{Target: base.String(), Started: time.Now()}
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, o.Concurrency)
	n := 0
	stepLen := o.Duration / time.Duration(o.Steps)
	start := time.Now()
	for s := 0; s < o.Steps && ctx.Err() == nil; s++ {
		rate := o.Rate * float64(s+1) / float64(o.Steps)
		interval := time.Duration(float64(time.Second) / rate)
		stepEnd := start.Add(stepLen * time.Duration(s+1))
		next := time.Now()
		for next.Before(stepEnd) && ctx.Err() == nil {
			if d := time.Until(next); d > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(d):
				}
			}
			sent := time.Since(start).Seconds()
			path := o.Paths[n%len(o.Paths)]
			n++
			select {
			case slots <- struct{}{}:
				wg.Add(1)
				go func(step int, path string, sent float64) {
					defer wg.Done()
					defer func() { <-slots }()
					t0 := time.Now()
					ok := get(ctx, client, base, path)
					mu.Lock()
					res.Samples = append(res.Samples, Sample{Seconds: sent, LatencyMs: float64(time.Since(t0).Microseconds()) / 1000, OK: ok, Step: step})
					mu.Unlock()
				}(s, path, sent)
			default:
				// Open loop: a request that finds every slot busy is not
				// sent late, it counts as an error of this rate.
				mu.Lock()
				res.Skipped++
				res.Samples = append(res.Samples, Sample{Seconds: sent, OK: false, Step: s})
				mu.Unlock()
			}
			next = next.Add(interval)
		}
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	sort.Slice(res.Samples, func(i, j int) bool { return res.Samples[i].Seconds < res.Samples[j].Seconds })
	summarize(res, o)
	return res, ctx.Err()
}

func get(ctx context.Context, c *http.Client, base *url.URL, path string) bool {
	u := *base
	u.Path = strings.TrimRight(base.Path, "/") + "/" + strings.TrimLeft(path, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false
	}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	return resp.StatusCode < 400
}

func summarize(res *Result, o Options) {
	var all []float64
	for _, s := range res.Samples {
		res.Requests++
		if !s.OK {
			res.Errors++
		}
		if s.LatencyMs > 0 {
			all = append(all, s.LatencyMs)
		}
	}
	if res.Requests > 0 {
		res.ErrorRate = float64(res.Errors) / float64(res.Requests)
	}
	if res.Seconds > 0 {
		res.Throughput = float64(res.Requests-res.Errors) / res.Seconds
	}
	res.P50Ms, res.P90Ms, res.P99Ms, res.MaxMs = pct(all, 50), pct(all, 90), pct(all, 99), pct(all, 100)
	stepSecs := o.Duration.Seconds() / float64(o.Steps)
	for s := 0; s < o.Steps; s++ {
		st := Step{Rate: o.Rate * float64(s+1) / float64(o.Steps)}
		var lat []float64
		for _, x := range res.Samples {
			if x.Step != s {
				continue
			}
			st.Requests++
			if !x.OK {
				st.Errors++
			}
			if x.LatencyMs > 0 {
				lat = append(lat, x.LatencyMs)
			}
		}
		if st.Requests > 0 {
			st.ErrorRate = float64(st.Errors) / float64(st.Requests)
		}
		st.Throughput = float64(st.Requests-st.Errors) / stepSecs
		st.P50Ms, st.P99Ms = pct(lat, 50), pct(lat, 99)
		if res.BottleneckRate == 0 && st.ErrorRate > o.ErrorThreshold {
			res.BottleneckRate = st.Rate
		}
		res.Steps = append(res.Steps, st)
	}
}

func pct(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}

// Summary is the one-line report.
func (r *Result) Summary() string {
	b := fmt.Sprintf("load %s: %d requests in %.1fs, %.1f ok/s, errors %.1f%%, latency p50 %.1fms p90 %.1fms p99 %.1fms max %.1fms",
		r.Target, r.Requests, r.Seconds, r.Throughput, 100*r.ErrorRate, r.P50Ms, r.P90Ms, r.P99Ms, r.MaxMs)
	switch {
	case r.BottleneckRate > 0:
		b += fmt.Sprintf("; errors start at %.0f req/s", r.BottleneckRate)
	case len(r.Steps) > 1:
		b += fmt.Sprintf("; no errors up to %.0f req/s", r.Steps[len(r.Steps)-1].Rate)
	}
	return b
}
