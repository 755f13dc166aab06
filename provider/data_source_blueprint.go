package provider

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ datasource.DataSource                   = &blueprintDataSource{}
	_ datasource.DataSourceWithValidateConfig = &blueprintDataSource{}
)

// NewBlueprintDataSource is the ha_blueprint data source.
func NewBlueprintDataSource() datasource.DataSource { return &blueprintDataSource{} }

type blueprintDataSource struct{}

func (d *blueprintDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_blueprint"
}

func (d *blueprintDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"path": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "Blueprint file to compile (`*.ha.hcl`, or `*.ha.json` in the JSON syntax). A relative path resolves against " +
				"Terraform's working directory; write `\"${path.module}/shop.ha.hcl\"` in modules. Inventories and `file()` resolve next to it.",
		},
		"source": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Blueprint text, instead of `path`. `file()` and inventories then resolve against Terraform's working directory.",
		},
		"filename": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Name used for `source` in diagnostics (default `blueprint.ha.hcl`); a name ending in `.json` selects the JSON syntax.",
		},
		"variables": schema.DynamicAttribute{
			Optional:            true,
			MarkdownDescription: "Values for the blueprint's `variable` blocks: an object or map, converted to each variable's declared type.",
		},
		"lost_regions": schema.ListAttribute{
			Optional: true, ElementType: types.StringType,
			MarkdownDescription: "Disaster recovery: regions that are lost. Their components are dropped (no longer managed), the first surviving region " +
				"in DNS failover order becomes primary, its cross-region replicas are promoted in the same apply (`promote = true`), or, with no " +
				"replica there, the database is restored from its newest copied snapshot (`restore_from`), and DNS order puts the new primary first. " +
				"See `recovery` for what changed.",
		},
		"replacements": schema.MapAttribute{
			Optional: true, ElementType: types.StringType,
			MarkdownDescription: "Disaster recovery: lost region → location to rebuild it in. The region's tiers (and a replica of each promoted " +
				"database) are built anew there as the new standby, last in DNS failover order.",
		},
		"primary_region": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "Disaster recovery: the region that serves. Unset, the first surviving region in DNS failover order does. " +
				"To fail back to a lost region once it is rebuilt (`replacements`) and its replica has caught up, name it here: its replica " +
				"is promoted and the other regions' replicas follow it.",
		},
		"recovery": schema.SingleNestedAttribute{
			Computed: true,
			MarkdownDescription: "What `lost_regions` changed: `lost`, `new_primary`, `promoted` and `restored` component keys, `rebuilt` (region → " +
				"location), `dropped` component keys, and the worst-case `rto`/`rpo` of this event in seconds (the blueprint's figures for losing " +
				"the primary, 0 when only standbys were lost). Empty when no region is lost.",
			Attributes: ctySchemaAttrs(blueprints.RecoveryType),
		},
		"name":        schema.StringAttribute{Computed: true, MarkdownDescription: "The blueprint's name (its `blueprint \"NAME\"` label), the prefix of every physical name."},
		"description": schema.StringAttribute{Computed: true, MarkdownDescription: "The blueprint's description."},
		"keys": schema.ListAttribute{Computed: true, ElementType: types.StringType,
			MarkdownDescription: "Every component key, sorted."},
		"regions": schema.MapNestedAttribute{
			Computed:            true,
			MarkdownDescription: "The regions by name: `name`, `cloud`, `location`, `zones`, `role`, `inventory`.",
			NestedObject:        schema.NestedAttributeObject{Attributes: ctySchemaAttrs(blueprints.RegionType)},
		},
		"objectives": schema.SingleNestedAttribute{
			Computed: true,
			MarkdownDescription: "RTO and RPO in seconds: `rto_budget`/`rpo_budget` from the `objectives` block (0 when not set), the worst case " +
				"computed for losing the primary region as `rto`/`rpo` (-1 when unbounded), the `scenario`, and `rto_breakdown`/`rpo_breakdown` " +
				"(lists of `{step, seconds, detail}`).",
			Attributes: ctySchemaAttrs(blueprints.ObjectivesType),
		},
	}
	for _, kind := range blueprints.Kinds {
		attrs[blueprints.KindCollections[kind]] = schema.MapNestedAttribute{
			Computed: true,
			MarkdownDescription: fmt.Sprintf("The `%s` components by key (`REGION/NAME/KIND`), ready for `for_each` into `ha_%s`. "+
				"Attributes as listed in the component contract.", kind, kind),
			NestedObject: schema.NestedAttributeObject{Attributes: ctySchemaAttrs(blueprints.KindType(kind))},
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Compiles a blueprint (regions, tiers, databases, DNS failover, objectives) into a validated, deterministic set of " +
			"components grouped by kind, each a map keyed by component key for `for_each`. Blueprint errors fail the plan with the blueprint's " +
			"own `FILE:LINE:COL` and source line.",
		Attributes: attrs,
	}
}

// ValidateConfig wants exactly one of path and source. Unknown values pass:
// they are checked again when the data source is read.
func (d *blueprintDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m blueprintDataSourceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.Path.IsNull() == m.Source.IsNull() && !m.Path.IsUnknown() && !m.Source.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Invalid blueprint arguments",
			"Set exactly one of path (a blueprint file) and source (blueprint text).")
	}
}

func (d *blueprintDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m blueprintDataSourceModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	vars, err := dynamicToCty(ctx, m.Variables)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("variables"), "Invalid blueprint variables", err.Error())
		return
	}
	var rec blueprints.Recovery
	resp.Diagnostics.Append(m.LostRegions.ElementsAs(ctx, &rec.Lost, false)...)
	resp.Diagnostics.Append(m.Replacements.ElementsAs(ctx, &rec.Replacements, false)...)
	rec.Primary = m.PrimaryRegion.ValueString()
	if resp.Diagnostics.HasError() {
		return
	}
	var res *blueprints.Result
	var hdiags hcl.Diagnostics
	at := path.Root("path")
	if !m.Path.IsNull() {
		res, hdiags = compileBlueprintFile(m.Path.ValueString(), blueprints.Options{Variables: vars, Recovery: rec})
	} else {
		at = path.Root("source")
		name := "blueprint.ha.hcl"
		if !m.Filename.IsNull() && m.Filename.ValueString() != "" {
			name = m.Filename.ValueString()
		}
		res, hdiags = blueprints.Compile(name, []byte(m.Source.ValueString()), blueprints.Options{
			Variables: vars, Dir: ".", ReadFile: os.ReadFile, Recovery: rec,
		})
	}
	// Recovery problems have no place in the blueprint's source: they are
	// about lost_regions and replacements.
	var srcDiags, recDiags hcl.Diagnostics
	for _, hd := range hdiags {
		if hd.Subject == nil && (len(rec.Lost) > 0 || len(rec.Replacements) > 0 || rec.Primary != "") {
			recDiags = append(recDiags, hd)
		} else {
			srcDiags = append(srcDiags, hd)
		}
	}
	resp.Diagnostics.Append(blueprintDiags(at, res, srcDiags)...)
	resp.Diagnostics.Append(blueprintDiags(path.Root("lost_regions"), res, recDiags)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, diags := blueprintObject(res)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.Name = out["name"].(types.String)
	m.Description = out["description"].(types.String)
	m.Keys = out["keys"].(types.List)
	m.Regions = out["regions"].(types.Map)
	m.Objectives = out["objectives"].(types.Object)
	m.Recovery = out["recovery"].(types.Object)
	m.LoadBalancers = out["load_balancers"].(types.Map)
	m.ScalingGroups = out["scaling_groups"].(types.Map)
	m.Databases = out["databases"].(types.Map)
	m.DatabaseReplicas = out["database_replicas"].(types.Map)
	m.BackupPlans = out["backup_plans"].(types.Map)
	m.DNSFailovers = out["dns_failovers"].(types.Map)
	m.HostAllocations = out["host_allocations"].(types.Map)
	m.Caches = out["caches"].(types.Map)
	m.ObjectStores = out["object_stores"].(types.Map)
	m.Alerts = out["alerts"].(types.Map)
	m.VirtualIPs = out["virtual_ips"].(types.Map)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &m)...)
}

// blueprintDiags turns blueprint diagnostics into framework diagnostics on
// attribute at; the detail keeps FILE:LINE:COL, the explanation and the
// source line, as the CLI prints them.
func blueprintDiags(at path.Path, res *blueprints.Result, hdiags hcl.Diagnostics) diag.Diagnostics {
	var diags diag.Diagnostics
	var files map[string]*hcl.File
	if res != nil {
		files = res.Files
	}
	for _, hd := range hdiags {
		detail := strings.TrimRight(lang.FormatDiagnostic(files, hd), "\n")
		if hd.Severity == hcl.DiagWarning {
			diags.AddAttributeWarning(at, "Blueprint: "+hd.Summary, detail)
		} else {
			diags.AddAttributeError(at, "Invalid blueprint: "+hd.Summary, detail)
		}
	}
	return diags
}

// blueprintAttrTypes is the object type the data source's computed
// attributes and the provider function share.
func blueprintAttrTypes() map[string]attr.Type {
	out := map[string]attr.Type{
		"name":        types.StringType,
		"description": types.StringType,
		"keys":        types.ListType{ElemType: types.StringType},
		"regions":     types.MapType{ElemType: ctyAttrType(blueprints.RegionType)},
		"objectives":  ctyAttrType(blueprints.ObjectivesType),
		"recovery":    ctyAttrType(blueprints.RecoveryType),
	}
	for _, kind := range blueprints.Kinds {
		out[blueprints.KindCollections[kind]] = types.MapType{ElemType: ctyAttrType(blueprints.KindType(kind))}
	}
	return out
}

// blueprintObject is the compiled blueprint as framework values, by
// attribute name (see blueprintAttrTypes).
func blueprintObject(res *blueprints.Result) (map[string]attr.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := map[string]attr.Value{
		"name":        types.StringValue(res.Blueprint.Name),
		"description": types.StringValue(res.Blueprint.Description),
	}
	keys := make([]attr.Value, len(res.Components))
	for i, c := range res.Components {
		keys[i] = types.StringValue(c.Key)
	}
	out["keys"] = types.ListValueMust(types.StringType, keys)
	var err error
	if out["regions"], err = ctyToAttr(res.RegionsValue(), cty.Map(blueprints.RegionType)); err != nil {
		diags.AddError("Unable to convert blueprint regions", err.Error())
		return nil, diags
	}
	ov, err := res.Objectives.Value()
	if err == nil {
		out["objectives"], err = ctyToAttr(ov, blueprints.ObjectivesType)
	}
	if err != nil {
		diags.AddError("Unable to convert blueprint objectives", err.Error())
		return nil, diags
	}
	rv, err := res.Recovery.Value()
	if err == nil {
		out["recovery"], err = ctyToAttr(rv, blueprints.RecoveryType)
	}
	if err != nil {
		diags.AddError("Unable to convert blueprint recovery", err.Error())
		return nil, diags
	}
	for _, kind := range blueprints.Kinds {
		v, err := res.KindValue(kind)
		if err == nil {
			out[blueprints.KindCollections[kind]], err = ctyToAttr(v, cty.Map(blueprints.KindType(kind)))
		}
		if err != nil {
			diags.AddError("Unable to convert blueprint components", fmt.Sprintf("%s: %v", kind, err))
			return nil, diags
		}
	}
	return out, diags
}

// ctySchemaAttrs derives computed data source attributes from a cty object
// type, so the schema and the blueprint's components cannot drift apart.
// Numbers are whole (seconds, GiB, counts): Int64.
func ctySchemaAttrs(t cty.Type) map[string]schema.Attribute {
	out := map[string]schema.Attribute{}
	for name, at := range t.AttributeTypes() {
		out[name] = ctySchemaAttr(at)
	}
	return out
}

func ctySchemaAttr(t cty.Type) schema.Attribute {
	switch {
	case t == cty.String:
		return schema.StringAttribute{Computed: true}
	case t == cty.Number:
		return schema.Int64Attribute{Computed: true}
	case t == cty.Bool:
		return schema.BoolAttribute{Computed: true}
	case t.IsObjectType():
		return schema.SingleNestedAttribute{Computed: true, Attributes: ctySchemaAttrs(t)}
	case t.IsListType() && t.ElementType().IsObjectType():
		return schema.ListNestedAttribute{Computed: true, NestedObject: schema.NestedAttributeObject{Attributes: ctySchemaAttrs(t.ElementType())}}
	case t.IsListType():
		return schema.ListAttribute{Computed: true, ElementType: ctyAttrType(t.ElementType())}
	case t.IsMapType():
		return schema.MapAttribute{Computed: true, ElementType: ctyAttrType(t.ElementType())}
	}
	return schema.DynamicAttribute{Computed: true}
}

func ctyAttrType(t cty.Type) attr.Type {
	switch {
	case t == cty.String:
		return types.StringType
	case t == cty.Number:
		return types.Int64Type
	case t == cty.Bool:
		return types.BoolType
	case t.IsObjectType():
		at := map[string]attr.Type{}
		for n, et := range t.AttributeTypes() {
			at[n] = ctyAttrType(et)
		}
		return types.ObjectType{AttrTypes: at}
	case t.IsListType():
		return types.ListType{ElemType: ctyAttrType(t.ElementType())}
	case t.IsMapType():
		return types.MapType{ElemType: ctyAttrType(t.ElementType())}
	}
	return types.DynamicType
}

// ctyToAttr converts a known cty value of type t to the framework value of
// ctyAttrType(t).
func ctyToAttr(v cty.Value, t cty.Type) (attr.Value, error) {
	switch {
	case t == cty.String:
		if v.IsNull() {
			return types.StringNull(), nil
		}
		return types.StringValue(v.AsString()), nil
	case t == cty.Number:
		if v.IsNull() {
			return types.Int64Null(), nil
		}
		i, acc := v.AsBigFloat().Int64()
		if acc != big.Exact {
			return nil, fmt.Errorf("%s is not a whole number", v.AsBigFloat().String())
		}
		return types.Int64Value(i), nil
	case t == cty.Bool:
		if v.IsNull() {
			return types.BoolNull(), nil
		}
		return types.BoolValue(v.True()), nil
	case t.IsObjectType():
		at := ctyAttrType(t).(types.ObjectType).AttrTypes
		if v.IsNull() {
			return types.ObjectNull(at), nil
		}
		vals := map[string]attr.Value{}
		for n, et := range t.AttributeTypes() {
			ev, err := ctyToAttr(v.GetAttr(n), et)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", n, err)
			}
			vals[n] = ev
		}
		o, diags := types.ObjectValue(at, vals)
		if diags.HasError() {
			return nil, fmt.Errorf("object: %v", diags)
		}
		return o, nil
	case t.IsListType():
		et := ctyAttrType(t.ElementType())
		if v.IsNull() {
			return types.ListNull(et), nil
		}
		var elems []attr.Value
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			ev, err := ctyToAttr(e, t.ElementType())
			if err != nil {
				return nil, err
			}
			elems = append(elems, ev)
		}
		l, diags := types.ListValue(et, elems)
		if diags.HasError() {
			return nil, fmt.Errorf("list: %v", diags)
		}
		return l, nil
	case t.IsMapType():
		et := ctyAttrType(t.ElementType())
		if v.IsNull() {
			return types.MapNull(et), nil
		}
		elems := map[string]attr.Value{}
		for k, e := range v.AsValueMap() {
			ev, err := ctyToAttr(e, t.ElementType())
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			elems[k] = ev
		}
		m, diags := types.MapValue(et, elems)
		if diags.HasError() {
			return nil, fmt.Errorf("map: %v", diags)
		}
		return m, nil
	}
	return nil, fmt.Errorf("unsupported type %s", t.FriendlyName())
}

// dynamicToCty turns the variables argument (an object or map of any
// values) into cty values by name.
func dynamicToCty(ctx context.Context, d types.Dynamic) (map[string]cty.Value, error) {
	if d.IsNull() || d.IsUnderlyingValueNull() {
		return nil, nil
	}
	if d.IsUnknown() || d.IsUnderlyingValueUnknown() {
		return nil, fmt.Errorf("variables must be known when the blueprint is read")
	}
	tv, err := d.UnderlyingValue().ToTerraformValue(ctx)
	if err != nil {
		return nil, err
	}
	v, err := tfToCty(tv)
	if err != nil {
		return nil, err
	}
	t := v.Type()
	if !t.IsObjectType() && !t.IsMapType() {
		return nil, fmt.Errorf("variables must be an object or a map, not %s", t.FriendlyName())
	}
	out := map[string]cty.Value{}
	for k, e := range v.AsValueMap() {
		out[k] = e
	}
	return out, nil
}

func tfToCty(v tftypes.Value) (cty.Value, error) {
	if !v.IsKnown() {
		return cty.NilVal, fmt.Errorf("value is not known yet")
	}
	t := v.Type()
	if v.IsNull() {
		return cty.NullVal(cty.DynamicPseudoType), nil
	}
	switch {
	case t.Is(tftypes.String):
		var s string
		err := v.As(&s)
		return cty.StringVal(s), err
	case t.Is(tftypes.Number):
		var f big.Float
		err := v.As(&f)
		return cty.NumberVal(&f), err
	case t.Is(tftypes.Bool):
		var b bool
		err := v.As(&b)
		return cty.BoolVal(b), err
	case t.Is(tftypes.List{}), t.Is(tftypes.Set{}), t.Is(tftypes.Tuple{}):
		var elems []tftypes.Value
		if err := v.As(&elems); err != nil {
			return cty.NilVal, err
		}
		vals := make([]cty.Value, 0, len(elems))
		for _, e := range elems {
			cv, err := tfToCty(e)
			if err != nil {
				return cty.NilVal, err
			}
			vals = append(vals, cv)
		}
		return cty.TupleVal(vals), nil
	case t.Is(tftypes.Map{}), t.Is(tftypes.Object{}):
		var elems map[string]tftypes.Value
		if err := v.As(&elems); err != nil {
			return cty.NilVal, err
		}
		keys := make([]string, 0, len(elems))
		for k := range elems {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		vals := map[string]cty.Value{}
		for _, k := range keys {
			cv, err := tfToCty(elems[k])
			if err != nil {
				return cty.NilVal, fmt.Errorf("%s: %w", k, err)
			}
			vals[k] = cv
		}
		return cty.ObjectVal(vals), nil
	}
	return cty.NilVal, fmt.Errorf("unsupported value type %s", t.String())
}

type blueprintDataSourceModel struct {
	Path             types.String  `tfsdk:"path"`
	Source           types.String  `tfsdk:"source"`
	Filename         types.String  `tfsdk:"filename"`
	Variables        types.Dynamic `tfsdk:"variables"`
	LostRegions      types.List    `tfsdk:"lost_regions"`
	Replacements     types.Map     `tfsdk:"replacements"`
	PrimaryRegion    types.String  `tfsdk:"primary_region"`
	Recovery         types.Object  `tfsdk:"recovery"`
	Name             types.String  `tfsdk:"name"`
	Description      types.String  `tfsdk:"description"`
	Keys             types.List    `tfsdk:"keys"`
	Regions          types.Map     `tfsdk:"regions"`
	Objectives       types.Object  `tfsdk:"objectives"`
	LoadBalancers    types.Map     `tfsdk:"load_balancers"`
	ScalingGroups    types.Map     `tfsdk:"scaling_groups"`
	Databases        types.Map     `tfsdk:"databases"`
	DatabaseReplicas types.Map     `tfsdk:"database_replicas"`
	BackupPlans      types.Map     `tfsdk:"backup_plans"`
	DNSFailovers     types.Map     `tfsdk:"dns_failovers"`
	HostAllocations  types.Map     `tfsdk:"host_allocations"`
	VirtualIPs       types.Map     `tfsdk:"virtual_ips"`
	Caches           types.Map     `tfsdk:"caches"`
	ObjectStores     types.Map     `tfsdk:"object_stores"`
	Alerts           types.Map     `tfsdk:"alerts"`
}
