// Package leanresource serves chosen terraform-plugin-framework resources'
// validate, plan, apply, read and state-read calls itself, and passes every
// other call to the framework's server.
//
// Why: the framework walks the schema from its root for every value it
// touches, copying each attribute map on the way, and rewrites the whole
// value once per attribute while planning. For a resource with a few dozen
// attributes that is most of the provider's CPU per resource. This package
// does the same steps (defaults, unknown computed values, attribute plan
// modifiers and validators, the resource's own ValidateConfig, ModifyPlan,
// Create, Read, Update and Delete) in one pass over the values.
//
// It takes only the schemas it reproduces exactly: string, bool, int64 and
// list attributes without custom types, and list or single nested blocks of
// such attributes with no plan modifiers of their own. Wrap refuses any
// other, and a resource using private state or identity must not be given
// to it. Import, upgrades from older schema versions and schemas stay with
// the framework.
package leanresource

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Server is a tfprotov6.ProviderServer that answers the chosen resources'
// calls and hands the rest to the framework's server it wraps.
type Server struct {
	tfprotov6.ProviderServer
	resources    map[string]*lean
	providerData func() any
}

// lean is one resource served here: how to make it, and its schema in the
// shape the passes below walk.
type lean struct {
	factory func() resource.Resource
	schema  schema.Schema
	objType tftypes.Object
	attrs   []leaf
	blocks  []block
}

// leaf is one attribute, at the top or inside a block.
type leaf struct {
	name       string
	def        schema.Attribute
	typ        attr.Type
	tfType     tftypes.Type
	modifiers  int  // plan modifiers
	hasDefault bool // a Default is set
	// path and expr are the attribute's path and its expression where the
	// path is fixed (at the top, or in a single block), built once; empty in
	// a list block, whose paths hold the element's index.
	path  path.Path
	expr  path.Expression
	fixed bool
}

// block is a list or single nested block of leaves.
type block struct {
	name    string
	list    bool
	attrs   []leaf
	tfType  tftypes.Type // the list, or the single object
	objType tftypes.Object
}

// Wrap serves the resources the factories make in front of next (the
// framework's server for the same provider). providerData returns what the
// provider's Configure handed to resources, nil before it ran.
func Wrap(next tfprotov6.ProviderServer, providerTypeName string, providerData func() any, factories ...func() resource.Resource) (*Server, error) {
	ctx := context.Background()
	s := &Server{ProviderServer: next, resources: map[string]*lean{}, providerData: providerData}
	for _, f := range factories {
		r := f()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: providerTypeName}, &md)
		if _, ok := r.(resource.ResourceWithIdentity); ok {
			return nil, fmt.Errorf("%s: resource identity is not supported", md.TypeName)
		}
		var sr resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &sr)
		if sr.Diagnostics.HasError() {
			return nil, fmt.Errorf("%s: schema: %v", md.TypeName, sr.Diagnostics)
		}
		l, err := compile(ctx, sr.Schema)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", md.TypeName, err)
		}
		l.factory = f
		s.resources[md.TypeName] = l
	}
	return s, nil
}

func compile(ctx context.Context, s schema.Schema) (*lean, error) {
	l := &lean{schema: s}
	obj, ok := s.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		return nil, fmt.Errorf("schema type is not an object")
	}
	l.objType = obj
	for name, a := range s.Attributes {
		lf, err := compileLeaf(ctx, name, a, true)
		if err != nil {
			return nil, err
		}
		lf.fix(path.Root(name))
		l.attrs = append(l.attrs, lf)
	}
	for name, b := range s.Blocks {
		bl, err := compileBlock(ctx, name, b)
		if err != nil {
			return nil, err
		}
		l.blocks = append(l.blocks, bl)
	}
	sort.Slice(l.attrs, func(i, j int) bool { return l.attrs[i].name < l.attrs[j].name })
	sort.Slice(l.blocks, func(i, j int) bool { return l.blocks[i].name < l.blocks[j].name })
	return l, nil
}

func compileLeaf(ctx context.Context, name string, a schema.Attribute, top bool) (leaf, error) {
	unsupported := func(why string) (leaf, error) {
		return leaf{}, fmt.Errorf("attribute %q: %s", name, why)
	}
	var custom attr.Type
	var modifiers int
	var hasDefault bool
	switch a := a.(type) {
	case schema.StringAttribute:
		custom, modifiers, hasDefault = a.CustomType, len(a.PlanModifiers), a.Default != nil
	case schema.BoolAttribute:
		custom, modifiers, hasDefault = a.CustomType, len(a.PlanModifiers), a.Default != nil
	case schema.Int64Attribute:
		custom, modifiers, hasDefault = a.CustomType, len(a.PlanModifiers), a.Default != nil
	case schema.ListAttribute:
		custom, modifiers, hasDefault = a.CustomType, len(a.PlanModifiers), a.Default != nil
	default:
		return unsupported(fmt.Sprintf("type %T is not supported", a))
	}
	switch {
	case custom != nil:
		return unsupported("custom types are not supported")
	case a.IsWriteOnly():
		return unsupported("write-only attributes are not supported")
	case !a.IsRequired() && !a.IsOptional() && !a.IsComputed():
		return unsupported("neither required, optional nor computed")
	case !top && modifiers > 0:
		return unsupported("plan modifiers inside blocks are not supported")
	}
	return leaf{name: name, def: a, typ: a.GetType(), tfType: a.GetType().TerraformType(ctx), modifiers: modifiers, hasDefault: hasDefault}, nil
}

func compileBlock(ctx context.Context, name string, b schema.Block) (block, error) {
	bl := block{name: name, tfType: b.Type().TerraformType(ctx)}
	var attrs map[string]schema.Attribute
	var nested int
	switch b := b.(type) {
	case schema.ListNestedBlock:
		if b.CustomType != nil || b.NestedObject.CustomType != nil || len(b.Validators) > 0 || len(b.PlanModifiers) > 0 ||
			len(b.NestedObject.Validators) > 0 || len(b.NestedObject.PlanModifiers) > 0 || b.DeprecationMessage != "" {
			return block{}, fmt.Errorf("block %q: custom types, validators, plan modifiers and deprecation are not supported", name)
		}
		bl.list = true
		attrs, nested = b.NestedObject.Attributes, len(b.NestedObject.Blocks)
		bl.objType, _ = b.NestedObject.Type().TerraformType(ctx).(tftypes.Object)
	case schema.SingleNestedBlock:
		if b.CustomType != nil || len(b.Validators) > 0 || len(b.PlanModifiers) > 0 || b.DeprecationMessage != "" {
			return block{}, fmt.Errorf("block %q: custom types, validators, plan modifiers and deprecation are not supported", name)
		}
		attrs, nested = b.Attributes, len(b.Blocks)
		bl.objType, _ = bl.tfType.(tftypes.Object)
	default:
		return block{}, fmt.Errorf("block %q: type %T is not supported", name, b)
	}
	if nested > 0 {
		return block{}, fmt.Errorf("block %q: nested blocks are not supported", name)
	}
	for an, a := range attrs {
		lf, err := compileLeaf(ctx, an, a, false)
		if err != nil {
			return block{}, fmt.Errorf("block %q: %w", name, err)
		}
		if !bl.list {
			lf.fix(path.Root(name).AtName(an))
		}
		bl.attrs = append(bl.attrs, lf)
	}
	sort.Slice(bl.attrs, func(i, j int) bool { return bl.attrs[i].name < bl.attrs[j].name })
	return bl, nil
}

// fix records the leaf's path, the same at every call.
func (a *leaf) fix(p path.Path) {
	a.path, a.expr, a.fixed = p, p.Expression(), true
}

// pathIn is the leaf's path: its own when fixed, else under parent (an
// element of a list block).
func (a leaf) pathIn(parent path.Path) path.Path {
	if a.fixed {
		return a.path
	}
	return parent.AtName(a.name)
}

// Serves reports whether typeName is answered here rather than by the
// framework.
func (s *Server) Serves(typeName string) bool {
	_, ok := s.resources[typeName]
	return ok
}

// instance makes the resource and configures it, as the framework does
// before every call.
func (s *Server) instance(ctx context.Context, l *lean) (resource.Resource, diag.Diagnostics) {
	r := l.factory()
	var diags diag.Diagnostics
	if rc, ok := r.(resource.ResourceWithConfigure); ok {
		var resp resource.ConfigureResponse
		var data any
		if s.providerData != nil {
			data = s.providerData()
		}
		rc.Configure(ctx, resource.ConfigureRequest{ProviderData: data}, &resp)
		diags.Append(resp.Diagnostics...)
	}
	return r, diags
}
