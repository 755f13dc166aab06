package blueprints

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
)

// reader reads the attributes of one block through the compiler's
// evaluation context, recording a diagnostic for every bad value.
type reader struct {
	c       *compiler
	content *hcl.BodyContent
	ranges  ranges
}

// read decodes body against schema. Unknown or duplicate attributes and
// blocks become diagnostics here; nested blocks the schema allows once are
// checked for duplicates too.
func (c *compiler) read(body hcl.Body, schema *hcl.BodySchema, def hcl.Range) *reader {
	content, diags := body.Content(schema)
	c.diags = append(c.diags, diags...)
	if content == nil {
		content = &hcl.BodyContent{Attributes: hcl.Attributes{}}
	}
	r := &reader{c: c, content: content, ranges: ranges{Def: def, attrs: map[string]hcl.Range{}}}
	for name, a := range content.Attributes {
		r.ranges.attrs[name] = a.Expr.Range()
	}
	seen := map[string]*hcl.Block{}
	for _, b := range content.Blocks {
		if len(b.Labels) > 0 {
			continue
		}
		if first, dup := seen[b.Type]; dup && !repeatable[b.Type] {
			c.errorf(&b.DefRange, "Duplicate "+b.Type+" block",
				"Only one %s block is allowed here; the first is at %s.", b.Type, first.DefRange.String())
			continue
		}
		seen[b.Type] = b
		r.ranges.attrs[b.Type] = b.DefRange
	}
	return r
}

// repeatable lists the unlabelled blocks that may appear more than once.
var repeatable = map[string]bool{"listener": true, "validation": true, "locals": true}

// block returns the first nested block of type t, or nil.
func (r *reader) block(t string) *hcl.Block {
	for _, b := range r.content.Blocks {
		if b.Type == t {
			return b
		}
	}
	return nil
}

// blocks returns every nested block of type t.
func (r *reader) blocks(t string) []*hcl.Block {
	var out []*hcl.Block
	for _, b := range r.content.Blocks {
		if b.Type == t {
			out = append(out, b)
		}
	}
	return out
}

// value evaluates attribute name and converts it to ty. ok is false when the
// attribute is absent or was wrong (a diagnostic was recorded).
func (r *reader) value(name string, ty cty.Type) (v cty.Value, ok bool) {
	a, present := r.content.Attributes[name]
	if !present {
		return cty.NilVal, false
	}
	return r.c.eval(a.Expr, ty, name)
}

// eval checks the references of expr, evaluates it and converts it to ty.
func (c *compiler) eval(expr hcl.Expression, ty cty.Type, what string) (cty.Value, bool) {
	if c.checkRefs(expr) {
		return cty.NilVal, false
	}
	v, diags := expr.Value(c.ctx)
	c.diags = append(c.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	rng := expr.Range()
	if !v.IsWhollyKnown() {
		// Inputs are always known, so an unknown comes from a variable or
		// local that failed and was reported already.
		if !c.diags.HasErrors() {
			c.errorf(&rng, "Unknown value", "The value of %s must be known when the blueprint is compiled.", what)
		}
		return cty.NilVal, false
	}
	v, _ = v.Unmark()
	if v.IsNull() {
		return cty.NilVal, false
	}
	if ty == cty.DynamicPseudoType {
		return v, true
	}
	cv, err := convert.Convert(v, ty)
	if err != nil {
		c.errorf(&rng, "Invalid value for "+what, "Expected %s: %s.", friendlyType(ty), err.Error())
		return cty.NilVal, false
	}
	return cv, true
}

func friendlyType(ty cty.Type) string {
	switch {
	case ty == cty.String:
		return "a string"
	case ty == cty.Number:
		return "a number"
	case ty == cty.Bool:
		return "true or false"
	case ty.IsListType() && ty.ElementType() == cty.String:
		return "a list of strings"
	case ty.IsMapType() && ty.ElementType() == cty.String:
		return "a map of strings"
	case ty.IsMapType() && ty.ElementType() == cty.Number:
		return "a map of numbers"
	}
	return ty.FriendlyName()
}

// str reads a string attribute; def when absent.
func (r *reader) str(name, def string) string {
	v, ok := r.value(name, cty.String)
	if !ok {
		return def
	}
	return v.AsString()
}

// integer reads a whole number within [lo, hi]; def when absent or wrong.
func (r *reader) integer(name string, def, lo, hi int) int {
	v, ok := r.value(name, cty.Number)
	if !ok {
		return def
	}
	return r.c.toInt(v, r.ranges.At(name), name, def, lo, hi)
}

func (c *compiler) toInt(v cty.Value, rng *hcl.Range, name string, def, lo, hi int) int {
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		c.errorf(rng, "Invalid value for "+name, "Expected a whole number, got %s.", bf.Text('g', 10))
		return def
	}
	i, acc := bf.Int64()
	if acc != big.Exact || i < int64(lo) || i > int64(hi) {
		c.errorf(rng, "Invalid value for "+name, "Must be between %d and %d, got %s.", lo, hi, bf.Text('g', 10))
		return def
	}
	return int(i)
}

// boolean reads a bool attribute; def when absent.
func (r *reader) boolean(name string, def bool) bool {
	v, ok := r.value(name, cty.Bool)
	if !ok {
		return def
	}
	return v.True()
}

// strList reads a list of strings; nil when absent.
func (r *reader) strList(name string) []string {
	v, ok := r.value(name, cty.List(cty.String))
	if !ok {
		return nil
	}
	out := make([]string, 0, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			r.c.errorf(r.ranges.At(name), "Invalid value for "+name, "The list must not contain null.")
			return nil
		}
		out = append(out, e.AsString())
	}
	return out
}

// strMap reads a map of strings; nil when absent.
func (r *reader) strMap(name string) map[string]string {
	v, ok := r.value(name, cty.Map(cty.String))
	if !ok {
		return nil
	}
	out := map[string]string{}
	for k, e := range v.AsValueMap() {
		if e.IsNull() {
			r.c.errorf(r.ranges.At(name), "Invalid value for "+name, "The value of %q must not be null.", k)
			return nil
		}
		out[k] = e.AsString()
	}
	return out
}

// perRegion reads an attribute that is either one string for every region
// or a map from region name to string; the names are checked by the caller.
func (r *reader) perRegion(name string) map[string]string {
	v, ok := r.value(name, cty.DynamicPseudoType)
	if !ok {
		return nil
	}
	if v.Type().IsObjectType() || v.Type().IsMapType() {
		m, err := convert.Convert(v, cty.Map(cty.String))
		if err != nil {
			r.c.errorf(r.ranges.At(name), "Invalid value for "+name, "Expected a string or a map from region name to string: %s.", err.Error())
			return nil
		}
		out := map[string]string{}
		for k, e := range m.AsValueMap() {
			if !e.IsNull() {
				out[k] = e.AsString()
			}
		}
		return out
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil {
		r.c.errorf(r.ranges.At(name), "Invalid value for "+name, "Expected a string or a map from region name to string.")
		return nil
	}
	return map[string]string{"": s.AsString()}
}

// perCloud reads an attribute that is either one string for every cloud or
// a map from cloud name to string ({ aws = "t3.small", gcp = "e2-medium" }).
func (r *reader) perCloud(name string) map[string]string {
	v, ok := r.value(name, cty.DynamicPseudoType)
	if !ok {
		return nil
	}
	if v.Type().IsObjectType() || v.Type().IsMapType() {
		m, err := convert.Convert(v, cty.Map(cty.String))
		if err != nil {
			r.c.errorf(r.ranges.At(name), "Invalid value for "+name, "Expected a string or a map from cloud (aws, gcp, bare_metal) to string: %s.", err.Error())
			return nil
		}
		out := map[string]string{}
		for k, e := range m.AsValueMap() {
			if !validClouds[k] {
				r.c.errorf(r.ranges.At(name), "Invalid value for "+name, "Unknown cloud %q in the map; expected aws, gcp or bare_metal.", k)
				return nil
			}
			if e.IsNull() {
				continue
			}
			out[k] = e.AsString()
		}
		return out
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil {
		r.c.errorf(r.ranges.At(name), "Invalid value for "+name, "Expected a string or a map from cloud to string.")
		return nil
	}
	return map[string]string{"": s.AsString()}
}

// duration reads "10s", "5m", "35d" or a number of seconds.
func (r *reader) duration(name string, def time.Duration) time.Duration {
	v, ok := r.value(name, cty.DynamicPseudoType)
	if !ok {
		return def
	}
	rng := r.ranges.At(name)
	if v.Type() == cty.Number {
		f, _ := v.AsBigFloat().Float64()
		if f < 0 || math.IsInf(f, 0) || f > 1e9 {
			r.c.errorf(rng, "Invalid duration", "A number of seconds for %s must be between 0 and 1e9.", name)
			return def
		}
		return time.Duration(f * float64(time.Second))
	}
	sv, err := convert.Convert(v, cty.String)
	if err != nil {
		r.c.errorf(rng, "Invalid duration", "Expected a duration such as \"10s\", \"5m\" or \"35d\" for %s.", name)
		return def
	}
	d, err := lang.ParseDuration(sv.AsString())
	if err != nil {
		r.c.errorf(rng, "Invalid duration", "%s: %s.", name, err.Error())
		return def
	}
	return d
}

// maxLag reads replication.max_lag: a duration (how far a replica may lag),
// or a size of WAL ("16MiB", bare metal: Patroni's maximum_lag_on_failover).
func (r *reader) maxLag() (time.Duration, int64) {
	v, ok := r.value("max_lag", cty.DynamicPseudoType)
	if !ok {
		return 0, 0
	}
	if v.Type() == cty.String {
		if b, err := lang.ParseSize(v.AsString()); err == nil {
			return 0, b
		}
	}
	return r.duration("max_lag", 0), 0
}

// sizeGiB reads "256GiB" (or a number of GiB) as whole GiB, rounded up.
func (r *reader) sizeGiB(name string, def int) int {
	v, ok := r.value(name, cty.DynamicPseudoType)
	if !ok {
		return def
	}
	rng := r.ranges.At(name)
	if v.Type() == cty.Number {
		return r.c.toInt(v, rng, name, def, 0, 1<<20)
	}
	sv, err := convert.Convert(v, cty.String)
	if err != nil {
		r.c.errorf(rng, "Invalid size", "Expected a size such as \"256GiB\" for %s.", name)
		return def
	}
	b, err := lang.ParseSize(sv.AsString())
	if err != nil {
		r.c.errorf(rng, "Invalid size", "%s: %s.", name, err.Error())
		return def
	}
	gib := (b + (1<<30 - 1)) >> 30
	if gib > 1<<20 {
		r.c.errorf(rng, "Invalid size", "%s: at most 1048576GiB.", name)
		return def
	}
	return int(gib)
}

// oneOf checks that attribute name, when written, is one of allowed.
func (r *reader) oneOf(name, val string, allowed ...string) bool {
	for _, a := range allowed {
		if val == a {
			return true
		}
	}
	r.c.errorf(r.ranges.At(name), "Invalid value for "+name, "%q is not one of %s.", val, quoteList(allowed))
	return false
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// checkRefs reports references to things the blueprint does not declare.
// It returns true when it found any, so that evaluation is skipped and the
// user sees one clear error instead of two.
func (c *compiler) checkRefs(expr hcl.Expression) bool {
	bad := false
	for _, t := range expr.Variables() {
		root := t.RootName()
		var names map[string]bool
		var what string
		switch root {
		case "var":
			names, what = c.varNames, "input variable"
		case "local":
			names, what = c.localNames, "local value"
		case "region":
			names, what = c.regionNames, "region"
		case "tier":
			names, what = c.tierNames, "tier"
		case "database":
			names, what = c.databaseNames, "database"
		case "cache":
			names, what = c.cacheNames, "cache"
		case "object_store":
			names, what = c.objectStoreNames, "object store"
		default:
			rng := t.SourceRange()
			c.errorf(&rng, "Unknown reference", "%q is not something a blueprint can refer to; references start with var., local., region., tier., database., cache. or object_store.", root)
			bad = true
			continue
		}
		if len(t) < 2 {
			rng := t.SourceRange()
			c.errorf(&rng, "Invalid reference", "A reference to a %s needs its name, like %s.NAME.", what, root)
			bad = true
			continue
		}
		var name string
		switch step := t[1].(type) {
		case hcl.TraverseAttr:
			name = step.Name
		case hcl.TraverseIndex:
			if step.Key.Type() == cty.String && step.Key.IsKnown() && !step.Key.IsNull() {
				name = step.Key.AsString()
			}
		}
		if name == "" || !names[name] {
			rng := t.SourceRange()
			c.errorf(&rng, "Reference to undeclared "+what,
				"No %s named %q is declared in this blueprint.%s", what, name, suggest(name, names))
			bad = true
		}
	}
	return bad
}

// suggest names the closest declared name, when one is close.
func suggest(name string, names map[string]bool) string {
	return lang.Suggest(name, sortedKeys(names))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
