package provider

import (
	"context"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	awsbackend "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
)

// awsCustomEndpoint reports whether AWS calls go to an endpoint override
// (a local endpoint) rather than real AWS.
func (d *providerData) awsCustomEndpoint() bool {
	return d != nil && d.awsSession().Endpoint() != ""
}

// addAWSError adds "Unable to <what>" naming the component and the AWS error code.
func addAWSError(diags *diag.Diagnostics, what, component string, err error) {
	diags.AddError("Unable to "+what, awsbackend.Describe(component, err))
}

// componentLabel is how diagnostics name a component: its key, else its physical name.
func componentLabel(component types.String, name string) string {
	if c := component.ValueString(); c != "" {
		return c
	}
	return name
}

// readTags puts what the API reports into the model's tags, blueprint and
// component, keeping null where the user set nothing and nothing is there.
func readTags(all map[string]string, tags *types.Map, blueprint, component *types.String) {
	user := awsbackend.UserTags(all)
	if len(user) == 0 && (tags.IsNull() || tags.IsUnknown()) {
		*tags = types.MapNull(types.StringType)
	} else {
		*tags = stringMap(user)
	}
	*blueprint = tagValue(all, awsbackend.TagBlueprint, *blueprint)
	*component = tagValue(all, awsbackend.TagComponent, *component)
}

func tagValue(all map[string]string, key string, prior types.String) types.String {
	if v, ok := all[key]; ok {
		return types.StringValue(v)
	}
	if prior.IsNull() || prior.IsUnknown() || prior.ValueString() == "" {
		return prior
	}
	return types.StringNull()
}

func stringMap(m map[string]string) types.Map {
	elems := make(map[string]attr.Value, len(m))
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

// useStateUnlessChanged keeps a computed string's prior value in the plan
// unless one of the named attributes changes (then the value is unknown,
// because applying the change may replace it).
func useStateUnlessChanged(attrs ...string) planmodifier.String {
	return stateUnlessChanged{attrs: attrs}
}

type stateUnlessChanged struct{ attrs []string }

func (m stateUnlessChanged) Description(context.Context) string {
	return "Keeps the prior value unless " + strings.Join(m.attrs, ", ") + " change."
}

func (m stateUnlessChanged) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (m stateUnlessChanged) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() && req.State.Raw.IsNull() || !req.PlanValue.IsUnknown() || req.ConfigValue.IsUnknown() {
		return
	}
	for _, a := range m.attrs {
		p := tftypes.NewAttributePath().WithAttributeName(a)
		planned, _, err1 := tftypes.WalkAttributePath(req.Plan.Raw, p)
		prior, _, err2 := tftypes.WalkAttributePath(req.State.Raw, p)
		if err1 != nil || err2 != nil {
			return
		}
		pv, ok1 := planned.(tftypes.Value)
		sv, ok2 := prior.(tftypes.Value)
		if !ok1 || !ok2 || !pv.Equal(sv) {
			return
		}
	}
	resp.PlanValue = req.StateValue
}

func regexpMust(s string) *regexp.Regexp { return regexp.MustCompile(s) }
