package acceptance

import (
	"fmt"
	"path/filepath"
)

// stackRoot is a root module that applies the blueprint at bpPath through
// modules/stack with the provider block `provider "ha" {}`: args are the
// module's further arguments (`name = value` lines), extra is HCL after it
// (outputs, variables).
func stackRoot(bpPath, args, extra string) string {
	return stackRootWith(`provider "ha" {}`, bpPath, args, extra)
}

// stackRootWith is stackRoot with the given provider block.
func stackRootWith(provider, bpPath, args, extra string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    ha = { source = "ha-blueprints/ha" }
  }
}

%s

module "stack" {
  source    = %q
  blueprint = %q
%s
}
%s`, provider, filepath.Join(RepoRoot(), "modules", "stack"), bpPath, args, extra)
}

// Disaster-recovery inputs of modules/stack as variables of the root
// module, so that each apply can set them (-var lost_regions=...).
const (
	drVariables = `
variable "lost_regions" {
  type    = list(string)
  default = []
}

variable "replacements" {
  type    = map(string)
  default = {}
}

variable "primary_region" {
  type    = string
  default = null
}
`
	drArgs = `
  lost_regions   = var.lost_regions
  replacements   = var.replacements
  primary_region = var.primary_region`

	// acceptanceArgs are what the AWS stack tests give every stack:
	// a throwaway password, no final snapshots, DNS zones made for them.
	acceptanceArgs = `
  database_password   = "acceptance-only-password"
  skip_final_snapshot = true
  create_dns_zones    = true`
)
