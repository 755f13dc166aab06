package provider

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints"
)

// Every stock blueprint converts to values of exactly the types the data
// source schema and the function declare.
func TestBlueprintObjectMatchesSchema(t *testing.T) {
	ctx := context.Background()
	var resp datasource.SchemaResponse
	NewBlueprintDataSource().Schema(ctx, datasource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	want := blueprintAttrTypes()
	for _, n := range blueprints.Stock() {
		res, diags := blueprints.CompileStock(n, blueprints.Options{})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		out, fd := blueprintObject(res)
		if fd.HasError() {
			t.Fatal(fd)
		}
		for name, v := range out {
			if !v.Type(ctx).Equal(want[name]) {
				t.Errorf("%s: %s has type %s, function declares %s", n, name, v.Type(ctx), want[name])
			}
			a, ok := resp.Schema.Attributes[name]
			if !ok {
				t.Errorf("schema lacks %s", name)
				continue
			}
			if !a.GetType().Equal(v.Type(ctx)) {
				t.Errorf("%s: %s has type %s, schema says %s", n, name, v.Type(ctx), a.GetType())
			}
		}
		if _, d := types.ObjectValue(want, out); d.HasError() {
			t.Errorf("%s: %v", n, d)
		}
	}
}

func TestDynamicVariables(t *testing.T) {
	ctx := context.Background()
	obj, _ := types.ObjectValue(
		map[string]attr.Type{"image": types.StringType, "web_size": types.NumberType},
		map[string]attr.Value{"image": types.StringValue("ami-x"), "web_size": types.NumberValue(big.NewFloat(4))},
	)
	vars, err := dynamicToCty(ctx, types.DynamicValue(obj))
	if err != nil {
		t.Fatal(err)
	}
	res, diags := blueprints.CompileStock("web-active-passive", blueprints.Options{Variables: vars})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for _, c := range res.Components {
		if c.Key == "east/web/scaling_group" && (c.ScalingGroup.Image != "ami-x" || c.ScalingGroup.MinSize != 4) {
			t.Errorf("got %+v", c.ScalingGroup)
		}
	}
	if _, err := dynamicToCty(ctx, types.DynamicValue(types.StringValue("x"))); err == nil {
		t.Error("a string is not a set of variables")
	}
}

// Diagnostics keep the blueprint's position and source line in the detail.
func TestBlueprintDiags(t *testing.T) {
	res, hd := blueprints.Compile("x.ha.hcl", []byte("blueprint \"x\" {}\nregion \"a\" {\n  cloud = \"azure\"\n  role  = \"primary\"\n}\n"), blueprints.Options{})
	diags := blueprintDiags(path.Root("source"), res, hd)
	if !diags.HasError() {
		t.Fatal("want errors")
	}
	d := diags.Errors()[0]
	if d.Summary() != "Invalid blueprint: Invalid value for cloud" ||
		!strings.HasPrefix(d.Detail(), "x.ha.hcl:3:11: error: Invalid value for cloud\n") ||
		!strings.HasSuffix(d.Detail(), `  |   cloud = "azure"`) {
		t.Errorf("summary %q detail %q", d.Summary(), d.Detail())
	}
}

var _ basetypes.ObjectValue
