package acceptance

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
	"github.com/ha-blueprints/terraform-provider-ha/internal/drill"
	"github.com/ha-blueprints/terraform-provider-ha/internal/powerdns"
)

func pdnsClient(t *testing.T, env map[string]string) *powerdns.Client {
	t.Helper()
	c, err := powerdns.NewClient(powerdns.Settings{APIURL: env["HA_POWERDNS_API_URL"], APIKey: env["HA_POWERDNS_API_KEY"], ServerID: env["HA_POWERDNS_SERVER_ID"]})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func dnsFailoverConfig(zone, first, second string, port, ttl int, createZone bool) string {
	return fmt.Sprintf(`
resource "ha_dns_failover" "www" {
  backend     = "powerdns"
  fqdn        = "www.%[1]s"
  zone        = "%[1]s"
  create_zone = %[6]t
  ttl         = %[5]d
  mode        = "failover"
  component   = "global/www/dns_failover"
  blueprint   = "acc"

  target {
    name      = "east"
    addresses = ["%[2]s"]
  }
  target {
    name      = "west"
    addresses = ["%[3]s"]
  }

  health_check {
    protocol  = "HTTP"
    port      = %[4]d
    path      = "/healthz"
    interval  = 1
    threshold = 1
  }
}
`, zone, first, second, port, ttl, createZone)
}

// expectAnswer polls the real DNS server until it has answered want for
// 1.5 s in a row (a new record is answered at random until first probed).
func expectAnswer(server, name, want string) error {
	deadline := time.Now().Add(20 * time.Second)
	var last string
	var since time.Time
	for time.Now().Before(deadline) {
		addrs, err := drill.Lookup(context.Background(), server, name, "A")
		got := strings.Join(addrs, ",")
		if err != nil {
			got = err.Error()
		}
		if got != last {
			last, since = got, time.Now()
		}
		if last == want && time.Since(since) >= 1500*time.Millisecond {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s: DNS answer %q after 20s, want %q", name, last, want)
}

func zoneRRSets(ctx context.Context, c *powerdns.Client, zone string) ([]string, error) {
	z, err := c.Zone(ctx, zone)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, rr := range z.RRSets {
		var recs []string
		for _, r := range rr.Records {
			recs = append(recs, r.Content)
		}
		sort.Strings(recs)
		out = append(out, fmt.Sprintf("%s %s %d %v", rr.Name, rr.Type, rr.TTL, recs))
	}
	sort.Strings(out)
	return out, nil
}

// A failover name on an existing zone: the answer follows the primary's
// health through the real PowerDNS, import reads it back, an update is in
// place, a hand edit shows in plan, and destroy leaves the zone as it was.
func TestAccDNSFailover_powerdnsBasic(t *testing.T) {
	PreCheck(t)
	env := UseServices(t, services.PowerDNS)
	client := pdnsClient(t, env)
	dnsServer := env["HA_TEST_PDNS_DNS"]

	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		ctx := context.Background()
		zone := "acc-" + cli.Name + ".test"
		fqdn := "www." + zone
		if _, err := client.CreateZone(ctx, zone+".", []string{"ns1." + zone + "."}, ""); err != nil {
			t.Fatalf("create zone: %v", err)
		}
		t.Cleanup(func() { _ = client.DeleteZone(context.Background(), zone+".") })
		before, err := zoneRRSets(ctx, client, zone+".")
		if err != nil {
			t.Fatal(err)
		}
		backends, err := drill.StartBackends("127.0.0.2", "127.0.0.3")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(backends.Close)

		cfg := dnsFailoverConfig(zone, "127.0.0.2", "127.0.0.3", backends.Port, 5, false)
		swapped := dnsFailoverConfig(zone, "127.0.0.3", "127.0.0.2", backends.Port, 10, false)
		addr := "ha_dns_failover.www"
		return resource.TestCase{
			PreCheck: func() { PreCheck(t) },
			CheckDestroy: func(*terraform.State) error {
				after, err := zoneRRSets(context.Background(), client, zone+".")
				if err != nil {
					return fmt.Errorf("zone after destroy: %w", err)
				}
				// The SOA serial moves with every change; compare the rest.
				if strings.Join(dropSOA(after), "\n") != strings.Join(dropSOA(before), "\n") {
					return fmt.Errorf("zone changed by destroy:\nbefore %v\nafter  %v", before, after)
				}
				return nil
			},
			Steps: []resource.TestStep{
				{
					Config: cfg,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact("powerdns/"+zone+"/"+fqdn+"/A")),
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("zone_id"), knownvalue.StringExact(zone+".")),
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("record_ids"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(zone + "./" + fqdn + "./LUA/A")})),
						// interval 1 × threshold 1 + TTL 5 (the harness server probes every second).
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("detection_seconds"), knownvalue.Int64Exact(6)),
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("target").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact("east")),
					},
					Check: func(*terraform.State) error {
						if err := expectAnswer(dnsServer, fqdn, "127.0.0.2"); err != nil {
							return fmt.Errorf("primary: %w", err)
						}
						if err := backends.Stop(0); err != nil {
							return err
						}
						if err := expectAnswer(dnsServer, fqdn, "127.0.0.3"); err != nil {
							return fmt.Errorf("after stopping the primary: %w", err)
						}
						if err := backends.Start(0); err != nil {
							return err
						}
						if err := expectAnswer(dnsServer, fqdn, "127.0.0.2"); err != nil {
							return fmt.Errorf("failback: %w", err)
						}
						return nil
					},
				},
				{Config: cfg, PlanOnly: true},
				{
					ResourceName:      addr,
					ImportState:       true,
					ImportStateId:     "powerdns/" + zone + "/" + fqdn + "/A",
					ImportStateVerify: true,
				},
				{
					Config: swapped,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(addr, tfjsonpath.New("detection_seconds"), knownvalue.Int64Exact(11)),
					},
					Check: func(*terraform.State) error { return expectAnswer(dnsServer, fqdn, "127.0.0.3") },
				},
				{
					// Someone edits the record by hand: the plan shows it.
					PreConfig: func() {
						z, err := client.Zone(context.Background(), zone+".")
						if err != nil {
							t.Fatal(err)
						}
						rr := *z.Find(fqdn+".", "LUA")
						rr.ChangeType = "REPLACE"
						rr.Records = []powerdns.Record{{Content: fmt.Sprintf(`A "ifurlup('http://%s:%d/healthz', {{'127.0.0.2'}, {'127.0.0.9'}}, {selector='all'})"`, fqdn, backends.Port)}}
						if err := client.PatchRRSets(context.Background(), zone+".", []powerdns.RRSet{rr}); err != nil {
							t.Fatal(err)
						}
					},
					Config:             swapped,
					PlanOnly:           true,
					ExpectNonEmptyPlan: true,
				},
				{
					Config: swapped,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					},
					Check: func(*terraform.State) error { return expectAnswer(dnsServer, fqdn, "127.0.0.3") },
				},
				{Config: swapped, PlanOnly: true},
			},
		}
	})
}

func dropSOA(rrsets []string) []string {
	var out []string
	for _, s := range rrsets {
		if !strings.Contains(s, " SOA ") {
			out = append(out, s)
		}
	}
	return out
}

// create_zone = true creates the zone and destroy removes it; a record
// deleted outside Terraform is planned for re-creation, in the same zone.
func TestAccDNSFailover_powerdnsCreateZone(t *testing.T) {
	PreCheck(t)
	env := UseServices(t, services.PowerDNS)
	client := pdnsClient(t, env)
	zone := "acc-created.test"
	cfg := dnsFailoverConfig(zone, "127.0.0.2", "127.0.0.3", 8080, 5, true)
	Test(t, resource.TestCase{
		PreCheck: func() { PreCheck(t) },
		CheckDestroy: func(*terraform.State) error {
			if _, err := client.Zone(context.Background(), zone+"."); !errors.Is(err, powerdns.ErrZoneNotFound) {
				return fmt.Errorf("zone created by the resource still there after destroy (%w)", err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ha_dns_failover.www", tfjsonpath.New("create_zone"), knownvalue.Bool(true)),
				},
				Check: func(*terraform.State) error {
					_, err := client.Zone(context.Background(), zone+".")
					return err
				},
			},
			{
				Config:        cfg,
				ResourceName:  "ha_dns_failover.www",
				ImportState:   true,
				ImportStateId: "powerdns/" + zone,
				ExpectError:   wordsRE("Invalid import id", "Expected BACKEND/ZONE/FQDN[/RECORD_TYPE]"),
			},
			{
				PreConfig: func() {
					if err := client.PatchRRSets(context.Background(), zone+".", []powerdns.RRSet{{Name: "www." + zone + ".", Type: "LUA", ChangeType: "DELETE"}}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("ha_dns_failover.www", plancheck.ResourceActionCreate)},
				},
				Check: func(*terraform.State) error {
					_, err := zoneRRSets(context.Background(), client, zone+".")
					return err
				},
			},
			{Config: cfg, PlanOnly: true},
		},
	})
}

// Clear diagnostics: a missing zone, an ordered TCP check PowerDNS cannot
// serve, and an unreachable API.
func TestAccDNSFailover_powerdnsErrors(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.PowerDNS)
	tcp := strings.Replace(dnsFailoverConfig("acc-errors.test", "127.0.0.2", "127.0.0.3", 8080, 5, true), `protocol  = "HTTP"`, `protocol  = "TCP"`, 1)
	tcp = strings.Replace(tcp, `path      = "/healthz"`, "", 1)
	Test(t, resource.TestCase{
		PreCheck: func() { PreCheck(t) },
		Steps: []resource.TestStep{
			{
				Config:      dnsFailoverConfig("acc-missing.test", "127.0.0.2", "127.0.0.3", 8080, 5, false),
				ExpectError: wordsRE("Unable to create DNS failover record", "zone acc-missing.test. does not exist"),
			},
			{
				Config:      tcp,
				PlanOnly:    true,
				ExpectError: wordsRE("Unsupported health check", "PowerDNS has no ordered TCP checks"),
			},
			{
				Config: `
provider "ha" {
  powerdns {
    api_url = "http://127.0.0.1:1"
    api_key = "secret-never-shown"
  }
}
` + dnsFailoverConfig("acc-down.test", "127.0.0.2", "127.0.0.3", 8080, 5, true),
				ExpectError: wordsRE("PowerDNS API at 127.0.0.1:1 unreachable"),
			},
		},
	})
}

// wordsRE matches the phrases in order, whatever line wrapping the CLI adds.
func wordsRE(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		parts[i] = strings.Join(words, `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

// ha_dns_drill runs a real drill from Terraform: the fail and restore
// commands are curl calls that stop and start the primary backend.
func TestAccDNSDrill_powerdns(t *testing.T) {
	PreCheck(t)
	env := UseServices(t, services.PowerDNS)
	client := pdnsClient(t, env)
	backends, err := drill.StartBackends("127.0.0.2", "127.0.0.3")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(backends.Close)
	ctl, err := backends.ServeControl()
	if err != nil {
		t.Fatal(err)
	}
	b := powerdns.NewBackend(client)
	st, err := b.Apply(context.Background(), dnsfailover.Spec{
		FQDN: "www.acc-drill.test", Zone: "acc-drill.test", CreateZone: true, TTL: 5,
		Targets:     []dnsfailover.Target{{Name: "east", Addresses: []string{"127.0.0.2"}}, {Name: "west", Addresses: []string{"127.0.0.3"}}},
		HealthCheck: dnsfailover.HealthCheck{Protocol: "HTTP", Port: backends.Port, Path: "/", Interval: 1, Threshold: 1},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Delete(context.Background(), st) })
	cfg := fmt.Sprintf(`
data "ha_dns_drill" "www" {
  server          = %q
  name            = "www.acc-drill.test"
  fail_command    = "curl -sf %s/stop/0"
  restore_command = "curl -sf %s/start/0"
  timeout         = "20s"
}
`, env["HA_TEST_PDNS_DNS"], ctl, ctl)
	noSwitch := fmt.Sprintf(`
data "ha_dns_drill" "www" {
  server          = %q
  name            = "www.acc-drill.test"
  fail_command    = "true"
  restore_command = "true"
  timeout         = "1s"
}
`, env["HA_TEST_PDNS_DNS"])
	d := "data.ha_dns_drill.www"
	Test(t, resource.TestCase{
		PreCheck: func() { PreCheck(t) },
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(d, tfjsonpath.New("primary"), knownvalue.StringExact("127.0.0.2")),
					statecheck.ExpectKnownValue(d, tfjsonpath.New("standby"), knownvalue.StringExact("127.0.0.3")),
					statecheck.ExpectKnownValue(d, tfjsonpath.New("switched"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(d, tfjsonpath.New("failed_back"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(d, tfjsonpath.New("switch_seconds"), knownvalue.Float64Func(func(v float64) error {
						if v <= 0 || v > 5 {
							return fmt.Errorf("switch took %.2f s, want within the 5 s goal", v)
						}
						return nil
					})),
				},
			},
			{
				Config:      noSwitch,
				ExpectError: wordsRE("DNS failover drill failed", "never switched"),
			},
		},
	})
}

// Weighted (active/active): every healthy target answers; a stopped one
// drops out. Changing the mode back to failover is an in-place update.
func TestAccDNSFailover_powerdnsWeighted(t *testing.T) {
	PreCheck(t)
	env := UseServices(t, services.PowerDNS)
	dnsServer := env["HA_TEST_PDNS_DNS"]
	backends, err := drill.StartBackends("127.0.0.2", "127.0.0.3")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(backends.Close)
	zone := "acc-weighted.test"
	failover := dnsFailoverConfig(zone, "127.0.0.2", "127.0.0.3", backends.Port, 5, true)
	weighted := strings.Replace(failover, `mode        = "failover"`, `mode        = "weighted"`, 1)
	addr := "ha_dns_failover.www"
	Test(t, resource.TestCase{
		PreCheck: func() { PreCheck(t) },
		Steps: []resource.TestStep{
			{
				Config: weighted,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("mode"), knownvalue.StringExact("weighted")),
				},
				Check: func(*terraform.State) error {
					if err := expectAnswer(dnsServer, "www."+zone, "127.0.0.2,127.0.0.3"); err != nil {
						return err
					}
					if err := backends.Stop(1); err != nil {
						return err
					}
					if err := expectAnswer(dnsServer, "www."+zone, "127.0.0.2"); err != nil {
						return err
					}
					return backends.Start(1)
				},
			},
			{Config: weighted, PlanOnly: true},
			{
				Config: failover,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				Check: func(*terraform.State) error { return expectAnswer(dnsServer, "www."+zone, "127.0.0.2") },
			},
		},
	})
}
