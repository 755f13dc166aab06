package acceptance

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/cachegroup"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/cache"
)

func (d *awsData) elasticache(location string) *elasticache.Client {
	d.t.Helper()
	cfg, err := d.session.Config(context.Background(), location)
	if err != nil {
		d.t.Fatal(err)
	}
	return elasticache.NewFromConfig(cfg)
}

func (d *awsData) cacheGone(names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			_, err := cachegroup.New(d.session).Read(context.Background(), cache.Spec{Meta: backend.Meta{Name: n, Location: "us-east-1"}}, nil)
			if !errors.Is(err, backend.ErrNotFound) {
				return fmt.Errorf("replication group %s after destroy: %w", n, err)
			}
		}
		return nil
	}
}

func cacheConfig(d *awsData, name, nodeType, extra string) string {
	return providerBlock + fmt.Sprintf(`
resource "ha_cache" "test" {
  location       = "us-east-1"
  name           = %q
  component      = "east/sessions/cache"
  blueprint      = %q
  engine         = "valkey"
  engine_version = "7.2"
  node_type      = %q
  replicas       = 1
  zones          = ["us-east-1a", "us-east-1b"]
  role           = "primary"
  replication    = "per_region"
%s
}
`, name, d.blueprint, nodeType, extra)
}

func TestAccCache_basic(t *testing.T) {
	d := newAWSData(t)
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		name := uniqueName("sess-" + cli.Name)
		cfg := cacheConfig(d, name, "cache.t3.micro", `  tags = { team = "web" }`)
		return resource.TestCase{
			CheckDestroy: d.cacheGone(name),
			Steps: []resource.TestStep{
				{
					Config: cfg,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("ha_cache.test", tfjsonpath.New("arn"), knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:elasticache:us-east-1:\d+:replicationgroup:`+name+`$`))),
						statecheck.ExpectKnownValue("ha_cache.test", tfjsonpath.New("primary_endpoint"), knownvalue.StringRegexp(regexp.MustCompile(`:6379$`))),
						statecheck.ExpectKnownValue("ha_cache.test", tfjsonpath.New("multi_az"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue("ha_cache.test", tfjsonpath.New("transit_encryption"), knownvalue.Bool(true)),
					},
					Check: func(*terraform.State) error {
						out, err := d.elasticache("us-east-1").DescribeReplicationGroups(context.Background(), &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: sdkaws.String(name)})
						if err != nil {
							return err
						}
						g := out.ReplicationGroups[0]
						if len(g.MemberClusters) != 2 || g.MultiAZ != "enabled" || g.AutomaticFailover != "enabled" ||
							!sdkaws.ToBool(g.TransitEncryptionEnabled) || !sdkaws.ToBool(g.AtRestEncryptionEnabled) {
							return fmt.Errorf("group in AWS: %+v", g)
						}
						return nil
					},
				},
				{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				{
					ResourceName: "ha_cache.test", ImportState: true, ImportStateId: "us-east-1/" + name, ImportStateVerify: true,
					ImportStateVerifyIdentifierAttribute: "arn", // The local endpoint lists no member clusters, where AWS reports the engine version.
					ImportStateVerifyIgnore:              []string{"role", "replication", "primary", "timeouts", "engine_version"},
				},
			},
		}
	})
}

func TestAccCache_update(t *testing.T) {
	d := newAWSData(t)
	name := uniqueName("sessu")
	Test(t, resource.TestCase{
		CheckDestroy: d.cacheGone(name),
		Steps: []resource.TestStep{
			{Config: cacheConfig(d, name, "cache.t3.micro", "")},
			{
				Config: cacheConfig(d, name, "cache.t3.micro", `  tags = { tier = "gold" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_cache.test", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					st, err := cachegroup.New(d.session).Read(context.Background(), cache.Spec{Meta: backend.Meta{Name: name, Location: "us-east-1"}}, nil)
					if err != nil || st.Spec.Tags["tier"] != "gold" {
						return fmt.Errorf("tags in AWS: %+v %w", st, err)
					}
					return nil
				},
			},
			// The local endpoint lacks ModifyReplicationGroup: an in-place node
			// type change is refused with a clear error, never a silent success.
			{
				Config:      cacheConfig(d, name, "cache.t3.small", `  tags = { tier = "gold" }`),
				ExpectError: regexp.MustCompile(`(?s)does not implement the change.*ModifyReplicationGroup`),
			},
			// The refused change left nothing half-done: back at the node
			// type the group has, the plan is empty.
			{
				Config:           cacheConfig(d, name, "cache.t3.micro", `  tags = { tier = "gold" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccCache_disappears(t *testing.T) {
	d := newAWSData(t)
	name := uniqueName("sessd")
	cfg := cacheConfig(d, name, "cache.t3.micro", "")
	Test(t, resource.TestCase{
		CheckDestroy: d.cacheGone(name),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(*terraform.State) error {
					_, err := d.elasticache("us-east-1").DeleteReplicationGroup(context.Background(), &elasticache.DeleteReplicationGroupInput{ReplicationGroupId: sdkaws.String(name)})
					return err
				},
				ExpectNonEmptyPlan: true,
			},
			// The plan re-creates it. The local endpoint never finishes
			// deleting a group (it stays "deleting"), so the name cannot be
			// reused there: the apply says so instead of waiting forever.
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_cache.test", plancheck.ResourceActionCreate),
				}},
				ExpectError: regexp.MustCompile(`(?s)still being deleted.*never\s+finishes`),
			},
		},
	})
}

// Where the blueprint makes a standby's group a Global Datastore member,
// this provider version creates the region's group on its own (Global
// Datastore membership is not managed): the apply says so in a warning
// that names the cache, through the real CLI, and the group is there.
func TestAccCache_globalDatastoreSaysSo(t *testing.T) {
	d := newAWSData(t)
	name := uniqueName("sessg")
	cfg := strings.Replace(cacheConfig(d, name, "cache.t3.micro", ""), `replication    = "per_region"`, `replication    = "global_datastore"`, 1)
	tf := newCLI(t, CLIs(t)[0], t.TempDir(), `terraform {
  required_providers {
    ha = { source = "ha-blueprints/ha" }
  }
}
`+cfg)
	t.Cleanup(func() { _, _ = tf.try("destroy", "-auto-approve", "-input=false") })
	out := tf.run("apply", "-auto-approve", "-input=false")
	if !regexp.MustCompile(`(?s)Warning: Global Datastore not managed.*Cache\s+` + name + `\s+is\s+a\s+primary\s+group\s+of\s+a\s+Global\s+Datastore`).MatchString(out) {
		t.Errorf("apply does not say that Global Datastore membership is not managed:\n%s", out)
	}
	st, err := cachegroup.New(d.session).Read(context.Background(), cache.Spec{Meta: backend.Meta{Name: name, Location: "us-east-1"}}, nil)
	if err != nil || st.Spec.Name != name {
		t.Errorf("the region's group in AWS: %+v %v", st, err)
	}
	tf.destroy()
}
