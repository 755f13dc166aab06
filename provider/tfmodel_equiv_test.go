package provider

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

// TestModelCodecMatchesFramework reads random values of every resource's,
// data source's and the provider's schema into their models with
// tfmodel.Get and with the framework's own Get, and writes the models back
// with tfmodel.Set and the framework's Set: the same models, the same
// values, the same failures (unknowns or nulls a model cannot hold).
func TestModelCodecMatchesFramework(t *testing.T) {
	ctx := context.Background()
	type target struct {
		name   string
		schema tfsdk.State // only Schema is used: Get and Set are shared by Config, Plan and State
		model  func() any
	}
	var targets []target
	res := map[string]func() any{
		"ha_dns_failover":     func() any { return &dnsFailoverModel{} },
		"ha_host_allocation":  func() any { return &hostAllocationModel{} },
		"ha_pdu_outlet":       func() any { return &pduOutletModel{} },
		"ha_virtual_ip":       func() any { return &virtualIPModel{} },
		"ha_load_balancer":    func() any { return &loadBalancerModel{} },
		"ha_scaling_group":    func() any { return &scalingGroupModel{} },
		"ha_database":         func() any { return &databaseModel{} },
		"ha_database_replica": func() any { return &databaseReplicaModel{} },
		"ha_backup_plan":      func() any { return &backupPlanModel{} },
		"ha_object_store":     func() any { return &objectStoreModel{} },
		"ha_alerts":           func() any { return &alertsModel{} },
		"ha_cache":            func() any { return &cacheModel{} },
	}
	p := New("test")()
	for _, f := range p.Resources(ctx) {
		r := f()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "ha"}, &md)
		var sr resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &sr)
		m, ok := res[md.TypeName]
		if !ok {
			t.Fatalf("resource %s has no model in this test", md.TypeName)
		}
		targets = append(targets, target{md.TypeName, tfsdk.State{Schema: sr.Schema}, m})
	}
	ds := map[string]func() any{
		"ha_blueprint":      func() any { return &blueprintDataSourceModel{} },
		"ha_dns_drill":      func() any { return &dnsDrillModel{} },
		"ha_database_drill": func() any { return &databaseDrillModel{} },
		"ha_vip_drill":      func() any { return &vipDrillModel{} },
		"ha_inventory":      func() any { return &inventoryModel{} },
		"ha_power_status":   func() any { return &powerStatusModel{} },
	}
	for _, f := range p.DataSources(ctx) {
		d := f()
		var md datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "ha"}, &md)
		var sr datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &sr)
		m, ok := ds[md.TypeName]
		if !ok {
			t.Fatalf("data source %s has no model in this test", md.TypeName)
		}
		targets = append(targets, target{md.TypeName, tfsdk.State{Schema: sr.Schema}, m})
	}
	var psr provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &psr)
	targets = append(targets, target{"provider", tfsdk.State{Schema: psr.Schema}, func() any { return &providerModel{} }})

	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(len(tg.name))))
			tfType := tg.schema.Schema.Type().TerraformType(ctx)
			held := 0
			for i := range 300 {
				// The top level is always a known object; below it, anything.
				v := randomValue(rng, tfType, 0, false)
				st := tg.schema
				st.Raw = v
				want, got := tg.model(), tg.model()
				wantDiags := st.Get(ctx, want)
				gotDiags := tfmodel.Get(ctx, st, got)
				if wantDiags.HasError() != gotDiags.HasError() {
					t.Fatalf("value %d: framework error %v, tfmodel error %v\n%s", i, wantDiags, gotDiags, v)
				}
				if wantDiags.HasError() {
					continue
				}
				held++
				if !reflect.DeepEqual(want, got) {
					t.Fatalf("value %d: models differ\nframework %#v\ntfmodel   %#v", i, want, got)
				}
				fw, ours := tg.schema, tg.schema
				fwDiags := fw.Set(ctx, want)
				ourDiags := tfmodel.Set(ctx, &ours, got)
				if fwDiags.HasError() || ourDiags.HasError() {
					t.Fatalf("value %d: Set errors: framework %v, tfmodel %v", i, fwDiags, ourDiags)
				}
				if !fw.Raw.Equal(ours.Raw) {
					t.Fatalf("value %d: written values differ\nframework %s\ntfmodel   %s", i, fw.Raw, ours.Raw)
				}
				if !ours.Raw.Equal(v) {
					t.Fatalf("value %d: read then written, the value changed\nread    %s\nwritten %s", i, v, ours.Raw)
				}
			}
			t.Logf("%d of 300 random values fitted the model", held)
			if held == 0 {
				t.Fatal("no random value fitted the model; the comparison checked only failures")
			}
		})
	}
}

// randomValue is a value of type typ: often null or unknown below the top
// level, otherwise short collections and small primitives.
func randomValue(rng *rand.Rand, typ tftypes.Type, depth int, mayBeAbsent bool) tftypes.Value {
	if mayBeAbsent {
		switch rng.IntN(10) {
		case 0:
			return tftypes.NewValue(typ, nil)
		case 1:
			return tftypes.NewValue(typ, tftypes.UnknownValue)
		}
	}
	switch {
	case typ.Is(tftypes.String):
		return tftypes.NewValue(typ, fmt.Sprintf("s%d", rng.IntN(4)))
	case typ.Is(tftypes.Bool):
		return tftypes.NewValue(typ, rng.IntN(2) == 0)
	case typ.Is(tftypes.Number):
		return tftypes.NewValue(typ, big.NewFloat(float64(rng.IntN(100))))
	case typ.Is(tftypes.DynamicPseudoType):
		return tftypes.NewValue(tftypes.String, "dyn")
	case typ.Is(tftypes.List{}):
		et := typ.(tftypes.List).ElementType
		elems := make([]tftypes.Value, rng.IntN(3))
		for i := range elems {
			elems[i] = randomValue(rng, et, depth+1, true)
		}
		return tftypes.NewValue(typ, elems)
	case typ.Is(tftypes.Set{}):
		et := typ.(tftypes.Set).ElementType
		var elems []tftypes.Value
		seen := map[string]bool{}
		for range rng.IntN(3) {
			e := randomValue(rng, et, depth+1, false)
			if !seen[e.String()] {
				seen[e.String()] = true
				elems = append(elems, e)
			}
		}
		return tftypes.NewValue(typ, elems)
	case typ.Is(tftypes.Map{}):
		et := typ.(tftypes.Map).ElementType
		elems := map[string]tftypes.Value{}
		for i := range rng.IntN(3) {
			elems[fmt.Sprintf("k%d", i)] = randomValue(rng, et, depth+1, true)
		}
		return tftypes.NewValue(typ, elems)
	case typ.Is(tftypes.Object{}):
		ot := typ.(tftypes.Object)
		attrs := map[string]tftypes.Value{}
		for name, at := range ot.AttributeTypes {
			attrs[name] = randomValue(rng, at, depth+1, true)
		}
		return tftypes.NewValue(typ, attrs)
	}
	panic(fmt.Sprintf("no random value for %s", typ))
}
