package acceptance

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
)

func route53Config(zone string, ttl int, primary, standby string) string {
	return fmt.Sprintf(`
resource "ha_dns_failover" "www" {
  backend     = "route53"
  fqdn        = "www.%[1]s"
  zone        = %[1]q
  create_zone = true
  ttl         = %[2]d
  component   = "global/www.%[1]s/dns_failover"
  blueprint   = "acc53"

  target {
    name      = "east"
    addresses = [%[3]q]
  }
  target {
    name      = "west"
    addresses = [%[4]q]
  }

  health_check {
    protocol  = "HTTP"
    port      = 80
    path      = "/healthz"
    interval  = 10
    threshold = 3
  }
}
`, zone, ttl, primary, standby)
}

// route53Records lists the failover records of fqdn as "ROLE:ADDRESS".
func route53Records(ctx context.Context, zone, fqdn string) ([]string, string, error) {
	cfg, err := awsTestSession().Config(ctx, "us-east-1")
	if err != nil {
		return nil, "", err
	}
	c := route53.NewFromConfig(cfg)
	zones, err := c.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: sdkaws.String(zone + ".")})
	if err != nil {
		return nil, "", err
	}
	for _, z := range zones.HostedZones {
		if sdkaws.ToString(z.Name) != zone+"." {
			continue
		}
		out, err := c.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: z.Id})
		if err != nil {
			return nil, "", err
		}
		var recs []string
		for _, rr := range out.ResourceRecordSets {
			if strings.TrimSuffix(sdkaws.ToString(rr.Name), ".") != fqdn || rr.Type != r53types.RRTypeA {
				continue
			}
			for _, v := range rr.ResourceRecords {
				recs = append(recs, fmt.Sprintf("%s:%s:%d", rr.Failover, sdkaws.ToString(v.Value), sdkaws.ToInt64(rr.TTL)))
			}
		}
		return recs, sdkaws.ToString(z.Id), nil
	}
	return nil, "", nil
}

func TestAccDNSFailover_route53(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	zone := "r53" + acctest.RandStringFromCharSet(6, acctest.CharSetAlpha) + ".test"
	fqdn := "www." + zone
	addr := "ha_dns_failover.www"
	expect := func(want ...string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			got, _, err := route53Records(ctx, zone, fqdn)
			if err != nil {
				return err
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				return fmt.Errorf("records of %s: got %v, want %v", fqdn, got, want)
			}
			return nil
		}
	}
	Test(t, resource.TestCase{
		CheckDestroy: func(*terraform.State) error {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			recs, zoneID, err := route53Records(ctx, zone, fqdn)
			if err != nil {
				return err
			}
			if len(recs) > 0 || zoneID != "" {
				return fmt.Errorf("left after destroy: zone %q records %v", zoneID, recs)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{ // _basic
				Config: route53Config(zone, 60, "192.0.2.10", "192.0.2.20"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("health_check_ids"), knownvalue.ListSizeExact(2)),
					// Route 53 checks: 10 s × 3 + 60 s TTL.
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("detection_seconds"), knownvalue.Int64Exact(90)),
				},
				Check: expect("PRIMARY:192.0.2.10:60", "SECONDARY:192.0.2.20:60"),
			},
			{Config: route53Config(zone, 60, "192.0.2.10", "192.0.2.20"), PlanOnly: true},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     "route53/" + zone + "/" + fqdn + "/A",
				ImportStateVerify: true,
				// Whether this resource created the zone is not recorded by Route 53.
				ImportStateVerifyIgnore: []string{"create_zone", "component", "blueprint"},
			},
			{ // _update: swap the order and lower the TTL, in place
				Config: route53Config(zone, 30, "192.0.2.20", "192.0.2.10"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: expect("PRIMARY:192.0.2.20:30", "SECONDARY:192.0.2.10:30"),
			},
			{ // _disappears: the records are deleted out of band; plan puts them back
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					cfg, err := awsTestSession().Config(ctx, "us-east-1")
					if err != nil {
						t.Fatal(err)
					}
					_, zoneID, err := route53Records(ctx, zone, fqdn)
					if err != nil || zoneID == "" {
						t.Fatalf("zone: %q %v", zoneID, err)
					}
					c := route53.NewFromConfig(cfg)
					out, err := c.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: &zoneID})
					if err != nil {
						t.Fatal(err)
					}
					var changes []r53types.Change
					for _, rr := range out.ResourceRecordSets {
						if strings.TrimSuffix(sdkaws.ToString(rr.Name), ".") == fqdn {
							changes = append(changes, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &rr})
						}
					}
					if len(changes) == 0 {
						t.Fatal("no records to delete")
					}
					if _, err := c.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
						HostedZoneId: &zoneID, ChangeBatch: &r53types.ChangeBatch{Changes: changes},
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             route53Config(zone, 30, "192.0.2.20", "192.0.2.10"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: route53Config(zone, 30, "192.0.2.20", "192.0.2.10"),
				Check:  expect("PRIMARY:192.0.2.20:30", "SECONDARY:192.0.2.10:30"),
			},
		},
	})
}
