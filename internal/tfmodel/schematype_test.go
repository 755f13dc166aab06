package tfmodel

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func testSchema(extra string) rschema.Schema {
	return rschema.Schema{
		Attributes: map[string]rschema.Attribute{
			"name":  rschema.StringAttribute{Required: true},
			"ports": rschema.ListAttribute{Optional: true, ElementType: types.Int64Type},
			extra:   rschema.BoolAttribute{Optional: true},
		},
		Blocks: map[string]rschema.Block{
			"target": rschema.ListNestedBlock{NestedObject: rschema.NestedBlockObject{Attributes: map[string]rschema.Attribute{
				"addresses": rschema.ListAttribute{Optional: true, ElementType: types.StringType},
				"weight":    rschema.Int64Attribute{Optional: true},
			}}},
			"check": rschema.SingleNestedBlock{Attributes: map[string]rschema.Attribute{
				"port": rschema.Int64Attribute{Optional: true},
			}},
		},
	}
}

// The cached types are the ones the schema builds, for every schema however
// many there are, and two schemas of different shapes never share an entry.
func TestCachedTypesAreTheSchemas(t *testing.T) {
	ctx := context.Background()
	for i := range maxSchemaTypes + 50 {
		extra := "flag"
		if i%2 == 1 {
			extra = "other"
		}
		s := testSchema(extra)
		for range 2 { // the second read comes from the cache
			got := typeOf(s)
			if !got.Equal(s.Type()) {
				t.Fatalf("schema %d: cached type %s, schema builds %s", i, got, s.Type())
			}
			if tf, want := terraformType(ctx, got), s.Type().TerraformType(ctx); !tf.Equal(want) {
				t.Fatalf("schema %d: wire type %s, want %s", i, tf, want)
			}
		}
	}
	ds := dschema.Schema{Attributes: map[string]dschema.Attribute{"id": dschema.StringAttribute{Computed: true}}}
	if got := typeOf(ds); !got.Equal(ds.Type()) {
		t.Fatalf("data source schema: %s, want %s", got, ds.Type())
	}
	if n := schemaTypes.count.Load(); n > maxSchemaTypes {
		t.Fatalf("%d schema types cached, bound %d", n, maxSchemaTypes)
	}
}

// A value's object type is a fresh copy per call: its wire type is right
// and nothing of it is cached.
func TestValueTypesAreNotCached(t *testing.T) {
	ctx := context.Background()
	ot := types.ObjectType{AttrTypes: map[string]attr.Type{"a": types.StringType, "b": types.ListType{ElemType: types.Int64Type}}}
	before := objectTypes.count.Load()
	for range 10 {
		if got, want := valueTerraformType(ctx, ot), ot.TerraformType(ctx); !got.Equal(want) {
			t.Fatalf("wire type %s, want %s", got, want)
		}
	}
	if objectTypes.count.Load() != before {
		t.Fatal("a value's object type was cached")
	}
	for _, typ := range []attr.Type{types.StringType, types.BoolType, types.Int64Type, types.Float64Type, types.NumberType, types.Int32Type, types.Float32Type} {
		if got, want := valueTerraformType(ctx, typ), typ.TerraformType(ctx); !got.Equal(want) {
			t.Fatalf("%s: wire type %s, want %s", typ, got, want)
		}
	}
}
