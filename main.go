// Command terraform-provider-ha serves the ha Terraform provider when Terraform
// starts it, and is a command-line tool (blueprint, inventory, drill, version)
// when given a subcommand.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/ha-blueprints/terraform-provider-ha/internal/cli"
	"github.com/ha-blueprints/terraform-provider-ha/internal/version"
	"github.com/ha-blueprints/terraform-provider-ha/provider"
)

// Address is the provider's registry address.
const Address = "registry.terraform.io/ha-blueprints/ha"

func main() {
	// Terraform starts plugins with no arguments (and a magic cookie in the
	// environment); anything else that is not a flag is a CLI subcommand.
	if len(os.Args) > 1 && os.Args[1] != "" && os.Args[1][0] != '-' {
		os.Exit(cli.Execute(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}

	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	defaultLogLevels()
	err := providerserver.Serve(context.Background(), provider.New(version.Version), providerserver.ServeOpts{
		Address:         Address,
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err.Error())
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
