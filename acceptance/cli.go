package acceptance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/devprovider"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
	tfjson "github.com/hashicorp/terraform-json"
)

// Tests whose configuration is a module run the CLI themselves against the
// provider built as a user would install it (the test library initialises
// before it writes a step's configuration, so it never installs modules).

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// providerBuild builds the provider binary once per test run.
func providerBuild(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "ha-provider-build")
		if buildErr != nil {
			return
		}
		_, buildErr = devprovider.Build(context.Background(), RepoRoot(), buildDir, "")
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildDir
}

// cliRun is one working directory driven through a CLI.
type cliRun struct {
	t   *testing.T
	cli CLI
	dir string
	env []string
}

// newCLI writes config to DIR/root/main.tf and installs its modules.
func newCLI(t *testing.T, cli CLI, dir, config string) *cliRun {
	t.Helper()
	plugins := providerBuild(t)
	rc := filepath.Join(dir, "cli.tfrc")
	if err := devprovider.WriteCLIConfig(rc, plugins); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "root")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "main.tf"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	r := &cliRun{t: t, cli: cli, dir: root, env: append(env, shortBackoff()...)}
	r.run("get")
	return r
}

// shortBackoff shortens the provider's retry waits (aws.BackoffVar,
// gcp.BackoffVar) where the environment does not set them. The fault tests
// check that every call converges and nothing is made twice, which does not
// depend on how long a wait is; bench/faults, which reports the wall time a
// user would see, sets the real units.
func shortBackoff() []string {
	var env []string
	for name, unit := range map[string]string{awsbase.BackoffVar: "20ms", gcp.BackoffVar: "20ms"} {
		if _, set := os.LookupEnv(name); !set {
			env = append(env, name+"="+unit)
		}
	}
	return env
}

func (r *cliRun) run(args ...string) string {
	r.t.Helper()
	out, err := r.try(args...)
	if err != nil {
		r.t.Fatalf("%s %s: %v\n%s", r.cli.Name, strings.Join(args, " "), err, out)
	}
	return out
}

func (r *cliRun) try(args ...string) (string, error) {
	cmd := exec.Command(r.cli.Path, append(args, "-no-color")...)
	cmd.Dir = r.dir
	cmd.Env = r.env
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}

func varArgs(vars []string) []string {
	var out []string
	for _, v := range vars {
		out = append(out, "-var", v)
	}
	return out
}

func (r *cliRun) apply(vars ...string) {
	r.t.Helper()
	r.run(append([]string{"apply", "-auto-approve", "-input=false"}, varArgs(vars)...)...)
}

func (r *cliRun) destroy(vars ...string) {
	r.t.Helper()
	r.run(append([]string{"destroy", "-auto-approve", "-input=false"}, varArgs(vars)...)...)
}

// planEmpty fails unless a plan finds nothing to change.
func (r *cliRun) planEmpty(vars ...string) {
	r.t.Helper()
	out, err := r.try(append([]string{"plan", "-input=false", "-detailed-exitcode"}, varArgs(vars)...)...)
	if err != nil {
		r.t.Fatalf("plan is not empty (%v):\n%s", err, out)
	}
}

func (r *cliRun) output(name string) string {
	r.t.Helper()
	return strings.TrimSpace(r.run("output", "-json", name))
}

// cliState is the state as `show -json` reports it, by resource address.
type cliState struct {
	t         *testing.T
	resources map[string]*tfjson.StateResource
}

func (r *cliRun) state() *cliState {
	r.t.Helper()
	var st tfjson.State
	if err := json.Unmarshal([]byte(r.run("show", "-json")), &st); err != nil {
		r.t.Fatalf("parse state: %v", err)
	}
	s := &cliState{t: r.t, resources: map[string]*tfjson.StateResource{}}
	var walk func(m *tfjson.StateModule)
	walk = func(m *tfjson.StateModule) {
		if m == nil {
			return
		}
		for _, res := range m.Resources {
			s.resources[res.Address] = res
		}
		for _, c := range m.ChildModules {
			walk(c)
		}
	}
	if st.Values != nil {
		walk(st.Values.RootModule)
	}
	return s
}

func (s *cliState) attr(addr, name string) string {
	s.t.Helper()
	res, ok := s.resources[addr]
	if !ok {
		s.t.Fatalf("%s is not in state", addr)
	}
	v := res.AttributeValues[name]
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func (s *cliState) expect(addr, name, want string) {
	s.t.Helper()
	if got := s.attr(addr, name); got != want {
		s.t.Errorf("%s.%s = %q, want %q", addr, name, got, want)
	}
}

func (s *cliState) absent(addr string) {
	s.t.Helper()
	if _, ok := s.resources[addr]; ok {
		s.t.Errorf("%s is still in state", addr)
	}
}
