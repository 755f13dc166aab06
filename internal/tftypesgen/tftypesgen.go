// Package tftypesgen makes random tftypes types and values for tests of
// the readers and writers of Terraform's wire values: nulls and unknowns
// anywhere, numbers of every width, dynamic values with their type.
package tftypesgen

import (
	"fmt"
	"math/big"
	"math/rand"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Gen makes random types and values of them, as Terraform sends them:
// nulls and unknowns anywhere, numbers that travel as integers, floats and
// strings, dynamic values with their type.
type Gen struct{ rng *rand.Rand }

// New is a generator seeded with seed: the same seed, the same values.
func New(seed int64) Gen { return Gen{rng: rand.New(rand.NewSource(seed))} }

// Intn is a random int in [0, n), from the generator's source.
func (g Gen) Intn(n int) int { return g.rng.Intn(n) }

// Type is a random type, nested at most a few levels below depth.
func (g Gen) Type(depth int) tftypes.Type { return g.typ(depth, true) }

// Concrete is a random type without DynamicPseudoType in it.
func (g Gen) Concrete(depth int) tftypes.Type { return g.typ(depth, false) }

func (g Gen) typ(depth int, dynamic bool) tftypes.Type {
	n := 4
	if depth < 3 {
		n = 10
	}
	switch g.rng.Intn(n) {
	case 0:
		return tftypes.String
	case 1:
		return tftypes.Number
	case 2:
		return tftypes.Bool
	case 3:
		if dynamic {
			return tftypes.DynamicPseudoType
		}
		return tftypes.String
	case 4, 5:
		return tftypes.List{ElementType: g.typ(depth+1, dynamic)}
	case 6:
		return tftypes.Set{ElementType: g.typ(depth+1, false)}
	case 7:
		return tftypes.Map{ElementType: g.typ(depth+1, dynamic)}
	case 8:
		elems := make([]tftypes.Type, g.rng.Intn(3))
		for i := range elems {
			elems[i] = g.typ(depth+1, dynamic)
		}
		return tftypes.Tuple{ElementTypes: elems}
	}
	attrs := map[string]tftypes.Type{}
	for i := range g.rng.Intn(5) {
		attrs[fmt.Sprintf("a%d", i)] = g.typ(depth+1, dynamic)
	}
	return tftypes.Object{AttributeTypes: attrs}
}

// Numbers are the numbers values are made of: every MessagePack integer
// width, floats, and more digits than a float64 holds.
var Numbers = []string{"0", "1", "-1", "127", "128", "-32", "-33", "255", "256", "65535", "65536", "-129", "-32769",
	"4294967295", "4294967296", "9223372036854775807", "-9223372036854775808", "18446744073709551615",
	"18446744073709551616", "1.5", "-0.25", "0.1", "1e300", "123456789012345678901234567890.125", "3.14159265358979323846264338327950288"}

// Value is a random value of t.
func (g Gen) Value(t tftypes.Type, depth int) tftypes.Value {
	switch g.rng.Intn(10) {
	case 0:
		return tftypes.NewValue(t, nil)
	case 1:
		return tftypes.NewValue(t, tftypes.UnknownValue)
	}
	switch t := t.(type) {
	case tftypes.List:
		return tftypes.NewValue(t, g.elements(t.ElementType, depth))
	case tftypes.Set:
		return tftypes.NewValue(t, g.elements(t.ElementType, depth))
	case tftypes.Map:
		m := map[string]tftypes.Value{}
		et := g.elementType(t.ElementType, depth)
		for i := range g.rng.Intn(4) {
			m[fmt.Sprintf("k%d", i)] = g.Value(et, depth+1)
		}
		return tftypes.NewValue(tftypes.Map{ElementType: t.ElementType}, m)
	case tftypes.Tuple:
		vals := make([]tftypes.Value, len(t.ElementTypes))
		for i, et := range t.ElementTypes {
			vals[i] = g.Value(g.elementType(et, depth), depth+1)
		}
		return tftypes.NewValue(t, vals)
	case tftypes.Object:
		m := map[string]tftypes.Value{}
		for name, at := range t.AttributeTypes {
			m[name] = g.Value(g.elementType(at, depth), depth+1)
		}
		return tftypes.NewValue(t, m)
	}
	switch {
	case t.Is(tftypes.String):
		return tftypes.NewValue(t, []string{"", "a", "east", "ü€ \"quoted\"", string(make([]byte, 40))}[g.rng.Intn(5)])
	case t.Is(tftypes.Number):
		f, _, _ := big.ParseFloat(Numbers[g.rng.Intn(len(Numbers))], 10, 512, big.ToNearestEven)
		return tftypes.NewValue(t, f)
	case t.Is(tftypes.Bool):
		return tftypes.NewValue(t, g.rng.Intn(2) == 0)
	}
	return g.Value(g.Concrete(depth+1), depth+1) // a dynamic value of some type
}

// elementType is t, or for a dynamic slot a concrete type to fill it.
func (g Gen) elementType(t tftypes.Type, depth int) tftypes.Type {
	if t.Is(tftypes.DynamicPseudoType) {
		return g.Concrete(depth + 1)
	}
	return t
}

func (g Gen) elements(t tftypes.Type, depth int) []tftypes.Value {
	et := g.elementType(t, depth) // one concrete type for all: Terraform's lists are homogeneous
	vals := make([]tftypes.Value, g.rng.Intn(4))
	for i := range vals {
		vals[i] = g.Value(et, depth+1)
	}
	return vals
}
