// Command rebuild prints the wall time of a disaster-recovery apply and of a
// plain plan of the whole stack (issue 7). It builds the provider, starts
// its own moto and PowerDNS, and drives the real terraform CLI through
// examples/quickstart (modules/stack) the way the demo does. Each round:
// apply the quickstart; time a plan with no changes; delete everything in
// us-east-1 out of band, as a region that is gone would be; time the apply
// that fails over to west and rebuilds east in us-east-2; destroy; reset moto.
//
// With -cloud gcp it drives the stock gcp-active-passive blueprint through
// modules/stack on the local GCP endpoint instead (gcp.go): apply, plain
// plan, then europe-west1 declared lost on the provider and the apply that
// promotes netherlands and rebuilds belgium in europe-west3.
//
//	go run ./bench/rebuild [-n 3] [-cloud aws|gcp] [-terraform PATH] [-keep]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/datasweep"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/sweep"
	"github.com/ha-blueprints/terraform-provider-ha/internal/devprovider"
	"github.com/ha-blueprints/terraform-provider-ha/internal/drill"
)

// blueprint is the name examples/quickstart/quickstart.ha.hcl declares; the
// provider tags every object with it, and the out-of-band delete finds them by it.
const blueprint = "quickstart"

const lostLocation = "us-east-1"

// drVars are the variables of the apply after the loss, as the quickstart
// documents them.
var drVars = []string{"-var", `lost_regions=["east"]`, "-var", `replacements={east="us-east-2"}`}

func main() {
	n := flag.Int("n", 3, "rounds to run")
	tfPath := flag.String("terraform", "", "terraform binary (default: .tools/bin/terraform of the repository)")
	keep := flag.Bool("keep", false, "keep the work directory (logs, state) for inspection")
	cloud := flag.String("cloud", "aws", "aws (examples/quickstart on moto) or gcp (gcp-active-passive on the local GCP endpoint)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	runner := run
	switch *cloud {
	case "aws":
	case "gcp":
		runner = runGCP
	default:
		fmt.Fprintf(os.Stderr, "rebuild: -cloud must be aws or gcp, got %q\n", *cloud)
		os.Exit(2)
	}
	if err := runner(ctx, *n, *tfPath, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "rebuild:", err)
		os.Exit(1)
	}
}

// workspace is what both runs start from: the repository, terraform, a work
// directory and a CLI config pointing at a fresh build of the provider.
type workspace struct {
	root, tfPath, work, rc string
	cleanup                func()
}

func newWorkspace(ctx context.Context, n int, tfPath string, keep bool, prefix string) (*workspace, error) {
	if n < 1 {
		return nil, fmt.Errorf("-n must be at least 1, got %d", n)
	}
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	if tfPath == "" {
		tfPath = filepath.Join(root, ".tools", "bin", "terraform")
	}
	if _, err := os.Stat(tfPath); err != nil {
		return nil, fmt.Errorf("terraform not found at %s (make tools, or -terraform PATH): %w", tfPath, err)
	}
	work, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, err
	}
	w := &workspace{root: root, tfPath: tfPath, work: work, rc: filepath.Join(work, "cli.tfrc"), cleanup: func() {}}
	if keep {
		fmt.Println("work directory:", work)
	} else {
		w.cleanup = func() { _ = os.RemoveAll(work) }
	}
	plugins := filepath.Join(work, "plugins")
	if _, err := devprovider.Build(ctx, root, plugins, ""); err != nil {
		w.cleanup()
		return nil, err
	}
	if err := devprovider.WriteCLIConfig(w.rc, plugins); err != nil {
		w.cleanup()
		return nil, err
	}
	return w, nil
}

func run(ctx context.Context, n int, tfPath string, keep bool) error {
	w, err := newWorkspace(ctx, n, tfPath, keep, "bench-rebuild-")
	if err != nil {
		return err
	}
	defer w.cleanup()
	root, work, rc := w.root, w.work, w.rc
	tfPath = w.tfPath

	// The copy sits two levels below a directory that links the
	// repository's modules, so the quickstart's ../../modules/stack resolves
	// unchanged.
	if err := os.Symlink(filepath.Join(root, "modules"), filepath.Join(work, "modules")); err != nil {
		return err
	}
	dir := filepath.Join(work, "examples", "quickstart")
	if err := copyDir(filepath.Join(root, "examples", "quickstart"), dir); err != nil {
		return fmt.Errorf("copy examples/quickstart: %w", err)
	}

	stack, err := services.Start(ctx, filepath.Join(work, "services"), services.Moto, services.PowerDNS)
	if err != nil {
		return fmt.Errorf("start moto and PowerDNS: %w", err)
	}
	defer stack.Stop()

	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	for k, v := range stack.Env {
		env = append(env, k+"="+v)
	}
	tf := &terraform{path: tfPath, dir: dir, env: env, logs: filepath.Join(work, "logs")}
	if err := os.MkdirAll(tf.logs, 0o755); err != nil {
		return err
	}
	version, err := tf.version(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("terraform %s, %d round(s), examples/quickstart through modules/stack on moto + PowerDNS\n", version, n)
	// dev_overrides: no init; get installs the module only, as the demo does.
	if _, err := tf.run(ctx, "get", "get"); err != nil {
		return err
	}

	session := awsbase.NewSession(awsbase.Settings{
		Endpoint:   stack.Env["HA_AWS_ENDPOINT"],
		AccessKey:  stack.Env["HA_AWS_ACCESS_KEY"],
		SecretKey:  stack.Env["HA_AWS_SECRET_KEY"],
		MaxRetries: 2,
	})

	var applies, plans, drs, destroys []float64
	for i := 1; i <= n; i++ {
		if i > 1 {
			// The bench owns this moto, so a reset gives each round the same
			// empty endpoint (the DR destroy keeps the lost region's last
			// snapshot copy on purpose).
			if err := resetMoto(ctx, stack.Env["HA_AWS_ENDPOINT"]); err != nil {
				return err
			}
		}
		r, err := round(ctx, tf, session, i)
		if err != nil {
			return fmt.Errorf("round %d: %w", i, err)
		}
		fmt.Printf("round %d: initial apply %6.1fs  plain plan %5.1fs  DR apply %6.1fs  destroy %6.1fs\n",
			i, r.apply, r.plan, r.dr, r.destroy)
		applies, plans, drs, destroys = append(applies, r.apply), append(plans, r.plan), append(drs, r.dr), append(destroys, r.destroy)
	}
	fmt.Printf("summary (n=%d, min/median/max seconds):\n", n)
	for _, row := range []struct {
		name string
		xs   []float64
	}{{"initial apply", applies}, {"plain plan", plans}, {"DR apply", drs}, {"destroy", destroys}} {
		s := drill.Summarize(row.xs)
		fmt.Printf("  %-14s %6.1f / %6.1f / %6.1f\n", row.name, s.Min, s.Median, s.Max)
	}
	return nil
}

type timings struct{ apply, plan, dr, destroy float64 }

func round(ctx context.Context, tf *terraform, session *awsbase.Session, i int) (timings, error) {
	var t timings
	step := func(name string, args ...string) (float64, error) {
		start := time.Now()
		_, err := tf.run(ctx, fmt.Sprintf("r%d-%s", i, name), args...)
		return time.Since(start).Seconds(), err
	}
	var err error
	if t.apply, err = step("apply", "apply", "-auto-approve", "-input=false"); err != nil {
		return t, err
	}
	if t.plan, err = step("plan", "plan", "-input=false", "-detailed-exitcode"); err != nil {
		return t, fmt.Errorf("plain plan is not empty or failed: %w", err)
	}
	if err := deleteRegion(ctx, session, lostLocation); err != nil {
		return t, err
	}
	if t.dr, err = step("dr-apply", append([]string{"apply", "-auto-approve", "-input=false"}, drVars...)...); err != nil {
		return t, fmt.Errorf("DR apply: %w", err)
	}
	// The DR apply only counts if it converged: a plan after it is empty.
	if _, err := step("dr-plan", append([]string{"plan", "-input=false", "-detailed-exitcode"}, drVars...)...); err != nil {
		return t, fmt.Errorf("plan after the DR apply is not empty or failed: %w", err)
	}
	if t.destroy, err = step("destroy", append([]string{"destroy", "-auto-approve", "-input=false"}, drVars...)...); err != nil {
		return t, err
	}
	return t, nil
}

// deleteRegion deletes everything of the blueprint in one location out of
// band, as a region that is gone would, and checks that it is gone.
func deleteRegion(ctx context.Context, s *awsbase.Session, location string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if _, err := datasweep.Sweep(ctx, s, []string{location}, blueprint); err != nil {
		return fmt.Errorf("delete %s data objects: %w", location, err)
	}
	if err := sweep.SweepRegional(ctx, s, []string{location}, blueprint); err != nil {
		return fmt.Errorf("delete %s compute objects: %w", location, err)
	}
	left, err := sweep.Leftovers(ctx, s, []string{location}, blueprint)
	if err != nil {
		return fmt.Errorf("list %s leftovers: %w", location, err)
	}
	var bad []string
	for _, l := range left {
		if !strings.Contains(l, "Route 53") { // global, not the region's
			bad = append(bad, l)
		}
	}
	data, err := datasweep.Find(ctx, s, []string{location}, blueprint)
	if err != nil {
		return fmt.Errorf("list %s data objects: %w", location, err)
	}
	for _, d := range data {
		if d.Kind == "db_instance" || d.Kind == "backup_plan" {
			bad = append(bad, d.String())
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s is not gone after the out-of-band delete: %s", location, strings.Join(bad, ", "))
	}
	return nil
}

func resetMoto(ctx context.Context, endpoint string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reset moto: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("reset moto: %s", resp.Status)
	}
	return nil
}

// terraform runs the CLI in one working directory, each command's output in
// a log file of its own.
type terraform struct {
	path, dir, logs string
	env             []string
}

func (t *terraform) run(ctx context.Context, logName string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, t.path, append(args, "-no-color")...)
	cmd.Dir = t.dir
	cmd.Env = t.env
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	_ = os.WriteFile(filepath.Join(t.logs, logName+".log"), b.Bytes(), 0o644)
	if err != nil {
		return b.String(), fmt.Errorf("terraform %s: %w\n%s", strings.Join(args, " "), err, tail(b.String(), 40))
	}
	return b.String(), nil
}

func (t *terraform) version(ctx context.Context) (string, error) {
	out, err := t.run(ctx, "version", "version", "-json")
	if err != nil {
		return "", err
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Version == "" {
		return "", fmt.Errorf("read terraform version from %q: %w", out, err)
	}
	return v.Version, nil
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// copyDir copies the regular files of src (no state, no .terraform) into dst.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), "terraform.tfstate") || d.Name() == ".terraform.lock.hcl" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
