package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// BenchmarkDNSFailoverCalls is the provider's share of one ha_dns_failover
// in an apply from empty, without the PowerDNS calls: Terraform validates
// the configuration in each of its walks and plans it twice (plan, then
// again at apply). It is the bench/peer case for one name, per resource.
func BenchmarkDNSFailoverCalls(b *testing.B) {
	ctx := context.Background()
	srv, err := NewServer("test")()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{}); err != nil {
		b.Fatal(err)
	}
	var sr resource.SchemaResponse
	NewDNSFailoverResource().Schema(ctx, resource.SchemaRequest{}, &sr)
	typ := sr.Schema.Type().TerraformType(ctx).(tftypes.Object)
	config := benchFailoverConfig(typ)
	cfg, err := tfprotov6.NewDynamicValue(typ, config)
	if err != nil {
		b.Fatal(err)
	}
	proposed, err := tfprotov6.NewDynamicValue(typ, propose(typ, config, tftypes.NewValue(typ, nil)))
	if err != nil {
		b.Fatal(err)
	}
	prior, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
	if err != nil {
		b.Fatal(err)
	}
	validate := &tfprotov6.ValidateResourceConfigRequest{TypeName: "ha_dns_failover", Config: &cfg}
	plan := &tfprotov6.PlanResourceChangeRequest{TypeName: "ha_dns_failover", Config: &cfg, ProposedNewState: &proposed, PriorState: &prior}
	b.ReportAllocs()
	for b.Loop() {
		for range 3 {
			resp, err := srv.ValidateResourceConfig(ctx, validate)
			if err != nil || len(resp.Diagnostics) > 0 {
				b.Fatalf("validate: %v %s", err, diagsText(resp.Diagnostics))
			}
		}
		for range 2 {
			resp, err := srv.PlanResourceChange(ctx, plan)
			if err != nil || len(resp.Diagnostics) > 0 {
				b.Fatalf("plan: %v %s", err, diagsText(resp.Diagnostics))
			}
		}
	}
}

// benchFailoverConfig is bench/peer's configuration of one name.
func benchFailoverConfig(typ tftypes.Object) tftypes.Value {
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	num := func(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, n) }
	target := typ.AttributeTypes["target"].(tftypes.List).ElementType.(tftypes.Object)
	hc := typ.AttributeTypes["health_check"].(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, t := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(t, nil)
	}
	set := map[string]tftypes.Value{
		"backend": str("powerdns"), "fqdn": str("n1.bench.test"), "zone": str("bench.test"),
		"create_zone": tftypes.NewValue(tftypes.Bool, false), "ttl": num(5), "mode": str("failover"),
	}
	for k, v := range set {
		vals[k] = v
	}
	mk := func(name, addr string) tftypes.Value {
		f := map[string]tftypes.Value{}
		for n, t := range target.AttributeTypes {
			f[n] = tftypes.NewValue(t, nil)
		}
		f["name"] = str(name)
		f["addresses"] = tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{str(addr)})
		return tftypes.NewValue(target, f)
	}
	vals["target"] = tftypes.NewValue(typ.AttributeTypes["target"], []tftypes.Value{mk("east", "192.0.2.1"), mk("west", "198.51.100.1")})
	h := map[string]tftypes.Value{}
	for n, t := range hc.AttributeTypes {
		h[n] = tftypes.NewValue(t, nil)
	}
	h["protocol"], h["port"], h["path"], h["interval"], h["threshold"] = str("HTTP"), num(8080), str("/healthz"), num(1), num(1)
	vals["health_check"] = tftypes.NewValue(hc, h)
	return tftypes.NewValue(typ, vals)
}
