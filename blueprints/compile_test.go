package blueprints

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

func compileString(t *testing.T, src string, opts Options) (*Result, hcl.Diagnostics) {
	t.Helper()
	return Compile("t.ha.hcl", []byte(src), opts)
}

const twoRegions = `
blueprint "t" {}
variable "image" {
  type = string
}
variable "size" {
  type    = number
  default = 2
}
variable "zones" {
  type    = list(string)
  default = ["us-east-1a", "us-east-1b"]
}
region "east" {
  cloud    = "aws"
  location = "us-east-1"
  zones    = var.zones
  role     = "primary"
}
region "west" {
  cloud    = "aws"
  location = "us-west-2"
}
tier "web" {
  image         = var.image
  instance_type = "t3.small"
  capacity {
    min = var.size
    max = 10
  }
}
`

func TestVariables(t *testing.T) {
	t.Run("typed values", func(t *testing.T) {
		res, diags := compileString(t, twoRegions, Options{Variables: map[string]cty.Value{
			"image": cty.StringVal("ami-9"),
			"size":  cty.StringVal("4"), // converted to number
			"zones": cty.TupleVal([]cty.Value{cty.StringVal("us-east-1c")}),
		}})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		sg := find(t, res, "east/web/scaling_group").ScalingGroup
		if sg.Image != "ami-9" || sg.MinSize != 4 || strings.Join(sg.Zones, ",") != "us-east-1c" {
			t.Errorf("got %+v", sg)
		}
	})
	t.Run("raw values parse per type", func(t *testing.T) {
		res, diags := compileString(t, twoRegions, Options{RawVariables: map[string]string{
			"image": "ami-raw", "size": "3", "zones": `["us-east-1b"]`,
		}})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		sg := find(t, res, "east/web/scaling_group").ScalingGroup
		if sg.Image != "ami-raw" || sg.MinSize != 3 || sg.Zones[0] != "us-east-1b" {
			t.Errorf("got %+v", sg)
		}
	})
	t.Run("undeclared and wrong type", func(t *testing.T) {
		_, diags := compileString(t, twoRegions, Options{Variables: map[string]cty.Value{
			"image": cty.StringVal("a"), "size": cty.StringVal("many"), "nope": cty.True,
		}})
		got := summaries(diags)
		for _, want := range []string{"Value for undeclared variable", "Invalid value for variable"} {
			if !strings.Contains(got, want) {
				t.Errorf("missing %q in %s", want, got)
			}
		}
	})
}

func find(t *testing.T, res *Result, key string) *Component {
	t.Helper()
	for _, c := range res.Components {
		if c.Key == key {
			return c
		}
	}
	t.Fatalf("no component %s", key)
	return nil
}

func summaries(diags hcl.Diagnostics) string {
	var s []string
	for _, d := range diags {
		s = append(s, d.Summary)
	}
	return strings.Join(s, "; ")
}

func TestSingleInstanceAllowed(t *testing.T) {
	src := strings.Replace(twoRegions, "max = 10\n  }", "max = 10\n  }\n  allow_single_instance = true\n  load_balancer {}", 1)
	_, diags := compileString(t, src, Options{Variables: map[string]cty.Value{"image": cty.StringVal("a"), "size": cty.NumberIntVal(1)}})
	if len(diags) != 0 {
		t.Fatalf("want no diagnostics, got %s", summaries(diags))
	}
	src = strings.Replace(twoRegions, "max = 10\n  }", "max = 10\n  }\n  load_balancer {}", 1)
	res, diags := compileString(t, src, Options{Variables: map[string]cty.Value{"image": cty.StringVal("a"), "size": cty.NumberIntVal(1)}})
	if diags.HasErrors() || len(diags) != 1 || diags[0].Summary != "Single point of failure" || res.Blueprint == nil {
		t.Fatalf("want one warning and a result, got %s", summaries(diags))
	}
}

func TestFileWithoutDirectory(t *testing.T) {
	_, diags := compileString(t, `blueprint "x" { description = file("x.txt") }`, Options{})
	found := false
	for _, d := range diags {
		found = found || strings.Contains(d.Detail, "no file access")
	}
	if !found {
		t.Fatalf("got %v", diags)
	}
}

func TestDeterministic(t *testing.T) {
	for _, n := range Stock() {
		var first string
		for i := 0; i < 5; i++ {
			res, diags := CompileStock(n, Options{})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			b, err := res.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = string(b)
			} else if string(b) != first {
				t.Fatalf("%s: run %d differs", n, i)
			}
		}
	}
}

// Every dependency names a component that exists; keys are unique.
func TestDependenciesResolve(t *testing.T) {
	for _, n := range Stock() {
		res, _ := CompileStock(n, Options{})
		keys := map[string]bool{}
		for _, c := range res.Components {
			if keys[c.Key] {
				t.Errorf("%s: duplicate key %s", n, c.Key)
			}
			keys[c.Key] = true
		}
		for _, c := range res.Components {
			for _, d := range c.DependsOn {
				if !keys[d] {
					t.Errorf("%s: %s depends on missing %s", n, c.Key, d)
				}
			}
			if len(c.Name) > 32 || c.Name != PhysicalName(c.Name) {
				t.Errorf("%s: bad physical name %q", n, c.Name)
			}
		}
	}
}

func TestStockObjectives(t *testing.T) {
	// The figures each stock blueprint states in its header comment.
	want := map[string][2]int{
		"web-active-passive":     {360, 30},
		"web-active-active":      {390, 15},
		"three-region-database":  {420, 30},
		"bare-metal-pair":        {365, 60},
		"gcp-web-active-passive": {0, 0},
		"gcp-active-passive":     {360, 30},
		"hybrid-aws-gcp":         {45, 0},
	}
	if len(Stock()) != len(want) {
		t.Fatalf("stock blueprints %v, want %d", Stock(), len(want))
	}
	for _, n := range Stock() {
		res, diags := CompileStock(n, Options{})
		if len(diags) != 0 {
			t.Fatalf("%s: %s", n, diags.Error())
		}
		got := [2]int{res.Objectives.RTO, res.Objectives.RPO}
		if got != want[n] {
			t.Errorf("%s: RTO, RPO = %v, want %v", n, got, want[n])
		}
		if res.Objectives.RTO > res.Objectives.RTOBudget || res.Objectives.RPO > res.Objectives.RPOBudget {
			t.Errorf("%s: objectives not met: %+v", n, res.Objectives)
		}
	}
}

// The examples ship copies of the stock blueprints; they must not drift.
func TestExamplesMatchStock(t *testing.T) {
	for _, n := range Stock() {
		files, err := StockFiles(n)
		if err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			got, err := os.ReadFile("../examples/blueprints/" + n + "/" + name)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(b) {
				t.Errorf("examples/blueprints/%s/%s differs from blueprints/stock/%s", n, name, name)
			}
		}
	}
}

func TestParseSchedule(t *testing.T) {
	cases := []struct {
		in, cron string
		every    time.Duration
	}{
		{"daily", "cron(0 0 * * ? *)", 24 * time.Hour},
		{"daily 03:30", "cron(30 3 * * ? *)", 24 * time.Hour},
		{"hourly", "cron(0 * * * ? *)", time.Hour},
		{"hourly :15", "cron(15 * * * ? *)", time.Hour},
		{"every 6h", "cron(0 */6 * * ? *)", 6 * time.Hour},
		{"weekly sun 02:00", "cron(0 2 ? * SUN *)", 7 * 24 * time.Hour},
		{"cron(0 3 * * ? *)", "cron(0 3 * * ? *)", 24 * time.Hour},
		{"cron(0 0,12 * * ? *)", "cron(0 0,12 * * ? *)", 12 * time.Hour},
		{"cron(0 1,5 * * ? *)", "cron(0 1,5 * * ? *)", 20 * time.Hour},
	}
	for _, c := range cases {
		cron, every, err := parseSchedule(c.in)
		if err != nil || cron != c.cron || every != c.every {
			t.Errorf("parseSchedule(%q) = %q, %v, %v; want %q, %v", c.in, cron, every, err, c.cron, c.every)
		}
	}
	for _, bad := range []string{"daily 25:00", "every 5h", "cron(0 3 * *)", "sometimes", "hourly :75"} {
		if _, _, err := parseSchedule(bad); err == nil {
			t.Errorf("parseSchedule(%q): want error", bad)
		}
	}
}

func TestPhysicalName(t *testing.T) {
	cases := map[string][]string{
		"shop-east-web":      {"shop", "east", "web"},
		"shop-east-my-tier":  {"Shop", "east", "My_Tier"},
		"shop-www-example-c": {"shop", "www.example.c"},
	}
	for want, parts := range cases {
		if got := PhysicalName(parts...); got != want {
			t.Errorf("PhysicalName(%q) = %q, want %q", parts, got, want)
		}
	}
	a := PhysicalName("blueprint", "region-with-long-name", "tier-with-a-long-name-1")
	b := PhysicalName("blueprint", "region-with-long-name", "tier-with-a-long-name-2")
	if len(a) != 32 || len(b) != 32 || a == b {
		t.Errorf("long names must be cut to 32 and stay distinct: %q %q", a, b)
	}
}

func TestGraph(t *testing.T) {
	res, _ := CompileStock("web-active-passive", Options{})
	dot := res.DOT()
	for _, want := range []string{`subgraph "cluster_0"`, `label="east (aws us-east-1, primary)"`, `"west/web/scaling_group" -> "west/orders/replica";`} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %s:\n%s", want, dot)
		}
	}
	mm := res.Mermaid()
	if !strings.HasPrefix(mm, "flowchart LR\n") || !strings.Contains(mm, "-->") || !strings.Contains(mm, `{{"dns_failover<br/>shop-shop-example-com"}}`) {
		t.Errorf("Mermaid:\n%s", mm)
	}
}

func TestNeverPanics(t *testing.T) {
	for _, src := range []string{"", "{", `blueprint "x" { description = 1 }`, `blueprint {}`, `region "a" "b" {}`, `blueprint "x" {}` + "\nlocals { a = [for x in range(3) : local.a] }"} {
		res, _ := compileString(t, src, Options{})
		if res == nil || res.Files == nil {
			t.Errorf("%q: nil result", src)
		}
	}
}
