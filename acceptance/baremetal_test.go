package acceptance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/internal/nut"
	"github.com/ha-blueprints/terraform-provider-ha/internal/pdu"
)

// exampleInventory is the sample inventory, its monitoring addresses pointed
// at the local services through its variables.
func exampleInventory() string {
	return filepath.Join(RepoRoot(), "examples", "inventory", "dc1.inventory.hcl")
}

// setUPS switches a simulated UPS and waits until upsd reports the change.
func setUPS(t *testing.T, env map[string]string, unit, status string, charge, runtime, load int, wantOB bool) {
	t.Helper()
	if err := services.UPSDevice(env["HA_TEST_NUT_DIR"], unit, status, charge, runtime, load); err != nil {
		t.Fatal(err)
	}
	c := &nut.Client{Addr: env["HA_TEST_NUT_ADDR"], Timeout: 2 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, err := c.Status(context.Background(), unit)
		if err == nil && s.OnBattery == wantOB && s.Charge == float64(charge) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never reported %q: %+v, %v", unit, status, s, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func powerConfig(env map[string]string, allocations string) string {
	return fmt.Sprintf(`
provider "ha" {
  nut {
    timeout = "2s"
  }
  snmp {
    timeout = "2s"
  }
}

locals {
  inventory = %q
  variables = {
    nut_addr  = %q
    snmp_addr = %q
  }
}

data "ha_power_status" "dc1" {
  inventory = local.inventory
  variables = local.variables
}
%s
`, exampleInventory(), env["HA_TEST_NUT_ADDR"], env["HA_TEST_SNMP_ADDR"], allocations)
}

const singlePSUAllocation = `
resource "ha_host_allocation" "%s" {
  name      = "dc1/%s"
  inventory = local.inventory
  variables = local.variables
  host_count = %d
  tags      = ["single-psu"]
  spread    = ["rack"]
}
`

// With upsd serving two dummy-ups units: ha_power_status reads both and the
// APC PDUs over SNMP; when ups-a goes on battery the data source says so and
// a new allocation avoids the hosts that hang off ups-a alone.
func TestAccBareMetal_onBatteryAvoided(t *testing.T) {
	PreCheck(t)
	env := UseServices(t, services.NUT, services.SNMP)
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		setUPS(t, env, "ups-a", "OL", 100, 1800, 23, false)
		before := powerConfig(env, fmt.Sprintf(singlePSUAllocation, "before", "before", 2))
		after := powerConfig(env, fmt.Sprintf(singlePSUAllocation, "after", "after", 2))
		tooMany := powerConfig(env, fmt.Sprintf(singlePSUAllocation, "after", "after", 3))
		status := tfjsonpath.New("ups_status")
		return resource.TestCase{
			PreCheck: func() { PreCheck(t) },
			Steps: []resource.TestStep{
				{
					Config: before,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("data.ha_power_status.dc1", status.AtMapKey("ups-a").AtMapKey("status"), knownvalue.StringExact("OL")),
						statecheck.ExpectKnownValue("data.ha_power_status.dc1", status.AtMapKey("ups-a").AtMapKey("charge"), knownvalue.Float64Exact(100)),
						statecheck.ExpectKnownValue("data.ha_power_status.dc1", tfjsonpath.New("pdu_status").AtMapKey("pdu-a").AtMapKey("loads").AtSliceIndex(0).AtMapKey("amps"), knownvalue.Float64Exact(4)),
						statecheck.ExpectKnownValue("data.ha_power_status.dc1", tfjsonpath.New("pdu_status").AtMapKey("pdu-b").AtMapKey("loads").AtSliceIndex(0).AtMapKey("amps"), knownvalue.Float64Exact(5)),
						statecheck.ExpectKnownValue("data.ha_power_status.dc1", tfjsonpath.New("pdu_status").AtMapKey("pdu-a").AtMapKey("model"), knownvalue.StringExact("AP8941")),
						statecheck.ExpectKnownValue("data.ha_power_status.dc1", tfjsonpath.New("pdu_status").AtMapKey("pdu-a").AtMapKey("loads").AtSliceIndex(2).AtMapKey("bank"), knownvalue.Int64Exact(2)),
						statecheck.ExpectKnownValue("data.ha_power_status.dc1", tfjsonpath.New("pdu_status").AtMapKey("pdu-a").AtMapKey("loads").AtSliceIndex(2).AtMapKey("amps"), knownvalue.Float64Exact(2)),
						statecheck.ExpectKnownValue("data.ha_power_status.dc1", tfjsonpath.New("pdu_status").AtMapKey("pdu-a").AtMapKey("outlets").AtMapKey("8"), knownvalue.StringExact("on")),
						// All on line power: one single-corded host per rack, the first by name.
						statecheck.ExpectKnownValue("ha_host_allocation.before", tfjsonpath.New("members"),
							knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("r1-h03"), knownvalue.StringExact("r2-h03")})),
						statecheck.ExpectKnownValue("ha_host_allocation.before", tfjsonpath.New("blast_radius").AtMapKey("ups").AtMapKey("ups-a"), knownvalue.Int64Exact(2)),
					},
				},
				{
					// ups-a loses utility power.
					PreConfig: func() { setUPS(t, env, "ups-a", "OB", 64, 600, 40, true) },
					Config:    after,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("data.ha_power_status.dc1", status.AtMapKey("ups-a").AtMapKey("status"), knownvalue.StringExact("OB")),
						statecheck.ExpectKnownValue("data.ha_power_status.dc1", status.AtMapKey("ups-a").AtMapKey("on_battery"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue("data.ha_power_status.dc1", status.AtMapKey("ups-a").AtMapKey("runtime"), knownvalue.Float64Exact(600)),
						statecheck.ExpectKnownValue("data.ha_power_status.dc1", status.AtMapKey("ups-b").AtMapKey("on_line"), knownvalue.Bool(true)),
						// The new allocation takes the hosts on ups-b instead.
						statecheck.ExpectKnownValue("ha_host_allocation.after", tfjsonpath.New("members"),
							knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("r1-h04"), knownvalue.StringExact("r2-h04")})),
					},
				},
				{
					// Stable: planning again changes nothing.
					Config:            after,
					ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue("ha_host_allocation.after", tfjsonpath.New("addresses").AtMapKey("r1-h04"), knownvalue.StringExact("10.0.2.4"))},
				},
				{
					Config:      tooMany,
					ExpectError: regexp.MustCompile(`need 3 hosts but only 2 qualify\s+\(2\s+on\s+battery\s+power;\s+4\s+without\s+the\s+required\s+tags\)`),
				},
			},
		}
	})
}

// A UPS that does not answer is a warning and "unknown", not a failure,
// unless require_reachable is set.
func TestAccBareMetal_unreachableUPS(t *testing.T) {
	PreCheck(t)
	cfg := func(require bool) string {
		return fmt.Sprintf(`
provider "ha" {
  nut {
    timeout = "300ms"
  }
}

data "ha_power_status" "x" {
  ups               = { gone = "ups-z@127.0.0.1:1" }
  require_reachable = %t
}
`, require)
	}
	Test(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: cfg(false),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.ha_power_status.x", tfjsonpath.New("ups_status").AtMapKey("gone").AtMapKey("status"), knownvalue.StringExact("unknown")),
					statecheck.ExpectKnownValue("data.ha_power_status.x", tfjsonpath.New("ups_status").AtMapKey("gone").AtMapKey("reachable"), knownvalue.Bool(false)),
				},
			},
			{
				Config:      cfg(true),
				ExpectError: regexp.MustCompile(`Unable to read power status`),
			},
		},
	})
}

// An allocation that cannot survive the loss of one UPS fails the plan and
// names the device.
func TestAccBareMetal_tolerate(t *testing.T) {
	PreCheck(t)
	Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "ha_host_allocation" "db" {
  name               = "dc1/db"
  inventory          = %q
  host_count         = 2
  tags               = ["single-psu"]
  spread             = ["rack"]
  tolerate           = ["ups"]
  exclude_on_battery = false
}
`, exampleInventory()),
			ExpectError: regexp.MustCompile(`(?s)Failure tolerance not met.*losing UPS "ups-a" would take down 2 of the\s+members`),
		}},
	})
}

// An outlet goes off and on again through SNMP SET, is imported, and a
// change made on the PDU behind Terraform's back shows as drift.
func TestAccBareMetal_pduOutlet(t *testing.T) {
	PreCheck(t)
	env := UseServices(t, services.SNMP)
	addr := env["HA_TEST_SNMP_ADDR"]
	client := &pdu.Client{Addr: addr, Community: "pdu-a", Timeout: 2 * time.Second}
	cfg := func(state, trigger string) string {
		return fmt.Sprintf(`
provider "ha" {
  snmp {
    community = "pdu-a"
    timeout   = "2s"
  }
}

resource "ha_pdu_outlet" "o5" {
  address         = %q
  outlet          = 5
  state           = %q
  reboot_triggers = { generation = %q }
}
`, addr, state, trigger)
	}
	outletIs := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			o, err := client.Outlet(context.Background(), 5)
			if err != nil {
				return err
			}
			if o.State != want {
				return fmt.Errorf("outlet 5 on the PDU is %q, want %q", o.State, want)
			}
			return nil
		}
	}
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		if _, err := client.SetOutlet(context.Background(), 5, pdu.ImmediateOn); err != nil {
			t.Fatal(err)
		}
		return resource.TestCase{
			PreCheck: func() { PreCheck(t) },
			Steps: []resource.TestStep{
				{
					Config: cfg("off", "1"),
					Check:  outletIs("off"),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("ha_pdu_outlet.o5", tfjsonpath.New("name"), knownvalue.StringExact("Outlet 5")),
						statecheck.ExpectKnownValue("ha_pdu_outlet.o5", tfjsonpath.New("id"), knownvalue.StringExact(addr+"/5")),
					},
				},
				{
					Config:           cfg("on", "1"),
					Check:            outletIs("on"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("ha_pdu_outlet.o5", plancheck.ResourceActionUpdate)}},
				},
				{
					ResourceName:            "ha_pdu_outlet.o5",
					ImportState:             true,
					ImportStateId:           addr + "/5",
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"reboot_triggers"},
				},
				{
					// Switched off by hand: the plan turns it back on.
					PreConfig: func() {
						if _, err := client.SetOutlet(context.Background(), 5, pdu.ImmediateOff); err != nil {
							t.Fatal(err)
						}
					},
					Config:           cfg("on", "1"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("ha_pdu_outlet.o5", plancheck.ResourceActionUpdate)}},
					Check:            outletIs("on"),
				},
				{
					// A new trigger power-cycles the outlet; it ends on.
					Config:           cfg("on", "2"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("ha_pdu_outlet.o5", plancheck.ResourceActionUpdate)}},
					Check:            outletIs("on"),
				},
				{Config: cfg("on", "2"), PlanOnly: true},
			},
		}
	})
}

// Allocation stability: growing by one keeps every member; adding a host
// to the inventory moves nothing; a host that leaves is replaced (and the
// plan says so); import restores members.
func TestAccBareMetal_allocationStable(t *testing.T) {
	PreCheck(t)
	src, err := os.ReadFile(exampleInventory())
	if err != nil {
		t.Fatal(err)
	}
	newHost := `
  host "r1-h00" {
    rack   = "r1"
    cpus   = 64
    memory = "512GiB"
    watts  = 400
    psu "1" {
      pdu    = "pdu-a"
      outlet = 8
    }
    psu "2" {
      pdu    = "pdu-b"
      outlet = 8
    }
  }
}
`
	withNew := strings.TrimSuffix(strings.TrimSpace(string(src)), "}") + newHost
	i := strings.Index(withNew, `  host "r2-h01" {`)
	j := strings.Index(withNew, `  host "r2-h02" {`)
	withoutR2H01 := withNew[:i] + withNew[j:]
	member := func(names ...string) knownvalue.Check {
		var c []knownvalue.Check
		for _, n := range names {
			c = append(c, knownvalue.StringExact(n))
		}
		return knownvalue.ListExact(c)
	}
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		inv := filepath.Join(t.TempDir(), "dc1.inventory.hcl")
		write := func(body string) {
			if err := os.WriteFile(inv, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write(string(src))
		cfg := func(n int) string {
			return fmt.Sprintf(`
resource "ha_host_allocation" "web" {
  name               = "dc1/web"
  component          = "dc1/web/scaling_group"
  inventory          = %q
  host_count         = %d
  exclude_on_battery = false
}
`, inv, n)
		}
		members := tfjsonpath.New("members")
		return resource.TestCase{
			PreCheck: func() { PreCheck(t) },
			Steps: []resource.TestStep{
				{
					Config: cfg(3),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("ha_host_allocation.web", members, member("r1-h01", "r2-h01", "r1-h02")),
						statecheck.ExpectKnownValue("ha_host_allocation.web", tfjsonpath.New("blast_radius").AtMapKey("rack").AtMapKey("r1"), knownvalue.Int64Exact(2)),
						// Dual-corded members: no single UPS takes any down.
						statecheck.ExpectKnownValue("ha_host_allocation.web", tfjsonpath.New("blast_radius").AtMapKey("ups"), knownvalue.MapExact(map[string]knownvalue.Check{})),
					},
				},
				{
					Config: cfg(4),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("ha_host_allocation.web", members, member("r1-h01", "r2-h01", "r1-h02", "r2-h02")),
					},
				},
				{
					PreConfig:        func() { write(withNew) },
					Config:           cfg(4),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
				{
					PreConfig:        func() { write(withoutR2H01) },
					Config:           cfg(4),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("ha_host_allocation.web", plancheck.ResourceActionUpdate)}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("ha_host_allocation.web", members, member("r1-h01", "r1-h02", "r2-h02", "r2-h03")),
					},
				},
				{
					ResourceName:      "ha_host_allocation.web",
					ImportState:       true,
					ImportStateId:     "dc1/web=r1-h01,r1-h02,r2-h02,r2-h03",
					ImportStateVerify: true,
					ImportStateVerifyIgnore: []string{"inventory", "host_count", "component", "exclude_on_battery", "minimum",
						"addresses", "blast_radius"},
				},
			},
		}
	})
}

// Two allocations chained with exclude never share a host.
func TestAccBareMetal_noDoubleBooking(t *testing.T) {
	PreCheck(t)
	Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "ha_host_allocation" "web" {
  name               = "dc1/web"
  inventory          = %[1]q
  host_count         = 2
  exclude_on_battery = false
}

resource "ha_host_allocation" "db" {
  name               = "dc1/db"
  inventory          = %[1]q
  host_count         = 2
  require            = { cpus = 32, memory = "256GiB" }
  exclude            = ha_host_allocation.web.members
  exclude_on_battery = false
}
`, exampleInventory()),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("ha_host_allocation.web", tfjsonpath.New("members"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("r1-h01"), knownvalue.StringExact("r2-h01")})),
				statecheck.ExpectKnownValue("ha_host_allocation.db", tfjsonpath.New("members"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("r1-h02"), knownvalue.StringExact("r2-h02")})),
			},
		}},
	})
}
