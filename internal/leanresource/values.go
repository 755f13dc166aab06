package leanresource

import (
	"context"
	"encoding/json"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
	"github.com/ha-blueprints/terraform-provider-ha/internal/wiremsgpack"
)

// decode reads one of Terraform's values with the empty list blocks made
// null, as the framework hands them to resources.
func (l *lean) decode(dv *tfprotov6.DynamicValue, what string, diags *diag.Diagnostics) tftypes.Value {
	if dv == nil {
		return tftypes.NewValue(l.objType, nil)
	}
	v, err := unmarshal(dv, l.objType)
	if err != nil {
		diags.AddError("Unable to Read "+what, "An unexpected error was encountered when reading the "+what+
			" sent by Terraform. Please report this to the provider developers.\n\n"+err.Error())
		return tftypes.NewValue(l.objType, nil)
	}
	return l.listBlocks(v, true)
}

// unmarshal is dv.Unmarshal(typ), MessagePack (what Terraform sends) read
// by wiremsgpack.
func unmarshal(dv *tfprotov6.DynamicValue, typ tftypes.Type) (tftypes.Value, error) {
	if dv.JSON == nil && dv.MsgPack != nil {
		return wiremsgpack.Decode(dv.MsgPack, typ)
	}
	return dv.Unmarshal(typ)
}

// encode writes a value back for Terraform, with null list blocks as empty
// lists again.
func (l *lean) encode(v tftypes.Value, what string, diags *diag.Diagnostics) *tfprotov6.DynamicValue {
	b, err := wiremsgpack.Encode(l.listBlocks(v, false), l.objType)
	if err != nil {
		diags.AddError("Unable to Convert "+what, "An unexpected error was encountered when converting the "+what+
			" for Terraform. Please report this to the provider developers.\n\n"+err.Error())
		return nil
	}
	return &tfprotov6.DynamicValue{MsgPack: b}
}

// listBlocks turns empty list blocks into null ones (nullify) or null ones
// into empty ones.
func (l *lean) listBlocks(v tftypes.Value, nullify bool) tftypes.Value {
	attrs := tfmodel.Attrs(v)
	var f map[string]tftypes.Value // copied at the first change: most values have none
	for _, b := range l.blocks {
		if !b.list {
			continue
		}
		bv, ok := attrs[b.name]
		if !ok {
			continue
		}
		var nv tftypes.Value
		switch {
		case nullify && bv.IsFullyKnown() && !bv.IsNull() && len(tfmodel.Elements(bv)) == 0:
			nv = tftypes.NewValue(b.tfType, nil)
		case !nullify && bv.IsNull():
			nv = tftypes.NewValue(b.tfType, []tftypes.Value{})
		default:
			continue
		}
		if f == nil {
			f = maps.Clone(attrs)
		}
		f[b.name] = nv
	}
	if f == nil {
		return v
	}
	return tftypes.NewValue(v.Type(), f)
}

// copyFields is an object's attributes in a new map, to change without
// changing v, nil when v is null or unknown.
func copyFields(v tftypes.Value) map[string]tftypes.Value {
	return maps.Clone(tfmodel.Attrs(v))
}

// child is the attribute name of object v, null when v is null or
// unknown: the framework reads a path through an unknown value as null.
func child(v tftypes.Value, name string, t tftypes.Type) tftypes.Value {
	if c, ok := tfmodel.Attrs(v)[name]; ok {
		return c
	}
	return tftypes.NewValue(t, nil)
}

// element is element i of list v, null when v is null, unknown or shorter,
// as child.
func element(v tftypes.Value, i int, t tftypes.Type) tftypes.Value {
	if elems := tfmodel.Elements(v); i < len(elems) {
		return elems[i]
	}
	return tftypes.NewValue(t, nil)
}

// value converts a leaf's Terraform value to the framework's, with the
// framework's diagnostic when it cannot (a fraction for an int64).
func (a leaf) value(ctx context.Context, v tftypes.Value, p path.Path, diags *diag.Diagnostics) (attr.Value, bool) {
	av, err := a.typ.ValueFromTerraform(ctx, v)
	if err != nil {
		diags.AddAttributeError(p, "Value Conversion Error",
			"An unexpected error was encountered trying to convert an attribute value from the configuration. "+
				"This is always an error in the provider. Please report the following to the provider developer:\n\n"+err.Error())
		return nil, false
	}
	return av, true
}

// protoDiagnostics converts diagnostics for Terraform.
func protoDiagnostics(diags diag.Diagnostics) []*tfprotov6.Diagnostic {
	if len(diags) == 0 {
		return nil
	}
	out := make([]*tfprotov6.Diagnostic, 0, len(diags))
	for _, d := range diags {
		pd := &tfprotov6.Diagnostic{Summary: d.Summary(), Detail: d.Detail(), Severity: tfprotov6.DiagnosticSeverityInvalid}
		switch d.Severity() {
		case diag.SeverityError:
			pd.Severity = tfprotov6.DiagnosticSeverityError
		case diag.SeverityWarning:
			pd.Severity = tfprotov6.DiagnosticSeverityWarning
		}
		if dp, ok := d.(diag.DiagnosticWithPath); ok {
			pd.Attribute = tfPath(dp.Path())
		}
		out = append(out, pd)
	}
	return out
}

// tfPath converts a framework path; nil for steps these schemas never have.
func tfPath(p path.Path) *tftypes.AttributePath {
	out := tftypes.NewAttributePath()
	for _, step := range p.Steps() {
		switch s := step.(type) {
		case path.PathStepAttributeName:
			out = out.WithAttributeName(string(s))
		case path.PathStepElementKeyInt:
			out = out.WithElementKeyInt(int(s))
		case path.PathStepElementKeyString:
			out = out.WithElementKeyString(string(s))
		default:
			return nil
		}
	}
	return out
}

// importBeforeRead is the framework's private key that marks a state just
// imported; its read drops it.
const importBeforeRead = ".import_before_read"

// privateAfterRead is the private state a read returns: what it was given,
// without the framework's import mark.
func privateAfterRead(private []byte) []byte {
	if len(private) == 0 {
		return nil
	}
	var m map[string][]byte
	if err := json.Unmarshal(private, &m); err != nil {
		return private
	}
	if _, ok := m[importBeforeRead]; !ok {
		return private
	}
	delete(m, importBeforeRead)
	if len(m) == 0 {
		return nil
	}
	out, err := json.Marshal(m)
	if err != nil {
		return private
	}
	return out
}
