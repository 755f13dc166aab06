package acceptance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
)

const bareMetalBlueprint = `
blueprint "metal" {}

region "dc1" {
  cloud     = "bare_metal"
  inventory = "dc1.inventory.hcl"
  role      = "primary"
}

tier "api" {
  capacity {
    min = 6
    max = 6
  }
  spread = ["ups", "rack"]
}
`

// A bare-metal blueprint through modules/stack: the tier becomes a host
// allocation over the inventory, with live UPS status from the real upsd.
// Six of the eight hosts: placement would take r1-h03 (single-corded on
// ups-a) among them, but ups-a is on battery, so the six are exactly the
// others.
func TestAccBareMetal_throughStack(t *testing.T) {
	PreCheck(t)
	env := UseServices(t, services.NUT)
	dir := t.TempDir()
	inv, err := os.ReadFile(filepath.Join(RepoRoot(), "examples", "inventory", "dc1.inventory.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{"metal.ha.hcl": []byte(bareMetalBlueprint), "dc1.inventory.hcl": inv} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setUPS(t, env, "ups-a", "OB", 60, 600, 30, true)
	tf := newCLI(t, CLIs(t)[0], dir, stackRoot(filepath.Join(dir, "metal.ha.hcl"), fmt.Sprintf(`
  database_password   = "unused-here"
  inventory_variables = { nut_addr = %q, snmp_addr = "127.0.0.1:1" }`, env["HA_TEST_NUT_ADDR"]), `
output "allocations" {
  value = module.stack.host_allocations
}
`))

	tf.apply()
	st := tf.state()
	addr := `module.stack.ha_host_allocation.this["dc1/api/host_allocation"]`
	st.expect(addr, "host_count", "6")
	members := st.attr(addr, "members")
	for _, onA := range []string{"r1-h03", "r2-h03"} { // single-corded on ups-a in the example inventory
		if strings.Contains(members, onA) {
			t.Errorf("members %s include %s, whose only UPS is on battery", members, onA)
		}
	}
	out := tf.output("allocations")
	if !strings.Contains(out, `"members":[`) || strings.Count(out, "10.0.") < 6 {
		t.Errorf("module output lacks members and addresses: %s", out)
	}
	tf.planEmpty()
	tf.destroy()
	if st := tf.state(); len(st.resources) != 0 {
		t.Errorf("state after destroy: %v", st.resources)
	}
}
