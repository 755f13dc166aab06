// Package wirejson reads a resource's saved state, the JSON Terraform keeps
// in its state file, into terraform-plugin-go's tftypes.Value, as
// tftypes.ValueFromJSONWithOpts does, in one pass over the bytes.
//
// Why: Terraform sends each resource's saved state as JSON in
// UpgradeResourceState, once per resource in every refresh (plan, apply,
// destroy). tftypes' reader starts a new encoding/json.Decoder for every
// nested value and reads it again from its raw bytes at each level down;
// that was a tenth of the provider's CPU over a plan and destroy of 200 names
// (bench/peer). This reader walks the bytes once.
package wirejson

import (
	"encoding/json"
	"math/big"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The primitive types boxed once, for the values built from them and the
// checks of a type against them.
var (
	tfString  tftypes.Type = tftypes.String
	tfNumber  tftypes.Type = tftypes.Number
	tfBool    tftypes.Type = tftypes.Bool
	tfDynamic tftypes.Type = tftypes.DynamicPseudoType
)

// Decode reads data as tftypes.ValueFromJSONWithOpts(data, typ, opts) does
// and returns what it returns. State in the form Terraform writes it (each
// value in its own JSON kind, no dynamic values) is read here; anything else
// (a number written as a string, a dynamic value, damaged JSON) is left to
// tftypes, so the values and the error messages are tftypes' own.
func Decode(data []byte, typ tftypes.Type, opts tftypes.ValueFromJSONOpts) (tftypes.Value, error) {
	d := decoder{buf: data, ignoreUndefined: opts.IgnoreUndefinedAttributes}
	if v, ok := d.value(typ); ok {
		d.space()
		if d.off == len(d.buf) {
			return v, nil
		}
	}
	return tftypes.ValueFromJSONWithOpts(data, typ, opts) //nolint:staticcheck // the reference reader, for what this one leaves
}

// decoder reads one value; ok false means "not in the form read here",
// whatever the reason: the caller then asks tftypes.
type decoder struct {
	buf             []byte
	off             int
	ignoreUndefined bool
}

func (d *decoder) space() {
	for d.off < len(d.buf) {
		switch d.buf[d.off] {
		case ' ', '\t', '\n', '\r':
			d.off++
		default:
			return
		}
	}
}

// next is the next byte after white space, not consumed; 0 at the end.
func (d *decoder) next() byte {
	d.space()
	if d.off == len(d.buf) {
		return 0
	}
	return d.buf[d.off]
}

// literal consumes word (null, true, false) if it is next.
func (d *decoder) literal(word string) bool {
	if len(d.buf)-d.off < len(word) || string(d.buf[d.off:d.off+len(word)]) != word {
		return false
	}
	d.off += len(word)
	return true
}

func (d *decoder) value(typ tftypes.Type) (tftypes.Value, bool) {
	// A dynamic value travels with its type, and tftypes infers a list's
	// or set's element type from dynamic elements: both are left to it.
	if typ == nil || typ.Is(tfDynamic) {
		return tftypes.Value{}, false
	}
	c := d.next()
	if c == 'n' {
		if !d.literal("null") {
			return tftypes.Value{}, false
		}
		return tftypes.NewValue(typ, nil), true
	}
	switch typ := typ.(type) {
	case tftypes.Object:
		return d.object(typ)
	case tftypes.List:
		if typ.ElementType == nil || typ.ElementType.Is(tfDynamic) {
			return tftypes.Value{}, false // even [], whose element type tftypes infers
		}
		vals, ok := d.array(func(int) tftypes.Type { return typ.ElementType })
		if !ok {
			return tftypes.Value{}, false
		}
		return build(tftypes.List{ElementType: typ.ElementType}, vals)
	case tftypes.Set:
		if typ.ElementType == nil || typ.ElementType.Is(tfDynamic) {
			return tftypes.Value{}, false
		}
		vals, ok := d.array(func(int) tftypes.Type { return typ.ElementType })
		if !ok {
			return tftypes.Value{}, false
		}
		return build(tftypes.Set{ElementType: typ.ElementType}, vals)
	case tftypes.Tuple:
		vals, ok := d.array(func(i int) tftypes.Type {
			if i < len(typ.ElementTypes) {
				return typ.ElementTypes[i]
			}
			return nil // more elements than the tuple has
		})
		if !ok || len(vals) != len(typ.ElementTypes) {
			return tftypes.Value{}, false
		}
		return build(tftypes.Tuple{ElementTypes: typ.ElementTypes}, vals)
	case tftypes.Map:
		return d.mapValue(typ.ElementType)
	}
	switch {
	case typ.Is(tfString):
		if c != '"' {
			return tftypes.Value{}, false
		}
		s, ok := d.string()
		if !ok {
			return tftypes.Value{}, false
		}
		return tftypes.NewValue(tfString, s), true
	case typ.Is(tfNumber):
		text, ok := d.number()
		if !ok {
			return tftypes.Value{}, false
		}
		// As tftypes reads a number: its decimal text, at 512 bits.
		f, _, err := big.ParseFloat(text, 10, 512, big.ToNearestEven)
		if err != nil {
			return tftypes.Value{}, false
		}
		return tftypes.NewValue(typ, f), true
	case typ.Is(tfBool):
		switch {
		case d.literal("true"):
			return tftypes.NewValue(tfBool, true), true
		case d.literal("false"):
			return tftypes.NewValue(tfBool, false), true
		}
	}
	return tftypes.Value{}, false
}

// array reads a JSON array, its i-th value of type elem(i).
func (d *decoder) array(elem func(i int) tftypes.Type) ([]tftypes.Value, bool) {
	if d.next() != '[' {
		return nil, false
	}
	d.off++
	vals := []tftypes.Value{} // empty, not null, as tftypes builds it
	if d.next() == ']' {
		d.off++
		return vals, true
	}
	for {
		v, ok := d.value(elem(len(vals)))
		if !ok {
			return nil, false
		}
		vals = append(vals, v)
		switch d.next() {
		case ',':
			d.off++
		case ']':
			d.off++
			return vals, true
		default:
			return nil, false
		}
	}
}

func (d *decoder) mapValue(elem tftypes.Type) (tftypes.Value, bool) {
	vals := map[string]tftypes.Value{}
	ok := d.members(func(key string) bool {
		v, ok := d.value(elem)
		vals[key] = v
		return ok
	})
	if !ok {
		return tftypes.Value{}, false
	}
	return tftypes.NewValue(tftypes.Map{ElementType: elem}, vals), true
}

func (d *decoder) object(typ tftypes.Object) (tftypes.Value, bool) {
	vals := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	ok := d.members(func(key string) bool {
		at, known := typ.AttributeTypes[key]
		if !known {
			// An attribute the schema no longer has: dropped when asked
			// to, else tftypes' error.
			return d.ignoreUndefined && d.skip()
		}
		v, ok := d.value(at)
		vals[key] = v // the last of an attribute written twice, as tftypes keeps it
		return ok
	})
	if !ok {
		return tftypes.Value{}, false
	}
	for k, at := range typ.AttributeTypes {
		if _, set := vals[k]; !set {
			vals[k] = tftypes.NewValue(at, nil)
		}
	}
	// tftypes builds objects of the type without optional attributes.
	return tftypes.NewValue(tftypes.Object{AttributeTypes: typ.AttributeTypes}, vals), true
}

// members reads a JSON object, calling member with each key when the
// decoder is at its value.
func (d *decoder) members(member func(key string) bool) bool {
	if d.next() != '{' {
		return false
	}
	d.off++
	if d.next() == '}' {
		d.off++
		return true
	}
	for {
		if d.next() != '"' {
			return false
		}
		key, ok := d.string()
		if !ok || d.next() != ':' {
			return false
		}
		d.off++
		if !member(key) {
			return false
		}
		switch d.next() {
		case ',':
			d.off++
		case '}':
			d.off++
			return true
		default:
			return false
		}
	}
}

// skip steps over one JSON value of any kind.
func (d *decoder) skip() bool {
	switch d.next() {
	case '{':
		return d.members(func(string) bool { return d.skip() })
	case '[':
		return d.skipArray()
	case '"':
		_, ok := d.string()
		return ok
	case 'n':
		return d.literal("null")
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	default:
		_, ok := d.number()
		return ok
	}
}

func (d *decoder) skipArray() bool {
	d.off++ // the opening bracket
	if d.next() == ']' {
		d.off++
		return true
	}
	for {
		if !d.skip() {
			return false
		}
		switch d.next() {
		case ',':
			d.off++
		case ']':
			d.off++
			return true
		default:
			return false
		}
	}
}

// string reads the JSON string at the decoder. Plain text (valid UTF-8, no
// escapes) is taken as it is; a string with escapes goes through
// encoding/json, which is what tftypes reads strings with.
func (d *decoder) string() (string, bool) {
	start := d.off
	d.off++ // the opening quote
	plain := true
	for d.off < len(d.buf) {
		c := d.buf[d.off]
		switch {
		case c == '"':
			d.off++
			raw := d.buf[start:d.off]
			if plain {
				return string(raw[1 : len(raw)-1]), true
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			plain = false
			d.off += 2
		case c < 0x20:
			return "", false // not valid JSON
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(d.buf[d.off:])
			if r == utf8.RuneError && size == 1 {
				plain = false // encoding/json replaces it with U+FFFD
			}
			d.off += size
		default:
			d.off++
		}
	}
	return "", false
}

// number reads a JSON number (RFC 8259's grammar, as encoding/json checks
// it) and returns its text.
func (d *decoder) number() (string, bool) {
	start := d.off
	b := d.buf
	i := d.off
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return "", false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return "", false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return "", false
		}
	}
	d.off = i
	return string(b[start:i]), true
}

// build is tftypes.NewValue for a collection, which panics on elements
// that break its rules: not read here then.
func build(typ tftypes.Type, vals []tftypes.Value) (v tftypes.Value, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return tftypes.NewValue(typ, vals), true
}
