package provider

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints"
	"github.com/ha-blueprints/terraform-provider-ha/internal/parsecache"
)

type compiledBlueprint struct {
	res   *blueprints.Result
	diags hcl.Diagnostics
}

var blueprintCache = parsecache.New[compiledBlueprint]()

// compileBlueprintFile is blueprints.CompileFile, once per provider process
// for the same file contents (the blueprint and every file it reads),
// variables and recovery: the data source and the function called from
// several places of one plan compile it once. The result is shared and must
// not be modified.
func compileBlueprintFile(path string, opts blueprints.Options) (*blueprints.Result, hcl.Diagnostics) {
	names := make([]string, 0, len(opts.Variables))
	for k := range opts.Variables {
		names = append(names, k)
	}
	sort.Strings(names)
	var key strings.Builder
	key.WriteString(path)
	for _, k := range names {
		fmt.Fprintf(&key, "\x00%s=%s", k, opts.Variables[k].GoString())
	}
	fmt.Fprintf(&key, "\x00%#v", opts.Recovery)
	got := blueprintCache.Get(key.String(), func(r *parsecache.Reader) compiledBlueprint {
		src, err := r.ReadFile(path)
		if err != nil {
			return compiledBlueprint{
				res: &blueprints.Result{Files: map[string]*hcl.File{}},
				diags: hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Unable to read blueprint",
					Detail:   err.Error(),
				}},
			}
		}
		o := opts
		o.Dir = filepath.Dir(path)
		o.ReadFile = r.ReadFile
		res, diags := blueprints.Compile(path, src, o)
		return compiledBlueprint{res: res, diags: diags}
	})
	return got.res, got.diags
}
