package acceptance

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// stockPath is the absolute path of a stock blueprint: the provider runs in
// the test process, whose working directory is not terraform's.
func stockPath(name string) string {
	return filepath.Join(RepoRoot(), "blueprints", "stock", name+".ha.hcl")
}

// terraform (then OpenTofu) reads a stock blueprint through the data source;
// the state holds its components by key, with the attributes modules pass on.
func TestAccBlueprintDataSource_stock(t *testing.T) {
	PreCheck(t)
	cfg := fmt.Sprintf(`
data "ha_blueprint" "shop" {
  path      = %q
  variables = { image = "ami-0abc", web_size = 3 }
}

output "lb_zones" {
  value = { for k, lb in data.ha_blueprint.shop.load_balancers : k => lb.zones }
}
`, stockPath("web-active-passive"))
	ds := "data.ha_blueprint.shop"
	TestBothCLIs(t, func(t *testing.T, _ CLI) resource.TestCase {
		return resource.TestCase{Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("name"), knownvalue.StringExact("shop")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("load_balancers").AtMapKey("east/web/load_balancer").AtMapKey("health_check").AtMapKey("path"), knownvalue.StringExact("/healthz")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("load_balancers").AtMapKey("west/web/load_balancer").AtMapKey("location"), knownvalue.StringExact("us-west-2")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("scaling_groups").AtMapKey("east/web/scaling_group").AtMapKey("image"), knownvalue.StringExact("ami-0abc")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("scaling_groups").AtMapKey("east/web/scaling_group").AtMapKey("min_size"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("database_replicas").AtMapKey("west/orders/replica").AtMapKey("source"), knownvalue.StringExact("east/orders/database")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("backup_plans").AtMapKey("east/orders/backup_plan").AtMapKey("schedule"), knownvalue.StringExact("cron(0 3 * * ? *)")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("dns_failovers").AtMapKey("global/shop.example.com/dns_failover").AtMapKey("backend"), knownvalue.StringExact("route53")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("host_allocations"), knownvalue.MapExact(map[string]knownvalue.Check{})),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("objectives").AtMapKey("rto"), knownvalue.Int64Exact(360)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("objectives").AtMapKey("rto_budget"), knownvalue.Int64Exact(600)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("regions").AtMapKey("east").AtMapKey("role"), knownvalue.StringExact("primary")),
				statecheck.ExpectKnownOutputValue("lb_zones", knownvalue.MapExact(map[string]knownvalue.Check{
					"east/web/load_balancer": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("us-east-1a"), knownvalue.StringExact("us-east-1b")}),
					"west/web/load_balancer": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("us-west-2a"), knownvalue.StringExact("us-west-2b")}),
				})),
			},
		}}}
	})
}

// The bare-metal stock blueprint resolves its inventories next to itself and
// expands to host allocations.
func TestAccBlueprintDataSource_bareMetal(t *testing.T) {
	PreCheck(t)
	ds := "data.ha_blueprint.edge"
	Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`data "ha_blueprint" "edge" { path = %q }`, stockPath("bare-metal-pair")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("host_allocations").AtMapKey("dc2/edge/host_allocation").AtMapKey("spread"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("ups"), knownvalue.StringExact("pdu")})),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("host_allocations").AtMapKey("dc1/edge/host_allocation").AtMapKey("require").AtMapKey("memory"), knownvalue.Int64Exact(32)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("dns_failovers").AtMapKey("global/edge.example.com/dns_failover").AtMapKey("backend"), knownvalue.StringExact("powerdns")),
			},
		}},
	})
}

// An invalid blueprint fails the plan, and the error names the blueprint's
// own file, line and column and shows the source line.
func TestAccBlueprintDataSource_invalid(t *testing.T) {
	PreCheck(t)
	bad := filepath.Join(RepoRoot(), "acceptance", "testdata", "bad-capacity.ha.hcl")
	Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:      fmt.Sprintf(`data "ha_blueprint" "bad" { path = %q }`, bad),
			ExpectError: regexp.MustCompile(`(?s)Invalid blueprint: Invalid capacity.*bad-capacity\.ha\.hcl:13:15: error:\s+Invalid\s+capacity.*min\s+=\s+4`),
		}},
	})
}

// Blueprint text given inline is compiled the same way; its diagnostics use
// the filename given.
func TestAccBlueprintDataSource_sourceError(t *testing.T) {
	PreCheck(t)
	Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: `
data "ha_blueprint" "x" {
  filename = "inline.ha.hcl"
  source   = <<-EOT
    blueprint "x" {}
    region "a" {
      cloud    = "gcp"
      location = "us-central1"
      role     = "primary"
    }
    tier "web" {
      image         = "debian-12"
      instance_type = "t3.small"
    }
  EOT
}
`,
			ExpectError: regexp.MustCompile(`(?s)inline\.ha\.hcl:9:19: error: Instance type of another cloud`),
		}},
	})
}

// provider::ha::blueprint returns the same data as the data source.
func TestAccBlueprintFunction_basic(t *testing.T) {
	PreCheck(t)
	Test(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
locals {
  bp = provider::ha::blueprint(%q, { image = "ami-0abc" })
}
output "replica_source" {
  value = local.bp.database_replicas["east/ledger/replica"].source
}
output "keys" {
  value = length(local.bp.keys)
}
output "rto" {
  value = local.bp.objectives.rto
}
`, stockPath("three-region-database")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("replica_source", knownvalue.StringExact("east/ledger/database")),
					statecheck.ExpectKnownOutputValue("keys", knownvalue.Int64Exact(12)),
					statecheck.ExpectKnownOutputValue("rto", knownvalue.Int64Exact(420)),
				},
			},
			{
				Config: fmt.Sprintf(`
output "x" {
  value = provider::ha::blueprint(%q, null)
}
`, filepath.Join(RepoRoot(), "acceptance", "testdata", "bad-capacity.ha.hcl")),
				ExpectError: regexp.MustCompile(`(?s)bad-capacity\.ha\.hcl:13:15: error:\s+Invalid\s+capacity`),
			},
		},
	})
}
