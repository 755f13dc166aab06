// Package tfmodel moves values between Terraform's wire values and a
// resource's model (a struct with tfsdk tags), as tfsdk's Get and Set do,
// for a fraction of the CPU.
//
// Why: the plugin framework's reflection finds a struct's fields anew on
// every Get and Set, compiling a regular expression per field to check its
// tag; in a plan of a few hundred resources that was a sixth of the
// provider's CPU. Here the fields of each struct type are found once. The
// rules are the framework's: attr.Value fields are built by the schema's
// type (ValueFromTerraform) and written with ToTerraformValue; nested
// structs, pointers to structs, slices and maps of them, and plain Go
// strings, bools and numbers map to objects, lists, sets and maps; a null
// fills a nil pointer, slice or map; an unknown into a plain Go type, a
// null into one that cannot be nil, and a field with no attribute (or an
// attribute with no field) are errors naming the path.
package tfmodel

import (
	"context"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Get fills target (a pointer to a model struct) from a configuration,
// plan or state, like its own Get method.
func Get[D tfsdk.Config | tfsdk.Plan | tfsdk.State](ctx context.Context, data D, target any) diag.Diagnostics {
	var raw tftypes.Value
	var typ attr.Type
	switch d := any(data).(type) {
	case tfsdk.Config:
		raw, typ = d.Raw, typeOf(d.Schema)
	case tfsdk.Plan:
		raw, typ = d.Raw, typeOf(d.Schema)
	case tfsdk.State:
		raw, typ = d.Raw, typeOf(d.Schema)
	}
	return Into(ctx, typ, raw, target)
}

// Set writes src (a model struct or a pointer to one) into a plan or
// state, like its own Set method; on error the data is left as it was.
func Set[D *tfsdk.Plan | *tfsdk.State](ctx context.Context, data D, src any) diag.Diagnostics {
	switch d := any(data).(type) {
	case *tfsdk.Plan:
		return set(ctx, typeOf(d.Schema), &d.Raw, src)
	case *tfsdk.State:
		return set(ctx, typeOf(d.Schema), &d.Raw, src)
	}
	return nil
}

func set(ctx context.Context, typ attr.Type, raw *tftypes.Value, src any) diag.Diagnostics {
	v, diags := From(ctx, typ, src)
	if !diags.HasError() {
		*raw = v
	}
	return diags
}

// Into fills target (a pointer) from val, whose schema type is typ.
func Into(ctx context.Context, typ attr.Type, val tftypes.Value, target any) diag.Diagnostics {
	v := reflect.ValueOf(target)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return errorAt(path.Empty(), fmt.Sprintf("target must be a non-nil pointer, got %T", target))
	}
	var e errs
	into(ctx, typ, val, v.Elem(), &e)
	return e.diagnostics()
}

// From is the value of src under the schema type typ.
func From(ctx context.Context, typ attr.Type, src any) (tftypes.Value, diag.Diagnostics) {
	var e errs
	v := from(ctx, typ, reflect.ValueOf(src), &e)
	return v, e.diagnostics()
}

var (
	attrValueType = reflect.TypeFor[attr.Value]()
	bigFloatType  = reflect.TypeFor[*big.Float]()
)

// field is one tagged field of a model struct; index reaches through
// embedded structs, whose fields count as the model's own.
type field struct {
	name  string
	index []int
}

var fieldCache sync.Map // reflect.Type -> []field

// fields lists t's tagged fields, found once per type.
func fields(t reflect.Type) ([]field, error) {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field), nil
	}
	out, err := collectFields(t, nil, map[string]bool{})
	if err != nil {
		return nil, err
	}
	fieldCache.Store(t, out)
	return out, nil
}

func collectFields(t reflect.Type, prefix []int, seen map[string]bool) ([]field, error) {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, tagged := sf.Tag.Lookup("tfsdk")
		if tag == "-" || (!sf.IsExported() && !sf.Anonymous) {
			continue
		}
		index := append(append([]int(nil), prefix...), i)
		if sf.Anonymous {
			if tagged {
				return nil, fmt.Errorf("%s: embedded %s cannot have a tfsdk tag", t, sf.Name)
			}
			if sf.Type.Kind() != reflect.Struct {
				return nil, fmt.Errorf("%s: embedded %s must be a struct, not %s", t, sf.Name, sf.Type)
			}
			inner, err := collectFields(sf.Type, index, seen)
			if err != nil {
				return nil, err
			}
			out = append(out, inner...)
			continue
		}
		if !tagged {
			return nil, fmt.Errorf("%s.%s has no tfsdk tag (use \"-\" to leave it out)", t, sf.Name)
		}
		if !validName(tag) || seen[tag] {
			return nil, fmt.Errorf("%s.%s: tfsdk tag %q is not a valid, unique attribute name", t, sf.Name, tag)
		}
		seen[tag] = true
		out = append(out, field{name: tag, index: index})
	}
	return out, nil
}

func validName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_'
	}) < 0
}

func into(ctx context.Context, typ attr.Type, val tftypes.Value, target reflect.Value, e *errs) {
	t := target.Type()
	if t.Implements(attrValueType) {
		av, err := typ.ValueFromTerraform(ctx, val)
		if err != nil {
			e.add(err.Error())
			return
		}
		if reflect.TypeOf(av) != t {
			e.add(fmt.Sprintf("the schema builds %T, the model holds %s", av, t))
			return
		}
		target.Set(reflect.ValueOf(av))
		return
	}
	if !val.IsKnown() {
		e.add(fmt.Sprintf("unknown value, and %s cannot hold one: use a types package type", t))
		return
	}
	if val.IsNull() {
		switch target.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			target.SetZero()
		default:
			e.add(fmt.Sprintf("null value, and %s cannot hold one: use a types package type or a pointer", t))
		}
		return
	}
	if t == bigFloatType {
		if f, ok := as[*big.Float](val, e); ok {
			target.Set(reflect.ValueOf(f))
		}
		return
	}
	switch target.Kind() {
	case reflect.Struct:
		ot, ok := typ.(attr.TypeWithAttributeTypes)
		if !ok {
			e.add(fmt.Sprintf("%s needs an object schema type, not %T", t, typ))
			return
		}
		fs, err := fields(t)
		if err != nil {
			e.add(err.Error())
			return
		}
		attrs, ok := as[map[string]tftypes.Value](val, e)
		if !ok {
			return
		}
		types := attributeTypes(ot)
		if !sameNames(fs, types) {
			e.add(mismatch(t, fs, types))
			return
		}
		for _, f := range fs {
			n := e.mark()
			into(ctx, types[f.name], attrs[f.name], target.FieldByIndex(f.index), e)
			e.under(n, path.PathStepAttributeName(f.name))
		}
	case reflect.Pointer:
		elem := reflect.New(t.Elem())
		into(ctx, typ, val, elem.Elem(), e)
		target.Set(elem)
	case reflect.Slice:
		et, ok := typ.(attr.TypeWithElementType)
		if !ok {
			e.add(fmt.Sprintf("%s needs a list or set schema type, not %T", t, typ))
			return
		}
		elems, ok := as[[]tftypes.Value](val, e)
		if !ok {
			return
		}
		out := reflect.MakeSlice(t, len(elems), len(elems))
		for i, el := range elems {
			n := e.mark()
			into(ctx, et.ElementType(), el, out.Index(i), e)
			e.under(n, path.PathStepElementKeyInt(i))
		}
		target.Set(out)
	case reflect.Map:
		et, ok := typ.(attr.TypeWithElementType)
		if !ok {
			e.add(fmt.Sprintf("%s needs a map schema type, not %T", t, typ))
			return
		}
		elems, ok := as[map[string]tftypes.Value](val, e)
		if !ok {
			return
		}
		out := reflect.MakeMapWithSize(t, len(elems))
		for k, el := range elems {
			ev := reflect.New(t.Elem()).Elem()
			n := e.mark()
			into(ctx, et.ElementType(), el, ev, e)
			e.under(n, path.PathStepElementKeyString(k))
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		target.Set(out)
	case reflect.String:
		if s, ok := as[string](val, e); ok {
			target.SetString(s)
		}
	case reflect.Bool:
		if b, ok := as[bool](val, e); ok {
			target.SetBool(b)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := as[*big.Float](val, e)
		if !ok {
			return
		}
		i, acc := n.Int64()
		if acc != big.Exact || target.OverflowInt(i) {
			e.add(fmt.Sprintf("%s does not fit %s", n.String(), t))
			return
		}
		target.SetInt(i)
	case reflect.Float32, reflect.Float64:
		n, ok := as[*big.Float](val, e)
		if !ok {
			return
		}
		f, _ := n.Float64()
		target.SetFloat(f)
	default:
		e.add(fmt.Sprintf("cannot hold %s in %s", val.Type(), t))
	}
}

// as decodes val into a T, reporting a failure.
func as[T any](val tftypes.Value, e *errs) (T, bool) {
	var out T
	if err := val.As(&out); err != nil {
		e.add(err.Error())
		return out, false
	}
	return out, true
}

func from(ctx context.Context, typ attr.Type, src reflect.Value, e *errs) tftypes.Value {
	tfType := terraformType(ctx, typ)
	if !src.IsValid() {
		return tftypes.NewValue(tfType, nil)
	}
	if src.Type().Implements(attrValueType) {
		if src.Kind() == reflect.Pointer && src.IsNil() {
			return tftypes.NewValue(tfType, nil)
		}
		av := src.Interface().(attr.Value)
		// The framework's safety net: a value of another type (a list of
		// strings where the schema has a list of objects) is the
		// provider's error, not Terraform's.
		if !tfType.Equal(valueTerraformType(ctx, av.Type(ctx))) {
			e.add(fmt.Sprintf("value of type %s where the schema has %s", av.Type(ctx), typ))
			return tftypes.Value{}
		}
		v, err := av.ToTerraformValue(ctx)
		if err != nil {
			e.add(err.Error())
		}
		return v
	}
	if src.Type() == bigFloatType {
		if src.IsNil() {
			return tftypes.NewValue(tfType, nil)
		}
		return tftypes.NewValue(tfType, new(big.Float).Copy(src.Interface().(*big.Float)))
	}
	switch src.Kind() {
	case reflect.Struct:
		ot, ok := typ.(attr.TypeWithAttributeTypes)
		if !ok {
			e.add(fmt.Sprintf("%s needs an object schema type, not %T", src.Type(), typ))
			return tftypes.Value{}
		}
		fs, err := fields(src.Type())
		if err != nil {
			e.add(err.Error())
			return tftypes.Value{}
		}
		types := attributeTypes(ot)
		if !sameNames(fs, types) {
			e.add(mismatch(src.Type(), fs, types))
			return tftypes.Value{}
		}
		vals := make(map[string]tftypes.Value, len(fs))
		for _, f := range fs {
			n := e.mark()
			vals[f.name] = from(ctx, types[f.name], src.FieldByIndex(f.index), e)
			e.under(n, path.PathStepAttributeName(f.name))
		}
		if e.hasError() {
			return tftypes.Value{}
		}
		return tftypes.NewValue(tfType, vals)
	case reflect.Pointer, reflect.Interface:
		if src.IsNil() {
			return tftypes.NewValue(tfType, nil)
		}
		return from(ctx, typ, src.Elem(), e)
	case reflect.Slice:
		if src.IsNil() {
			return tftypes.NewValue(tfType, nil)
		}
		et, ok := typ.(attr.TypeWithElementType)
		if !ok {
			e.add(fmt.Sprintf("%s needs a list or set schema type, not %T", src.Type(), typ))
			return tftypes.Value{}
		}
		elems := make([]tftypes.Value, src.Len())
		for i := range elems {
			n := e.mark()
			elems[i] = from(ctx, et.ElementType(), src.Index(i), e)
			e.under(n, path.PathStepElementKeyInt(i))
		}
		if e.hasError() {
			return tftypes.Value{}
		}
		return tftypes.NewValue(tfType, elems)
	case reflect.Map:
		if src.IsNil() {
			return tftypes.NewValue(tfType, nil)
		}
		et, ok := typ.(attr.TypeWithElementType)
		if !ok {
			e.add(fmt.Sprintf("%s needs a map schema type, not %T", src.Type(), typ))
			return tftypes.Value{}
		}
		elems := make(map[string]tftypes.Value, src.Len())
		iter := src.MapRange()
		for iter.Next() {
			k := iter.Key().String()
			n := e.mark()
			elems[k] = from(ctx, et.ElementType(), iter.Value(), e)
			e.under(n, path.PathStepElementKeyString(k))
		}
		if e.hasError() {
			return tftypes.Value{}
		}
		return tftypes.NewValue(tfType, elems)
	case reflect.String:
		return primitive(tfType, tftypes.String, src.String(), e)
	case reflect.Bool:
		return primitive(tfType, tftypes.Bool, src.Bool(), e)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return primitive(tfType, tftypes.Number, new(big.Float).SetInt64(src.Int()), e)
	case reflect.Float32, reflect.Float64:
		return primitive(tfType, tftypes.Number, big.NewFloat(src.Float()), e)
	}
	e.add(fmt.Sprintf("cannot write %s as %s", src.Type(), typ))
	return tftypes.Value{}
}

func primitive(tfType, want tftypes.Type, v any, e *errs) tftypes.Value {
	if !tfType.Is(want) {
		e.add(fmt.Sprintf("a %s where the schema has %s", want, tfType))
		return tftypes.Value{}
	}
	return tftypes.NewValue(tfType, v)
}

func sameNames(fs []field, types map[string]attr.Type) bool {
	if len(fs) != len(types) {
		return false
	}
	for _, f := range fs {
		if _, ok := types[f.name]; !ok {
			return false
		}
	}
	return true
}

func mismatch(t reflect.Type, fs []field, types map[string]attr.Type) string {
	var missing, extra []string
	have := map[string]bool{}
	for _, f := range fs {
		have[f.name] = true
		if _, ok := types[f.name]; !ok {
			extra = append(extra, f.name)
		}
	}
	for name := range types {
		if !have[name] {
			missing = append(missing, name)
		}
	}
	return fmt.Sprintf("%s does not match the schema: attributes without a field %v, fields without an attribute %v", t, missing, extra)
}

func errorAt(p path.Path, detail string) diag.Diagnostics {
	var d diag.Diagnostics
	d.AddAttributeError(p, "Value Conversion Error",
		"An unexpected error was encountered converting a value. This is always an error in the provider. "+
			"Please report the following to the provider developer:\n\n"+detail)
	return d
}

// errs collects conversion errors. A value's path is built only for an
// error: each caller adds its step to the errors of the value inside it on
// the way out, so a read or write without errors builds no path at all.
type errs struct{ list []convErr }

type convErr struct {
	steps  []path.PathStep // innermost first
	detail string
}

func (e *errs) add(detail string) { e.list = append(e.list, convErr{detail: detail}) }

func (e *errs) hasError() bool { return len(e.list) > 0 }

// mark is where the errors of a value about to be read or written start.
func (e *errs) mark() int { return len(e.list) }

// under puts the errors from mark n on under step.
func (e *errs) under(n int, step path.PathStep) {
	for i := n; i < len(e.list); i++ {
		e.list[i].steps = append(e.list[i].steps, step)
	}
}

func (e *errs) diagnostics() diag.Diagnostics {
	var d diag.Diagnostics
	for _, ce := range e.list {
		p := path.Empty()
		for i := len(ce.steps) - 1; i >= 0; i-- {
			switch s := ce.steps[i].(type) {
			case path.PathStepAttributeName:
				p = p.AtName(string(s))
			case path.PathStepElementKeyInt:
				p = p.AtListIndex(int(s))
			case path.PathStepElementKeyString:
				p = p.AtMapKey(string(s))
			}
		}
		d.Append(errorAt(p, ce.detail)...)
	}
	return d
}
