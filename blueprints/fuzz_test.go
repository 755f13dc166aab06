package blueprints

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzCompile runs parse, validate and expand over arbitrary input: it must
// never panic (Compile turns a panic into InternalErrorSummary, which fails
// here), every error must carry no nil-pointer surprises, and the same input
// must give byte-identical output.
func FuzzCompile(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.ha.*")
	stock, _ := filepath.Glob("stock/*.hcl")
	for _, s := range append(seeds, stock...) {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b, filepath.Ext(s) == ".json")
		}
	}
	f.Fuzz(func(t *testing.T, src []byte, json bool) {
		name := "fuzz.ha.hcl"
		if json {
			name = "fuzz.ha.json"
		}
		opts := Options{Dir: "testdata/valid", ReadFile: os.ReadFile}
		res, diags := Compile(name, src, opts)
		for _, d := range diags {
			if d.Summary == InternalErrorSummary {
				t.Fatalf("panic inside the compiler:\n%s", d.Detail)
			}
		}
		if res == nil || res.Files == nil {
			t.Fatal("nil result")
		}
		if diags.HasErrors() {
			if res.Blueprint != nil || res.Components != nil {
				t.Fatal("result set despite errors")
			}
			return
		}
		out, err := res.JSON()
		if err != nil {
			t.Fatalf("JSON: %v", err)
		}
		_ = res.DOT()
		_ = res.Mermaid()
		res2, _ := Compile(name, src, opts)
		out2, err := res2.JSON()
		if err != nil || string(out) != string(out2) {
			t.Fatal("two compilations differ")
		}
	})
}
