package provider

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// A table over each resource's values the cloud would refuse, run through
// the provider server's own config validation (what terraform validate and
// plan call): each must be refused there, naming the attribute, before any
// object is made; each resource's valid base config must pass.

type rejectCase struct {
	set  string // dotted path to change, [n] for a list element
	to   any
	path string // the attribute the error must name ("" = the same as set)
}

type rejectTable struct {
	typeName string
	base     map[string]any
	cases    []rejectCase
}

var rejectTables = []rejectTable{
	{
		typeName: "ha_load_balancer",
		base: map[string]any{
			"name": "shop-east-web", "location": "us-east-1", "zones": []any{"us-east-1a", "us-east-1b"},
			"listeners":    []any{map[string]any{"port": 80, "protocol": "HTTP"}},
			"health_check": map[string]any{"protocol": "HTTP", "port": 8080, "path": "/health", "interval": 10, "timeout": 5},
		},
		cases: []rejectCase{
			{set: "name", to: strings.Repeat("a", 33)},
			{set: "name", to: "shop_web"},
			{set: "name", to: "-shop"},
			{set: "zones", to: []any{}},
			{set: "zones", to: []any{"us-east-1a", "us-east-1a"}},
			{set: "layer", to: 5},
			{set: "listeners", to: []any{}},
			{set: "listeners[0].port", to: 0},
			{set: "listeners[0].port", to: 70000},
			{set: "listeners[0].protocol", to: "FTP"},
			{set: "health_check.interval", to: 3},
			{set: "health_check.interval", to: 301},
			{set: "health_check.timeout", to: 1},
			{set: "health_check.healthy_threshold", to: 1},
			{set: "health_check.unhealthy_threshold", to: 11},
			{set: "health_check.port", to: 0},
			{set: "health_check.protocol", to: "ICMP"},
		},
	},
	{
		typeName: "ha_scaling_group",
		base: map[string]any{
			"name": "shop-east-web", "location": "us-east-1", "zones": []any{"us-east-1a"},
			"image": "ami-12c6146b", "instance_type": "t3.small", "min_size": 2, "max_size": 4, "desired_capacity": 2,
		},
		cases: []rejectCase{
			{set: "min_size", to: 5, path: "min_size"},
			{set: "desired_capacity", to: 9, path: "max_size"},
			{set: "desired_capacity", to: 1, path: "min_size"},
			{set: "max_size", to: 20000},
			{set: "cpu_target", to: 150.0},
			{set: "min_healthy_percentage", to: 101},
			{set: "health_check_grace_period", to: -1},
		},
	},
	{
		typeName: "ha_database",
		base: map[string]any{
			"name": "shop-east-orders", "location": "us-east-1", "engine": "postgres", "instance_class": "db.t3.micro",
			"username": "app", "password": "correct-horse-battery",
		},
		cases: []rejectCase{
			{set: "name", to: "1orders"},
			{set: "instance_class", to: "t3.micro"},
			{set: "engine", to: "oracle-xe"},
			{set: "username", to: "1app"},
			{set: "password", to: "short"},
			{set: "allocated_storage", to: 5},
			{set: "backup_retention_period", to: 40},
		},
	},
	{
		typeName: "ha_backup_plan",
		base: map[string]any{
			"name": "shop-east-orders", "location": "us-east-1", "copy_to_location": "us-west-2",
			"schedule": "cron(0 3 * * ? *)", "retention_days": 7,
		},
		cases: []rejectCase{
			{set: "retention_days", to: 0},
			{set: "copy_to_location", to: "us-east-1"},
			{set: "schedule", to: "every day"},
			{set: "name", to: "bad name!"},
		},
	},
	{
		typeName: "ha_dns_failover",
		base: map[string]any{
			"backend": "route53", "fqdn": "www.shop.test", "zone": "shop.test",
			"target": []any{
				map[string]any{"name": "east", "addresses": []any{"192.0.2.10"}},
				map[string]any{"name": "west", "addresses": []any{"192.0.2.20"}},
			},
			"health_check": map[string]any{"protocol": "HTTP", "port": 80, "path": "/", "interval": 10, "threshold": 3},
		},
		cases: []rejectCase{
			{set: "backend", to: "bind"},
			{set: "ttl", to: 0},
			{set: "mode", to: "geo"},
			{set: "record_type", to: "MX"},
			{set: "fqdn", to: "www.other.test", path: "fqdn"},
			{set: "target[0].weight", to: 300},
			{set: "target[0].addresses", to: []any{"not-an-address"}, path: "target[0].addresses[0]"},
			{set: "health_check.port", to: 0},
			{set: "health_check.threshold", to: 11},
			{set: "health_check.protocol", to: "ICMP"},
		},
	},
	{
		typeName: "ha_object_store",
		base:     map[string]any{"name": "shop-east-files", "location": "us-east-1"},
		cases: []rejectCase{
			{set: "name", to: "Shop_Files"},
			{set: "name", to: "ab"},
			{set: "encryption", to: "DES"},
		},
	},
	{
		typeName: "ha_cache",
		base: map[string]any{
			"name": "shop-east-sessions", "location": "us-east-1", "engine_version": "7.2",
			"node_type": "cache.t3.micro", "zones": []any{"us-east-1a", "us-east-1b"},
		},
		cases: []rejectCase{
			{set: "name", to: "1sessions"},
			{set: "engine", to: "memcached"},
			{set: "replicas", to: 6},
		},
	},
	{
		typeName: "ha_alerts",
		base:     map[string]any{"name": "shop-east", "location": "us-east-1"},
		cases: []rejectCase{
			{set: "name", to: "shop east"},
			{set: "cloud", to: "gcp"},
			{set: "alarms", to: []any{upsAlarm()}, path: "alarms[0].metric"},
			{set: "exporter_host", to: map[string]any{"name": "r1-h01", "address": "10.0.2.1"}},
			{set: "base_dir", to: "/srv/alerts"},
		},
	},
	{
		typeName: "ha_alerts",
		base: map[string]any{
			"cloud": "bare_metal", "name": "shop-dc1-alerts", "location": "dc1", "webhooks": []any{"https://hooks.example.com/x"},
			"exporter_host": map[string]any{"name": "r1-h01", "address": "10.0.2.1"},
			"alarms": []any{upsAlarm(), map[string]any{"name": "shop-dc1-web-unhealthy-hosts", "metric": "unhealthy_hosts",
				"target": "http://10.0.2.1:8080/healthz,http://10.0.2.2:8080/healthz", "comparison": ">", "threshold": 0, "period": 5, "evaluation_periods": 2}},
		},
		cases: []rejectCase{
			{set: "exporter_host", to: nil},
			{set: "emails", to: []any{"ops@example.com"}},
			{set: "alarms[0].metric", to: "replica_lag"},
			{set: "alarms[0].target", to: "10.0.0.5:3493"},
			{set: "alarms", to: []any{map[string]any{"name": "lb", "metric": "unhealthy_hosts", "target": "10.0.2.1:8080",
				"comparison": ">", "threshold": 0, "period": 10, "evaluation_periods": 1}}, path: "alarms[0].target"},
			{set: "alarms[0].period", to: 0},
			{set: "alarms[0].evaluation_periods", to: 0},
		},
	},
	{
		typeName: "ha_virtual_ip",
		base: map[string]any{
			"name": "site-a-web", "vip": "10.20.0.100", "network": "10.20.0.0/24",
			"hosts": []any{
				map[string]any{"name": "a1", "address": "10.20.0.11"},
				map[string]any{"name": "a2", "address": "10.20.0.12"},
			},
		},
		cases: []rejectCase{
			{set: "vip", to: "not-an-ip"},
			{set: "vip", to: "10.99.0.100", path: "vip"},
			{set: "network", to: "10.20.0.0/33"},
			{set: "hosts", to: []any{map[string]any{"name": "a1", "address": "10.20.0.11"}}},
			{set: "virtual_router_id", to: 256},
			{set: "advert_interval", to: 0},
		},
	},
	{
		typeName: "ha_pdu_outlet",
		base:     map[string]any{"address": "127.0.0.1:1161", "outlet": 1, "state": "on"},
		cases: []rejectCase{
			{set: "outlet", to: 0},
			{set: "state", to: "maybe"},
		},
	},
}

func upsAlarm() map[string]any {
	return map[string]any{"name": "shop-dc1-ups-a-on-battery", "metric": "ups_on_battery", "target": "ups-a@10.0.0.5:3493",
		"comparison": ">=", "threshold": 1, "period": 10, "evaluation_periods": 1}
}

func TestResourcesRejectAtPlan(t *testing.T) {
	ctx := context.Background()
	srv, err := NewServer("test")() // as served: ha_dns_failover by leanresource
	if err != nil {
		t.Fatal(err)
	}
	schemas := resourceTypes(t)
	for _, tbl := range rejectTables {
		typ, ok := schemas[tbl.typeName]
		if !ok {
			t.Fatalf("no resource %s", tbl.typeName)
		}
		validate := func(cfg map[string]any) []*tfprotov6.Diagnostic {
			v, err := toValue(typ, cfg)
			if err != nil {
				t.Fatalf("%s: %v", tbl.typeName, err)
			}
			dv, err := tfprotov6.NewDynamicValue(typ, v)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: tbl.typeName, Config: &dv})
			if err != nil {
				t.Fatal(err)
			}
			var errs []*tfprotov6.Diagnostic
			for _, d := range resp.Diagnostics {
				if d.Severity == tfprotov6.DiagnosticSeverityError {
					errs = append(errs, d)
				}
			}
			return errs
		}
		if errs := validate(tbl.base); len(errs) > 0 {
			t.Errorf("%s: the valid base config is refused: %s", tbl.typeName, describeDiags(errs))
			continue
		}
		for _, c := range tbl.cases {
			cfg := deepCopy(tbl.base).(map[string]any)
			setPath(cfg, c.set, c.to)
			want := c.path
			if want == "" {
				want = c.set
			}
			errs := validate(cfg)
			if len(errs) == 0 {
				t.Errorf("%s: %s = %v accepted; the cloud would refuse it", tbl.typeName, c.set, c.to)
				continue
			}
			named := false
			for _, d := range errs {
				named = named || attrPathString(d.Attribute) == want
			}
			if !named {
				t.Errorf("%s: %s = %v refused without naming %s: %s", tbl.typeName, c.set, c.to, want, describeDiags(errs))
			}
		}
	}
}

// resourceTypes maps each resource type name to its schema's value type.
func resourceTypes(t *testing.T) map[string]tftypes.Type {
	t.Helper()
	ctx := context.Background()
	out := map[string]tftypes.Type{}
	for _, f := range New("test")().Resources(ctx) {
		r := f()
		var mr resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "ha"}, &mr)
		var sr resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &sr)
		out[mr.TypeName] = sr.Schema.Type().TerraformType(ctx)
	}
	return out
}

// toValue builds a tftypes value of typ from plain Go values; attributes
// not given are null.
func toValue(typ tftypes.Type, v any) (tftypes.Value, error) {
	if v == nil {
		return tftypes.NewValue(typ, nil), nil
	}
	switch {
	case typ.Is(tftypes.String):
		s, ok := v.(string)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("want a string, got %T", v)
		}
		return tftypes.NewValue(typ, s), nil
	case typ.Is(tftypes.Number):
		switch n := v.(type) {
		case int:
			return tftypes.NewValue(typ, new(big.Float).SetInt64(int64(n))), nil
		case float64:
			return tftypes.NewValue(typ, big.NewFloat(n)), nil
		}
		return tftypes.Value{}, fmt.Errorf("want a number, got %T", v)
	case typ.Is(tftypes.Bool):
		return tftypes.NewValue(typ, v), nil
	}
	switch tt := typ.(type) {
	case tftypes.List, tftypes.Set:
		var elem tftypes.Type
		if l, ok := tt.(tftypes.List); ok {
			elem = l.ElementType
		} else {
			elem = tt.(tftypes.Set).ElementType
		}
		items, ok := v.([]any)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("want a list, got %T", v)
		}
		vals := make([]tftypes.Value, 0, len(items))
		for _, it := range items {
			ev, err := toValue(elem, it)
			if err != nil {
				return tftypes.Value{}, err
			}
			vals = append(vals, ev)
		}
		return tftypes.NewValue(typ, vals), nil
	case tftypes.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("want a map, got %T", v)
		}
		vals := map[string]tftypes.Value{}
		for k, it := range m {
			ev, err := toValue(tt.ElementType, it)
			if err != nil {
				return tftypes.Value{}, err
			}
			vals[k] = ev
		}
		return tftypes.NewValue(typ, vals), nil
	case tftypes.Object:
		m, ok := v.(map[string]any)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("want an object, got %T", v)
		}
		vals := map[string]tftypes.Value{}
		for name, at := range tt.AttributeTypes {
			ev, err := toValue(at, m[name])
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("%s: %w", name, err)
			}
			vals[name] = ev
		}
		for name := range m {
			if _, ok := tt.AttributeTypes[name]; !ok {
				return tftypes.Value{}, fmt.Errorf("no attribute %q", name)
			}
		}
		return tftypes.NewValue(typ, vals), nil
	}
	return tftypes.Value{}, fmt.Errorf("type %s not handled", typ)
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// setPath sets a dotted path ("a.b", "a[0].b") in m.
func setPath(m map[string]any, p string, to any) {
	parts := strings.Split(p, ".")
	var cur any = m
	for i, part := range parts {
		name, idx := part, -1
		if j := strings.Index(part, "["); j >= 0 {
			name = part[:j]
			_, _ = fmt.Sscanf(part[j:], "[%d]", &idx)
		}
		obj := cur.(map[string]any)
		last := i == len(parts)-1
		if idx < 0 {
			if last {
				obj[name] = to
				return
			}
			if obj[name] == nil {
				obj[name] = map[string]any{}
			}
			cur = obj[name]
			continue
		}
		list := obj[name].([]any)
		if last {
			list[idx] = to
			return
		}
		cur = list[idx]
	}
}

// attrPathString is p as the dotted form setPath takes.
func attrPathString(p *tftypes.AttributePath) string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	for _, s := range p.Steps() {
		switch st := s.(type) {
		case tftypes.AttributeName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(st))
		case tftypes.ElementKeyInt:
			fmt.Fprintf(&b, "[%d]", int64(st))
		case tftypes.ElementKeyString:
			fmt.Fprintf(&b, "[%q]", string(st))
		}
	}
	return b.String()
}

func describeDiags(ds []*tfprotov6.Diagnostic) string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("[%s] %s: %s", attrPathString(d.Attribute), d.Summary, d.Detail))
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}
