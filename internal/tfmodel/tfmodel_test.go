package tfmodel_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

// The equivalence with the framework over every real model is
// TestModelCodecMatchesFramework in provider; these are the errors a
// provider developer sees.

var objType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"name":  types.StringType,
	"ports": types.ListType{ElemType: types.Int64Type},
}}

type inner struct {
	Ports []int64 `tfsdk:"ports"`
}

type model struct {
	Name string `tfsdk:"name"`
	inner
	scratch int //nolint:unused // unexported fields are not attributes
}

func TestEmbeddedAndPlainFields(t *testing.T) {
	ctx := context.Background()
	v := tftypes.NewValue(objType.TerraformType(ctx), map[string]tftypes.Value{
		"name":  tftypes.NewValue(tftypes.String, "www"),
		"ports": tftypes.NewValue(tftypes.List{ElementType: tftypes.Number}, []tftypes.Value{tftypes.NewValue(tftypes.Number, 80)}),
	})
	var m model
	if d := tfmodel.Into(ctx, objType, v, &m); d.HasError() {
		t.Fatal(d)
	}
	if m.Name != "www" || len(m.Ports) != 1 || m.Ports[0] != 80 {
		t.Fatalf("read %+v", m)
	}
	back, d := tfmodel.From(ctx, objType, m)
	if d.HasError() || !back.Equal(v) {
		t.Fatalf("wrote %s (%v), want %s", back, d, v)
	}
}

func TestErrorsNameThePath(t *testing.T) {
	ctx := context.Background()
	type short struct {
		Name types.String `tfsdk:"name"`
	}
	v := tftypes.NewValue(objType.TerraformType(ctx), map[string]tftypes.Value{
		"name":  tftypes.NewValue(tftypes.String, "www"),
		"ports": tftypes.NewValue(tftypes.List{ElementType: tftypes.Number}, tftypes.UnknownValue),
	})
	var s short
	if d := tfmodel.Into(ctx, objType, v, &s); !d.HasError() || !strings.Contains(d[0].Detail(), "[ports]") {
		t.Errorf("a model missing an attribute: %v", d)
	}
	var m model
	d := tfmodel.Into(ctx, objType, v, &m)
	if !d.HasError() || !strings.Contains(d[0].Detail(), "unknown") {
		t.Fatalf("unknown into a plain slice: %v", d)
	}
	if p, ok := d[0].(diag.DiagnosticWithPath); !ok || p.Path().String() != "ports" {
		t.Errorf("error %v not at ports", d[0])
	}
	type wrong struct {
		Name  types.String `tfsdk:"name"`
		Ports types.List   `tfsdk:"ports"`
	}
	bad := wrong{Name: types.StringValue("www"), Ports: types.ListValueMust(types.StringType, nil)}
	if _, d := tfmodel.From(ctx, objType, bad); !d.HasError() {
		t.Error("a list of strings written where the schema has a list of numbers")
	}
}

func TestAttrsAndElementsOfRawValues(t *testing.T) {
	obj := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"a": tftypes.String}}
	list := tftypes.List{ElementType: tftypes.String}
	known := tftypes.NewValue(obj, map[string]tftypes.Value{"a": tftypes.NewValue(tftypes.String, "x")})
	if a := tfmodel.Attrs(known); len(a) != 1 || !a["a"].Equal(tftypes.NewValue(tftypes.String, "x")) {
		t.Errorf("Attrs of a known object: %v", a)
	}
	for _, v := range []tftypes.Value{tftypes.NewValue(obj, nil), tftypes.NewValue(obj, tftypes.UnknownValue), tftypes.NewValue(list, nil)} {
		if a := tfmodel.Attrs(v); a != nil {
			t.Errorf("Attrs of %s: %v, want nil", v, a)
		}
	}
	l := tftypes.NewValue(list, []tftypes.Value{tftypes.NewValue(tftypes.String, "x"), tftypes.NewValue(tftypes.String, tftypes.UnknownValue)})
	if e := tfmodel.Elements(l); len(e) != 2 || e[1].IsKnown() {
		t.Errorf("Elements of a list with an unknown element: %v", e)
	}
	for _, v := range []tftypes.Value{tftypes.NewValue(list, nil), tftypes.NewValue(list, tftypes.UnknownValue), known} {
		if e := tfmodel.Elements(v); e != nil {
			t.Errorf("Elements of %s: %v, want nil", v, e)
		}
	}
}
