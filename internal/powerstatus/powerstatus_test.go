package powerstatus

import (
	"context"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
	"github.com/ha-blueprints/terraform-provider-ha/internal/placement"
)

// The example inventory pointed at the local upsd and snmpsimd: every
// monitored device answers, and a UPS on battery shows in Power.
func TestReadExampleInventory(t *testing.T) {
	env := services.ForTest(t, services.NUT, services.SNMP)
	inv, diags := inventory.Load(lang.NewParser(), "../../examples/inventory/dc1.inventory.hcl", inventory.Options{Vars: map[string]string{
		"nut_addr": env["HA_TEST_NUT_ADDR"], "snmp_addr": env["HA_TEST_SNMP_ADDR"],
	}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ups, pdus := Targets(inv)
	if len(ups) != 2 || len(pdus) != 2 {
		t.Fatalf("targets %v %v", ups, pdus)
	}
	if err := services.UPSDevice(env["HA_TEST_NUT_DIR"], "ups-a", "OB", 50, 300, 30); err != nil {
		t.Fatal(err)
	}
	s := Settings{NUTTimeout: 2 * time.Second, SNMPTimeout: 2 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		res := ReadUPS(context.Background(), ups, s)
		p := Power(res)
		if p["ups-a"] == placement.PowerOnBattery && p["ups-b"] == placement.PowerOnline {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("power %v from %+v", p, res)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, r := range ReadPDUs(context.Background(), pdus, s) {
		if r.Err != nil || r.Status.Name != r.Community {
			t.Fatalf("PDU %s: %+v, %v", r.Name, r.Status, r.Err)
		}
	}
}
