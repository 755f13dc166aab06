// Package devprovider installs the provider from source the way a developer
// (or `make install`) does: build the binary into a directory and point the
// terraform/tofu CLI at it with a dev_overrides CLI configuration. Tests and
// benchmarks that drive the real CLI share it.
package devprovider

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Binary is the provider's file name inside the plugin directory.
const Binary = "terraform-provider-ha"

// BuildTags are the tags every build of the provider uses (GNUmakefile's
// BUILD_TAGS too): grpcnotrace leaves out gRPC's x/net/trace, whose HTML
// templates would make the linker keep every exported method in the binary
// (see internal/pluginserver).
const BuildTags = "grpcnotrace"

// BuildEnv is the environment every build of the provider adds (GNUmakefile's
// build too): without cgo the binary links no C library, so each of the
// three to five provider processes Terraform starts per command skips the
// dynamic loader and libc (about 3.5 ms of CPU and 0.8 MB resident per
// start, measured). Nothing in the provider needs cgo: DNS names resolve
// with Go's own resolver, as in HashiCorp's release builds of providers.
var BuildEnv = []string{"CGO_ENABLED=0"}

// Build compiles the module at root into dir/terraform-provider-ha, with
// extra ldflags (such as "-s -w") when given, and returns the binary's path.
func Build(ctx context.Context, root, dir, ldflags string) (string, error) {
	bin := filepath.Join(dir, Binary)
	args := []string{"build", "-trimpath", "-tags", BuildTags}
	if ldflags != "" {
		args = append(args, "-ldflags", ldflags)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "-o", bin, ".")...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), BuildEnv...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the provider: %w\n%s", err, out)
	}
	return bin, nil
}

// CLIConfig is a CLI configuration that takes the provider from pluginDir
// for both terraform's and OpenTofu's registry addresses.
func CLIConfig(pluginDir string) string {
	return fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/ha-blueprints/ha\" = %q\n    \"registry.opentofu.org/ha-blueprints/ha\" = %q\n  }\n  direct {}\n}\n", pluginDir, pluginDir)
}

// WriteCLIConfig writes CLIConfig(pluginDir) to path; point
// TF_CLI_CONFIG_FILE at it.
func WriteCLIConfig(path, pluginDir string) error {
	return os.WriteFile(path, []byte(CLIConfig(pluginDir)), 0o644)
}
