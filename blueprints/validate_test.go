package blueprints

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

// TestInvalid compiles every testdata/invalid blueprint and compares its
// diagnostics, with their exact ranges, to the "# want:" lines of
// testdata/invalid/NAME.want.
func TestInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.ha.hcl")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".ha.hcl"), func(t *testing.T) {
			_, diags := CompileFile(f, Options{})
			got := formatWant(diags)
			wantFile := strings.TrimSuffix(f, ".ha.hcl") + ".want"
			if *update {
				if err := os.WriteFile(wantFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(want), got); d != "" {
				t.Errorf("diagnostics differ (-want +got):\n%s", d)
			}
			if !diags.HasErrors() && !strings.Contains(f, "warning") && !strings.Contains(f, "single-point") {
				t.Errorf("expected errors")
			}
		})
	}
}

// formatWant writes one line per diagnostic: range, severity, summary, and
// the first line of the detail.
func formatWant(diags hcl.Diagnostics) string {
	var b bytes.Buffer
	for _, d := range diags {
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		rng := "-"
		if s := d.Subject; s != nil {
			rng = fmt.Sprintf("%d:%d-%d:%d", s.Start.Line, s.Start.Column, s.End.Line, s.End.Column)
		}
		detail, _, _ := strings.Cut(d.Detail, "\n")
		fmt.Fprintf(&b, "%s %s: %s\n    %s\n", rng, sev, d.Summary, detail)
	}
	return b.String()
}
