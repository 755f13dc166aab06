package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	t.Setenv("HOME", t.TempDir()) // no settings file of the machine
	code := Execute(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func stockFile(name string) string {
	return filepath.Join("..", "..", "blueprints", "stock", name+".ha.hcl")
}

func writeFile(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const badBlueprint = `blueprint "bad" {}

region "east" {
  cloud    = "aws"
  location = "us-east-1"
  role     = "primary"
}

tier "web" {
  image         = "ami-1"
  instance_type = "t3.small"
  capacity {
    min = 3
    max = 2
  }
}
`

func TestBlueprintValidate(t *testing.T) {
	code, out, errs := run(t, "blueprint", "validate", stockFile("web-active-passive"), "stock:bare-metal-pair")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if !strings.Contains(out, "web-active-passive.ha.hcl: valid, 8 components, worst-case RTO 360s (budget 600s), RPO 30s (budget 60s)") ||
		!strings.Contains(out, "stock:bare-metal-pair: valid, 7 components") {
		t.Errorf("stdout:\n%s", out)
	}

	bad := writeFile(t, "bad.ha.hcl", badBlueprint)
	code, _, errs = run(t, "blueprint", "validate", stockFile("web-active-passive"), bad)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	want := bad + ":13:11: error: Invalid capacity\n" +
		"  Tier \"web\": min (3) is larger than max (2); capacity needs min ≤ desired ≤ max.\n" +
		"  |     min = 3\n"
	if !strings.HasPrefix(errs, want) || !strings.Contains(errs, "error: 1 blueprint has errors") {
		t.Errorf("stderr:\n%s\nwant prefix:\n%s", errs, want)
	}
}

func TestBlueprintValidateWarning(t *testing.T) {
	p := writeFile(t, "warn.ha.hcl", strings.Replace(badBlueprint, "min = 3\n    max = 2\n  }", "min = 1\n    max = 2\n  }\n  load_balancer {}", 1))
	code, out, errs := run(t, "blueprint", "validate", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, ":13:11: warning: Single point of failure") || !strings.Contains(out, "valid") {
		t.Errorf("stdout %q stderr %q", out, errs)
	}
}

func TestBlueprintFmt(t *testing.T) {
	ugly := "blueprint   \"x\" {\ndescription=\"y\"\n}\n"
	p := writeFile(t, "ugly.ha.hcl", ugly)
	code, out, _ := run(t, "blueprint", "fmt", "-check", p)
	if code != 1 || strings.TrimSpace(out) != p {
		t.Fatalf("-check: exit %d, out %q", code, out)
	}
	if b, _ := os.ReadFile(p); string(b) != ugly {
		t.Fatal("-check rewrote the file")
	}
	if code, _, errs := run(t, "blueprint", "fmt", p); code != 0 {
		t.Fatalf("fmt: exit %d %s", code, errs)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "blueprint \"x\" {\n  description = \"y\"\n}\n" {
		t.Errorf("formatted:\n%s", b)
	}
	if code, out, _ := run(t, "blueprint", "fmt", "-check", p, stockFile("three-region-database")); code != 0 || out != "" {
		t.Errorf("formatted files: exit %d out %q", code, out)
	}
	broken := writeFile(t, "broken.ha.hcl", "blueprint \"x\" {\n")
	if code, _, errs := run(t, "blueprint", "fmt", broken); code != 1 || !strings.Contains(errs, "broken.ha.hcl:1:15: error:") {
		t.Errorf("syntax error: exit %d stderr %q", code, errs)
	}
}

func TestBlueprintExpand(t *testing.T) {
	code, out, errs := run(t, "blueprint", "expand", stockFile("web-active-passive"), "-var", "image=ami-cli", "-var", "web_size=4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Blueprint  string
		Components []map[string]any
		Objectives map[string]any
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var sg map[string]any
	for _, c := range doc.Components {
		if c["key"] == "west/web/scaling_group" {
			sg = c
		}
	}
	if doc.Blueprint != "shop" || sg == nil || sg["image"] != "ami-cli" || sg["min_size"] != 4.0 || doc.Objectives["rto"] != 360.0 {
		t.Errorf("got blueprint %q, sg %v, objectives %v", doc.Blueprint, sg, doc.Objectives)
	}
	// A variable validation rule rejects a value given on the command line.
	code, _, errs = run(t, "blueprint", "expand", stockFile("web-active-passive"), "-var", "web_size=1")
	if code != 1 || !strings.Contains(errs, "The web tier needs at least two instances per region.") {
		t.Errorf("exit %d stderr %q", code, errs)
	}
	if code, _, errs := run(t, "blueprint", "expand", stockFile("web-active-passive"), "-var", "novalue"); code != 2 || !strings.Contains(errs, "want NAME=VALUE") {
		t.Errorf("exit %d stderr %q", code, errs)
	}
}

func TestBlueprintGraph(t *testing.T) {
	code, out, _ := run(t, "blueprint", "graph", "stock:three-region-database")
	if code != 0 || !strings.HasPrefix(out, `digraph "ledger" {`) || !strings.Contains(out, `"eu/api/scaling_group" -> "eu/ledger/replica";`) {
		t.Errorf("dot: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "blueprint", "graph", "stock:three-region-database", "--format", "mermaid")
	if code != 0 || !strings.HasPrefix(out, "flowchart LR\n") || !strings.Contains(out, `subgraph r2["eu (aws eu-west-1, standby)"]`) {
		t.Errorf("mermaid: exit %d\n%s", code, out)
	}
	if code, _, _ := run(t, "blueprint", "graph", "stock:three-region-database", "--format", "png"); code != 2 {
		t.Errorf("bad format: exit %d", code)
	}
	code, out, _ = run(t, "blueprint", "graph", "stock:three-region-database", "--format", "svg")
	if code != 0 || !strings.Contains(out, `<g id="region_eu" class="cluster">`) || !strings.Contains(out, `<g id="copy_1" class="edge">`) {
		t.Errorf("svg: exit %d\n%.400s", code, out)
	}
}
