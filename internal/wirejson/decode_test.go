package wirejson

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/ha-blueprints/terraform-provider-ha/internal/tftypesgen"
)

// marshal writes v, a value of typ, as Terraform writes state: unknowns
// (which state cannot hold) as null, numbers in either of the forms a JSON
// writer may choose, a value in a dynamic slot with its type.
func marshal(b *strings.Builder, v tftypes.Value, typ tftypes.Type, g tftypesgen.Gen) {
	if v.IsNull() || !v.IsKnown() {
		b.WriteString("null")
		return
	}
	if typ.Is(tftypes.DynamicPseudoType) {
		tj, _ := json.Marshal(v.Type())
		b.WriteString(`{"value": `)
		marshal(b, v, v.Type(), g)
		b.WriteString(`, "type": `)
		b.Write(tj)
		b.WriteString("}")
		return
	}
	switch typ := typ.(type) {
	case tftypes.Map, tftypes.Object:
		var m map[string]tftypes.Value
		_ = v.As(&m)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(",")
			}
			j, _ := json.Marshal(k)
			b.Write(j)
			b.WriteString(": ")
			et := tftypes.Type(nil)
			if o, ok := typ.(tftypes.Object); ok {
				et = o.AttributeTypes[k]
			} else {
				et = typ.(tftypes.Map).ElementType
			}
			marshal(b, m[k], et, g)
		}
		b.WriteString("}")
		return
	case tftypes.List, tftypes.Set, tftypes.Tuple:
		var l []tftypes.Value
		_ = v.As(&l)
		b.WriteString("[\n  ")
		for i, e := range l {
			if i > 0 {
				b.WriteString(",\n  ")
			}
			var et tftypes.Type
			switch typ := typ.(type) {
			case tftypes.List:
				et = typ.ElementType
			case tftypes.Set:
				et = typ.ElementType
			case tftypes.Tuple:
				et = typ.ElementTypes[i]
			}
			marshal(b, e, et, g)
		}
		b.WriteString("]")
		return
	}
	switch {
	case typ.Is(tftypes.String):
		var s string
		_ = v.As(&s)
		j, _ := json.Marshal(s)
		b.Write(j)
	case typ.Is(tftypes.Number):
		f := new(big.Float)
		_ = v.As(&f)
		if g.Intn(2) == 0 {
			b.WriteString(f.Text('f', -1))
		} else {
			b.WriteString(f.Text('g', -1))
		}
	case typ.Is(tftypes.Bool):
		var t bool
		_ = v.As(&t)
		if t {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	}
}

// hugeExponent matches numbers that big.ParseFloat takes seconds to read
// (both readers call it alike), which damaged values can make.
var hugeExponent = regexp.MustCompile(`[eE][+-]?0*[0-9]{4,}`)

// panics calls read, turning a panic into its message.
func panics(read func() (tftypes.Value, error)) (v tftypes.Value, msg any, err error) {
	defer func() { msg = recover() }()
	v, err = read()
	return v, nil, err
}

// same checks Decode against tftypes.ValueFromJSONWithOpts on data, both
// ways of treating attributes the type does not have: the same value, or
// the same error. (Where tftypes panics, on some dynamic values, Decode,
// which leaves those to it, panics alike.)
func same(t *testing.T, data []byte, typ tftypes.Type) bool {
	t.Helper()
	for _, ignore := range []bool{true, false} {
		opts := tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: ignore}
		want, wantPanic, wantErr := panics(func() (tftypes.Value, error) {
			return tftypes.ValueFromJSONWithOpts(data, typ, opts) //nolint:staticcheck // the reference
		})
		got, panicked, err := panics(func() (tftypes.Value, error) { return Decode(data, typ, opts) })
		switch {
		case fmt.Sprint(wantPanic) != fmt.Sprint(panicked):
			t.Errorf("%s (type %s, ignore %v): tftypes panics with %v, Decode with %v", data, typ, ignore, wantPanic, panicked)
			return false
		case wantPanic != nil:
			continue
		case (wantErr == nil) != (err == nil):
			t.Errorf("%s (type %s, ignore %v): tftypes error %v, Decode error %v", data, typ, ignore, wantErr, err)
			return false
		case err != nil && err.Error() != wantErr.Error():
			t.Errorf("%s (type %s): tftypes error %q, Decode error %q", data, typ, wantErr, err)
			return false
		// (tftypes' Equal is false for an empty tuple, and its type's, even
		// with itself.)
		case err == nil && ((!got.Equal(want) && want.Equal(want)) || got.String() != want.String() ||
			(!got.Type().Equal(want.Type()) && want.Type().Equal(want.Type()))):
			t.Errorf("%s (type %s, ignore %v):\ntftypes %s (%s)\nDecode  %s (%s)", data, typ, ignore, want, want.Type(), got, got.Type())
			return false
		}
	}
	return true
}

func TestDecodeMatchesTftypes(t *testing.T) {
	g := tftypesgen.New(5)
	var values, damaged int
	for range 3000 {
		typ := g.Type(0) // dynamic slots too: left to tftypes, with the same results
		var b strings.Builder
		marshal(&b, g.Value(typ, 0), typ, g)
		data := []byte(b.String())
		if !same(t, data, typ) {
			return
		}
		values++
		for range 4 {
			d := append([]byte(nil), data...)
			switch g.Intn(3) {
			case 0:
				d = d[:g.Intn(len(d)+1)]
			case 1:
				d[g.Intn(len(d))] = `{}[],:" 0123456789.eE+-tfnu\x`[g.Intn(29)]
			default:
				d[g.Intn(len(d))] = byte(g.Intn(256))
			}
			if hugeExponent.Match(d) {
				continue
			}
			if !same(t, d, typ) {
				return
			}
			damaged++
		}
	}
	t.Logf("%d values and %d damaged ones read alike", values, damaged)
}

// What Terraform's state may hold besides its own writing: states of older
// schemas and of older Terraform versions, and hand edits.
func TestDecodeOtherForms(t *testing.T) {
	obj := tftypes.Object{
		AttributeTypes:     map[string]tftypes.Type{"s": tftypes.String, "n": tftypes.Number, "b": tftypes.Bool, "l": tftypes.List{ElementType: tftypes.String}},
		OptionalAttributes: map[string]struct{}{"s": {}},
	}
	for _, c := range []string{
		`{"s": "a", "n": 1, "b": true, "l": ["x"]}`,
		`{"s": "a", "gone": {"deep": [1, "two", null, {"x": false}]}, "n": 2}`, // an attribute the schema lost
		`{"s": "a", "s": "b"}`,                                                 // written twice: the last
		`{}`,                                                                   // every attribute missing: null
		`null`,                                                                 //
		`{"n": "12.5", "b": "1", "s": 7}`,                                      // numbers and bools as strings, a number as a string
		`{"b": "True"}`,                                                        // not a bool tftypes reads
		`{"s": "\u00fc\/\"\ud83d\ude00\n"}`,                                    // escapes
		"{\"s\": \"\xff\xfe\"}",                                                // not UTF-8: replaced, as encoding/json does
		"{\"s\": \"a\tb\"}",                                                    // a control character: not JSON
		`{"n": 01}`, `{"n": 1.}`, `{"n": -}`,                                   // not JSON numbers
		`{"n": 1e400000}`, `{"n": -0}`, `{"n": 1E+2}`,
		`{"l": ["a",]}`, `{"l": "a"}`, `{"s": "a"} trailing`, `{"s": "a"}   `, ` [`, ``,
	} {
		same(t, []byte(c), obj)
	}
	tuple := tftypes.Tuple{ElementTypes: []tftypes.Type{tftypes.String, tftypes.Bool}}
	for _, c := range []string{`["a", true]`, `["a"]`, `["a", true, 1]`, `[]`} {
		same(t, []byte(c), tuple)
	}
	same(t, []byte(`[]`), tftypes.Tuple{})
	dyn := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"d": tftypes.DynamicPseudoType}}
	for _, c := range []string{`{"d": {"value": "x", "type": "string"}}`, `{"d": null}`, `{"d": "x"}`, `null`} {
		same(t, []byte(c), dyn)
	}
	// Element types tftypes infers from dynamic elements, even of none.
	for _, typ := range []tftypes.Type{tftypes.List{ElementType: tftypes.DynamicPseudoType}, tftypes.Set{ElementType: tftypes.DynamicPseudoType},
		tftypes.Map{ElementType: tftypes.DynamicPseudoType}, tftypes.List{ElementType: tftypes.List{ElementType: tftypes.DynamicPseudoType}}} {
		for _, c := range []string{`[]`, `{}`, `null`, `[{"value": true, "type": "bool"}]`, `{"k": {"value": 1, "type": "number"}}`, `[[]]`} {
			same(t, []byte(c), typ)
		}
	}
	set := tftypes.Set{ElementType: tftypes.Map{ElementType: tftypes.Number}}
	same(t, []byte(`[{"a": 1}, {"a": 1}, {}]`), set)
}

// The state bench/peer's apply leaves for one ha_dns_failover, as
// Terraform's state file holds it.
const failoverState = `{
  "backend": "powerdns", "blueprint": null, "component": null, "create_zone": false,
  "detection_seconds": 6, "fqdn": "n0.bench.test",
  "health_check": {"interval": 1, "path": "/healthz", "port": 8080, "protocol": "HTTP", "threshold": 1},
  "health_check_ids": [], "id": "powerdns/bench.test/n0.bench.test/A", "location": null, "mode": "failover",
  "record_ids": ["bench.test./n0.bench.test./LUA/A"], "record_type": "A",
  "target": [
    {"addresses": ["192.0.2.1"], "dns_name": null, "name": "east", "weight": 0, "zone_id": null},
    {"addresses": ["198.51.100.1"], "dns_name": null, "name": "west", "weight": 0, "zone_id": null}
  ],
  "ttl": 5, "zone": "bench.test", "zone_id": "bench.test."
}`

func failoverType() tftypes.Object {
	str, num := tftypes.String, tftypes.Number
	strs := tftypes.List{ElementType: str}
	return tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"backend": str, "blueprint": str, "component": str, "create_zone": tftypes.Bool, "detection_seconds": num,
		"fqdn": str, "health_check": tftypes.Object{AttributeTypes: map[string]tftypes.Type{
			"interval": num, "path": str, "port": num, "protocol": str, "threshold": num}},
		"health_check_ids": strs, "id": str, "location": str, "mode": str, "record_ids": strs, "record_type": str,
		"target": tftypes.List{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{
			"addresses": strs, "dns_name": str, "name": str, "weight": num, "zone_id": str}}},
		"ttl": num, "zone": str, "zone_id": str,
	}}
}

func TestDecodeFailoverState(t *testing.T) {
	if !same(t, []byte(failoverState), failoverType()) {
		return
	}
	v, err := Decode([]byte(failoverState), failoverType(), tftypes.ValueFromJSONOpts{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		t.Fatal(err)
	}
	var targets []tftypes.Value
	if err := m["target"].As(&targets); err != nil || len(targets) != 2 {
		t.Fatalf("targets %v, %v", targets, err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(failoverState))
	f.Add([]byte(`{"target": [{"name": "a\u0041", "weight": 1e3}], "gone": [1, {"x": null}]}`))
	typ := failoverType()
	f.Fuzz(func(t *testing.T, data []byte) {
		if hugeExponent.Match(data) {
			t.Skip()
		}
		same(t, data, typ)
	})
}

// BenchmarkDecode reads one ha_dns_failover's state, as UpgradeResourceState
// does once per resource per refresh: tftypes' reader against this one.
func BenchmarkDecode(b *testing.B) {
	data, typ := []byte(failoverState), failoverType()
	opts := tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true}
	b.Run("tftypes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tftypes.ValueFromJSONWithOpts(data, typ, opts); err != nil { //nolint:staticcheck // the reference
				b.Fatal(err)
			}
		}
	})
	b.Run("wirejson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(data, typ, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}
