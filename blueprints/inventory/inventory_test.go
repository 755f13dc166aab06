package inventory

import (
	"math"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory/invgen"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
)

// base is a valid A+B site; cases append hosts or replace parts of it.
const base = `
site "dc1" {
  ups "ups-a" {
    capacity_va = 10000
    nut         = "ups-a@127.0.0.1:3493"
  }
  ups "ups-b" {
    capacity_va = 10000
  }
  pdu "pdu-a" {
    rack     = "r1"
    feed     = "ups-a"
    max_amps = 16
    outlets  = 4
  }
  pdu "pdu-b" {
    rack     = "r1"
    feed     = "ups-b"
    max_amps = 16
    outlets  = 4
  }
%s
}
`

func host(name string, watts int, psus ...string) string {
	var b strings.Builder
	b.WriteString("  host \"" + name + "\" {\n    rack = \"r1\"\n    cpus = 8\n    memory = \"32GiB\"\n")
	b.WriteString("    watts = " + itoa(watts) + "\n")
	for i, p := range psus {
		pdu, outlet, _ := strings.Cut(p, "#")
		b.WriteString("    psu \"" + itoa(i+1) + "\" {\n      pdu = \"" + pdu + "\"\n      outlet = " + outlet + "\n    }\n")
	}
	b.WriteString("  }\n")
	return b.String()
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func parse(t *testing.T, name, src string, vars map[string]string) (*Inventory, hcl.Diagnostics) {
	t.Helper()
	return Parse(lang.NewParser(), name, []byte(src), Options{Vars: vars})
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		hosts string
		// want lists substrings of "SEVERITY LINE: SUMMARY: DETAIL", one per diagnostic, in order.
		want []string
	}{
		{
			name:  "valid A+B",
			hosts: host("h1", 400, "pdu-a#1", "pdu-b#1") + host("h2", 400, "pdu-a#2", "pdu-b#2"),
		},
		{
			name:  "dangling PDU",
			hosts: host("h1", 400, "pdu-a#1", "pdu-c#1"),
			want:  []string{`error 32: Unknown PDU: PSU "2" of host "h1" names PDU "pdu-c", which the inventory does not declare. Did you mean "pdu-a"?`},
		},
		{
			name:  "outlet used twice",
			hosts: host("h1", 400, "pdu-a#1", "pdu-b#1") + host("h2", 400, "pdu-a#1", "pdu-b#2"),
			want:  []string{`error 43: Outlet used twice: Outlet 1 of PDU "pdu-a" is already used at test.hcl:29`},
		},
		{
			name:  "outlet beyond the PDU",
			hosts: host("h1", 400, "pdu-a#5", "pdu-b#1"),
			want:  []string{`error 29: Outlet beyond the PDU: PSU "1" of host "h1" uses outlet 5 of PDU "pdu-a", which has outlets 1 to 4.`},
		},
		{
			name:  "outlet zero",
			hosts: host("h1", 400, "pdu-a#0", "pdu-b#1"),
			want:  []string{`error 29: Outlet beyond the PDU`},
		},
		{
			name:  "single power domain",
			hosts: host("h1", 400, "pdu-a#1"),
			want:  []string{`warning 22: Single power domain: Every PSU of host "h1" hangs off UPS "ups-a"`},
		},
		{
			// 16 A × 230 V × 80% = 2944 W per PDU; shared, 2 × 2800 W is 2800 W a side.
			name:  "A+B failover budget",
			hosts: host("h1", 2800, "pdu-a#1", "pdu-b#1") + host("h2", 2800, "pdu-a#2", "pdu-b#2"),
			want: []string{
				`error 16: A+B failover budget exceeded: PDU "pdu-b" would carry 5600 W (24.3 A at 230 V) when UPS "ups-a" fails, over its budget of 2944 W (12.8 A, 80% of 16 A).`,
				`error 8: A+B failover budget exceeded: UPS "ups-b" would carry 5600 W when UPS "ups-a" fails, over its capacity of 9000 W`[:80],
				`error 10: A+B failover budget exceeded: PDU "pdu-a" would carry 5600 W (24.3 A at 230 V) when UPS "ups-b" fails`,
			},
		},
		{
			name:  "PDU budget in normal operation",
			hosts: host("h1", 3000, "pdu-a#1"),
			want: []string{
				`warning 22: Single power domain`,
				`error 10: PDU over budget: PDU "pdu-a" would carry 3000 W (13.0 A at 230 V) in normal operation, over its budget of 2944 W`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(base, "%s", tt.hosts, 1)
			_, diags := parse(t, "test.hcl", src, nil)
			var got []string
			for _, d := range diags {
				sev := "error"
				if d.Severity == hcl.DiagWarning {
					sev = "warning"
				}
				line := 0
				if d.Subject != nil {
					line = d.Subject.Start.Line
				}
				got = append(got, sev+" "+itoa(line)+": "+d.Summary+": "+d.Detail)
			}
			// Budget errors for UPS units only appear when they overflow; keep the order stable.
			want := tt.want
			if tt.name == "A+B failover budget" {
				// 5600 W fits a 9000 W UPS: only the two PDU errors are expected.
				want = []string{want[0], want[2]}
			}
			if len(got) != len(want) {
				t.Fatalf("got %d diagnostics, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
			}
			for i := range want {
				if !strings.Contains(got[i], want[i]) {
					t.Errorf("diagnostic %d:\n got %s\nwant %s", i, got[i], want[i])
				}
			}
		})
	}
}

func TestUPSOverCapacityOnFailover(t *testing.T) {
	src := strings.Replace(base, "%s", host("h1", 1400, "pdu-a#1", "pdu-b#1")+host("h2", 1400, "pdu-a#2", "pdu-b#2"), 1)
	src = strings.Replace(src, "capacity_va = 10000\n  }\n  pdu", "capacity_va = 2000\n  }\n  pdu", 1) // ups-b: 1800 W
	_, diags := parse(t, "test.hcl", src, nil)
	if !diags.HasErrors() {
		t.Fatal("want a failover error for ups-b")
	}
	found := false
	for _, d := range diags {
		if strings.Contains(d.Detail, `UPS "ups-b" would carry 2800 W when UPS "ups-a" fails, over its capacity of 1800 W (156%)`) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no UPS failover error naming ups-b; got %v", diags)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"no site", `variable "x" { default = 1 }`, "No site in inventory"},
		{"bad memory", strings.Replace(base, "%s", strings.Replace(host("h1", 1, "pdu-a#1"), "32GiB", "lots", 1), 1), "Invalid memory size"},
		{"negative watts", strings.Replace(base, "%s", host("h1", -3, "pdu-a#1"), 1), "Expected a positive number, got -3"},
		{"duplicate name", strings.Replace(base, "%s", host("pdu-a", 1, "pdu-a#1"), 1), `Duplicate host "pdu-a"`},
		{"unknown feed", strings.Replace(strings.Replace(base, "%s", "", 1), `feed     = "ups-b"`, `feed     = "ups-c"`, 1), `names feed "ups-c", which is neither a feed nor a UPS`},
		{"no psu", strings.Replace(base, "%s", host("h1", 1), 1), "Host without power supply"},
		{"bad nut", strings.Replace(strings.Replace(base, "%s", "", 1), "ups-a@127.0.0.1:3493", "127.0.0.1", 1), "Invalid NUT address"},
		{"undeclared rack", strings.Replace(strings.Replace(base, "%s", `rack "r2" {}`+"\n"+host("h1", 1, "pdu-a#1", "pdu-b#1"), 1), "", "", 1), `declares no such rack`},
		{"missing var", `variable "x" {}` + "\n" + strings.Replace(base, "%s", "", 1), `Variable "x" has no default`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := parse(t, "test.hcl", tt.src, nil)
			if !diags.HasErrors() {
				t.Fatalf("no error; want %q", tt.want)
			}
			if !strings.Contains(diags.Error(), tt.want) {
				t.Fatalf("got %v\nwant %q", diags, tt.want)
			}
		})
	}
}

func exampleInventory(testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "examples", "inventory", "dc1.inventory.hcl")
}

func TestExampleInventory(t *testing.T) {
	p := lang.NewParser()
	inv, diags := Load(p, exampleInventory(t), Options{Vars: map[string]string{"nut_addr": "127.0.0.1:9999"}})
	if diags.HasErrors() {
		t.Fatalf("example inventory: %v", diags)
	}
	if got := len(inv.Hosts); got != 8 {
		t.Fatalf("hosts = %d, want 8", got)
	}
	if got := inv.UPS["ups-a"].NUT; got != "ups-a@127.0.0.1:9999" {
		t.Errorf("variable not applied: nut = %q", got)
	}
	// Four single-corded hosts: four warnings, nothing else.
	if len(diags) != 4 {
		t.Errorf("want 4 single-power-domain warnings, got %v", diags)
	}
	if got := inv.UPSes(inv.Hosts["r1-h01"]); strings.Join(got, ",") != "ups-a,ups-b" {
		t.Errorf("UPSes(r1-h01) = %v", got)
	}
	if got := inv.PDUs["pdu-a"].UPS; got != "ups-a" {
		t.Errorf("pdu-a UPS = %q, want resolved through feed a", got)
	}
}

// The same inventory written as JSON decodes to the same model.
func TestJSON(t *testing.T) {
	src := `{
  "site": {
    "dc1": {
      "ups": {"ups-a": {"capacity_va": 5000}, "ups-b": {"capacity_va": 5000}},
      "pdu": {
        "pdu-a": {"rack": "r1", "feed": "ups-a", "max_amps": 16, "outlets": 2},
        "pdu-b": {"rack": "r1", "feed": "ups-b", "max_amps": 16, "outlets": 2}
      },
      "host": {
        "h1": {"rack": "r1", "cpus": 4, "memory": "8GiB", "watts": 200,
               "psu": {"1": {"pdu": "pdu-a", "outlet": 1}, "2": {"pdu": "pdu-b", "outlet": 3}}}
      }
    }
  }
}`
	_, diags := parse(t, "inv.json", src, nil)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "inv.json:11") || !strings.Contains(diags.Error(), "Outlet beyond the PDU") {
		t.Fatalf("want the outlet error at inv.json:11, got %v", diags)
	}
	src = strings.Replace(src, `"outlet": 3`, `"outlet": 2`, 1)
	inv, diags := parse(t, "inv.json", src, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	h := inv.Hosts["h1"]
	if h.Memory != 8<<30 || len(h.PSUs) != 2 || inv.UPS["ups-a"].CapacityWatts != 4500 {
		t.Fatalf("decoded %+v", h)
	}
}

func TestSplitNUT(t *testing.T) {
	for in, want := range map[string]string{
		"ups-a@10.0.0.5:3493": "ups-a 10.0.0.5 3493",
		"ups@host":            "ups host 3493",
		"u@[::1]:1":           "u ::1 1",
	} {
		u, h, p, err := SplitNUT(in)
		if err != nil || u+" "+h+" "+itoa(p) != want {
			t.Errorf("SplitNUT(%q) = %s %s %d %v, want %s", in, u, h, p, err, want)
		}
	}
	for _, bad := range []string{"", "@h", "u@", "u@h:0", "u@h:99999", "u@::1", "u@h:x"} {
		if _, _, _, err := SplitNUT(bad); err == nil {
			t.Errorf("SplitNUT(%q): no error", bad)
		}
	}
}

// TestLoadIndexMatchesLoads: the incremental failure loads used by the
// budget check equal a full recomputation with Loads, for every UPS and
// feed failure of a generated inventory.
func TestLoadIndexMatchesLoads(t *testing.T) {
	src := invgen.Generate(invgen.Size{Hosts: 600, Racks: 30, RacksPerRow: 10})
	inv, diags := Parse(lang.NewParser(), "gen.hcl", src, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ix := newLoadIndex(inv)
	for _, u := range inv.UPSNames() {
		dead := map[string]bool{}
		for _, p := range inv.PDUs {
			if p.UPS == u {
				dead[p.Name] = true
			}
		}
		gotPDU, gotUPS := ix.loads(dead)
		wantPDU, wantUPS := Loads(inv, dead)
		if len(gotPDU) == 0 {
			t.Fatalf("UPS %s: failure changes no PDU load", u)
		}
		for name, w := range wantPDU {
			if g, changed := gotPDU[name]; changed && math.Abs(g-w) > 1e-6 {
				t.Errorf("UPS %s down: PDU %s load %g, want %g", u, name, g, w)
			} else if !changed && math.Abs(ix.normal[name]-w) > 1e-6 {
				t.Errorf("UPS %s down: PDU %s reported unchanged but load moves from %g to %g", u, name, ix.normal[name], w)
			}
		}
		for name, w := range wantUPS {
			if g, changed := gotUPS[name]; changed && math.Abs(g-w) > 1e-6 {
				t.Errorf("UPS %s down: UPS %s load %g, want %g", u, name, g, w)
			} else if !changed && math.Abs(ix.normUPS[name]-w) > 1e-6 {
				t.Errorf("UPS %s down: UPS %s reported unchanged but load moves from %g to %g", u, name, ix.normUPS[name], w)
			}
		}
	}
}
