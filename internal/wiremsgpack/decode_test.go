package wiremsgpack

import (
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/internal/tftypesgen"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// same checks Decode against tftypes.ValueFromMsgPack on data: the same
// value, or an error from both (Decode's where tftypes panics).
func same(t *testing.T, data []byte, typ tftypes.Type) (ok bool) {
	t.Helper()
	var want tftypes.Value
	var wantErr error
	panicked := func() (p bool) {
		defer func() {
			if recover() != nil {
				p = true
			}
		}()
		want, wantErr = tftypes.ValueFromMsgPack(data, typ) //nolint:staticcheck // the reference
		return false
	}()
	got, err := Decode(data, typ)
	switch {
	case panicked:
		if err == nil {
			t.Errorf("tftypes panics on %x (type %s); Decode returned %s and no error", data, typ, got)
			return false
		}
	case (wantErr == nil) != (err == nil):
		t.Errorf("%x (type %s): tftypes error %v, Decode error %v", data, typ, wantErr, err)
		return false
	case err == nil && (!got.Equal(want) || got.String() != want.String() || !got.Type().Equal(want.Type())):
		t.Errorf("%x (type %s):\ntftypes %s (%s)\nDecode  %s (%s)", data, typ, want, want.Type(), got, got.Type())
		return false
	}
	return true
}

func TestDecodeMatchesTftypes(t *testing.T) {
	g := tftypesgen.New(7)
	var values, mutated int
	for i := 0; i < 3000; i++ {
		typ := g.Type(0)
		v := g.Value(typ, 0)
		data, err := v.MarshalMsgPack(typ) //nolint:staticcheck // Terraform's encoding
		if err != nil {
			t.Fatalf("encode %s: %v", v, err)
		}
		if !same(t, data, typ) {
			return
		}
		values++
		// The same bytes cut short, and with a byte changed.
		for range 4 {
			b := append([]byte(nil), data...)
			switch g.Intn(2) {
			case 0:
				b = b[:g.Intn(len(b)+1)]
			default:
				if len(b) > 0 {
					b[g.Intn(len(b))] = byte(g.Intn(256))
				}
			}
			if wideLengths(b) && !wideLengths(data) {
				continue
			}
			if !same(t, b, typ) {
				return
			}
			mutated++
		}
	}
	t.Logf("%d values and %d damaged encodings decoded alike", values, mutated)
}

// Encodings tftypes' own encoder never writes but Terraform (or another
// client) may send: every integer width, float32, numbers as strings,
// strings as binary, extensions of every size, a nil dynamic value.
func TestDecodeOtherEncodings(t *testing.T) {
	obj := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"n": tftypes.Number}}
	cases := []struct {
		data []byte
		typ  tftypes.Type
	}{
		{[]byte{0xcc, 0xff}, tftypes.Number},
		{[]byte{0xcd, 0xff, 0xff}, tftypes.Number},
		{[]byte{0xce, 0xff, 0xff, 0xff, 0xff}, tftypes.Number},
		{[]byte{0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, tftypes.Number},
		{[]byte{0xd0, 0x80}, tftypes.Number},
		{[]byte{0xd1, 0x80, 0x00}, tftypes.Number},
		{[]byte{0xd2, 0x80, 0x00, 0x00, 0x00}, tftypes.Number},
		{[]byte{0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0}, tftypes.Number},
		{[]byte{0xca, 0x3f, 0xc0, 0x00, 0x00}, tftypes.Number},
		{[]byte{0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0}, tftypes.Number}, // +Inf
		{append([]byte{0xa4}, "1e10"...), tftypes.Number},
		{append([]byte{0xa3}, "abc"...), tftypes.Number},
		{append([]byte{0xc4, 0x02}, "hi"...), tftypes.String},
		{append([]byte{0xd9, 0x02}, "hi"...), tftypes.String},
		{append([]byte{0xda, 0x00, 0x02}, "hi"...), tftypes.String},
		{[]byte{0xd4, 0x00, 0x00}, tftypes.String},
		{[]byte{0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3}, tftypes.String}, // a refined unknown
		{[]byte{0xc8, 0x00, 0x01, 0x00, 0x00}, obj},
		{[]byte{0xc0}, tftypes.DynamicPseudoType},
		{[]byte{0x81, 0xa1, 'n', 0x01}, obj},
		{[]byte{0x82, 0xa1, 'n', 0x01, 0xa1, 'n', 0x02}, obj}, // an attribute twice
		{[]byte{0x81, 0xa1, 'x', 0x01}, obj},
		{[]byte{0xdc, 0x00, 0x01, 0xc3}, tftypes.List{ElementType: tftypes.Bool}},
		{[]byte{0xde, 0x00, 0x01, 0xa1, 'k', 0xc3}, tftypes.Map{ElementType: tftypes.Bool}},
		{[]byte{0x92, 0xa8, '"', 's', 't', 'r', 'i', 'n', 'g', '"', 0xa1, 'x'}, tftypes.DynamicPseudoType},
		{[]byte{0x92, 0xc0, 0xa1, 'x'}, tftypes.DynamicPseudoType},
		{[]byte{0xc2}, tftypes.String},
		{[]byte{0xa1, 'x'}, tftypes.Bool},
		{nil, tftypes.String},
	}
	for _, c := range cases {
		same(t, c.data, c.typ)
	}
	// Where tftypes panics or allocates what a length claims (these would
	// take it gigabytes): an error.
	for _, bad := range []struct {
		data []byte
		typ  tftypes.Type
	}{
		{[]byte{0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1}, tftypes.Number}, // NaN
		{[]byte{0xdd, 0x7f, 0xff, 0xff, 0xff}, tftypes.List{ElementType: tftypes.Bool}},
		{[]byte{0xdf, 0x7f, 0xff, 0xff, 0xff}, tftypes.Map{ElementType: tftypes.Bool}},
		{[]byte{0xdb, 0x7f, 0xff, 0xff, 0xff}, tftypes.String},
		{[]byte{0xc9, 0x7f, 0xff, 0xff, 0xff, 0x00}, tftypes.String},
	} {
		if v, err := Decode(bad.data, bad.typ); err == nil {
			t.Errorf("%x decoded as %s without error", bad.data, v)
		}
	}
}

// wideLengths reports whether data holds a byte that may be a code with a
// 16- or 32-bit length: tftypes allocates what such a length claims before
// reading, so damaged encodings with one are left out of the comparison.
func wideLengths(data []byte) bool {
	for _, c := range data {
		switch c {
		case 0xc5, 0xc6, 0xc8, 0xc9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf:
			return true
		}
	}
	return false
}

// An error inside a value names where, as tftypes' does.
func TestDecodeErrorNamesThePath(t *testing.T) {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"t": tftypes.List{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{"b": tftypes.Bool}}}}}
	data := []byte{0x81, 0xa1, 't', 0x91, 0x81, 0xa1, 'b', 0xa1, 'x'}
	_, want := tftypes.ValueFromMsgPack(data, typ) //nolint:staticcheck // the reference
	_, err := Decode(data, typ)
	if err == nil || want == nil {
		t.Fatalf("errors: tftypes %v, Decode %v", want, err)
	}
	if got := err.Error(); got[:len(`AttributeName("t").ElementKeyInt(0).AttributeName("b")`)] != `AttributeName("t").ElementKeyInt(0).AttributeName("b")` {
		t.Fatalf("error %q does not start with the path of tftypes' %q", got, want)
	}
}

func FuzzDecode(f *testing.F) {
	g := tftypesgen.New(1)
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"s": tftypes.String, "n": tftypes.Number, "b": tftypes.Bool, "d": tftypes.DynamicPseudoType,
		"l": tftypes.List{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{"x": tftypes.String}}},
		"m": tftypes.Map{ElementType: tftypes.Number}, "t": tftypes.Tuple{ElementTypes: []tftypes.Type{tftypes.Bool}},
		"e": tftypes.Set{ElementType: tftypes.String},
	}}
	for range 20 {
		data, err := g.Value(typ, 0).MarshalMsgPack(typ) //nolint:staticcheck // Terraform's encoding
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if wideLengths(data) {
			_, _ = Decode(data, typ) // no reference to compare with; it must not panic
			return
		}
		same(t, data, typ)
	})
}

func BenchmarkDecode(b *testing.B) {
	g := tftypesgen.New(3)
	typ := benchType
	var data []byte
	for len(data) < 60 {
		var err error
		if data, err = g.Value(typ, 0).MarshalMsgPack(typ); err != nil { //nolint:staticcheck // Terraform's encoding
			b.Fatal(err)
		}
	}
	b.Run("tftypes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tftypes.ValueFromMsgPack(data, typ); err != nil { //nolint:staticcheck // the reference
				b.Fatal(err)
			}
		}
	})
	b.Run("wiremsgpack", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(data, typ); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchType is the shape of a failover name's value, for the benchmarks.
var benchType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{
	"backend": tftypes.String, "fqdn": tftypes.String, "ttl": tftypes.Number, "create_zone": tftypes.Bool,
	"record_ids": tftypes.List{ElementType: tftypes.String},
	"target": tftypes.List{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"name": tftypes.String, "addresses": tftypes.List{ElementType: tftypes.String}, "weight": tftypes.Number}}},
}}
