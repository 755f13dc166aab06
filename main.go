// Command terraform-provider-ha serves the ha Terraform provider when Terraform
// starts it, and is a command-line tool (blueprint, inventory, drill, version)
// when given a subcommand.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/ha-blueprints/terraform-provider-ha/internal/cli"
	"github.com/ha-blueprints/terraform-provider-ha/internal/membudget"
	"github.com/ha-blueprints/terraform-provider-ha/internal/pluginserver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/version"
	"github.com/ha-blueprints/terraform-provider-ha/provider"
)

// Address is the provider's registry address.
const Address = "registry.terraform.io/ha-blueprints/ha"

func main() {
	membudget.Start(membudget.Default)
	// Terraform starts plugins with no arguments (and a magic cookie in the
	// environment); anything else that is not a flag is a CLI subcommand.
	if len(os.Args) > 1 && os.Args[1] != "" && os.Args[1][0] != '-' {
		os.Exit(cli.Execute(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}

	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	defaultLogLevels()
	stopProfile := startProfile()
	server, err := provider.NewServer(version.Version)()
	if err != nil {
		log.Fatal(err.Error())
	}
	err = pluginserver.Serve(context.Background(), Address, func() tfprotov6.ProviderServer { return server }, pluginserver.Options{Debug: debug})
	stopProfile()
	if err != nil {
		log.Fatal(err.Error())
	}
}

// startProfile writes a CPU profile of this provider process to
// $HA_CPUPROFILE/cpu-PID.pprof when HA_CPUPROFILE names a directory:
// Terraform starts the provider itself, so a flag cannot reach it. See the
// performance guide.
//
// No heap profile: with nothing in the binary reading one, the linker turns
// the runtime's allocation sampling off (a stack walked every 512 KB
// allocated, and a table of them), which is 0.5 to 1 MB resident in every
// provider process. Heap profiles come from the benchmarks (go test
// -memprofile).
func startProfile() (stop func()) {
	dir := os.Getenv("HA_CPUPROFILE")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", os.Getpid())))
	if err != nil {
		log.Printf("[WARN] HA_CPUPROFILE: %v", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Printf("[WARN] HA_CPUPROFILE: %v", err)
		_ = f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}

// defaultLogLevels sets the SDK's and this provider's log levels, where the
// user has not, to the level at which Terraform keeps provider logs
// (TF_LOG_PROVIDER, else TF_LOG; off when neither is set). Unset, the SDK
// formats every TRACE line as JSON to stderr, which Terraform then drops:
// about a quarter of the provider's CPU in a plan, for nothing. With TF_LOG
// (or TF_LOG_PROVIDER) set, every line Terraform would show is still written.
func defaultLogLevels() {
	level := strings.ToUpper(os.Getenv("TF_LOG_PROVIDER"))
	if level == "" {
		level = strings.ToUpper(os.Getenv("TF_LOG"))
	}
	switch level {
	case "TRACE", "DEBUG", "INFO", "WARN", "ERROR":
	case "JSON":
		level = "TRACE"
	default:
		level = "OFF"
	}
	for _, env := range []string{"TF_LOG_SDK", "TF_LOG_PROVIDER_HA"} {
		if _, set := os.LookupEnv(env); !set {
			_ = os.Setenv(env, level)
		}
	}
}
