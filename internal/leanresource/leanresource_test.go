package leanresource

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// testResource is a resource with a given schema that records its calls.
type testResource struct {
	schema schema.Schema
	calls  *[]string
}

func (r *testResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_thing"
}
func (r *testResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = r.schema
}
func (r *testResource) Create(_ context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	*r.calls = append(*r.calls, "create")
	resp.State.Raw = req.Plan.Raw
}
func (r *testResource) Read(_ context.Context, _ resource.ReadRequest, _ *resource.ReadResponse) {
	*r.calls = append(*r.calls, "read")
}
func (r *testResource) Update(_ context.Context, _ resource.UpdateRequest, _ *resource.UpdateResponse) {
	*r.calls = append(*r.calls, "update")
}
func (r *testResource) Delete(_ context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	*r.calls = append(*r.calls, "delete")
}

// nextServer stands for the framework's server: it answers what the lean
// server passes on, and says so.
type nextServer struct {
	tfprotov6.ProviderServer
	got []string
}

func (n *nextServer) ValidateResourceConfig(_ context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	n.got = append(n.got, req.TypeName)
	return &tfprotov6.ValidateResourceConfigResponse{}, nil
}

func flat() schema.Schema {
	return schema.Schema{Attributes: map[string]schema.Attribute{
		"id":   schema.StringAttribute{Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"name": schema.StringAttribute{Required: true},
	}}
}

func TestWrapRefusesWhatItCannotReproduce(t *testing.T) {
	for name, s := range map[string]schema.Schema{
		"nested attribute": {Attributes: map[string]schema.Attribute{
			"n": schema.SingleNestedAttribute{Optional: true, Attributes: map[string]schema.Attribute{"a": schema.StringAttribute{Optional: true}}},
		}},
		"custom type": {Attributes: map[string]schema.Attribute{
			"c": schema.StringAttribute{Optional: true, CustomType: types.StringType},
		}},
		"map": {Attributes: map[string]schema.Attribute{"m": schema.MapAttribute{Optional: true, ElementType: types.StringType}}},
		"plan modifier in a block": {Blocks: map[string]schema.Block{"b": schema.SingleNestedBlock{Attributes: map[string]schema.Attribute{
			"a": schema.StringAttribute{Optional: true, PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		}}}},
		"nested block": {Blocks: map[string]schema.Block{"b": schema.ListNestedBlock{NestedObject: schema.NestedBlockObject{
			Blocks: map[string]schema.Block{"c": schema.SingleNestedBlock{}},
		}}}},
		"set block": {Blocks: map[string]schema.Block{"b": schema.SetNestedBlock{}}},
	} {
		var calls []string
		r := &testResource{schema: s, calls: &calls}
		_, err := Wrap(&nextServer{}, "ha", nil, func() resource.Resource { return r })
		if err == nil || !strings.Contains(err.Error(), "ha_thing") {
			t.Errorf("%s: Wrap took it (err %v)", name, err)
		}
	}
}

func TestOtherTypesGoToTheFramework(t *testing.T) {
	ctx := context.Background()
	var calls []string
	next := &nextServer{}
	s, err := Wrap(next, "ha", nil, func() resource.Resource { return &testResource{schema: flat(), calls: &calls} })
	if err != nil {
		t.Fatal(err)
	}
	if !s.Serves("ha_thing") || s.Serves("ha_other") {
		t.Fatalf("serves ha_thing %v, ha_other %v", s.Serves("ha_thing"), s.Serves("ha_other"))
	}
	if _, err := s.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "ha_other"}); err != nil {
		t.Fatal(err)
	}
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"id": tftypes.String, "name": tftypes.String}}
	cfg, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, map[string]tftypes.Value{
		"id": tftypes.NewValue(tftypes.String, nil), "name": tftypes.NewValue(tftypes.String, nil),
	}))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "ha_thing", Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	if len(next.got) != 1 || next.got[0] != "ha_other" {
		t.Errorf("the framework got %v, want only ha_other", next.got)
	}
	if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary != "Missing Configuration for Required Attribute" ||
		resp.Diagnostics[0].Attribute.String() != tftypes.NewAttributePath().WithAttributeName("name").String() {
		t.Errorf("diagnostics for a missing name: %+v", resp.Diagnostics)
	}
}

func TestApplyCreatesUpdatesAndDeletes(t *testing.T) {
	ctx := context.Background()
	var calls []string
	s, err := Wrap(&nextServer{}, "ha", nil, func() resource.Resource { return &testResource{schema: flat(), calls: &calls} })
	if err != nil {
		t.Fatal(err)
	}
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"id": tftypes.String, "name": tftypes.String}}
	val := func(id, name any) *tfprotov6.DynamicValue {
		var v tftypes.Value
		if id == nil && name == nil {
			v = tftypes.NewValue(typ, nil)
		} else {
			v = tftypes.NewValue(typ, map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, id), "name": tftypes.NewValue(tftypes.String, name)})
		}
		dv, err := tfprotov6.NewDynamicValue(typ, v)
		if err != nil {
			t.Fatal(err)
		}
		return &dv
	}
	apply := func(prior, planned *tfprotov6.DynamicValue) *tfprotov6.ApplyResourceChangeResponse {
		resp, err := s.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: "ha_thing", PriorState: prior, PlannedState: planned, Config: planned})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	created := apply(val(nil, nil), val("x", "a"))
	updated := apply(val("x", "a"), val("x", "b"))
	deleted := apply(val("x", "b"), val(nil, nil))
	if strings.Join(calls, " ") != "create update delete" {
		t.Fatalf("calls %v", calls)
	}
	if len(created.Diagnostics) != 0 || len(deleted.Diagnostics) != 0 {
		t.Errorf("create %+v, delete %+v", created.Diagnostics, deleted.Diagnostics)
	}
	st, err := deleted.NewState.Unmarshal(typ)
	if err != nil || !st.IsNull() {
		t.Errorf("state after delete: %v %v", st, err)
	}
	if len(updated.Diagnostics) != 0 {
		// An Update that sets nothing leaves the prior state, as in the
		// framework: not an error.
		t.Errorf("update: %+v", updated.Diagnostics)
	}
}

// testProvider serves testResource through the framework, the reference
// the lean server must answer as.
type testProvider struct{ factory func() resource.Resource }

func (p testProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "ha"
}
func (p testProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}
func (p testProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}
func (p testProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{p.factory}
}
func (p testProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

// Computed attributes inside list and single blocks, which ha_dns_failover
// does not have: the lean plan marks them unknown exactly where the
// framework does (a configuration shorter than the plan, a null block,
// values kept from the prior state).
func TestPlanMarksComputedInsideBlocksAsTheFramework(t *testing.T) {
	ctx := context.Background()
	var calls []string
	s := schema.Schema{
		Attributes: map[string]schema.Attribute{
			"id":   schema.StringAttribute{Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"name": schema.StringAttribute{Required: true},
		},
		Blocks: map[string]schema.Block{
			"item": schema.ListNestedBlock{NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
				"label": schema.StringAttribute{Required: true},
				"note":  schema.StringAttribute{Computed: true},
			}}},
			"cfg": schema.SingleNestedBlock{Attributes: map[string]schema.Attribute{
				"port": schema.Int64Attribute{Optional: true, Computed: true},
			}},
		},
	}
	factory := func() resource.Resource { return &testResource{schema: s, calls: &calls} }
	fw := providerserver.NewProtocol6(testProvider{factory: factory})()
	lean, err := Wrap(fw, "ha", nil, factory)
	if err != nil {
		t.Fatal(err)
	}
	typ := s.Type().TerraformType(ctx)
	obj := typ.(tftypes.Object)
	itemType := obj.AttributeTypes["item"].(tftypes.List).ElementType
	cfgType := obj.AttributeTypes["cfg"]
	str := func(v any) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
	item := func(label, note any) tftypes.Value {
		return tftypes.NewValue(itemType, map[string]tftypes.Value{"label": str(label), "note": str(note)})
	}
	value := func(id, name any, items []tftypes.Value, port any) tftypes.Value {
		cfg := tftypes.NewValue(cfgType, nil)
		if port != nil {
			cfg = tftypes.NewValue(cfgType, map[string]tftypes.Value{"port": tftypes.NewValue(tftypes.Number, port)})
		}
		var list tftypes.Value
		if items == nil {
			list = tftypes.NewValue(obj.AttributeTypes["item"], nil)
		} else {
			list = tftypes.NewValue(obj.AttributeTypes["item"], items)
		}
		return tftypes.NewValue(typ, map[string]tftypes.Value{"id": str(id), "name": str(name), "item": list, "cfg": cfg})
	}
	dv := func(v tftypes.Value) *tfprotov6.DynamicValue {
		d, err := tfprotov6.NewDynamicValue(typ, v)
		if err != nil {
			t.Fatal(err)
		}
		return &d
	}
	null := tftypes.NewValue(typ, nil)
	unknown := tftypes.UnknownValue
	cases := map[string][3]tftypes.Value{ // config, proposed, prior
		"create with items": {
			value(nil, "a", []tftypes.Value{item("x", nil), item("y", nil)}, nil),
			value(nil, "a", []tftypes.Value{item("x", nil), item("y", nil)}, nil), null},
		"update keeps notes and marks the new item's": {
			value(nil, "b", []tftypes.Value{item("x", nil), item("y", nil)}, nil),
			value("i", "b", []tftypes.Value{item("x", "n1"), item("y", nil)}, nil),
			value("i", "a", []tftypes.Value{item("x", "n1")}, nil)},
		"a plan longer than its configuration": {
			value(nil, "b", []tftypes.Value{item("x", nil)}, nil),
			value("i", "b", []tftypes.Value{item("x", "n1"), item("y", "n2")}, nil),
			value("i", "a", []tftypes.Value{item("x", "n1"), item("y", "n2")}, nil)},
		"an unknown item in the configuration": {
			value(nil, "b", []tftypes.Value{tftypes.NewValue(itemType, unknown)}, nil),
			value("i", "b", []tftypes.Value{item("x", "n1")}, nil),
			value("i", "a", []tftypes.Value{item("x", "n1")}, nil)},
		"a single block set in the plan only": {
			value(nil, "b", []tftypes.Value{}, nil),
			value("i", "b", []tftypes.Value{}, big.NewFloat(80)),
			value("i", "a", []tftypes.Value{}, big.NewFloat(80))},
	}
	for name, c := range cases {
		plan := func(srv tfprotov6.ProviderServer) string {
			resp, err := srv.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
				TypeName: "ha_thing", Config: dv(c[0]), ProposedNewState: dv(c[1]), PriorState: dv(c[2]),
			})
			if err != nil {
				t.Fatal(err)
			}
			v, err := resp.PlannedState.Unmarshal(typ)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("%s %v %v", v, resp.RequiresReplace, resp.Diagnostics)
		}
		if f, l := plan(fw), plan(lean); f != l {
			t.Errorf("%s:\nframework %s\nlean      %s", name, f, l)
		}
	}
}
