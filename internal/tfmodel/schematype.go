package tfmodel

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// schemaTyper is what Get and Set need of a schema.
type schemaTyper interface{ Type() attr.Type }

// schemaTypes holds each schema's type, built once: Schema.Type walks every
// attribute and block and was a tenth of each Get and Set. A schema is
// known by its attribute map, which the framework builds once per resource
// type and then hands to every call; the entry keeps the schema (so its map)
// alive, so a map's address is never reused for another schema while cached.
var (
	schemaTypes     sync.Map // unsafe.Pointer (the attribute map) -> schemaType
	schemaTypeCount atomic.Int32
)

// maxSchemaTypes bounds the cache for callers that build a schema per call.
const maxSchemaTypes = 1024

type schemaType struct {
	schema any // keeps the attribute map alive
	typ    attr.Type
}

// typeOf is s.Type(), from the cache for resource and data source schemas.
func typeOf(s schemaTyper) attr.Type {
	var key unsafe.Pointer
	switch sc := s.(type) {
	case rschema.Schema:
		key = mapKey(sc.Attributes)
	case dschema.Schema:
		key = mapKey(sc.Attributes)
	}
	if key == nil {
		return s.Type()
	}
	if e, ok := schemaTypes.Load(key); ok {
		return e.(schemaType).typ
	}
	typ := s.Type()
	if schemaTypeCount.Load() < maxSchemaTypes {
		if _, loaded := schemaTypes.LoadOrStore(key, schemaType{schema: s, typ: typ}); !loaded {
			schemaTypeCount.Add(1)
		}
	}
	return typ
}

// mapKey is a map's identity, nil for an empty one (which many schemas
// could share).
func mapKey[M ~map[string]V, V any](m M) unsafe.Pointer {
	if len(m) == 0 {
		return nil
	}
	return reflect.ValueOf(m).UnsafePointer()
}

// The primitive wire types as interface values, boxed once.
var (
	tfString tftypes.Type = tftypes.String
	tfBool   tftypes.Type = tftypes.Bool
	tfNumber tftypes.Type = tftypes.Number
)

// objectTypes holds the wire type of each schema object type, known by its
// attribute map as schemaTypes knows schemas. Only types reached from a
// cached schema come here: those maps live as long as the schema.
var (
	objectTypes     sync.Map // unsafe.Pointer (AttrTypes) -> objectType
	objectTypeCount atomic.Int32
)

type objectType struct {
	typ    basetypes.ObjectType // keeps the map alive
	tfType tftypes.Type
}

// terraformType is typ.TerraformType(ctx) without rebuilding it: the
// framework's types build their wire type anew at every call, maps and all,
// and Get and Set need one per value.
func terraformType(ctx context.Context, typ attr.Type) tftypes.Type {
	if tf := primitiveType(typ); tf != nil {
		return tf
	}
	switch t := typ.(type) {
	case basetypes.ListType:
		if t.ElemType != nil {
			return tftypes.List{ElementType: terraformType(ctx, t.ElemType)}
		}
	case basetypes.ObjectType:
		key := mapKey(t.AttrTypes)
		if key == nil {
			break
		}
		if e, ok := objectTypes.Load(key); ok {
			return e.(objectType).tfType
		}
		tf := tftypes.Object{AttributeTypes: make(map[string]tftypes.Type, len(t.AttrTypes))}
		for name, at := range t.AttrTypes {
			tf.AttributeTypes[name] = terraformType(ctx, at)
		}
		if objectTypeCount.Load() < maxSchemaTypes {
			if _, loaded := objectTypes.LoadOrStore(key, objectType{typ: t, tfType: tf}); !loaded {
				objectTypeCount.Add(1)
			}
		}
		return tf
	}
	return typ.TerraformType(ctx)
}

// valueTerraformType is the wire type of a value's own type: as
// terraformType for primitives, uncached otherwise (a value's object type
// is a fresh copy of its attribute map at every call).
func valueTerraformType(ctx context.Context, typ attr.Type) tftypes.Type {
	if tf := primitiveType(typ); tf != nil {
		return tf
	}
	return typ.TerraformType(ctx)
}

// primitiveType is the wire type of the framework's primitive types, nil
// for any other.
func primitiveType(typ attr.Type) tftypes.Type {
	switch typ.(type) {
	case basetypes.StringType:
		return tfString
	case basetypes.BoolType:
		return tfBool
	case basetypes.Int64Type, basetypes.Int32Type, basetypes.Float64Type, basetypes.Float32Type, basetypes.NumberType:
		return tfNumber
	}
	return nil
}

// attributeTypes is an object type's attribute types, read in place when
// the type is the framework's own (whose AttributeTypes copies the map).
// Callers must not change the map.
func attributeTypes(ot attr.TypeWithAttributeTypes) map[string]attr.Type {
	if t, ok := ot.(basetypes.ObjectType); ok {
		return t.AttrTypes
	}
	return ot.AttributeTypes()
}
