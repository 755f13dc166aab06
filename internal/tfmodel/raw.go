package tfmodel

import "github.com/hashicorp/terraform-plugin-go/tftypes"

// Attrs is the attributes of a known, non-null object value; nil otherwise,
// whose lookups give the zero Value (known and null). The map is v's own
// (tftypes hands it out without a copy): read it, never write it.
func Attrs(v tftypes.Value) map[string]tftypes.Value {
	var attrs map[string]tftypes.Value
	if !v.IsKnown() || v.IsNull() || v.As(&attrs) != nil {
		return nil
	}
	return attrs
}

// Elements is the elements of a known, non-null list, set or tuple value;
// nil otherwise. The slice is v's own: read it, never write it.
func Elements(v tftypes.Value) []tftypes.Value {
	var elems []tftypes.Value
	if !v.IsKnown() || v.IsNull() || v.As(&elems) != nil {
		return nil
	}
	return elems
}
