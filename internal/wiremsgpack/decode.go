// Package wiremsgpack reads Terraform's MessagePack values into
// terraform-plugin-go's tftypes.Value, as tftypes.ValueFromMsgPack does, for
// fewer allocations.
//
// Why: the provider decodes three values per plan and apply call and one per
// validation, and tftypes' decoder builds an attribute path for every value
// it reads (for an error message that is almost never written), boxes a new
// type for every object and list, and goes through a general-purpose
// MessagePack reader. That was a third of the allocations of a resource's
// validate and plan calls. This reader walks the bytes once and builds the
// same values; the path is built only when there is an error to report.
package wiremsgpack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The primitive types boxed once, for values built from them.
var (
	tfString tftypes.Type = tftypes.String
	tfNumber tftypes.Type = tftypes.Number
	tfBool   tftypes.Type = tftypes.Bool
)

// Decode reads the value of type typ from data, as
// tftypes.ValueFromMsgPack(data, typ) does: the same values, and an error
// where it returns one (it panics on a few malformed inputs; Decode returns
// an error there too). Bytes after the value are ignored, as there.
func Decode(data []byte, typ tftypes.Type) (tftypes.Value, error) {
	d := decoder{buf: data}
	return d.value(typ)
}

type decoder struct {
	buf []byte
	off int
}

// pathError is an error at a step of the value, its path filled in on the
// way out.
type pathError struct {
	steps []tftypes.AttributePathStep // innermost first
	err   error
}

func (e *pathError) Error() string { return e.path().NewError(e.err).Error() }
func (e *pathError) Unwrap() error { return e.err }

func (e *pathError) path() *tftypes.AttributePath {
	p := tftypes.NewAttributePath()
	for i := len(e.steps) - 1; i >= 0; i-- {
		switch s := e.steps[i].(type) {
		case tftypes.AttributeName:
			p = p.WithAttributeName(string(s))
		case tftypes.ElementKeyInt:
			p = p.WithElementKeyInt(int(s))
		case tftypes.ElementKeyString:
			p = p.WithElementKeyString(string(s))
		}
	}
	return p
}

// at adds a step to an error from inside a value.
func at(err error, step tftypes.AttributePathStep) error {
	var pe *pathError
	if errors.As(err, &pe) {
		pe.steps = append(pe.steps, step)
		return pe
	}
	return &pathError{steps: []tftypes.AttributePathStep{step}, err: err}
}

var errShort = errors.New("unexpected end of MessagePack data")

func (d *decoder) peek() (byte, error) {
	if d.off >= len(d.buf) {
		return 0, errShort
	}
	return d.buf[d.off], nil
}

func (d *decoder) read(n int) ([]byte, error) {
	if n < 0 || len(d.buf)-d.off < n {
		return nil, errShort
	}
	b := d.buf[d.off : d.off+n]
	d.off += n
	return b, nil
}

func (d *decoder) byte1() (byte, error) {
	b, err := d.read(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (d *decoder) uint(n int) (uint64, error) {
	b, err := d.read(n)
	if err != nil {
		return 0, err
	}
	switch n {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(b)), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(b)), nil
	}
	return binary.BigEndian.Uint64(b), nil
}

func isExt(c byte) bool { return (c >= 0xc7 && c <= 0xc9) || (c >= 0xd4 && c <= 0xd8) }

// skipExt steps over an extension (Terraform's unknown values) whose code
// c was read: its length, if not fixed by c, its type and its data.
func (d *decoder) skipExt(c byte) error {
	n := 0
	if c >= 0xd4 && c <= 0xd8 {
		n = 1 << (c - 0xd4)
	} else {
		l, err := d.bounded(d.uint(1 << (c - 0xc7)))
		if err != nil {
			return err
		}
		n = l
	}
	_, err := d.read(1 + n)
	return err
}

// bounded is a length read from the data, refused when longer than all of
// the data: no value can be, and trusting it would allocate what it claims.
func (d *decoder) bounded(n uint64, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	if n > uint64(len(d.buf)) {
		return 0, errShort
	}
	return int(n), nil
}

// value reads one value of type typ.
func (d *decoder) value(typ tftypes.Type) (tftypes.Value, error) {
	c, err := d.peek()
	if err != nil {
		return tftypes.Value{}, fmt.Errorf("error peeking next byte: %w", err)
	}
	if isExt(c) {
		d.off++
		if err := d.skipExt(c); err != nil {
			return tftypes.Value{}, fmt.Errorf("error skipping extension byte: %w", err)
		}
		return tftypes.NewValue(typ, tftypes.UnknownValue), nil
	}
	if typ.Is(tftypes.DynamicPseudoType) {
		return d.dynamic()
	}
	if c == 0xc0 {
		d.off++
		return tftypes.NewValue(typ, nil), nil
	}
	switch {
	case typ.Is(tftypes.String):
		s, err := d.string()
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("error decoding string: %w", err)
		}
		return tftypes.NewValue(tfString, s), nil
	case typ.Is(tftypes.Number):
		return d.number()
	case typ.Is(tftypes.Bool):
		d.off++
		switch c {
		case 0xc2:
			return tftypes.NewValue(tfBool, false), nil
		case 0xc3:
			return tftypes.NewValue(tfBool, true), nil
		}
		return tftypes.Value{}, fmt.Errorf("couldn't decode bool: invalid code=%x decoding bool", c)
	case typ.Is(tftypes.List{}):
		return d.list(typ, typ.(tftypes.List).ElementType) //nolint:forcetypeassert // Is says so
	case typ.Is(tftypes.Set{}):
		return d.set(typ.(tftypes.Set).ElementType) //nolint:forcetypeassert // Is says so
	case typ.Is(tftypes.Map{}):
		return d.mapValue(typ, typ.(tftypes.Map).ElementType) //nolint:forcetypeassert // Is says so
	case typ.Is(tftypes.Tuple{}):
		return d.tuple(typ, typ.(tftypes.Tuple).ElementTypes) //nolint:forcetypeassert // Is says so
	case typ.Is(tftypes.Object{}):
		return d.object(typ.(tftypes.Object)) //nolint:forcetypeassert // Is says so
	}
	return tftypes.Value{}, fmt.Errorf("unsupported type %s", typ.String())
}

// bytesLen is the length of a string or binary, -1 for nil.
func (d *decoder) bytesLen() (int, error) {
	c, err := d.byte1()
	if err != nil {
		return 0, err
	}
	switch {
	case c == 0xc0:
		return -1, nil
	case c >= 0xa0 && c <= 0xbf:
		return int(c & 0x1f), nil
	case c == 0xd9 || c == 0xc4:
		return d.bounded(d.uint(1))
	case c == 0xda || c == 0xc5:
		return d.bounded(d.uint(2))
	case c == 0xdb || c == 0xc6:
		return d.bounded(d.uint(4))
	}
	return 0, fmt.Errorf("msgpack: invalid code=%x decoding string/bytes length", c)
}

func (d *decoder) string() (string, error) {
	n, err := d.bytesLen()
	if err != nil || n <= 0 {
		return "", err
	}
	b, err := d.read(n)
	return string(b), err
}

func (d *decoder) number() (tftypes.Value, error) {
	c, err := d.byte1()
	if err != nil {
		return tftypes.Value{}, fmt.Errorf("couldn't peek number: %w", err)
	}
	switch {
	case c <= 0x7f || c >= 0xe0: // fixed integers
		return tftypes.NewValue(tfNumber, new(big.Float).SetInt64(int64(int8(c)))), nil
	case c >= 0xd0 && c <= 0xd3: // int8 to int64
		n, err := d.uint(1 << (c - 0xd0))
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("couldn't decode number as int64: %w", err)
		}
		var i int64
		switch c {
		case 0xd0:
			i = int64(int8(n))
		case 0xd1:
			i = int64(int16(n))
		case 0xd2:
			i = int64(int32(n))
		default:
			i = int64(n)
		}
		return tftypes.NewValue(tfNumber, new(big.Float).SetInt64(i)), nil
	case c >= 0xcc && c <= 0xcf: // uint8 to uint64
		n, err := d.uint(1 << (c - 0xcc))
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("couldn't decode number as uint64: %w", err)
		}
		return tftypes.NewValue(tfNumber, new(big.Float).SetUint64(n)), nil
	case c == 0xca || c == 0xcb:
		var f float64
		if c == 0xca {
			n, err := d.uint(4)
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("couldn't decode number as float64: %w", err)
			}
			f = float64(math.Float32frombits(uint32(n)))
		} else {
			n, err := d.uint(8)
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("couldn't decode number as float64: %w", err)
			}
			f = math.Float64frombits(n)
		}
		if math.IsNaN(f) {
			return tftypes.Value{}, errors.New("couldn't decode number: NaN is not a number Terraform holds")
		}
		return tftypes.NewValue(tfNumber, big.NewFloat(f)), nil
	}
	d.off-- // a number as a string: read its code again
	s, err := d.string()
	if err != nil {
		return tftypes.Value{}, fmt.Errorf("couldn't decode number as string: %w", err)
	}
	// Base 10, precision 512, rounding to nearest even: as Terraform reads
	// numbers sent as strings.
	f, _, err := big.ParseFloat(s, 10, 512, big.ToNearestEven)
	if err != nil {
		return tftypes.Value{}, fmt.Errorf("error parsing %q as number: %w", s, err)
	}
	return tftypes.NewValue(tfNumber, f), nil
}

// arrayLen is an array's length, -1 for nil.
func (d *decoder) arrayLen() (int, error) {
	c, err := d.byte1()
	if err != nil {
		return 0, err
	}
	return d.length(c, 0x90, 0xdc, "array")
}

// mapLen is a map's length, -1 for nil. (An extension where a map is due
// never reaches here: value reads any extension as an unknown value.)
func (d *decoder) mapLen() (int, error) {
	c, err := d.byte1()
	if err != nil {
		return 0, err
	}
	return d.length(c, 0x80, 0xde, "map")
}

// length reads the length after code c of an array or map, whose fixed
// form starts at fixed and whose 16-bit form is code16 (32-bit: code16+1).
func (d *decoder) length(c, fixed, code16 byte, what string) (int, error) {
	switch {
	case c == 0xc0:
		return -1, nil
	case c >= fixed && c <= fixed+0x0f:
		return int(c & 0x0f), nil
	case c == code16:
		return d.bounded(d.uint(2))
	case c == code16+1:
		return d.bounded(d.uint(4))
	}
	return 0, fmt.Errorf("msgpack: invalid code=%x decoding %s length", c, what)
}

func (d *decoder) elements(elem tftypes.Type, n int) ([]tftypes.Value, error) {
	vals := make([]tftypes.Value, n)
	for i := range vals {
		v, err := d.value(elem)
		if err != nil {
			return nil, at(err, tftypes.ElementKeyInt(i))
		}
		vals[i] = v
	}
	return vals, nil
}

// list reads a list of typ, whose element type is elem.
func (d *decoder) list(typ, elem tftypes.Type) (tftypes.Value, error) {
	n, err := d.arrayLen()
	if err != nil {
		return tftypes.Value{}, fmt.Errorf("error decoding list length: %w", err)
	}
	switch {
	case n < 0:
		return tftypes.NewValue(typ, nil), nil
	case n == 0:
		return tftypes.NewValue(typ, []tftypes.Value{}), nil
	}
	vals, err := d.elements(elem, n)
	if err != nil {
		return tftypes.Value{}, err
	}
	if elem.Is(tftypes.DynamicPseudoType) {
		et, err := tftypes.TypeFromElements(vals)
		if err != nil {
			return tftypes.Value{}, err
		}
		typ = tftypes.List{ElementType: et}
	}
	return build(typ, vals)
}

func (d *decoder) set(elem tftypes.Type) (tftypes.Value, error) {
	n, err := d.arrayLen()
	if err != nil {
		return tftypes.Value{}, fmt.Errorf("error decoding set length: %w", err)
	}
	switch {
	case n < 0:
		return tftypes.NewValue(tftypes.Set{ElementType: elem}, nil), nil
	case n == 0:
		return tftypes.NewValue(tftypes.Set{ElementType: elem}, []tftypes.Value{}), nil
	}
	vals, err := d.elements(elem, n)
	if err != nil {
		return tftypes.Value{}, err
	}
	et, err := tftypes.TypeFromElements(vals)
	if err != nil {
		return tftypes.Value{}, err
	}
	return build(tftypes.Set{ElementType: et}, vals)
}

func (d *decoder) mapValue(typ, elem tftypes.Type) (tftypes.Value, error) {
	n, err := d.mapLen()
	if err != nil {
		return tftypes.Value{}, fmt.Errorf("error decoding map length: %w", err)
	}
	switch {
	case n < 0:
		return tftypes.NewValue(typ, nil), nil
	case n == 0:
		return tftypes.NewValue(typ, map[string]tftypes.Value{}), nil
	}
	vals := make(map[string]tftypes.Value, n)
	for range n {
		key, err := d.string()
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("error decoding map key: %w", err)
		}
		v, err := d.value(elem)
		if err != nil {
			return tftypes.Value{}, at(err, tftypes.ElementKeyString(key))
		}
		vals[key] = v
	}
	return build(typ, vals)
}

func (d *decoder) tuple(typ tftypes.Type, elems []tftypes.Type) (tftypes.Value, error) {
	n, err := d.arrayLen()
	if err != nil {
		return tftypes.Value{}, fmt.Errorf("error decoding tuple length: %w", err)
	}
	switch {
	case n < 0:
		return tftypes.NewValue(typ, nil), nil
	case n != len(elems):
		return tftypes.Value{}, fmt.Errorf("error decoding tuple; expected %d items, got %d", len(elems), n)
	}
	vals := make([]tftypes.Value, n)
	for i, et := range elems {
		v, err := d.value(et)
		if err != nil {
			return tftypes.Value{}, at(err, tftypes.ElementKeyInt(i))
		}
		vals[i] = v
	}
	return build(typ, vals)
}

func (d *decoder) object(typ tftypes.Object) (tftypes.Value, error) {
	n, err := d.mapLen()
	if err != nil {
		return tftypes.Value{}, fmt.Errorf("error decoding object length: %w", err)
	}
	// tftypes reads objects as of the type without optional attributes.
	var t tftypes.Type = typ
	if len(typ.OptionalAttributes) > 0 {
		t = tftypes.Object{AttributeTypes: typ.AttributeTypes}
	}
	switch {
	case n < 0:
		return tftypes.NewValue(t, nil), nil
	case n != len(typ.AttributeTypes):
		return tftypes.Value{}, fmt.Errorf("error decoding object; expected %d attributes, got %d", len(typ.AttributeTypes), n)
	}
	vals := make(map[string]tftypes.Value, n)
	for range n {
		key, err := d.string()
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("error decoding object key: %w", err)
		}
		at1, ok := typ.AttributeTypes[key]
		if !ok {
			return tftypes.Value{}, fmt.Errorf("unknown attribute %q", key)
		}
		v, err := d.value(at1)
		if err != nil {
			return tftypes.Value{}, at(err, tftypes.AttributeName(key))
		}
		vals[key] = v
	}
	if len(vals) != n {
		return tftypes.Value{}, errors.New("error decoding object: an attribute is sent twice")
	}
	return build(t, vals)
}

func (d *decoder) dynamic() (tftypes.Value, error) {
	n, err := d.arrayLen()
	if err != nil {
		return tftypes.Value{}, fmt.Errorf("error checking length of DynamicPseudoType value: %w", err)
	}
	switch {
	case n == -1:
		return tftypes.NewValue(tftypes.DynamicPseudoType, nil), nil
	case n != 2:
		return tftypes.Value{}, fmt.Errorf("expected %d elements in DynamicPseudoType array, got %d", 2, n)
	}
	l, err := d.bytesLen()
	if err != nil {
		return tftypes.Value{}, fmt.Errorf("error decoding bytes: %w", err)
	}
	var typeJSON []byte
	if l >= 0 {
		if typeJSON, err = d.read(l); err != nil {
			return tftypes.Value{}, fmt.Errorf("error decoding bytes: %w", err)
		}
	}
	typ, err := tftypes.ParseJSONType(typeJSON) //nolint:staticcheck // as tftypes reads it
	if err != nil {
		return tftypes.Value{}, fmt.Errorf("error parsing type information: %w", err)
	}
	return d.value(typ)
}

// build is tftypes.NewValue for a collection read from the wire, which can
// break its rules (a map of dynamic values of different types): an error
// where NewValue panics.
func build(typ tftypes.Type, val any) (v tftypes.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid value: %v", r)
		}
	}()
	return tftypes.NewValue(typ, val), nil
}
