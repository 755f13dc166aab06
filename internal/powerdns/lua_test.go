package powerdns

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
)

func TestRuleRoundTrip(t *testing.T) {
	cases := []dnsfailover.Spec{
		{FQDN: "www.example.test", Zone: "example.test", TTL: 5, Mode: "failover", RecordType: "A",
			Targets:     []dnsfailover.Target{{Name: "east", Addresses: []string{"192.0.2.1", "192.0.2.2"}}, {Name: "west", Addresses: []string{"192.0.2.3"}}},
			HealthCheck: dnsfailover.HealthCheck{Protocol: "HTTPS", Port: 8443, Path: "/healthz", Interval: 1, Threshold: 2}},
		{FQDN: "api.example.test.", Zone: "example.test.", TTL: 30, Mode: "weighted", RecordType: "AAAA",
			Targets:     []dnsfailover.Target{{Name: "a", Addresses: []string{"2001:db8::1"}, Weight: 3}, {Name: "b", Addresses: []string{"2001:db8::2", "2001:db8::3"}, Weight: 1}},
			HealthCheck: dnsfailover.HealthCheck{Protocol: "TCP", Port: 5432, Interval: 5, Threshold: 3}},
	}
	for _, spec := range cases {
		spec = Normalize(spec)
		if err := Validate(spec); err != nil {
			t.Fatalf("%s: %v", spec.FQDN, err)
		}
		content := rule(spec).content()
		r, err := parseLuaRule(content)
		if err != nil {
			t.Fatalf("parse %s: %v", content, err)
		}
		m := metaOf(spec)
		got := targets(r, &m)
		if !reflect.DeepEqual(got, spec.Targets) {
			t.Errorf("%s: targets = %+v, want %+v", content, got, spec.Targets)
		}
		if r.Flat != (spec.Mode == "weighted") {
			t.Errorf("%s: flat = %v for mode %s", content, r.Flat, spec.Mode)
		}
	}
}

func TestParseHandEdits(t *testing.T) {
	r, err := parseLuaRule(`A "return ifurlup(\"http://x.test/\",{ {'10.0.0.9','10.0.0.8'} ; {'10.0.0.7'} },{selector='random'})"`)
	if err != nil {
		t.Fatal(err)
	}
	if r.Flat || len(r.Sets) != 2 || r.Sets[0][1] != "10.0.0.8" || r.Options["selector"] != "random" {
		t.Errorf("parsed %+v", r)
	}
	proto, port, path, err := checkURL(r.URL)
	if err != nil || proto != "HTTP" || port != 80 || path != "/" {
		t.Errorf("checkURL = %s %d %s %v", proto, port, path, err)
	}
	for _, bad := range []string{`A "pickrandom({'1.2.3.4'})"`, `A ifurlup`, `A "ifurlup('http://x/', {'1.2.3.4'}) .. x"`, `A "ifportup('x', {'1.2.3.4'})"`} {
		if _, err := parseLuaRule(bad); err == nil {
			t.Errorf("parseLuaRule(%s) accepted", bad)
		}
	}
}

func TestValidate(t *testing.T) {
	base := dnsfailover.Spec{FQDN: "www.example.test", Zone: "example.test", TTL: 5, Mode: "failover",
		Targets:     []dnsfailover.Target{{Name: "a", Addresses: []string{"192.0.2.1"}}, {Name: "b", Addresses: []string{"192.0.2.2"}}},
		HealthCheck: dnsfailover.HealthCheck{Protocol: "HTTP", Port: 80, Path: "/", Interval: 1, Threshold: 1}}
	if err := Validate(base); err != nil {
		t.Fatalf("valid spec: %v", err)
	}
	mut := func(f func(*dnsfailover.Spec)) dnsfailover.Spec {
		s := base
		s.Targets = append([]dnsfailover.Target(nil), base.Targets...)
		f(&s)
		return s
	}
	bad := map[string]dnsfailover.Spec{
		"not inside zone": mut(func(s *dnsfailover.Spec) { s.FQDN = "www.other.test" }),
		"not IPv6":        mut(func(s *dnsfailover.Spec) { s.RecordType = "AAAA" }),
		"ordered TCP":     mut(func(s *dnsfailover.Spec) { s.HealthCheck.Protocol = "TCP" }),
		"no addresses":    mut(func(s *dnsfailover.Spec) { s.Targets[1] = dnsfailover.Target{Name: "b"} }),
		"path":            mut(func(s *dnsfailover.Spec) { s.HealthCheck.Path = "/x'" }),
		"appears twice": mut(func(s *dnsfailover.Spec) {
			s.Targets[1] = dnsfailover.Target{Name: "b", Addresses: []string{"192.0.2.1"}}
		}),
		"ttl must be": mut(func(s *dnsfailover.Spec) { s.TTL = 0 }),
		"not an IP address": mut(func(s *dnsfailover.Spec) {
			s.Targets[0] = dnsfailover.Target{Name: "a", Addresses: []string{"lb.example.test"}}
		}),
	}
	for want, s := range bad {
		err := Validate(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: Validate = %v", want, err)
		}
	}
}
