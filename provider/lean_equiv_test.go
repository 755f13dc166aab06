package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/ha-blueprints/terraform-provider-ha/internal/leanresource"
)

// TestLeanResourcesMatchFramework sends the same random configurations,
// prior states and proposals to the framework's server and to the lean one,
// for every resource served outside the framework, and requires the same
// answers: diagnostics, planned state, replacement paths and private state.
func TestLeanResourcesMatchFramework(t *testing.T) {
	ctx := context.Background()
	fw := providerserver.NewProtocol6(New("test")())()
	srv, err := NewServer("test")()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range leanResources {
		r := f()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "ha"}, &md)
		if !srv.(*leanresource.Server).Serves(md.TypeName) {
			t.Fatalf("%s is not served by the lean server", md.TypeName)
		}
		var sr resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &sr)
		typ := sr.Schema.Type().TerraformType(ctx).(tftypes.Object)
		flags := attrFlags(sr.Schema)
		t.Run(md.TypeName, func(t *testing.T) {
			rng := rand.New(rand.NewSource(16))
			var plans, replaced, errs, noChange, upgrades int
			for i := 0; i < 1200; i++ {
				g := &valueGen{rng: rng, flags: flags, sane: rng.Intn(10) < 7}
				config := g.object(typ, "", true)
				g.sane = false
				var prior tftypes.Value
				switch rng.Intn(3) {
				case 0:
					prior = tftypes.NewValue(typ, nil)
				default:
					prior = g.object(typ, "", false)
				}
				proposed := propose(typ, config, prior)
				if rng.Intn(10) == 0 && !prior.IsNull() {
					config, proposed = tftypes.NewValue(typ, nil), tftypes.NewValue(typ, nil) // destroy
				}
				name := fmt.Sprintf("case %d", i)
				if !prior.IsNull() {
					raw := &tfprotov6.RawState{JSON: stateJSON(t, prior, true)}
					fu := upgrade(t, fw, md.TypeName, typ, raw)
					lu := upgrade(t, srv, md.TypeName, typ, raw)
					if fu != lu {
						t.Fatalf("%s: state read differs\nstate %s\nframework:\n%s\nlean:\n%s", name, raw.JSON, fu, lu)
					}
					upgrades++
				}
				fv := validate(t, fw, md.TypeName, typ, config)
				lv := validate(t, srv, md.TypeName, typ, config)
				if fv != lv {
					t.Fatalf("%s: validate differs\nconfig %s\nframework:\n%s\nlean:\n%s", name, config, fv, lv)
				}
				if strings.Contains(fv, "ERROR") {
					errs++
					continue
				}
				fp := plan(t, fw, md.TypeName, typ, config, proposed, prior)
				lp := plan(t, srv, md.TypeName, typ, config, proposed, prior)
				if fp != lp {
					t.Fatalf("%s: plan differs\nconfig %s\nprior %s\nproposed %s\nframework:\n%s\nlean:\n%s", name, config, prior, proposed, fp, lp)
				}
				plans++
				if strings.Contains(fp, "replace [") && !strings.Contains(fp, "replace []") {
					replaced++
				}
				// Plan again from the state that plan would apply to: the
				// no-change plan, which takes its own path in both.
				if state := fillUnknown(t, plannedOf(t, srv, md.TypeName, typ, config, proposed, prior)); !state.IsNull() && config.IsFullyKnown() {
					again := propose(typ, config, state)
					fp := plan(t, fw, md.TypeName, typ, config, again, state)
					lp := plan(t, srv, md.TypeName, typ, config, again, state)
					if fp != lp {
						t.Fatalf("%s: second plan differs\nconfig %s\nstate %s\nframework:\n%s\nlean:\n%s", name, config, state, fp, lp)
					}
					noChange++
				}
			}
			t.Logf("%d plans compared (%d with replacement, %d again from their state), %d configurations rejected alike, %d saved states read alike", plans, replaced, noChange, errs, upgrades)
			if plans < 200 || replaced == 0 || noChange < 50 || errs == 0 || upgrades < 200 {
				t.Fatalf("the random cases reach too little: %d plans, %d replacements, %d second plans, %d rejections", plans, replaced, noChange, errs)
			}
		})
	}
}

func dynamic(t *testing.T, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

func diagsText(ds []*tfprotov6.Diagnostic) string {
	var out []string
	for _, d := range ds {
		p := ""
		if d.Attribute != nil {
			p = d.Attribute.String()
		}
		out = append(out, fmt.Sprintf("%s|%s|%s|%s", d.Severity, d.Summary, d.Detail, p))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func validate(t *testing.T, s tfprotov6.ProviderServer, typeName string, typ tftypes.Type, config tftypes.Value) string {
	t.Helper()
	resp, err := s.ValidateResourceConfig(context.Background(), &tfprotov6.ValidateResourceConfigRequest{TypeName: typeName, Config: dynamic(t, typ, config)})
	if err != nil {
		t.Fatal(err)
	}
	return diagsText(resp.Diagnostics)
}

func planResp(t *testing.T, s tfprotov6.ProviderServer, typeName string, typ tftypes.Type, config, proposed, prior tftypes.Value) *tfprotov6.PlanResourceChangeResponse {
	t.Helper()
	resp, err := s.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: typeName, Config: dynamic(t, typ, config), ProposedNewState: dynamic(t, typ, proposed), PriorState: dynamic(t, typ, prior),
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func plannedOf(t *testing.T, s tfprotov6.ProviderServer, typeName string, typ tftypes.Type, config, proposed, prior tftypes.Value) tftypes.Value {
	resp := planResp(t, s, typeName, typ, config, proposed, prior)
	v, err := resp.PlannedState.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func plan(t *testing.T, s tfprotov6.ProviderServer, typeName string, typ tftypes.Type, config, proposed, prior tftypes.Value) string {
	t.Helper()
	resp := planResp(t, s, typeName, typ, config, proposed, prior)
	planned := "<none>"
	if resp.PlannedState != nil {
		v, err := resp.PlannedState.Unmarshal(typ)
		if err != nil {
			t.Fatal(err)
		}
		planned = v.String()
	}
	var replace []string
	for _, p := range resp.RequiresReplace {
		replace = append(replace, p.String())
	}
	return fmt.Sprintf("planned %s\nreplace %v\nprivate %q\n%s", planned, replace, resp.PlannedPrivate, diagsText(resp.Diagnostics))
}

// valueGen makes random values of a resource's type, from small pools so
// that validators both pass and fail, with nulls and unknowns in a
// configuration and fully known values in a state.
// In sane mode it makes configurations that mostly pass validation:
// read-only attributes null, required ones set, values from valid pools.
type valueGen struct {
	rng   *rand.Rand
	flags map[string]string // "block.attr" or "attr": "required", "optional", "computed"
	sane  bool
}

// attrFlags says, for each attribute path of a schema, whether it is
// required, optional or only computed.
func attrFlags(s rschema.Schema) map[string]string {
	out := map[string]string{}
	add := func(prefix string, attrs map[string]rschema.Attribute) {
		for n, a := range attrs {
			switch {
			case a.IsRequired():
				out[prefix+n] = "required"
			case a.IsOptional():
				out[prefix+n] = "optional"
			default:
				out[prefix+n] = "computed"
			}
		}
	}
	add("", s.Attributes)
	for n, b := range s.Blocks {
		switch b := b.(type) {
		case rschema.ListNestedBlock:
			add(n+".", b.NestedObject.Attributes)
		case rschema.SingleNestedBlock:
			add(n+".", b.Attributes)
		}
	}
	return out
}

var sanePools = map[string][]string{
	"backend":   {"powerdns", "route53"},
	"mode":      {"failover", "weighted"},
	"protocol":  {"HTTP", "HTTPS"},
	"addresses": {"192.0.2.1", "192.0.2.2"},
	"fqdn":      {"www.example.test"},
	"zone":      {"example.test"},
	"dns_name":  {},
	"zone_id":   {},
}

var stringPools = map[string][]string{
	"backend":     {"powerdns", "powerdns", "route53", "clouddns", "bogus"},
	"mode":        {"failover", "weighted", "roundrobin"},
	"record_type": {"A", "AAAA", "MX"},
	"protocol":    {"HTTP", "HTTPS", "TCP", "udp"},
	"path":        {"/", "/health"},
	"fqdn":        {"www.example.test", "api.example.test."},
	"zone":        {"example.test", "example.test."},
}

func (g *valueGen) object(typ tftypes.Object, name string, config bool) tftypes.Value {
	names := make([]string, 0, len(typ.AttributeTypes))
	for n := range typ.AttributeTypes {
		names = append(names, n)
	}
	sort.Strings(names) // the same seed, the same values
	f := map[string]tftypes.Value{}
	prefix := ""
	if name != "" {
		prefix = name + "."
	}
	for _, n := range names {
		at := typ.AttributeTypes[n]
		if g.sane && config {
			if v, ok := g.saneValue(at, n, g.flags[prefix+n]); ok {
				f[n] = v
				continue
			}
		}
		f[n] = g.value(at, n, config)
	}
	return tftypes.NewValue(typ, f)
}

// saneValue is a value that passes validation, or false to make one as
// usual (blocks, and the attributes the pools do not name).
func (g *valueGen) saneValue(typ tftypes.Type, name, flag string) (tftypes.Value, bool) {
	if isBlockList(typ) {
		return tftypes.Value{}, false
	}
	if _, obj := typ.(tftypes.Object); obj {
		return tftypes.Value{}, false
	}
	switch {
	case flag == "computed":
		return tftypes.NewValue(typ, nil), true
	case flag == "optional" && g.rng.Intn(3) == 0:
		return tftypes.NewValue(typ, nil), true
	case g.rng.Intn(12) == 0:
		return tftypes.NewValue(typ, tftypes.UnknownValue), true
	}
	pool, named := sanePools[name]
	if named && len(pool) == 0 {
		return tftypes.NewValue(typ, nil), true
	}
	pick := func() string { return pool[g.rng.Intn(len(pool))] }
	switch {
	case typ.Is(tftypes.List{ElementType: tftypes.String}):
		if !named {
			return tftypes.Value{}, false
		}
		return tftypes.NewValue(typ, []tftypes.Value{tftypes.NewValue(tftypes.String, pick())}), true
	case typ.Is(tftypes.String) && named:
		return tftypes.NewValue(typ, pick()), true
	case typ.Is(tftypes.Number):
		nums := []int64{1, 2, 3, 5, 10}
		return tftypes.NewValue(typ, big.NewFloat(float64(nums[g.rng.Intn(len(nums))]))), true
	}
	return tftypes.Value{}, false
}

func (g *valueGen) value(typ tftypes.Type, name string, config bool) tftypes.Value {
	if config && !g.sane {
		switch r := g.rng.Intn(20); {
		case r < 2 && !isBlockList(typ):
			return tftypes.NewValue(typ, tftypes.UnknownValue)
		case r < 8 && !isBlockList(typ):
			return tftypes.NewValue(typ, nil)
		}
	}
	switch typ := typ.(type) {
	case tftypes.Object:
		return g.object(typ, name, config)
	case tftypes.List:
		n := g.rng.Intn(3)
		if _, obj := typ.ElementType.(tftypes.Object); obj && g.rng.Intn(4) > 0 {
			n++ // mostly at least one target
		}
		elems := make([]tftypes.Value, n)
		for i := range elems {
			if config && !g.sane && g.rng.Intn(15) == 0 {
				elems[i] = tftypes.NewValue(typ.ElementType, tftypes.UnknownValue)
				continue
			}
			elems[i] = g.value(typ.ElementType, name, false)
			if ot, ok := typ.ElementType.(tftypes.Object); ok {
				elems[i] = g.object(ot, name, config)
			}
		}
		return tftypes.NewValue(typ, elems)
	}
	switch {
	case typ.Is(tftypes.String):
		pool := stringPools[name]
		if pool == nil {
			pool = []string{"192.0.2.1", "east", "zone-1", "2001:db8::1", ""}
		}
		return tftypes.NewValue(typ, pool[g.rng.Intn(len(pool))])
	case typ.Is(tftypes.Bool):
		return tftypes.NewValue(typ, g.rng.Intn(2) == 0)
	case typ.Is(tftypes.Number):
		nums := []int64{0, 1, 3, 10, 30, 60, 80, 443, 3601, 70000}
		return tftypes.NewValue(typ, big.NewFloat(float64(nums[g.rng.Intn(len(nums))])))
	}
	return tftypes.NewValue(typ, nil)
}

// isBlockList reports a list of objects: a list block, which Terraform
// sends known (possibly empty), never null.
func isBlockList(typ tftypes.Type) bool {
	l, ok := typ.(tftypes.List)
	if !ok {
		return false
	}
	_, obj := l.ElementType.(tftypes.Object)
	return obj
}

// propose is Terraform's proposed new state, roughly: the configuration,
// with the prior value wherever the configuration leaves a computed
// attribute null (here: any null, which the plans treat alike).
func propose(typ tftypes.Type, config, prior tftypes.Value) tftypes.Value {
	if config.IsNull() {
		if _, ok := typ.(tftypes.Object); ok && !prior.IsNull() && prior.IsKnown() {
			return tftypes.NewValue(typ, nil)
		}
		if prior.IsKnown() && !prior.IsNull() {
			return prior
		}
		return config
	}
	if !config.IsKnown() {
		return config
	}
	switch typ := typ.(type) {
	case tftypes.Object:
		var cf, pf map[string]tftypes.Value
		_ = config.As(&cf)
		if prior.IsKnown() && !prior.IsNull() {
			_ = prior.As(&pf)
		}
		out := map[string]tftypes.Value{}
		for n, at := range typ.AttributeTypes {
			p := tftypes.NewValue(at, nil)
			if v, ok := pf[n]; ok {
				p = v
			}
			out[n] = propose(at, cf[n], p)
		}
		return tftypes.NewValue(typ, out)
	case tftypes.List:
		if _, obj := typ.ElementType.(tftypes.Object); !obj {
			return config
		}
		var ce, pe []tftypes.Value
		_ = config.As(&ce)
		if prior.IsKnown() && !prior.IsNull() {
			_ = prior.As(&pe)
		}
		out := make([]tftypes.Value, len(ce))
		for i, e := range ce {
			p := tftypes.NewValue(typ.ElementType, nil)
			if i < len(pe) {
				p = pe[i]
			}
			out[i] = propose(typ.ElementType, e, p)
		}
		return tftypes.NewValue(typ, out)
	}
	return config
}

// fillUnknown is a state an apply could leave: every unknown made known.
func fillUnknown(t *testing.T, v tftypes.Value) tftypes.Value {
	out, err := tftypes.Transform(v, func(_ *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if v.IsKnown() {
			return v, nil
		}
		switch typ := v.Type().(type) {
		case tftypes.List:
			return tftypes.NewValue(typ, []tftypes.Value{}), nil
		}
		switch {
		case v.Type().Is(tftypes.String):
			return tftypes.NewValue(v.Type(), "filled"), nil
		case v.Type().Is(tftypes.Number):
			return tftypes.NewValue(v.Type(), big.NewFloat(7)), nil
		case v.Type().Is(tftypes.Bool):
			return tftypes.NewValue(v.Type(), true), nil
		}
		return v, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func upgrade(t *testing.T, s tfprotov6.ProviderServer, typeName string, typ tftypes.Type, raw *tfprotov6.RawState) string {
	t.Helper()
	resp, err := s.UpgradeResourceState(context.Background(), &tfprotov6.UpgradeResourceStateRequest{TypeName: typeName, RawState: raw})
	if err != nil {
		t.Fatal(err)
	}
	state := "<none>"
	if resp.UpgradedState != nil {
		v, err := resp.UpgradedState.Unmarshal(typ)
		if err != nil {
			t.Fatal(err)
		}
		state = v.String()
	}
	return state + "\n" + diagsText(resp.Diagnostics)
}

// stateJSON writes a value as Terraform saves state; extra adds an
// attribute the schema does not have, as a state from an older release
// would.
func stateJSON(t *testing.T, v tftypes.Value, extra bool) []byte {
	t.Helper()
	var conv func(v tftypes.Value) any
	conv = func(v tftypes.Value) any {
		if v.IsNull() || !v.IsKnown() {
			return nil
		}
		switch {
		case v.Type().Is(tftypes.String):
			var s string
			_ = v.As(&s)
			return s
		case v.Type().Is(tftypes.Bool):
			var b bool
			_ = v.As(&b)
			return b
		case v.Type().Is(tftypes.Number):
			var f big.Float
			_ = v.As(&f)
			n, _ := f.Int64()
			return n
		}
		switch v.Type().(type) {
		case tftypes.Object:
			var m map[string]tftypes.Value
			_ = v.As(&m)
			out := map[string]any{}
			for k, x := range m {
				out[k] = conv(x)
			}
			return out
		case tftypes.List:
			var l []tftypes.Value
			_ = v.As(&l)
			out := []any{}
			for _, x := range l {
				out = append(out, conv(x))
			}
			return out
		}
		t.Fatalf("no JSON for %s", v.Type())
		return nil
	}
	m := conv(v).(map[string]any)
	if extra {
		m["attribute_of_an_older_release"] = "x"
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
