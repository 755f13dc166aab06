package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
)

const example = "../../examples/inventory/dc1.inventory.hcl"

func TestInventoryValidate(t *testing.T) {
	code, out, errs := run(t, "inventory", "validate", example)
	if code != 0 || !strings.Contains(out, "ok (8 hosts, 4 PDUs, 2 UPS, 4 warnings)") {
		t.Fatalf("code %d\nstdout %s\nstderr %s", code, out, errs)
	}
	if !strings.Contains(errs, "dc1.inventory.hcl:101:3: warning: Single power domain") {
		t.Fatalf("warnings not printed as FILE:LINE:COL: %s", errs)
	}

	bad := filepath.Join(t.TempDir(), "bad.hcl")
	src, _ := os.ReadFile(example)
	broken := strings.Replace(string(src), "outlet = 2\n    }\n    psu \"2\" {\n      pdu    = \"pdu-b\"\n      outlet = 2", "outlet = 1\n    }\n    psu \"2\" {\n      pdu    = \"pdu-b\"\n      outlet = 2", 1)
	if broken == string(src) {
		t.Fatal("test edit did not apply")
	}
	if err := os.WriteFile(bad, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run(t, "inventory", "validate", example, bad)
	if code != 1 || !strings.Contains(errs, "bad.hcl:93:16: error: Outlet used twice") || !strings.Contains(out, "dc1.inventory.hcl: ok") {
		t.Fatalf("code %d\nstdout %s\nstderr %s", code, out, errs)
	}
	if code, _, errs := run(t, "inventory", "validate", "--var", "nope=1", example); code != 1 || !strings.Contains(errs, "Undeclared variable") {
		t.Fatalf("undeclared var: %d %s", code, errs)
	}
}

func TestInventoryPlace(t *testing.T) {
	code, out, errs := run(t, "inventory", "place", example, "--count", "3", "--require", "cpus=16,memory=64GiB", "--json")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	var got placeOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(got.Members) != 3 {
		t.Fatalf("members %v", got.Members)
	}
	// Dual-corded hosts survive any single UPS; the spread keeps the blast radius per UPS at most 1.
	for dev, n := range got.BlastRadius["ups"] {
		if n > 1 {
			t.Fatalf("UPS %s downs %d members: %v", dev, n, got)
		}
	}
	code, _, errs = run(t, "inventory", "place", example, "--count", "2", "--tags", "single-psu", "--spread", "rack", "--tolerate", "ups", "--minimum", "2")
	if code != 1 || !strings.Contains(errs, `losing UPS "ups-a" would take down`) {
		t.Fatalf("tolerate: code %d, %s", code, errs)
	}
	code, out, _ = run(t, "inventory", "place", example, "--count", "2", "--tags", "single-psu")
	if code != 0 || !strings.Contains(out, "blast radius") || !strings.Contains(out, "ups   ups-a=1 ups-b=1") {
		t.Fatalf("table: %d %s", code, out)
	}
	// A member that left the inventory is replaced, and the output says why.
	code, out, _ = run(t, "inventory", "place", example, "--count", "2", "--current", "r1-h01,r9-gone")
	if code != 0 || !strings.Contains(out, "replaced r9-gone (left the inventory) by r2-h01") {
		t.Fatalf("replacement: %d %s", code, out)
	}
	code, _, errs = run(t, "inventory", "place", example, "--count", "9")
	if code != 1 || !strings.Contains(errs, "need 9 hosts but only 8 qualify") {
		t.Fatalf("shortage: %d %s", code, errs)
	}
	if code, _, errs := run(t, "inventory", "place", example, "--count", "1", "--require", "gpus=1"); code != 2 || !strings.Contains(errs, "unknown requirement") {
		t.Fatalf("bad require: %d %s", code, errs)
	}
}

// With the real upsd: ups-a on battery, --exclude-on-battery keeps the new
// members off the hosts that hang off ups-a alone.
func TestInventoryPlaceOnBattery(t *testing.T) {
	env := services.ForTest(t, services.NUT)
	if err := services.UPSDevice(env["HA_TEST_NUT_DIR"], "ups-a", "OB", 40, 400, 30); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HA_NUT_TIMEOUT", "2s")
	args := []string{"inventory", "place", example, "--count", "2", "--tags", "single-psu", "--spread", "rack",
		"--exclude-on-battery", "--var", "nut_addr=" + env["HA_TEST_NUT_ADDR"], "--json"}
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, out, errs := run(t, args...)
		var got placeOutput
		_ = json.Unmarshal([]byte(out), &got)
		if code == 0 && strings.Join(got.Members, ",") == "r1-h04,r2-h04" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("code %d members %v\n%s", code, got.Members, errs)
		}
		time.Sleep(200 * time.Millisecond) // dummy-ups picks the change up within about a second
	}
	// Unreachable upsd: a warning, and nothing excluded.
	code, out, errs := run(t, "inventory", "place", example, "--count", "2", "--tags", "single-psu", "--spread", "rack",
		"--exclude-on-battery", "--var", "nut_addr=127.0.0.1:1")
	if code != 0 || !strings.Contains(errs, `warning: unknown power status for UPS "ups-a"`) || !strings.Contains(out, "r1-h03") {
		t.Fatalf("unreachable: %d\n%s\n%s", code, out, errs)
	}
}
