package blueprints

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

//go:embed stock/*.hcl
var stockFS embed.FS

// StockSuffix ends every blueprint file name.
const StockSuffix = ".ha.hcl"

// Stock lists the names of the embedded stock blueprints.
func Stock() []string {
	entries, _ := fs.ReadDir(stockFS, "stock")
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), StockSuffix) {
			out = append(out, strings.TrimSuffix(e.Name(), StockSuffix))
		}
	}
	sort.Strings(out)
	return out
}

// StockFiles returns the files of a stock blueprint (the blueprint and any
// inventory it names) by base name.
func StockFiles(name string) (map[string][]byte, error) {
	src, err := stockFS.ReadFile(path.Join("stock", name+StockSuffix))
	if err != nil {
		return nil, fmt.Errorf("no stock blueprint %q (have %s)", name, strings.Join(Stock(), ", "))
	}
	out := map[string][]byte{name + StockSuffix: src}
	entries, _ := fs.ReadDir(stockFS, "stock")
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".inventory.hcl") && strings.Contains(string(src), `"`+e.Name()+`"`) {
			b, _ := stockFS.ReadFile(path.Join("stock", e.Name()))
			out[e.Name()] = b
		}
	}
	return out, nil
}

// CompileStock compiles an embedded stock blueprint; its inventories and
// files resolve inside the embedded directory.
func CompileStock(name string, opts Options) (*Result, hcl.Diagnostics) {
	src, err := stockFS.ReadFile(path.Join("stock", name+StockSuffix))
	if err != nil {
		return &Result{}, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown stock blueprint", Detail: err.Error()}}
	}
	opts.Dir = "stock"
	opts.ReadFile = func(p string) ([]byte, error) { return stockFS.ReadFile(path.Clean(strings.ReplaceAll(p, "\\", "/"))) }
	return Compile("stock/"+name+StockSuffix, src, opts)
}
