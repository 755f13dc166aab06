// Command peer runs this provider and a plain single-purpose provider side
// by side on the same PowerDNS and prints what each costs: N health-checked
// failover names (ha_dns_failover against pan-net/terraform-provider-powerdns's
// powerdns_record with the same LUA records byte for byte), in interleaved
// rounds, the median of each figure: apply from empty, a no-change plan and
// destroy (wall time), provider CPU, peak RSS and minor page faults (every
// provider process terraform starts for the command, under /usr/bin/time:
// on a virtual machine each fresh page can cost several microseconds of the
// process's CPU, see bench/pagefault), terraform's own
// CPU (which grows with the resource's schema and shares the machine), and
// the PowerDNS API calls each command makes (counted by a proxy in front of
// the API).
//
// PowerDNS's sqlite backend answers parallel writes with HTTP 500 "database
// is locked"; the proxy serialises writes for both providers, so both run at
// terraform's default parallelism without retrying.
//
//	go run ./bench/peer [-names 200] [-rounds 5] [-peer ../shared/peers/terraform-provider-powerdns] [-only ha]
//
// -only ha runs this provider's rounds alone: to compare two versions of it
// in half the time (the peer column stays empty).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/internal/devprovider"
)

const zone = "bench.test."

func main() {
	names := flag.Int("names", 200, "failover names per provider")
	rounds := flag.Int("rounds", 5, "interleaved rounds (the median is printed)")
	peer := flag.String("peer", "", "peer provider binary (default: ../shared/peers/terraform-provider-powerdns from the module root, else /work/shared/peers/...)")
	tf := flag.String("terraform", "", "terraform binary (default: .tools/bin/terraform, else PATH)")
	only := flag.String("only", "", `"ha": run only this provider's rounds`)
	flag.Parse()
	if *only != "" && *only != "ha" {
		fmt.Fprintln(os.Stderr, `peer: -only takes "ha"`)
		os.Exit(2)
	}
	if err := run(*names, *rounds, *peer, *tf, *only == "ha"); err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
}

// usage is what the provider processes of one command cost.
type usage struct {
	wall, cpu time.Duration
	sys       time.Duration // the part of cpu spent in the kernel
	procs     int           // provider processes terraform started
	tf        time.Duration // terraform's own CPU (the command's, less its providers')
	rssKB     int64
	faults    int64 // minor page faults of those processes: first touches of pages the kernel then mapped
	calls     map[string]int
}

type side struct {
	name    string
	dir     string // terraform working directory
	usage   string // file the /usr/bin/time wrapper appends to
	results map[string][]usage
}

func run(names, rounds int, peer, tf string, haOnly bool) error {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return fmt.Errorf("find module root: %w", err)
	}
	root := strings.TrimSpace(string(out))
	if peer == "" {
		peer = filepath.Join(root, "..", "shared", "peers", "terraform-provider-powerdns")
		if _, err := os.Stat(peer); err != nil {
			peer = "/work/shared/peers/terraform-provider-powerdns"
		}
	}
	if _, err := os.Stat(peer); err != nil {
		return fmt.Errorf("peer provider: %w (see -peer)", err)
	}
	if tf == "" {
		tf = filepath.Join(root, ".tools", "bin", "terraform")
		if _, err := os.Stat(tf); err != nil {
			tf = "terraform"
		}
	}
	work, err := os.MkdirTemp("", "bench-peer")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()

	// Providers: ours built from source, the peer copied; both wrapped so
	// that each process's CPU and peak RSS are recorded.
	plugins := filepath.Join(work, "plugins")
	bin, err := devprovider.Build(context.Background(), root, plugins, "-s -w")
	if err != nil {
		return err
	}
	peerBin := filepath.Join(plugins, "terraform-provider-powerdns")
	if err := copyFile(peer, peerBin); err != nil {
		return err
	}
	ha := &side{name: "ha", dir: filepath.Join(work, "ha"), usage: filepath.Join(work, "ha.usage"), results: map[string][]usage{}}
	pn := &side{name: "peer", dir: filepath.Join(work, "peer"), usage: filepath.Join(work, "peer.usage"), results: map[string][]usage{}}
	if err := wrap(bin, ha.usage); err != nil {
		return err
	}
	if err := wrap(peerBin, pn.usage); err != nil {
		return err
	}
	cliCfg := filepath.Join(work, "cli.tfrc")
	cfg := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/ha-blueprints/ha\" = %q\n    \"registry.terraform.io/pan-net/powerdns\" = %q\n  }\n  direct {}\n}\n", plugins, plugins)
	if err := os.WriteFile(cliCfg, []byte(cfg), 0o644); err != nil {
		return err
	}

	// PowerDNS as the acceptance tests start it, always stopped.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stack, err := services.Start(ctx, filepath.Join(work, "services"), services.PowerDNS)
	if err != nil {
		return err
	}
	defer stack.Stop()
	go func() {
		<-ctx.Done()
		stack.Stop()
	}()
	api, key := stack.Env["HA_POWERDNS_API_URL"], stack.Env["HA_POWERDNS_API_KEY"]
	if err := createZone(api, key); err != nil {
		return err
	}
	proxy, err := startProxy(api)
	if err != nil {
		return err
	}
	defer func() { _ = proxy.srv.Close() }()

	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliCfg, "TF_IN_AUTOMATION=1",
		"HA_POWERDNS_API_URL="+proxy.url, "HA_POWERDNS_API_KEY="+key,
		"PDNS_SERVER_URL="+proxy.url, "PDNS_API_KEY="+key)
	tfRun := func(s *side, args ...string) (usage, error) {
		_ = os.Remove(s.usage)
		proxy.reset()
		cmd := exec.CommandContext(ctx, tf, append(args, "-no-color", "-input=false", "-lock=false")...)
		cmd.Dir = s.dir
		cmd.Env = env
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		start := time.Now()
		err := cmd.Run()
		u := usage{wall: time.Since(start), calls: proxy.counts()}
		if err != nil {
			return u, fmt.Errorf("%s: terraform %s: %w\n%s", s.name, strings.Join(args, " "), err, tail(buf.String(), 3000))
		}
		if args[0] == "plan" && !strings.Contains(buf.String(), "No changes.") {
			return u, fmt.Errorf("%s: plan after apply is not empty:\n%s", s.name, tail(buf.String(), 3000))
		}
		pu, err := readUsage(s.usage)
		u.cpu, u.sys, u.procs, u.rssKB, u.faults = pu.cpu, pu.sys, pu.procs, pu.rssKB, pu.faults
		// wait4 reports a process with the children it reaped: terraform
		// with its providers.
		u.tf = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime() - u.cpu
		return u, err
	}

	// The same LUA records byte for byte: apply ours once, read back what
	// it wrote, and give the peer those contents.
	if err := os.MkdirAll(ha.dir, 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(pn.dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(ha.dir, "main.tf"), []byte(haConfig(names)), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "warm-up: applying %d ha_dns_failover to read back their records\n", names)
	if _, err := tfRun(ha, "apply", "-auto-approve"); err != nil {
		return err
	}
	contents, err := luaContents(api, key)
	if err != nil {
		return err
	}
	if len(contents) != names {
		return fmt.Errorf("read back %d LUA records, want %d", len(contents), names)
	}
	if _, err := tfRun(ha, "destroy", "-auto-approve"); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(pn.dir, "main.tf"), []byte(peerConfig(contents)), 0o644); err != nil {
		return err
	}

	steps := []struct {
		key  string
		args []string
	}{
		{"apply", []string{"apply", "-auto-approve"}},
		{"plan", []string{"plan"}},
		{"destroy", []string{"destroy", "-auto-approve"}},
	}
	for r := 0; r < rounds; r++ {
		order := []*side{ha, pn}
		switch {
		case haOnly:
			order = []*side{ha}
		case r%2 == 1:
			order = []*side{pn, ha}
		}
		for _, s := range order {
			for _, st := range steps {
				u, err := tfRun(s, st.args...)
				if err != nil {
					return err
				}
				s.results[st.key] = append(s.results[st.key], u)
				fmt.Fprintf(os.Stderr, "round %d %-4s %-7s wall %6.2f s  cpu %6.2f s (sys %.2f s, %d processes, %d page faults)  rss %5.1f MB  terraform cpu %5.2f s  calls %v\n",
					r+1, s.name, st.key, u.wall.Seconds(), u.cpu.Seconds(), u.sys.Seconds(), u.procs, u.faults, float64(u.rssKB)/1024, u.tf.Seconds(), u.calls)
			}
		}
	}
	printTable(names, rounds, ha, pn)
	return nil
}

func haConfig(n int) string {
	var b strings.Builder
	b.WriteString("terraform {\n  required_providers {\n    ha = { source = \"ha-blueprints/ha\" }\n  }\n}\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `resource "ha_dns_failover" "n%[1]d" {
  backend     = "powerdns"
  fqdn        = "n%[1]d.bench.test"
  zone        = "bench.test"
  create_zone = false
  ttl         = 5
  mode        = "failover"
  target {
    name      = "east"
    addresses = ["192.0.2.%[2]d"]
  }
  target {
    name      = "west"
    addresses = ["198.51.100.%[2]d"]
  }
  health_check {
    protocol  = "HTTP"
    port      = 8080
    path      = "/healthz"
    interval  = 1
    threshold = 1
  }
}
`, i, 1+i%250)
	}
	return b.String()
}

func peerConfig(contents map[string]string) string {
	var b strings.Builder
	b.WriteString("terraform {\n  required_providers {\n    powerdns = { source = \"pan-net/powerdns\" }\n  }\n}\n\n")
	keys := make([]string, 0, len(contents))
	for k := range contents {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, name := range keys {
		fmt.Fprintf(&b, "resource \"powerdns_record\" \"n%d\" {\n  zone    = %q\n  name    = %q\n  type    = \"LUA\"\n  ttl     = 5\n  records = [%q]\n}\n",
			i, zone, name, contents[name])
	}
	return b.String()
}

func apiRequest(method, u, key string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("X-API-Key", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func createZone(api, key string) error {
	return apiRequest(http.MethodPost, api+"/api/v1/servers/localhost/zones", key,
		map[string]any{"name": zone, "kind": "Native", "nameservers": []string{"ns1.bench.test."}}, nil)
}

// luaContents reads every LUA record of the zone: name -> content.
func luaContents(api, key string) (map[string]string, error) {
	var z struct {
		RRSets []struct {
			Name    string `json:"name"`
			Type    string `json:"type"`
			Records []struct {
				Content string `json:"content"`
			} `json:"records"`
		} `json:"rrsets"`
	}
	if err := apiRequest(http.MethodGet, api+"/api/v1/servers/localhost/zones/"+zone, key, nil, &z); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, rr := range z.RRSets {
		if rr.Type == "LUA" && len(rr.Records) == 1 {
			out[rr.Name] = rr.Records[0].Content
		}
	}
	return out, nil
}

// proxy forwards to the PowerDNS API, counts requests by kind, and
// serialises writes (sqlite answers concurrent writes with 500).
type proxy struct {
	url   string
	srv   *http.Server
	mu    sync.Mutex
	count map[string]int
	write sync.Mutex
}

func startProxy(target string) (*proxy, error) {
	tu, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{url: "http://" + ln.Addr().String(), count: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(tu)
	p.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.count[kind(r)]++
		p.mu.Unlock()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			p.write.Lock()
			defer p.write.Unlock()
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func kind(r *http.Request) string {
	path := r.URL.Path
	switch {
	case strings.HasSuffix(path, "/config"):
		return r.Method + " config"
	case strings.Contains(path, "/zones/"):
		return r.Method + " zone"
	case strings.HasSuffix(path, "/zones"):
		return r.Method + " zones"
	case strings.HasSuffix(path, "/servers/localhost"), strings.HasSuffix(path, "/servers"):
		return r.Method + " server"
	}
	return r.Method + " other"
}

func (p *proxy) reset() {
	p.mu.Lock()
	p.count = map[string]int{}
	p.mu.Unlock()
}

func (p *proxy) counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.count))
	for k, v := range p.count {
		out[k] = v
	}
	return out
}

// wrap moves the provider aside and puts a script in its place that runs it
// under /usr/bin/time, appending "wall user sys maxrssKB minorfaults" per
// process.
func wrap(bin, usageFile string) error {
	if err := os.Rename(bin, bin+".real"); err != nil {
		return err
	}
	script := fmt.Sprintf("#!/bin/sh\nexec /usr/bin/time -a -o %q -f '%%e %%U %%S %%M %%R' %q \"$@\"\n", usageFile, bin+".real")
	return os.WriteFile(bin, []byte(script), 0o755)
}

// readUsage sums CPU and page faults and takes the peak RSS over the
// processes of one command.
func readUsage(path string) (usage, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return usage{}, fmt.Errorf("provider usage: %w", err)
	}
	var u usage
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		f := strings.Fields(line)
		if len(f) != 5 {
			continue // "Command exited with non-zero status" and the like
		}
		us, _ := strconv.ParseFloat(f[1], 64)
		sy, _ := strconv.ParseFloat(f[2], 64)
		kb, _ := strconv.ParseInt(f[3], 10, 64)
		faults, _ := strconv.ParseInt(f[4], 10, 64)
		u.cpu += time.Duration((us + sy) * float64(time.Second))
		u.sys += time.Duration(sy * float64(time.Second))
		u.procs++
		u.rssKB = max(u.rssKB, kb)
		u.faults += faults
	}
	return u, nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o755)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func med(us []usage, f func(usage) float64) float64 {
	xs := make([]float64, len(us))
	for i, u := range us {
		xs[i] = f(u)
	}
	return median(xs)
}

func printTable(names, rounds int, ha, pn *side) {
	wall := func(u usage) float64 { return u.wall.Seconds() }
	cpu := func(u usage) float64 { return u.cpu.Seconds() }
	rss := func(u usage) float64 { return float64(u.rssKB) / 1024 }
	tfCPU := func(u usage) float64 { return u.tf.Seconds() }
	faults := func(u usage) float64 { return float64(u.faults) }
	rows := []struct {
		label, step, unit string
		f                 func(usage) float64
	}{
		{"apply from empty, wall", "apply", "s", wall},
		{"provider CPU during apply", "apply", "s", cpu},
		{"provider peak RSS, apply", "apply", "MB", rss},
		{"provider page faults during apply", "apply", "", faults},
		{"terraform's own CPU during apply", "apply", "s", tfCPU},
		{"no-change plan, wall", "plan", "s", wall},
		{"provider CPU during plan", "plan", "s", cpu},
		{"provider peak RSS, plan", "plan", "MB", rss},
		{"provider page faults during plan", "plan", "", faults},
		{"terraform's own CPU during plan", "plan", "s", tfCPU},
		{"destroy, wall", "destroy", "s", wall},
		{"provider CPU during destroy", "destroy", "s", cpu},
		{"terraform's own CPU during destroy", "destroy", "s", tfCPU},
	}
	fmt.Printf("\n| %d names (median of %d interleaved rounds) | ha | peer | ratio |\n|---|---|---|---|\n", names, rounds)
	for _, r := range rows {
		a, b := med(ha.results[r.step], r.f), med(pn.results[r.step], r.f)
		ratio := "–"
		if b > 0 {
			ratio = fmt.Sprintf("%.2f×", a/b)
		}
		if r.unit == "" { // a count
			fmt.Printf("| %s | %.0f | %.0f | %s |\n", r.label, a, b, ratio)
			continue
		}
		fmt.Printf("| %s | %.2f %s | %.2f %s | %s |\n", r.label, a, r.unit, b, r.unit, ratio)
	}
	for _, step := range []string{"apply", "plan", "destroy"} {
		fmt.Printf("| API calls per %s | %s | %s | |\n", step, callsOf(ha.results[step]), callsOf(pn.results[step]))
	}
}

// callsOf prints the median count of each kind of API call.
func callsOf(us []usage) string {
	kinds := map[string]bool{}
	for _, u := range us {
		for k := range u.calls {
			kinds[k] = true
		}
	}
	keys := make([]string, 0, len(kinds))
	for k := range kinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		n := med(us, func(u usage) float64 { return float64(u.calls[k]) })
		parts = append(parts, fmt.Sprintf("%g %s", n, k))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " + ")
}
