// Command footprint prints the provider's three footprint figures: binary
// size, time from process start until it answers GetProviderSchema, and
// peak RSS of the provider process during a `terraform plan`.
//
//	go run ./bench/footprint [-runs 10] [-config DIR]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/devprovider"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
)

// The go-plugin handshake Terraform performs: this cookie tells the binary
// it was started as a plugin.
const magicCookie = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

func main() {
	runs := flag.Int("runs", 10, "startups to time")
	cfgDir := flag.String("config", "", "Terraform configuration to plan (default: a generated one)")
	flag.Parse()
	if err := run(*runs, *cfgDir); err != nil {
		fmt.Fprintln(os.Stderr, "footprint:", err)
		os.Exit(1)
	}
}

func run(runs int, cfgDir string) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "footprint")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()
	bin, err := devprovider.Build(context.Background(), root, work, "-s -w")
	if err != nil {
		return err
	}
	st, err := os.Stat(bin)
	if err != nil {
		return err
	}

	var times []time.Duration
	for i := 0; i < runs; i++ {
		d, err := timeToSchema(bin)
		if err != nil {
			return fmt.Errorf("time to GetProviderSchema: %w", err)
		}
		times = append(times, d)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })

	rss, err := planRSS(root, work, bin, cfgDir)
	if err != nil {
		return fmt.Errorf("peak RSS during plan: %w", err)
	}

	fmt.Printf("binary_size_mb      %.1f   (goal <= 40)\n", float64(st.Size())/1e6)
	fmt.Printf("ready_ms_median     %.1f   (goal <= 200; min %.1f, max %.1f over %d starts)\n",
		ms(times[len(times)/2]), ms(times[0]), ms(times[len(times)-1]), len(times))
	fmt.Printf("plan_peak_rss_mb    %.1f   (goal <= 60)\n", float64(rss)/1024)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func repoRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// rawCodec passes message bytes through untouched; GetProviderSchema's
// request is an empty message, and the answer only needs to arrive.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "raw" }

func init() { encoding.RegisterCodec(rawCodec{}) }

// timeToSchema starts the binary as Terraform does and measures until the
// first GetProviderSchema answer.
func timeToSchema(bin string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(),
		"TF_PLUGIN_MAGIC_COOKIE="+magicCookie,
		"PLUGIN_PROTOCOL_VERSIONS=6",
		"PLUGIN_MIN_PORT=10000", "PLUGIN_MAX_PORT=25000",
	)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("read handshake: %w", err)
	}
	// CORE-PROTOCOL|APP-PROTOCOL|NETWORK|ADDR|PROTOCOL|...
	parts := strings.Split(strings.TrimSpace(line), "|")
	if len(parts) < 5 || parts[1] != "6" || parts[4] != "grpc" {
		return 0, fmt.Errorf("unexpected handshake %q", line)
	}
	target := parts[3]
	if parts[2] == "unix" {
		target = "unix://" + target
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return 0, err
	}
	defer func() { _ = conn.Close() }()
	req, resp := []byte{}, []byte{}
	if err := conn.Invoke(ctx, "/tfplugin6.Provider/GetProviderSchema", &req, &resp, grpc.ForceCodec(rawCodec{})); err != nil {
		return 0, err
	}
	if len(resp) == 0 {
		return 0, fmt.Errorf("empty GetProviderSchema answer")
	}
	return time.Since(start), nil
}

// planRSS runs terraform plan with the built binary as a dev override and
// samples the provider processes' peak resident set (VmHWM) until they exit.
func planRSS(root, work, bin, cfgDir string) (int, error) {
	tf := filepath.Join(root, ".tools", "bin", "terraform")
	if _, err := os.Stat(tf); err != nil {
		return 0, fmt.Errorf("terraform not found at %s: run make tools", tf)
	}
	if cfgDir == "" {
		cfgDir = filepath.Join(work, "cfg")
		if err := os.MkdirAll(cfgDir, 0o755); err != nil {
			return 0, err
		}
		cfg := defaultConfig(root)
		if err := os.WriteFile(filepath.Join(cfgDir, "main.tf"), []byte(cfg), 0o644); err != nil {
			return 0, err
		}
	}
	rc := filepath.Join(work, "terraformrc")
	if err := devprovider.WriteCLIConfig(rc, filepath.Dir(bin)); err != nil {
		return 0, err
	}
	cmd := exec.Command(tf, "plan", "-input=false", "-no-color", "-lock=false")
	cmd.Dir = cfgDir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	peak := 0
	for {
		for _, pid := range providerPIDs(bin) {
			if kb := vmHWM(pid); kb > peak {
				peak = kb
			}
		}
		select {
		case err := <-done:
			if err != nil {
				return 0, fmt.Errorf("terraform plan: %w\n%s", err, out.String())
			}
			if peak == 0 {
				return 0, fmt.Errorf("never saw the provider process during plan")
			}
			return peak, nil
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// defaultConfig plans a stock blueprint through the data source when one
// exists, so the figure includes real work, else only the provider.
func defaultConfig(root string) string {
	bp := filepath.Join(root, "blueprints", "stock", "web-active-passive.ha.hcl")
	cfg := "terraform {\n  required_providers {\n    ha = { source = \"ha-blueprints/ha\" }\n  }\n}\nprovider \"ha\" {}\n"
	if _, err := os.Stat(bp); err == nil {
		cfg += fmt.Sprintf("data \"ha_blueprint\" \"b\" {\n  path = %q\n}\noutput \"n\" { value = length(data.ha_blueprint.b.load_balancers) }\n", bp)
	} else {
		cfg += "resource \"terraform_data\" \"x\" {\n  input = \"footprint\"\n}\n"
	}
	return cfg
}

func providerPIDs(bin string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && exe == bin {
			pids = append(pids, pid)
		}
	}
	return pids
}

func vmHWM(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				n, _ := strconv.Atoi(f[1])
				return n
			}
		}
	}
	return 0
}
