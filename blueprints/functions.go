package blueprints

import (
	"fmt"
	"path"
	"path/filepath"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// maxFileSize bounds what file() and templatefile() read, so that a
// blueprint cannot make the compiler swallow a huge file.
const maxFileSize = 4 << 20

// functions is the Terraform-style standard library plus file() and
// templatefile(), which read relative to the blueprint's directory.
func (c *compiler) functions() map[string]function.Function {
	fns := map[string]function.Function{
		"abs":             stdlib.AbsoluteFunc,
		"ceil":            stdlib.CeilFunc,
		"floor":           stdlib.FloorFunc,
		"log":             stdlib.LogFunc,
		"max":             stdlib.MaxFunc,
		"min":             stdlib.MinFunc,
		"parseint":        stdlib.ParseIntFunc,
		"pow":             stdlib.PowFunc,
		"signum":          stdlib.SignumFunc,
		"chomp":           stdlib.ChompFunc,
		"format":          stdlib.FormatFunc,
		"formatlist":      stdlib.FormatListFunc,
		"indent":          stdlib.IndentFunc,
		"join":            stdlib.JoinFunc,
		"lower":           stdlib.LowerFunc,
		"regex":           stdlib.RegexFunc,
		"regexall":        stdlib.RegexAllFunc,
		"replace":         stdlib.ReplaceFunc,
		"split":           stdlib.SplitFunc,
		"strrev":          stdlib.ReverseFunc,
		"substr":          stdlib.SubstrFunc,
		"title":           stdlib.TitleFunc,
		"trim":            stdlib.TrimFunc,
		"trimprefix":      stdlib.TrimPrefixFunc,
		"trimsuffix":      stdlib.TrimSuffixFunc,
		"trimspace":       stdlib.TrimSpaceFunc,
		"upper":           stdlib.UpperFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"coalesce":        stdlib.CoalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"flatten":         stdlib.FlattenFunc,
		"index":           stdlib.IndexFunc,
		"keys":            stdlib.KeysFunc,
		"length":          stdlib.LengthFunc,
		"lookup":          stdlib.LookupFunc,
		"merge":           stdlib.MergeFunc,
		"range":           stdlib.RangeFunc,
		"reverse":         stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setproduct":      stdlib.SetProductFunc,
		"setsubtract":     stdlib.SetSubtractFunc,
		"setunion":        stdlib.SetUnionFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,
		"csvdecode":       stdlib.CSVDecodeFunc,
		"jsondecode":      stdlib.JSONDecodeFunc,
		"jsonencode":      stdlib.JSONEncodeFunc,
		"formatdate":      stdlib.FormatDateFunc,
		"timeadd":         stdlib.TimeAddFunc,
		"tobool":          stdlib.MakeToFunc(cty.Bool),
		"tonumber":        stdlib.MakeToFunc(cty.Number),
		"tostring":        stdlib.MakeToFunc(cty.String),
		"tolist":          stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"toset":           stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tomap":           stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"try":             tryfunc.TryFunc,
		"can":             tryfunc.CanFunc,
		"file":            c.fileFunc(),
	}
	// templatefile sees every function but itself, so a template cannot
	// recurse into templates.
	inner := make(map[string]function.Function, len(fns))
	for k, v := range fns {
		inner[k] = v
	}
	fns["templatefile"] = c.templateFileFunc(inner)
	return fns
}

// readRelative reads name relative to the blueprint's directory.
func (c *compiler) readRelative(name string) ([]byte, error) {
	if c.opts.ReadFile == nil {
		return nil, fmt.Errorf("no file access: this blueprint was given as source text without a directory")
	}
	p := name
	if !filepath.IsAbs(p) && !path.IsAbs(p) {
		p = filepath.Join(c.opts.Dir, name)
	}
	b, err := c.opts.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if len(b) > maxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxFileSize)
	}
	return b, nil
}

func (c *compiler) fileFunc() function.Function {
	return function.New(&function.Spec{
		Description: "Reads a file relative to the blueprint's directory as a UTF-8 string.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			b, err := c.readRelative(args[0].AsString())
			if err != nil {
				return cty.NilVal, err
			}
			if !utf8.Valid(b) {
				return cty.NilVal, fmt.Errorf("%s is not valid UTF-8", args[0].AsString())
			}
			return cty.StringVal(string(b)), nil
		},
	})
}

func (c *compiler) templateFileFunc(fns map[string]function.Function) function.Function {
	return function.New(&function.Spec{
		Description: "Renders a template file relative to the blueprint's directory with the given variables.",
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
			{Name: "vars", Type: cty.DynamicPseudoType},
		},
		Type: function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			b, err := c.readRelative(name)
			if err != nil {
				return cty.NilVal, err
			}
			vars := args[1]
			if vars.IsNull() || !vars.IsKnown() || (!vars.Type().IsObjectType() && !vars.Type().IsMapType()) {
				return cty.NilVal, fmt.Errorf("vars must be an object or a map")
			}
			expr, diags := hclsyntax.ParseTemplate(b, name, hcl.Pos{Line: 1, Column: 1, Byte: 0})
			if diags.HasErrors() {
				return cty.NilVal, fmt.Errorf("parse template %s: %s", name, diags.Error())
			}
			ctx := &hcl.EvalContext{Variables: vars.AsValueMap(), Functions: fns}
			v, diags := expr.Value(ctx)
			if diags.HasErrors() {
				return cty.NilVal, fmt.Errorf("render template %s: %s", name, diags.Error())
			}
			if !v.IsWhollyKnown() || v.IsNull() {
				return cty.NilVal, fmt.Errorf("template %s produced no value", name)
			}
			s, err := convertString(v)
			if err != nil {
				return cty.NilVal, fmt.Errorf("template %s: %w", name, err)
			}
			return cty.StringVal(s), nil
		},
	})
}
