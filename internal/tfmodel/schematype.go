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

// A schema is known by its attribute map, which the framework builds once
// per resource type and then hands to every call, and a schema object type
// by its attribute type map in the same way. Each cache entry keeps that map
// alive, so a map's address is never reused for another while cached.
var (
	// schemaTypes holds each schema's type: Schema.Type walks every
	// attribute and block and was a tenth of each Get and Set.
	schemaTypes byMap[attr.Type]
	// objectTypes holds the wire type of each schema object type. Only types
	// reached from a cached schema come here: those maps live as long as the
	// schema.
	objectTypes byMap[tftypes.Type]
)

// maxSchemaTypes bounds each cache for callers that build a schema per call.
const maxSchemaTypes = 1024

// byMap holds what was built from a map, known by the map's identity, up to
// maxSchemaTypes entries.
type byMap[V any] struct {
	m     sync.Map // unsafe.Pointer (the map) -> byMapEntry[V]
	count atomic.Int32
}

type byMapEntry[V any] struct {
	owner any // keeps the map alive
	v     V
}

func (c *byMap[V]) load(key unsafe.Pointer) (V, bool) {
	e, ok := c.m.Load(key)
	if !ok {
		var zero V
		return zero, false
	}
	return e.(byMapEntry[V]).v, true
}

// store keeps v for key while there is room; owner holds the map.
func (c *byMap[V]) store(key unsafe.Pointer, owner any, v V) {
	if c.count.Load() >= maxSchemaTypes {
		return
	}
	if _, loaded := c.m.LoadOrStore(key, byMapEntry[V]{owner: owner, v: v}); !loaded {
		c.count.Add(1)
	}
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
	if typ, ok := schemaTypes.load(key); ok {
		return typ
	}
	typ := s.Type()
	schemaTypes.store(key, s, typ)
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
		if tf, ok := objectTypes.load(key); ok {
			return tf
		}
		tf := tftypes.Object{AttributeTypes: make(map[string]tftypes.Type, len(t.AttrTypes))}
		for name, at := range t.AttrTypes {
			tf.AttributeTypes[name] = terraformType(ctx, at)
		}
		objectTypes.store(key, t, tf)
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
