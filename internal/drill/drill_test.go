package drill_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
	"github.com/ha-blueprints/terraform-provider-ha/internal/drill"
	"github.com/ha-blueprints/terraform-provider-ha/internal/powerdns"
)

// setup serves www.drill.test from the real PowerDNS as an ordered failover
// between HTTP backends on 127.0.0.2 and 127.0.0.3.
func setup(t *testing.T) (dnsServer, fqdn string, b *drill.Backends) {
	t.Helper()
	env := services.ForTest(t, services.PowerDNS)
	c, err := powerdns.NewClient(powerdns.Settings{APIURL: env["HA_POWERDNS_API_URL"], APIKey: env["HA_POWERDNS_API_KEY"]})
	if err != nil {
		t.Fatal(err)
	}
	b, err = drill.StartBackends("127.0.0.2", "127.0.0.3")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	zone := fmt.Sprintf("drill%d.test.", time.Now().UnixNano())
	st, err := powerdns.NewBackend(c).Apply(context.Background(), dnsfailover.Spec{
		FQDN: "www." + zone, Zone: zone, CreateZone: true, TTL: 5,
		Targets:     []dnsfailover.Target{{Name: "east", Addresses: []string{"127.0.0.2"}}, {Name: "west", Addresses: []string{"127.0.0.3"}}},
		HealthCheck: dnsfailover.HealthCheck{Protocol: "HTTP", Port: b.Port, Path: "/", Interval: 1, Threshold: 1},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = powerdns.NewBackend(c).Delete(context.Background(), st) })
	return env["HA_TEST_PDNS_DNS"], "www." + zone, b
}

func TestRun_switchAndFailback(t *testing.T) {
	dnsServer, fqdn, b := setup(t)
	res, err := drill.Run(context.Background(), drill.Options{
		Server:      dnsServer,
		Name:        fqdn,
		FailFunc:    func(context.Context) error { return b.Stop(0) },
		RestoreFunc: func(context.Context) error { return b.Start(0) },
		Timeout:     20 * time.Second,
	})
	if err != nil {
		t.Fatalf("Run: %v (result %+v)", err, res)
	}
	if res.Primary != "127.0.0.2" || res.Standby != "127.0.0.3" || !res.Switched || !res.FailedBack {
		t.Errorf("result %+v", res)
	}
	if res.SwitchSeconds <= 0 || res.FailbackSeconds <= 0 {
		t.Errorf("switch %.3f s, failback %.3f s", res.SwitchSeconds, res.FailbackSeconds)
	}
	var phases []string
	for _, c := range res.Changes {
		phases = append(phases, c.Phase+"="+c.Answer)
	}
	if len(res.Changes) < 3 || res.Changes[len(res.Changes)-1].Answer != "127.0.0.2" {
		t.Errorf("changes %v", phases)
	}
	t.Logf("switch %.2f s, failback %.2f s, changes %v", res.SwitchSeconds, res.FailbackSeconds, phases)
}

func TestRun_neverSwitches(t *testing.T) {
	dnsServer, fqdn, _ := setup(t)
	res, err := drill.Run(context.Background(), drill.Options{
		Server:  dnsServer,
		Name:    fqdn,
		Fail:    "true",
		Restore: "true",
		// Room for the baseline too: the answer settles only once
		// PowerDNS has run its first health checks, later on a busy
		// machine.
		Timeout: 4 * time.Second,
	})
	if !errors.Is(err, drill.ErrNoSwitch) {
		t.Fatalf("err = %v", err)
	}
	if res == nil || res.Switched || res.Primary != "127.0.0.2" || res.Queries < 10 {
		t.Errorf("result %+v", res)
	}
}

func TestRun_badSteps(t *testing.T) {
	if _, err := drill.Run(context.Background(), drill.Options{Server: "127.0.0.1:1", Name: "x.test"}); err == nil {
		t.Error("a drill without fail and restore steps ran")
	}
	if _, err := drill.Run(context.Background(), drill.Options{Server: "127.0.0.1:1", Name: "x.test", Type: "MX", Fail: "true", Restore: "true"}); err == nil {
		t.Error("an MX drill ran")
	}
}

func TestSummarize(t *testing.T) {
	s := drill.Summarize([]float64{3, 1, 2, 10})
	if s.N != 4 || s.Min != 1 || s.Median != 2.5 || s.Max != 10 {
		t.Errorf("Summarize = %+v", s)
	}
}
