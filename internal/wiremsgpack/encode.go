package wiremsgpack

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"slices"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Encode writes v as a value of type typ, byte for byte as
// v.MarshalMsgPack(typ) does (a map's entries in sorted key order, where
// tftypes writes them in Go's map order), without its per-value attribute
// paths and general-purpose writer.
func Encode(v tftypes.Value, typ tftypes.Type) ([]byte, error) {
	return appendValue(make([]byte, 0, 512), v, typ)
}

func appendValue(b []byte, v tftypes.Value, typ tftypes.Type) ([]byte, error) {
	if typ.Is(tftypes.DynamicPseudoType) && !v.Type().Is(tftypes.DynamicPseudoType) {
		typeJSON, err := v.Type().MarshalJSON() //nolint:staticcheck // as tftypes writes it
		if err != nil {
			return nil, fmt.Errorf("error generating JSON for type %s: %w", v.Type(), err)
		}
		b = appendArrayLen(b, 2)
		b = appendBinary(b, typeJSON)
		return appendValue(b, v, v.Type())
	}
	if !v.IsKnown() {
		return append(b, 0xd4, 0, 0), nil
	}
	if v.IsNull() {
		return append(b, 0xc0), nil
	}
	switch {
	case typ.Is(tftypes.String):
		var s string
		if err := v.As(&s); err != nil {
			return nil, err
		}
		return appendString(b, s), nil
	case typ.Is(tftypes.Number):
		var n big.Float
		if err := v.As(&n); err != nil {
			return nil, err
		}
		return appendNumber(b, &n)
	case typ.Is(tftypes.Bool):
		var t bool
		if err := v.As(&t); err != nil {
			return nil, err
		}
		if t {
			return append(b, 0xc3), nil
		}
		return append(b, 0xc2), nil
	case typ.Is(tftypes.List{}), typ.Is(tftypes.Set{}):
		var elem tftypes.Type
		if l, ok := typ.(tftypes.List); ok {
			elem = l.ElementType
		} else {
			elem = typ.(tftypes.Set).ElementType //nolint:forcetypeassert // Is says so
		}
		var elems []tftypes.Value
		if err := v.As(&elems); err != nil {
			return nil, err
		}
		b = appendArrayLen(b, len(elems))
		for _, e := range elems {
			var err error
			if b, err = appendValue(b, e, elem); err != nil {
				return nil, err
			}
		}
		return b, nil
	case typ.Is(tftypes.Map{}):
		elem := typ.(tftypes.Map).ElementType //nolint:forcetypeassert // Is says so
		var m map[string]tftypes.Value
		if err := v.As(&m); err != nil {
			return nil, err
		}
		b = appendMapLen(b, len(m))
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b = appendString(b, k)
			var err error
			if b, err = appendValue(b, m[k], elem); err != nil {
				return nil, err
			}
		}
		return b, nil
	case typ.Is(tftypes.Tuple{}):
		types := typ.(tftypes.Tuple).ElementTypes //nolint:forcetypeassert // Is says so
		var elems []tftypes.Value
		if err := v.As(&elems); err != nil {
			return nil, err
		}
		if len(elems) > len(types) {
			return nil, fmt.Errorf("a tuple of %d elements for %d types", len(elems), len(types))
		}
		b = appendArrayLen(b, len(types))
		for i, e := range elems {
			var err error
			if b, err = appendValue(b, e, types[i]); err != nil {
				return nil, err
			}
		}
		return b, nil
	case typ.Is(tftypes.Object{}):
		types := typ.(tftypes.Object).AttributeTypes //nolint:forcetypeassert // Is says so
		var attrs map[string]tftypes.Value
		if err := v.As(&attrs); err != nil {
			return nil, err
		}
		keys := make([]string, 0, len(types))
		for k := range types {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = appendMapLen(b, len(keys))
		for _, k := range keys {
			av, ok := attrs[k]
			if !ok {
				return nil, tftypes.NewAttributePath().WithAttributeName(k).NewErrorf("no value set")
			}
			b = appendString(b, k)
			var err error
			if b, err = appendValue(b, av, types[k]); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	return nil, fmt.Errorf("unknown type %s", typ)
}

// appendNumber writes an integer that fits 64 bits as one, a float that is
// exactly a float64 as one, and anything else as its decimal text.
func appendNumber(b []byte, n *big.Float) ([]byte, error) {
	if n.IsInf() {
		return appendFloat(b, math.Inf(n.Sign())), nil
	}
	if i, acc := n.Int64(); acc == big.Exact {
		return appendInt(b, i), nil
	}
	if f, acc := n.Float64(); acc == big.Exact && !n.IsInt() {
		return appendFloat(b, f), nil
	}
	return appendString(b, n.Text('f', -1)), nil
}

func appendFloat(b []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(f))
}

func appendInt(b []byte, i int64) []byte {
	switch {
	case i >= 0:
		return appendUint(b, uint64(i))
	case i >= -32:
		return append(b, byte(i))
	case i >= math.MinInt8:
		return append(b, 0xd0, byte(i))
	case i >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(i))
	case i >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(i))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(i))
}

func appendUint(b []byte, u uint64) []byte {
	switch {
	case u <= math.MaxInt8:
		return append(b, byte(u))
	case u <= math.MaxUint8:
		return append(b, 0xcc, byte(u))
	case u <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(u))
	case u <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(u))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcf), u)
}

func appendString(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n < 256:
		b = append(b, 0xd9, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, 0xda), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
	}
	return append(b, s...)
}

func appendBinary(b, data []byte) []byte {
	n := len(data)
	switch {
	case data == nil:
		return append(b, 0xc0)
	case n < 256:
		b = append(b, 0xc4, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, 0xc5), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xc6), uint32(n))
	}
	return append(b, data...)
}

func appendArrayLen(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x90|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xdc), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdd), uint32(n))
}

func appendMapLen(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x80|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xde), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdf), uint32(n))
}
