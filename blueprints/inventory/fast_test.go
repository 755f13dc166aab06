package inventory

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory/invgen"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
)

// TestFastMatchesHCL holds the fast path to the HCL path: wherever the fast
// path takes an input, it gives the same inventory (every range included)
// and the same validation diagnostics; where the case says it must take the
// input, it does.
func TestFastMatchesHCL(t *testing.T) {
	valid := strings.Replace(base, "%s", host("h1", 100, "pdu-a#1", "pdu-b#1")+host("h2", 100, "pdu-a#2", "pdu-b#2"), 1)
	_, file, _, _ := runtime.Caller(0)
	stock := filepath.Join(filepath.Dir(file), "..", "stock")
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(stock, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name string
		src  string
		vars map[string]string
		fast bool // the fast path must take it
	}{
		{"generated 600 hosts", string(invgen.Generate(invgen.Size{Hosts: 600, Racks: 30, RacksPerRow: 10})), nil, true},
		{"generated two sites", string(invgen.Generate(invgen.Size{Hosts: 300, Racks: 15, RacksPerRow: 5, Sites: 2})), nil, true},
		{"stock dc1", read("dc1.inventory.hcl"), nil, true},
		{"stock dc2", read("dc2.inventory.hcl"), nil, true},
		{"base", valid, nil, true},
		{"comments", "# head\n// more\n" + strings.Replace(valid, "cpus = 8\n", "cpus = 8 # eight\n\n", 1), nil, true},
		{"one-line blocks", strings.Replace(valid, "site \"dc1\" {\n", "site \"dc1\" {\n  rack \"r1\" {}\n  rack \"r9\" { description = \"spare\" }\n  feed \"fa\" { ups = \"ups-a\" }\n", 1), nil, true},
		{"variables", "variable \"nut\" {\n  default = \"ups-a@127.0.0.1:3493\"\n  description = \"x\"\n}\nvariable \"amps\" {\n  default = 16\n}\n" +
			strings.Replace(strings.Replace(valid, `nut         = "ups-a@127.0.0.1:3493"`, "nut = var.nut", 1), "max_amps = 16", "max_amps = var.amps", 1),
			map[string]string{"nut": "ups-a@10.0.0.1:1"}, true},
		{"variable declared last", strings.Replace(valid, "max_amps = 16", "max_amps = var.amps", 2) + "variable \"amps\" {\n  default = 20\n}\n", nil, true},
		{"psu before host attributes", strings.Replace(base, "%s", "  host \"h9\" {\n    psu \"1\" {\n      pdu = \"pdu-a\"\n      outlet = 3\n    }\n    rack = \"r1\"\n    cpus = 2\n    memory = \"1GiB\"\n    watts = 10\n    psu \"2\" {\n      pdu = \"pdu-b\"\n      outlet = 3\n    }\n  }\n", 1), nil, true},
		{"number for string and string for number", strings.Replace(strings.Replace(valid, `rack = "r1"`, `rack = 1`, 1), "cpus = 8", `cpus = "8"`, 1), nil, true},
		{"tags", strings.Replace(valid, "cpus = 8\n", "cpus = 8\n    tags = [\"gpu\", \"ssd\",]\n", 1), nil, true},
		{"empty tags", strings.Replace(valid, "cpus = 8\n", "cpus = 8\n    tags = []\n", 1), nil, true},
		{"decimals", strings.Replace(strings.Replace(valid, "max_amps = 16", "max_amps = 16.5\n    voltage = 120", 1), "watts = 100", "watts = 99.25", 1), nil, true},
		{"capacity watts", strings.Replace(valid, "capacity_va = 10000\n  }", "capacity_va = 10000\n    capacity_watts = 8000\n  }", 1), nil, true},
		{"snmp and community", strings.Replace(valid, "outlets  = 4\n", "outlets  = 4\n    snmp = \"[::1]:1161\"\n    community = \"c\"\n", 1), nil, true},
		// Validation errors and warnings come from the model: the fast
		// path must give the same ranges.
		{"outlet beyond", strings.Replace(valid, "outlet = 2", "outlet = 9", 1), nil, true},
		{"outlet twice", strings.Replace(valid, "outlet = 2", "outlet = 1", 1), nil, true},
		{"unknown pdu", strings.Replace(valid, `pdu = "pdu-b"`, `pdu = "pdu-x"`, 1), nil, true},
		{"single corded", strings.Replace(base, "%s", host("h1", 100, "pdu-a#1", "pdu-b#1")+host("h3", 100, "pdu-a#3"), 1), nil, true},
		{"over budget", strings.Replace(valid, "watts = 100", "watts = 9000", 2), nil, true},
		// Outside the subset: the HCL path runs (same answer by definition).
		{"template", strings.Replace(valid, `"ups-a@127.0.0.1:3493"`, `"ups-a@${"127.0.0.1"}:3493"`, 1), nil, false},
		{"heredoc", strings.Replace(valid, `memory = "32GiB"`, "memory = <<EOT\n32GiB\nEOT", 1), nil, false},
		{"escape", strings.Replace(valid, `rack = "r1"`, `rack = "r\u0031"`, 1), nil, false},
		{"tab", strings.Replace(valid, "    cpus", "\tcpus", 1), nil, false},
		{"exponent", strings.Replace(valid, "watts = 100", "watts = 1e2", 1), nil, false},
		{"negative", strings.Replace(valid, "outlet = 2", "outlet = -2", 1), nil, false},
		{"unknown attribute", strings.Replace(valid, "cpus = 8", "cpus = 8\n    colour = \"red\"", 1), nil, false},
		{"duplicate attribute", strings.Replace(valid, "cpus = 8", "cpus = 8\n    cpus = 9", 1), nil, false},
		{"duplicate name", strings.Replace(valid, `host "h2"`, `host "h1"`, 1), nil, false},
		{"missing required", strings.Replace(valid, "    cpus = 8\n", "", 1), nil, false},
		{"bad memory", strings.Replace(valid, "32GiB", "lots", 1), nil, false},
		{"undeclared variable", valid, map[string]string{"x": "1"}, false},
		{"variable without default", "variable \"x\" {}\n" + valid, nil, false},
		{"undefined reference", strings.Replace(valid, `rack = "r1"`, `rack = var.r`, 1), nil, false},
		{"unclosed", strings.TrimSuffix(strings.TrimSpace(valid), "}"), nil, false},
		{"non-ascii", strings.Replace(valid, `"h1"`, `"hé"`, 1), nil, false},
		{"null", strings.Replace(valid, `rack = "r1"`, `rack = null`, 1), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(tt.src)
			slow, slowDiags := parseHCL(lang.NewParser(), "inv.hcl", src, Options{Vars: tt.vars})
			fast, ok := fastDecode("inv.hcl", src, tt.vars)
			if ok != tt.fast {
				t.Fatalf("fast path took the input: %v, want %v (HCL path diagnostics: %v)", ok, tt.fast, slowDiags)
			}
			if !ok {
				return
			}
			if slowDiags.HasErrors() && len(Validate(fast)) == 0 {
				t.Fatalf("HCL path errors %v, fast path none", slowDiags)
			}
			fastDiags := Validate(fast)
			if !reflect.DeepEqual(fast, slow) {
				t.Errorf("models differ\nfast: %s\nslow: %s", dump(fast), dump(slow))
			}
			if !reflect.DeepEqual(fastDiags, slowDiags) {
				t.Errorf("diagnostics differ\nfast: %v\nslow: %v", fastDiags, slowDiags)
			}
			// And through Parse, snippets still show the source line.
			p := lang.NewParser()
			_, diags := Parse(p, "inv.hcl", src, Options{Vars: tt.vars})
			for _, d := range diags {
				if d.Subject != nil && lang.SourceLine(p.Files(), d.Subject) == "" {
					t.Errorf("no source line for %v", d)
				}
			}
		})
	}
}

func dump(inv *Inventory) string {
	var b strings.Builder
	for _, h := range inv.HostNames() {
		x := inv.Hosts[h]
		b.WriteString(h + ": " + x.DefRange.String())
		for _, r := range x.AttrRanges {
			b.WriteString(" " + r.Name + "@" + r.Range.String())
		}
		for _, p := range x.PSUs {
			b.WriteString(" psu " + p.Name + "@" + p.DefRange.String())
			for _, r := range p.AttrRanges {
				b.WriteString(" " + r.Name + "@" + r.Range.String())
			}
		}
		b.WriteString("\n")
	}
	for _, n := range inv.PDUNames() {
		b.WriteString(n + ": " + inv.PDUs[n].DefRange.String() + "\n")
	}
	return b.String()
}
