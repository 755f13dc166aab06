// Package blueprints turns one HCL blueprint into a checked model and a flat,
// deterministic list of components with their dependencies, and computes the
// worst-case RTO and RPO against the blueprint's objectives.
//
// Compile runs the three phases: parse (lang), decode and validate (this
// file, validate.go), expand and objectives (expand.go, objectives.go).
// Every diagnostic carries the source range it is about.
package blueprints

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
)

// Options are the inputs of a compilation besides the source text.
type Options struct {
	// Variables are values for the blueprint's variables, converted to each
	// variable's declared type.
	Variables map[string]cty.Value
	// RawVariables are values as typed on a command line (-var k=v): a
	// string variable takes the text as is, any other type parses it as an
	// HCL expression, as Terraform does.
	RawVariables map[string]string
	// Dir is the directory that file(), templatefile() and inventory paths
	// are relative to.
	Dir string
	// ReadFile reads files for file(), templatefile() and the inventory
	// check; nil means no file access (source text without a directory).
	ReadFile func(path string) ([]byte, error)
	// Recovery, when it names lost regions, rewrites the components for
	// failing over and rebuilding (see recovery.go).
	Recovery Recovery
}

// Result is what a compilation produced. Files is always set (for printing
// diagnostics); the model, components and objectives are set when the
// blueprint had no errors.
type Result struct {
	Files      map[string]*hcl.File
	Blueprint  *Blueprint
	Components []*Component
	Objectives *Objectives
	// Recovery is what Options.Recovery changed; nil when no region is lost.
	Recovery *RecoveryReport
}

// ByKind groups the components by kind, each group in key order.
func (r *Result) ByKind() map[string][]*Component {
	out := map[string][]*Component{}
	for _, k := range Kinds {
		out[k] = nil
	}
	for _, c := range r.Components {
		out[c.Kind] = append(out[c.Kind], c)
	}
	return out
}

// CompileFile reads and compiles the blueprint at path; relative files it
// names are read from the same directory.
func CompileFile(path string, opts Options) (*Result, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return &Result{Files: map[string]*hcl.File{}}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unable to read blueprint",
			Detail:   err.Error(),
		}}
	}
	if opts.Dir == "" {
		opts.Dir = filepath.Dir(path)
	}
	if opts.ReadFile == nil {
		opts.ReadFile = os.ReadFile
	}
	return Compile(path, src, opts)
}

// Compile parses, validates and expands one blueprint. It never panics: an
// internal failure becomes an error diagnostic.
func Compile(filename string, src []byte, opts Options) (res *Result, diags hcl.Diagnostics) {
	p := lang.NewParser()
	res = &Result{}
	defer func() {
		if r := recover(); r != nil {
			res = &Result{Files: p.Files()}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  InternalErrorSummary,
				Detail:   fmt.Sprintf("%v\n%s", r, debug.Stack()),
			})
		}
	}()
	f, pdiags := p.ParseFile(filename, src)
	res.Files = p.Files()
	diags = append(diags, pdiags...)
	if pdiags.HasErrors() || f == nil {
		return res, diags
	}
	c := &compiler{opts: opts, file: filename}
	c.ctx = &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: c.functions()}
	bp := c.decode(f.Body)
	if bp == nil {
		return res, sortDiags(append(diags, c.diags...))
	}
	// Validation runs even after decode errors (on the values that did
	// decode) so that one run reports as much as it can.
	c.validate(bp)
	comps := c.expand(bp)
	obj := c.objectives(bp, comps)
	var report *RecoveryReport
	if len(opts.Recovery.Lost) > 0 || len(opts.Recovery.Replacements) > 0 || opts.Recovery.Primary != "" {
		comps, report = c.recoverFrom(bp, comps, obj, opts.Recovery)
	}
	diags = append(diags, c.diags...)
	diags = sortDiags(diags)
	if diags.HasErrors() {
		return res, diags
	}
	res.Blueprint = bp
	res.Components = comps
	res.Objectives = obj
	res.Recovery = report
	return res, diags
}

// InternalErrorSummary is the summary of the diagnostic that replaces a
// panic; tests and the fuzz target look for it.
const InternalErrorSummary = "Internal error in the blueprint compiler"

// sortDiags orders diagnostics by position so output is stable whatever
// order the checks ran in. Diagnostics without a subject come first.
func sortDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil && b == nil:
			return false
		case a == nil:
			return true
		case b == nil:
			return false
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	return diags
}

// compiler holds the state of one compilation.
type compiler struct {
	opts  Options
	file  string
	ctx   *hcl.EvalContext
	diags hcl.Diagnostics

	// names declared by labels, for reference checks.
	regionNames, tierNames, databaseNames map[string]bool
	varNames, localNames                  map[string]bool
	cacheNames, objectStoreNames          map[string]bool
	sensitive                             map[string]bool

	// bare metal: parsed inventories by region, and the virtual IPs
	// chosen by validation ("REGION/TIER"), for expansion.
	inventories   map[string]*inventory.Inventory
	inventoryErrs map[string]string
	vips          map[string]bareMetalVIP
	vipsUsed      map[string]netip.Addr
	bmAlerts      map[string]bareMetalAlerts // by region
}

func (c *compiler) errorf(rng *hcl.Range, summary, detail string, args ...any) {
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: copyRange(rng)})
}

func (c *compiler) warnf(rng *hcl.Range, summary, detail string, args ...any) {
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: copyRange(rng)})
}

func copyRange(r *hcl.Range) *hcl.Range {
	if r == nil {
		return nil
	}
	cp := *r
	return &cp
}

var _ = function.New
