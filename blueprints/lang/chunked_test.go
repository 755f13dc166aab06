package lang

import (
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory/invgen"
)

// TestChunkedParseMatchesWholeParse: a large file parsed in pieces gives the
// same blocks, labels, attributes, values and source ranges as hclsyntax's
// whole-file parse.
func TestChunkedParseMatchesWholeParse(t *testing.T) {
	src := invgen.Generate(invgen.Size{Hosts: 2000, Racks: 100, Sites: 2})
	// A comment, a variable with a template and an attribute between blocks
	// exercise the splitter's bail-outs and the outline.
	src = append([]byte("# inventory\nvariable \"x\" {\n  default = \"a\"\n}\n"), src...)
	if len(src) < chunkedMinFile {
		t.Fatalf("test inventory is %d bytes, below the chunked threshold", len(src))
	}
	chunked := parseChunked("inv.hcl", src)
	if chunked == nil {
		t.Fatal("large inventory was not parsed in pieces")
	}
	whole, diags := hclsyntax.ParseConfig(src, "inv.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var a, b []string
	walk(t, whole.Body.(*hclsyntax.Body), &a)
	walk(t, chunked.Body.(*hclsyntax.Body), &b)
	if len(a) != len(b) {
		t.Fatalf("whole parse has %d items, chunked %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("item %d differs:\nwhole:   %s\nchunked: %s", i, a[i], b[i])
		}
	}
}

func walk(t *testing.T, body *hclsyntax.Body, out *[]string) {
	names := make([]string, 0, len(body.Attributes))
	for n := range body.Attributes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := body.Attributes[n]
		v, _ := a.Expr.Value(nil)
		*out = append(*out, "attr "+n+" "+a.SrcRange.String()+" "+a.Expr.Range().String()+" "+v.GoString())
	}
	*out = append(*out, "body "+body.SrcRange.String()+" "+body.EndRange.String())
	for _, b := range body.Blocks {
		*out = append(*out, "block "+b.Type+" "+strings.Join(b.Labels, ",")+" "+b.DefRange().String()+" "+b.CloseBraceRange.String())
		walk(t, b.Body, out)
	}
}

// TestChunkedParseFallsBack: files the splitter cannot be sure of, or that
// do not parse, go through the whole-file parse and keep its diagnostics.
func TestChunkedParseFallsBack(t *testing.T) {
	big := string(invgen.Generate(invgen.Size{Hosts: 2000, Racks: 100}))
	for name, src := range map[string]string{
		"heredoc":       strings.Replace(big, "site \"site0\" {\n", "site \"site0\" {\n  d = <<EOT\nx\nEOT\n", 1),
		"interpolation": strings.Replace(big, "\"rack-1\"", "\"${var.r}\"", 1),
		"unbalanced":    strings.Replace(big, "psu \"a\" {", "psu \"a\" {{", 1),
	} {
		if parseChunked("inv.hcl", []byte(src)) != nil {
			t.Errorf("%s: parsed in pieces, want whole-file fallback", name)
		}
	}
	p := NewParser()
	_, diags := p.ParseFile("inv.hcl", []byte(strings.Replace(big, "psu \"a\" {", "psu \"a\" {{", 1)))
	if !diags.HasErrors() {
		t.Fatal("broken file parsed without errors")
	}
}
