package wiremsgpack

import (
	"bytes"

	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/internal/tftypesgen"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// hasMultiMap reports whether v holds a map of two or more entries, whose
// order tftypes leaves to Go's map iteration.
func hasMultiMap(v tftypes.Value) bool {
	found := false
	_ = tftypes.Walk(v, func(_ *tftypes.AttributePath, v tftypes.Value) (bool, error) {
		if v.Type().Is(tftypes.Map{}) && v.IsKnown() && !v.IsNull() {
			var m map[string]tftypes.Value
			if v.As(&m) == nil && len(m) > 1 {
				found = true
			}
		}
		return !found, nil
	})
	return found
}

func TestEncodeMatchesTftypes(t *testing.T) {
	g := tftypesgen.New(11)
	var sameBytes int
	for i := 0; i < 3000; i++ {
		typ := g.Type(0)
		v := g.Value(typ, 0)
		want, err := v.MarshalMsgPack(typ) //nolint:staticcheck // the reference
		if err != nil {
			t.Fatalf("tftypes encode %s: %v", v, err)
		}
		got, err := Encode(v, typ)
		if err != nil {
			t.Fatalf("Encode %s: %v", v, err)
		}
		if !hasMultiMap(v) {
			if !bytes.Equal(got, want) {
				t.Fatalf("%s as %s:\ntftypes %x\nEncode  %x", v, typ, want, got)
			}
			sameBytes++
		}
		back, p1, err1 := readBack(got, typ)
		ref, p2, err2 := readBack(want, typ)
		if p1 != p2 || (err1 == nil) != (err2 == nil) || (err1 == nil && !back.Equal(ref)) {
			t.Fatalf("%s: Encode's bytes read back as %s (%v, panic %v), tftypes' as %s (%v, panic %v)", v, back, err1, p1, ref, err2, p2)
		}
	}
	if sameBytes < 1000 {
		t.Fatalf("only %d values compared byte for byte", sameBytes)
	}
}

func TestEncodeRefusesIncompleteObjects(t *testing.T) {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"a": tftypes.String}}
	v := tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"b": tftypes.String}},
		map[string]tftypes.Value{"b": tftypes.NewValue(tftypes.String, "x")})
	if _, err := Encode(v, typ); err == nil {
		t.Fatal("an object without the type's attribute was written")
	}
}

func BenchmarkEncode(b *testing.B) {
	g := tftypesgen.New(3)
	typ := benchType
	v := g.Value(typ, 0)
	for v.IsNull() || !v.IsKnown() {
		v = g.Value(typ, 0)
	}
	b.Run("tftypes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.MarshalMsgPack(typ); err != nil { //nolint:staticcheck // the reference
				b.Fatal(err)
			}
		}
	})
	b.Run("wiremsgpack", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Encode(v, typ); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// readBack is tftypes' reading of data, which panics on some values it
// writes itself (lists of dynamic values whose elements differ in type).
func readBack(data []byte, typ tftypes.Type) (v tftypes.Value, panicked bool, err error) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	v, err = tftypes.ValueFromMsgPack(data, typ) //nolint:staticcheck // the reference
	return v, false, err
}
