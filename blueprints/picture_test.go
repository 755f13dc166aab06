package blueprints_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints"
	"github.com/ha-blueprints/terraform-provider-ha/internal/picture"
)

// TestPictureSVG draws the stock blueprints and the services example
// through Graphviz and compares the SVG's structure (every region, node
// and edge by id and title, not the layout) with testdata/golden/*.svg.txt.
// UPDATE_GOLDEN=1 rewrites them.
func TestPictureSVG(t *testing.T) {
	cases := map[string]func() (*blueprints.Result, error){
		"services": func() (*blueprints.Result, error) {
			res, diags := blueprints.CompileFile("testdata/valid/services.ha.hcl", blueprints.Options{})
			return res, errOf(diags)
		},
		"services-after-losing-east": func() (*blueprints.Result, error) {
			res, diags := blueprints.CompileFile("testdata/valid/services.ha.hcl", blueprints.Options{Recovery: blueprints.Recovery{
				Lost: []string{"east"}, Replacements: map[string]string{"east": "us-east-2"}}})
			return res, errOf(diags)
		},
	}
	for _, n := range blueprints.Stock() {
		n := n
		cases["stock-"+n] = func() (*blueprints.Result, error) {
			res, diags := blueprints.CompileStock(n, blueprints.Options{})
			return res, errOf(diags)
		}
	}
	for name, compile := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := compile()
			if err != nil {
				t.Fatal(err)
			}
			svg, err := picture.SVG(context.Background(), res.Picture())
			if err != nil {
				t.Fatal(err)
			}
			got, err := picture.Structure(svg)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("testdata", "golden", "picture-"+name+".svg.txt")
			if os.Getenv("UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(file, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(strings.TrimSpace(string(want)), strings.Join(got, "\n")); d != "" {
				t.Errorf("SVG structure differs from %s (-want +got):\n%s", file, d)
			}
		})
	}
}

type compileError string

func (e compileError) Error() string { return string(e) }

func errOf(diags interface {
	HasErrors() bool
	Error() string
}) error {
	if diags.HasErrors() {
		return compileError(diags.Error())
	}
	return nil
}

// TestPictureQuickstartCurrent: the quickstart picture committed for the
// docs (templates/images/quickstart.svg) shows what the quickstart
// blueprint draws today. Regenerate it with
// `terraform-provider-ha blueprint graph examples/quickstart/quickstart.ha.hcl --format svg`.
func TestPictureQuickstartCurrent(t *testing.T) {
	res, diags := blueprints.CompileFile("../examples/quickstart/quickstart.ha.hcl", blueprints.Options{})
	if err := errOf(diags); err != nil {
		t.Fatal(err)
	}
	svg, err := picture.SVG(context.Background(), res.Picture())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := picture.Structure(svg)
	committed, err := os.ReadFile("../templates/images/quickstart.svg")
	if err != nil {
		t.Fatal(err)
	}
	want, err := picture.Structure(committed)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("templates/images/quickstart.svg is stale (-committed +now):\n%s", d)
	}
}
