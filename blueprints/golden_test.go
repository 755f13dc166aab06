package blueprints

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGolden compiles every valid testdata blueprint (native and JSON
// syntax) and every stock blueprint, and compares the expansion with its
// golden file byte for byte.
func TestGolden(t *testing.T) {
	type tc struct {
		name, golden string
		compile      func() (*Result, error)
	}
	var cases []tc
	files, _ := filepath.Glob("testdata/valid/*.ha.*")
	for _, f := range files {
		f := f
		cases = append(cases, tc{filepath.Base(f), f[:strings.Index(f, ".ha.")] + ".golden.json", func() (*Result, error) {
			return check(CompileFile(f, Options{}))
		}})
	}
	for _, n := range Stock() {
		n := n
		cases = append(cases, tc{"stock/" + n, "testdata/golden/stock-" + n + ".json", func() (*Result, error) {
			return check(CompileStock(n, Options{}))
		}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := c.compile()
			if err != nil {
				t.Fatal(err)
			}
			got, err := res.JSON()
			if err != nil {
				t.Fatal(err)
			}
			again, _ := c.compile()
			if b, _ := again.JSON(); string(b) != string(got) {
				t.Fatal("two compilations of the same input differ")
			}
			if *update {
				_ = os.MkdirAll(filepath.Dir(c.golden), 0o755)
				if err := os.WriteFile(c.golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(c.golden)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(want), string(got)); d != "" {
				t.Errorf("expansion differs from %s (-want +got):\n%s", c.golden, d)
			}
		})
	}
}

type diagError struct{ s string }

func (e diagError) Error() string { return e.s }

func check(res *Result, diags hcl.Diagnostics) (*Result, error) {
	if len(diags) > 0 {
		var b strings.Builder
		_ = lang.WriteDiagnostics(&b, res.Files, diags)
		for _, d := range diags {
			if d.Severity == hcl.DiagError {
				return nil, diagError{b.String()}
			}
		}
	}
	return res, nil
}
