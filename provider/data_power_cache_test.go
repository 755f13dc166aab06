package provider

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory/invgen"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
)

// TestLoadInventoryCache: the cached inventory equals a fresh parse, is
// shared between lookups of the same file, and an edited file is noticed.
func TestLoadInventoryCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inv.hcl")
	src := invgen.Generate(invgen.Size{Hosts: 200, Racks: 10})
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	first, errs, _ := loadInventory(path, nil)
	if len(errs) > 0 || first == nil {
		t.Fatalf("generated inventory has errors: %v", errs)
	}
	fresh, diags := inventory.Parse(lang.NewParser(), path, src, inventory.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if !reflect.DeepEqual(first, fresh) {
		t.Fatal("cached inventory differs from a fresh parse")
	}
	again, _, _ := loadInventory(path, nil)
	if again != first {
		t.Fatal("second lookup of an unchanged file parsed it again")
	}
	withVars, _, _ := loadInventory(path, map[string]string{})
	if withVars != first {
		t.Fatal("an empty variable map is a different key from nil")
	}

	edited := bytes.Replace(src, []byte("cpus    = 16"), []byte("cpus    = 12"), 1)
	if err := os.WriteFile(path, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	changed, errs, _ := loadInventory(path, nil)
	if len(errs) > 0 || changed == nil {
		t.Fatalf("edited inventory has errors: %v", errs)
	}
	if changed == first || changed.Hosts["host-0"].CPUs != 12 {
		t.Fatalf("edited file not noticed: host-0 has %d CPUs, want 12", changed.Hosts["host-0"].CPUs)
	}

	broken := bytes.Replace(src, []byte("pdu-0-b\"\n"), []byte("pdu-9999-b\"\n"), 1)
	if err := os.WriteFile(path, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	inv, errs, _ := loadInventory(path, nil)
	if inv != nil || len(errs) == 0 || !strings.Contains(errs[0], "Unknown PDU") || !strings.Contains(errs[0], "inv.hcl:") {
		t.Fatalf("broken inventory: got inventory %v, errors %q; want an Unknown PDU error with file:line", inv != nil, errs)
	}
}
