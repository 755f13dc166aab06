// Package acceptance runs the provider under the real terraform and OpenTofu
// CLIs against the real local services (see acceptance/services).
package acceptance

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/provider"
)

// ProviderFactories serves the provider in-process to the CLI under test.
var ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"ha": provider.NewServer("test"),
}

// CLI is one command-line tool the tests run: terraform or OpenTofu.
type CLI struct {
	Name string // "terraform" or "tofu"
	Path string
}

// RepoRoot is the repository root, found from this source file.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// CLIs lists the tools in .tools/bin (installed by `make tools`); a test
// that needs one that is missing fails, it is never skipped quietly.
func CLIs(t testing.TB) []CLI {
	t.Helper()
	bin := filepath.Join(RepoRoot(), ".tools", "bin")
	var clis []CLI
	for _, name := range []string{"terraform", "tofu"} {
		p := filepath.Join(bin, name)
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s not found at %s: run `make tools` first", name, p)
		}
		clis = append(clis, CLI{Name: name, Path: p})
	}
	return clis
}

// PreCheck fails unless acceptance tests were asked for, the way the plugin
// testing library expects (TF_ACC=1).
func PreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Fatal("TF_ACC must be set for acceptance tests")
	}
}

// UseServices puts the endpoints of the named local services into the
// environment of this test, where the provider picks them up as HA_* settings.
func UseServices(t *testing.T, names ...string) map[string]string {
	t.Helper()
	env := services.ForTest(t, names...)
	for k, v := range env {
		t.Setenv(k, v)
	}
	return env
}

// Test runs one test case under terraform.
func Test(t *testing.T, tc resource.TestCase) {
	t.Helper()
	cli := CLIs(t)[0]
	t.Setenv("TF_ACC_TERRAFORM_PATH", cli.Path)
	if tc.ProtoV6ProviderFactories == nil && !stepsHaveProviders(tc) {
		tc.ProtoV6ProviderFactories = ProviderFactories
	}
	resource.Test(t, tc)
}

// TestBothCLIs runs the same test case under terraform and then OpenTofu,
// as subtests named after the tool. The case is built per tool so that
// names can differ and the two runs never share remote objects.
func TestBothCLIs(t *testing.T, build func(t *testing.T, cli CLI) resource.TestCase) {
	t.Helper()
	for _, cli := range CLIs(t) {
		t.Run(cli.Name, func(t *testing.T) {
			t.Setenv("TF_ACC_TERRAFORM_PATH", cli.Path)
			if cli.Name == "tofu" {
				// OpenTofu resolves providers against its own registry host.
				t.Setenv("TF_ACC_PROVIDER_HOST", "registry.opentofu.org")
			}
			tc := build(t, cli)
			if tc.ProtoV6ProviderFactories == nil && !stepsHaveProviders(tc) {
				tc.ProtoV6ProviderFactories = ProviderFactories
			}
			resource.Test(t, tc)
		})
	}
}

// stepsHaveProviders: providers are given per case or per step, never both.
func stepsHaveProviders(tc resource.TestCase) bool {
	for _, s := range tc.Steps {
		if s.ProtoV6ProviderFactories != nil {
			return true
		}
	}
	return false
}
