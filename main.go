// Command terraform-provider-ha serves the ha Terraform provider when Terraform
// starts it, and is a command-line tool (blueprint, inventory, drill, version)
// when given a subcommand.
package main

import (
	"context"
	"flag"
	"log"
	"os"

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

	err := providerserver.Serve(context.Background(), provider.New(version.Version), providerserver.ServeOpts{
		Address:         Address,
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
