package inventory

import (
	"os"
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
)

// FuzzParse feeds arbitrary text to the parser and validator as HCL and as
// JSON: they must return diagnostics, never panic, and an inventory without
// errors must be internally consistent.
func FuzzParse(f *testing.F) {
	if src, err := os.ReadFile(exampleInventory(f)); err == nil {
		f.Add(string(src), false)
	}
	f.Add(strings.Replace(base, "%s", host("h1", 400, "pdu-a#1", "pdu-b#1")+host("h2", 3000, "pdu-a#1"), 1), false)
	f.Add(strings.Replace(base, "%s", host("h1", 400, "pdu-a#9", "pdu-x#1"), 1), false)
	f.Add(`variable "a" { default = "x" }
site "s" { ups "u" { capacity_va = 1, nut = "u@${var.a}:1" } }`, false)
	f.Add(`{"site": {"s": {"ups": {"u": {"capacity_va": 1}}, "pdu": {"p": {"rack": "r", "feed": "u", "max_amps": 1, "outlets": 1}},
"host": {"h": {"rack": "r", "cpus": 1, "memory": "1GiB", "watts": 1, "psu": {"1": {"pdu": "p", "outlet": 1}}}}}}}`, true)
	f.Add(`site "s" { host "h" { rack = 1 cpus = 1e300 memory = "9e99TiB" watts = -0 tags = [null] } }`, false)
	f.Fuzz(func(t *testing.T, src string, asJSON bool) {
		name := "fuzz.hcl"
		if asJSON {
			name = "fuzz.json"
		}
		inv, diags := Parse(lang.NewParser(), name, []byte(src), Options{Vars: map[string]string{}})
		for _, d := range diags {
			_ = lang.FormatDiagnostic(nil, d)
		}
		if diags.HasErrors() || inv == nil {
			return
		}
		for _, h := range inv.Hosts {
			if len(h.PSUs) == 0 {
				t.Fatalf("host %q without PSU passed validation", h.Name)
			}
			for _, psu := range h.PSUs {
				p := inv.PDUs[psu.PDU]
				if p == nil || psu.Outlet < 1 || psu.Outlet > p.Outlets {
					t.Fatalf("host %q: PSU on %q outlet %d passed validation", h.Name, psu.PDU, psu.Outlet)
				}
				if inv.UPS[p.UPS] == nil {
					t.Fatalf("PDU %q resolved to no UPS", p.Name)
				}
			}
		}
	})
}
