package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints"
)

var _ function.Function = &blueprintFunction{}

// NewBlueprintFunction is provider::ha::blueprint(path, variables).
func NewBlueprintFunction() function.Function { return &blueprintFunction{} }

type blueprintFunction struct{}

func (f *blueprintFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "blueprint"
}

func (f *blueprintFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Compile a blueprint into its components",
		MarkdownDescription: "Compiles the blueprint file at `path` with `variables` and returns what the `ha_blueprint` data source returns, " +
			"as one object: `name`, `description`, `keys`, `regions`, `objectives` and one map of components per kind " +
			"(`load_balancers`, `scaling_groups`, `databases`, `database_replicas`, `backup_plans`, `dns_failovers`, `host_allocations`, `caches`, `object_stores`, `alerts`, `virtual_ips`). " +
			"A relative path resolves against Terraform's working directory. Requires Terraform 1.8 or later.",
		Parameters: []function.Parameter{
			function.StringParameter{Name: "path", MarkdownDescription: "Blueprint file (`*.ha.hcl` or `*.ha.json`)."},
			function.DynamicParameter{Name: "variables", AllowNullValue: true,
				MarkdownDescription: "Values for the blueprint's variables: an object or map (`{}` or `null` for none)."},
		},
		Return: function.ObjectReturn{AttributeTypes: blueprintAttrTypes()},
	}
}

func (f *blueprintFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var file string
	var vars types.Dynamic
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &file, &vars))
	if resp.Error != nil {
		return
	}
	cv, err := dynamicToCty(ctx, vars)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(1, "Invalid blueprint variables: "+err.Error())
		return
	}
	res, hdiags := compileBlueprintFile(file, blueprints.Options{Variables: cv})
	if hdiags.HasErrors() {
		// A function returns one error: every diagnostic, as the CLI prints them.
		var msgs []string
		for _, d := range blueprintDiags(path.Root("path"), res, hdiags) {
			msgs = append(msgs, d.Summary()+"\n"+d.Detail())
		}
		resp.Error = function.NewArgumentFuncError(0, strings.Join(msgs, "\n\n"))
		return
	}
	out, diags := blueprintObject(res)
	if diags.HasError() {
		resp.Error = function.FuncErrorFromDiags(ctx, diags)
		return
	}
	obj, diags := types.ObjectValue(blueprintAttrTypes(), out)
	if diags.HasError() {
		resp.Error = function.FuncErrorFromDiags(ctx, diags)
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, obj))
}

var _ attr.Value = types.String{}
