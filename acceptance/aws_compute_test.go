package acceptance

import (
	"context"
	"fmt"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/loadbalancer"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/scaling"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/sweep"
)

// awsTestSession is an SDK session on the test's moto, for out-of-band
// changes and destroy checks.
func awsTestSession() *awsbase.Session {
	return awsbase.NewSession(awsbase.Settings{
		Endpoint:   os.Getenv("HA_AWS_ENDPOINT"),
		AccessKey:  os.Getenv("HA_AWS_ACCESS_KEY"),
		SecretKey:  os.Getenv("HA_AWS_SECRET_KEY"),
		MaxRetries: 2,
	})
}

// uniqueName is a physical name no other test uses (≤ 32 characters).
func uniqueName(prefix string) string {
	return prefix + "-" + acctest.RandStringFromCharSet(8, acctest.CharSetAlphaNum)
}

// sweepOnCleanup deletes whatever the test left tagged with its blueprint,
// for runs that reuse one moto across tests (HA_SERVICES_ENV); CheckDestroy
// has already failed the test if anything was left.
func sweepOnCleanup(t *testing.T, blueprint string, locations ...string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := sweep.Sweep(ctx, awsTestSession(), locations, blueprint); err != nil {
			t.Logf("sweep of %s: %v", blueprint, err)
		}
	})
}

// checkNothingLeft fails when anything tagged ha:blueprint=blueprint is
// still in the endpoint, in any of the locations.
func checkNothingLeft(blueprint string, locations ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		left, err := sweep.Leftovers(ctx, awsTestSession(), locations, blueprint)
		if err != nil {
			return err
		}
		if len(left) > 0 {
			return fmt.Errorf("left behind in the AWS endpoint: %s", strings.Join(left, ", "))
		}
		return nil
	}
}

func loadBalancerConfig(name, blueprint, zones, path string, interval int, listeners string) string {
	return fmt.Sprintf(`
resource "ha_load_balancer" "test" {
  name      = %[1]q
  location  = "us-east-1"
  blueprint = %[2]q
  component = "east/web/load_balancer"
  zones     = %[3]s
  layer     = 7
  listeners = %[6]s
  health_check = {
    protocol            = "HTTP"
    port                = 8080
    path                = %[4]q
    interval            = %[5]d
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
    matcher             = "200-299"
  }
  tags = {
    team = "web"
  }
  timeouts {
    create = "5m"
  }
}
`, name, blueprint, zones, path, interval, listeners)
}

const oneListener = `[{ port = 80, protocol = "HTTP" }]`

func TestAccLoadBalancer_basic(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		name := uniqueName("acc-lb-" + cli.Name)
		bp := name
		sweepOnCleanup(t, bp, "us-east-1")
		cfg := loadBalancerConfig(name, bp, `["us-east-1a", "us-east-1b"]`, "/healthz", 10, oneListener)
		return resource.TestCase{
			PreCheck:     func() { PreCheck(t) },
			CheckDestroy: checkNothingLeft(bp, "us-east-1"),
			Steps: []resource.TestStep{
				{
					Config: cfg,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("dns_name"), knownvalue.StringRegexp(regexpMust(`\S+`))),
						statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("zone_id"), knownvalue.StringRegexp(regexpMust(`^Z`))),
						statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("target_group_arn"), knownvalue.StringRegexp(regexpMust(`^arn:aws:elasticloadbalancing:us-east-1:.*:targetgroup/`+name+`/`))),
						statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("arn"), knownvalue.StringRegexp(regexpMust(`:loadbalancer/app/`+name+`/`))),
						statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("health_check").AtMapKey("matcher"), knownvalue.StringExact("200-299")),
					},
					Check: checkLoadBalancerTags(name, bp),
				},
				{
					ResourceName:            "ha_load_balancer.test",
					ImportState:             true,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"timeouts"},
				},
				{
					// Import by LOCATION/NAME too.
					ResourceName:            "ha_load_balancer.test",
					ImportState:             true,
					ImportStateId:           "us-east-1/" + name,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"timeouts"},
				},
				{
					Config:            cfg,
					ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					PlanOnly:          false,
					ConfigStateChecks: nil,
				},
			},
		}
	})
}

// checkLoadBalancerTags reads the tags back through the SDK: ha:blueprint
// and ha:component are on the load balancer and on its target group.
func checkLoadBalancerTags(name, blueprint string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := loadbalancer.New(ctx, awsTestSession(), "us-east-1")
		if err != nil {
			return err
		}
		lbs, tgs, err := c.Owned(ctx, blueprint)
		if err != nil {
			return err
		}
		if len(lbs) != 1 || len(tgs) != 1 {
			return fmt.Errorf("want one load balancer and one target group tagged ha:blueprint=%s, got %v and %v", blueprint, lbs, tgs)
		}
		for _, n := range lbs {
			if n != name {
				return fmt.Errorf("tagged load balancer is %q, want %q", n, name)
			}
		}
		return nil
	}
}

func TestAccLoadBalancer_update(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	name := uniqueName("acc-lbu")
	sweepOnCleanup(t, name, "us-east-1")
	two := `[{ port = 80, protocol = "HTTP" }, { port = 8081, protocol = "HTTP" }]`
	Test(t, resource.TestCase{
		PreCheck:     func() { PreCheck(t) },
		CheckDestroy: checkNothingLeft(name, "us-east-1"),
		Steps: []resource.TestStep{
			{Config: loadBalancerConfig(name, name, `["us-east-1a", "us-east-1b"]`, "/healthz", 10, oneListener)},
			{
				Config: loadBalancerConfig(name, name, `["us-east-1a", "us-east-1b", "us-east-1c"]`, "/ready", 30, two),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_load_balancer.test", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("health_check").AtMapKey("path"), knownvalue.StringExact("/ready")),
					statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("health_check").AtMapKey("interval"), knownvalue.Int64Exact(30)),
					statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("listeners"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("zones"), knownvalue.ListSizeExact(3)),
				},
			},
			{
				// The health-check port is fixed on a target group: replace.
				Config: strings.Replace(loadBalancerConfig(name, name, `["us-east-1a", "us-east-1b"]`, "/ready", 30, two), "port                = 8080", "port                = 9090", 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_load_balancer.test", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("health_check").AtMapKey("port"), knownvalue.Int64Exact(9090)),
				},
			},
		},
	})
}

func TestAccLoadBalancer_disappears(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	name := uniqueName("acc-lbd")
	sweepOnCleanup(t, name, "us-east-1")
	cfg := loadBalancerConfig(name, name, `["us-east-1a", "us-east-1b"]`, "/healthz", 10, oneListener)
	Test(t, resource.TestCase{
		PreCheck:     func() { PreCheck(t) },
		CheckDestroy: checkNothingLeft(name, "us-east-1"),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(s *terraform.State) error {
					// Deleted out of band: only the load balancer, as a
					// console user would; the target group stays behind.
					arn := s.RootModule().Resources["ha_load_balancer.test"].Primary.ID
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					c, err := loadbalancer.New(ctx, awsTestSession(), "us-east-1")
					if err != nil {
						return err
					}
					return c.Delete(ctx, arn, "")
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_load_balancer.test", plancheck.ResourceActionCreate),
				}},
				ExpectNonEmptyPlan: true,
			},
			{
				// The next apply recreates it (adopting the orphaned target group).
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_load_balancer.test", plancheck.ResourceActionCreate),
				}},
			},
			{Config: cfg, PlanOnly: true},
		},
	})
}

func regexpMust(expr string) *regexp.Regexp { return regexp.MustCompile(expr) }

func scalingConfig(name, image, instanceType string, desired int, cpu string) string {
	return fmt.Sprintf(`
resource "ha_load_balancer" "web" {
  name      = "%[1]s-lb"
  location  = "us-east-1"
  blueprint = %[1]q
  component = "east/web/load_balancer"
  zones     = ["us-east-1a", "us-east-1b"]
  listeners = [{ port = 80, protocol = "HTTP" }]
  health_check = {
    path = "/healthz"
  }
}

resource "ha_scaling_group" "test" {
  name                      = %[1]q
  location                  = "us-east-1"
  blueprint                 = %[1]q
  component                 = "east/web/scaling_group"
  load_balancer             = "east/web/load_balancer"
  zones                     = ["us-east-1a", "us-east-1b"]
  image                     = %[2]q
  instance_type             = %[3]q
  min_size                  = 1
  desired_capacity          = %[4]d
  max_size                  = 6
  cpu_target                = %[5]s
  health_check_grace_period = 60
  min_healthy_percentage    = 50
  target_group_arn          = ha_load_balancer.web.target_group_arn
  tags = {
    tier = "web"
  }
  timeouts {
    update = "10m"
  }
}
`, name, image, instanceType, desired, cpu)
}

// checkInstances reads the group through the SDK: want instances, every one
// running image and instanceType.
func checkInstances(name, image, instanceType string, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := scaling.New(ctx, awsTestSession(), "us-east-1")
		if err != nil {
			return err
		}
		st, err := c.Read(ctx, name)
		if err != nil {
			return err
		}
		if len(st.Instances) != want {
			return fmt.Errorf("%d instances, want %d", len(st.Instances), want)
		}
		for _, i := range st.Instances {
			if i.Image != image || i.InstanceType != instanceType || i.State != "InService" {
				return fmt.Errorf("instance %s runs %s/%s (%s), want %s/%s in service", i.ID, i.Image, i.InstanceType, i.State, image, instanceType)
			}
		}
		if st.HealthCheckType != "ELB" {
			return fmt.Errorf("health check type %s, want ELB", st.HealthCheckType)
		}
		return nil
	}
}

func TestAccScalingGroup_basic(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		name := uniqueName("acc-sg-" + cli.Name)
		sweepOnCleanup(t, name, "us-east-1")
		cfg := scalingConfig(name, awstest.Image, "t3.micro", 2, "60")
		return resource.TestCase{
			PreCheck:     func() { PreCheck(t) },
			CheckDestroy: checkNothingLeft(name, "us-east-1"),
			Steps: []resource.TestStep{
				{
					Config: cfg,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("ha_scaling_group.test", tfjsonpath.New("launch_template_version"), knownvalue.Int64Exact(1)),
						statecheck.ExpectKnownValue("ha_scaling_group.test", tfjsonpath.New("cpu_target"), knownvalue.Float64Exact(60)),
						statecheck.ExpectKnownValue("ha_scaling_group.test", tfjsonpath.New("arn"), knownvalue.StringRegexp(regexpMust(`^arn:aws:autoscaling:us-east-1:.*autoScalingGroupName/`+name+`$`))),
						statecheck.ExpectKnownValue("ha_scaling_group.test", tfjsonpath.New("tags").AtMapKey("tier"), knownvalue.StringExact("web")),
					},
					Check: checkInstances(name, awstest.Image, "t3.micro", 2),
				},
				{
					ResourceName:      "ha_scaling_group.test",
					ImportState:       true,
					ImportStateId:     "us-east-1/" + name,
					ImportStateVerify: true,
					// min_healthy_percentage only steers rolls and is not
					// stored in AWS (import sets the default, 90);
					// load_balancer is an informational blueprint key.
					ImportStateVerifyIgnore: []string{"timeouts", "min_healthy_percentage", "load_balancer"},
				},
				{
					Config:           cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
			},
		}
	})
}

func TestAccScalingGroup_update(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	name := uniqueName("acc-sgu")
	sweepOnCleanup(t, name, "us-east-1")
	Test(t, resource.TestCase{
		PreCheck:     func() { PreCheck(t) },
		CheckDestroy: checkNothingLeft(name, "us-east-1"),
		Steps: []resource.TestStep{
			{
				Config: scalingConfig(name, awstest.Image, "t3.micro", 4, "60"),
				Check:  checkInstances(name, awstest.Image, "t3.micro", 4),
			},
			{
				// Sizes and policy change in place, nothing rolls.
				Config: scalingConfig(name, awstest.Image, "t3.micro", 3, "0"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_scaling_group.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("ha_scaling_group.test", tfjsonpath.New("launch_template_version"), knownvalue.Int64Exact(1)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ha_scaling_group.test", tfjsonpath.New("cpu_target"), knownvalue.Float64Exact(0)),
				},
				Check: checkInstances(name, awstest.Image, "t3.micro", 3),
			},
			{
				// A new image rolls every instance before apply returns
				// (moto 5.2.1 has no StartInstanceRefresh: the provider's
				// rolling replacement does it).
				Config: scalingConfig(name, awstest.OtherImage, "t3.small", 3, "0"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_scaling_group.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue("ha_scaling_group.test", tfjsonpath.New("launch_template_version")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ha_scaling_group.test", tfjsonpath.New("launch_template_version"), knownvalue.Int64Exact(2)),
				},
				Check: checkInstances(name, awstest.OtherImage, "t3.small", 3),
			},
			{
				Config:           scalingConfig(name, awstest.OtherImage, "t3.small", 3, "0"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccScalingGroup_disappears(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	name := uniqueName("acc-sgd")
	sweepOnCleanup(t, name, "us-east-1")
	cfg := scalingConfig(name, awstest.Image, "t3.micro", 2, "50")
	Test(t, resource.TestCase{
		PreCheck:     func() { PreCheck(t) },
		CheckDestroy: checkNothingLeft(name, "us-east-1"),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(*terraform.State) error {
					// Out of band: the group goes, its launch template stays.
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					cfg, err := awsTestSession().Config(ctx, "us-east-1")
					if err != nil {
						return err
					}
					_, err = autoscaling.NewFromConfig(cfg).DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{
						AutoScalingGroupName: &name, ForceDelete: sdkaws.Bool(true),
					})
					return err
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_scaling_group.test", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("ha_load_balancer.web", plancheck.ResourceActionNoop),
				}},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: cfg,
				Check:  checkInstances(name, awstest.Image, "t3.micro", 2),
			},
			{Config: cfg, PlanOnly: true},
		},
	})
}

// The examples of both resources, applied together as written, work
// against the local endpoint and leave nothing behind.
func TestAccAWSComputeExamples_apply(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	sweepOnCleanup(t, "shop", "us-east-1")
	var cfg strings.Builder
	for _, f := range []string{"ha_load_balancer", "ha_scaling_group"} {
		b, err := os.ReadFile(RepoRoot() + "/examples/resources/" + f + "/resource.tf")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Write(awsBlocksOnly(t, b))
		cfg.WriteString("\n")
	}
	Test(t, resource.TestCase{
		PreCheck:     func() { PreCheck(t) },
		CheckDestroy: checkNothingLeft("shop", "us-east-1"),
		Steps: []resource.TestStep{
			{
				Config: cfg.String(),
				Check:  checkInstances("shop-east-web", "ami-03cf127a", "t3.small", 3),
			},
			{
				ResourceName: "ha_scaling_group.web_east", ImportState: true, ImportStateId: "us-east-1/shop-east-web",
				ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts", "min_healthy_percentage", "load_balancer"},
			},
			{
				ResourceName: "ha_load_balancer.web_east", ImportState: true, ImportStateId: "us-east-1/shop-east-web",
				ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

// Changes made out of band show in the next plan as an update, and apply
// puts them back.
func TestAccLoadBalancer_drift(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	name := uniqueName("acc-lbx")
	sweepOnCleanup(t, name, "us-east-1")
	cfg := loadBalancerConfig(name, name, `["us-east-1a", "us-east-1b"]`, "/healthz", 10, oneListener)
	Test(t, resource.TestCase{
		PreCheck:     func() { PreCheck(t) },
		CheckDestroy: checkNothingLeft(name, "us-east-1"),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(s *terraform.State) error {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					c, err := loadbalancer.New(ctx, awsTestSession(), "us-east-1")
					if err != nil {
						return err
					}
					arn := s.RootModule().Resources["ha_load_balancer.test"].Primary.ID
					st, err := c.Read(ctx, arn)
					if err != nil {
						return err
					}
					spec := st.Spec
					spec.HealthCheck.Path = "/changed-by-hand"
					spec.Listeners = append(spec.Listeners, loadbalancer.Listener{Port: 9999, Protocol: "HTTP"})
					_, err = c.Update(ctx, arn, spec)
					return err
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_load_balancer.test", plancheck.ResourceActionUpdate),
				}},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("health_check").AtMapKey("path"), knownvalue.StringExact("/healthz")),
					statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("listeners"), knownvalue.ListSizeExact(1)),
				},
			},
			{Config: cfg, PlanOnly: true},
		},
	})
}

func TestAccScalingGroup_drift(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	name := uniqueName("acc-sgx")
	sweepOnCleanup(t, name, "us-east-1")
	cfg := scalingConfig(name, awstest.Image, "t3.micro", 2, "60")
	Test(t, resource.TestCase{
		PreCheck:     func() { PreCheck(t) },
		CheckDestroy: checkNothingLeft(name, "us-east-1"),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(*terraform.State) error {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					cfg, err := awsTestSession().Config(ctx, "us-east-1")
					if err != nil {
						return err
					}
					_, err = autoscaling.NewFromConfig(cfg).UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
						AutoScalingGroupName: &name, DesiredCapacity: sdkaws.Int32(4), HealthCheckGracePeriod: sdkaws.Int32(5),
					})
					return err
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_scaling_group.test", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("ha_scaling_group.test", tfjsonpath.New("desired_capacity"), knownvalue.Int64Exact(2)),
				}},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: cfg,
				Check:  checkInstances(name, awstest.Image, "t3.micro", 2),
			},
			{Config: cfg, PlanOnly: true},
		},
	})
}

// AWS errors reach the user as diagnostics that name the component and
// the AWS error code.
func TestAccScalingGroup_awsErrorDiagnostic(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	name := uniqueName("acc-sge")
	sweepOnCleanup(t, name, "us-east-1")
	cfg := scalingConfig(name, awstest.Image, "t3.micro", 1, "0")
	cfg = strings.Replace(cfg, `component                 = "east/web/scaling_group"`, `component                 = "east/broken/scaling_group"`, 1)
	cfg = strings.Replace(cfg, "ha_load_balancer.web.target_group_arn", `"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/missing/0123456789abcdef"`, 1)
	Test(t, resource.TestCase{
		PreCheck:     func() { PreCheck(t) },
		CheckDestroy: checkNothingLeft(name, "us-east-1"),
		Steps: []resource.TestStep{{
			Config:      cfg,
			ExpectError: regexp.MustCompile(`(?s)Unable to create scaling group.*component\s+"east/broken/scaling_group":\s+AWS\s+error\s+code\s+TargetGroupNotFound`),
		}},
	})
}

// One provider block serves two regions: a load balancer and a scaling
// group in each.
func TestAccAWSCompute_twoRegions(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	bp := uniqueName("acc-2r")
	sweepOnCleanup(t, bp, "us-east-1", "us-west-2")
	// (Written out per region: the testing library's state shim does not
	// take for_each instances.)
	var b strings.Builder
	for _, r := range []struct{ key, loc, zones string }{
		{"east", "us-east-1", `["us-east-1a", "us-east-1b"]`},
		{"west", "us-west-2", `["us-west-2a", "us-west-2b", "us-west-2c"]`},
	} {
		fmt.Fprintf(&b, `
resource "ha_load_balancer" "web_%[2]s" {
  name      = "%[1]s-%[2]s"
  location  = %[3]q
  blueprint = %[1]q
  component = "%[2]s/web/load_balancer"
  zones     = %[4]s
  listeners = [{ port = 80, protocol = "HTTP" }]
  health_check = {
    path = "/healthz"
  }
}

resource "ha_scaling_group" "web_%[2]s" {
  name             = "%[1]s-%[2]s"
  location         = %[3]q
  blueprint        = %[1]q
  component        = "%[2]s/web/scaling_group"
  zones            = %[4]s
  image            = %[5]q
  instance_type    = "t3.micro"
  min_size         = 1
  desired_capacity = 2
  max_size         = 4
  target_group_arn = ha_load_balancer.web_%[2]s.target_group_arn
}
`, bp, r.key, r.loc, r.zones, awstest.Image)
	}
	cfg := b.String()
	Test(t, resource.TestCase{
		PreCheck:     func() { PreCheck(t) },
		CheckDestroy: checkNothingLeft(bp, "us-east-1", "us-west-2"),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(st *terraform.State) error {
					for key, loc := range map[string]string{"east": "us-east-1", "west": "us-west-2"} {
						for _, typ := range []string{"ha_load_balancer", "ha_scaling_group"} {
							r := st.RootModule().Resources[typ+".web_"+key]
							if r == nil || !strings.Contains(r.Primary.Attributes["arn"], ":"+loc+":") {
								return fmt.Errorf("%s.web_%s is not in %s: %+v", typ, key, loc, r)
							}
						}
					}
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					for _, loc := range []string{"us-east-1", "us-west-2"} {
						left, err := sweep.Leftovers(ctx, awsTestSession(), []string{loc}, bp)
						if err != nil {
							return err
						}
						// load balancer, target group, group, launch template
						if len(left) != 4 {
							return fmt.Errorf("%s holds %v, want one of each kind", loc, left)
						}
					}
					return nil
				},
			},
			{Config: cfg, PlanOnly: true},
		},
	})
}

// A network (layer 4) load balancer with a TCP health check: no path or
// matcher in AWS, and still no diff after apply or import.
func TestAccLoadBalancer_network(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	name := uniqueName("acc-nlb")
	sweepOnCleanup(t, name, "us-west-2")
	cfg := fmt.Sprintf(`
resource "ha_load_balancer" "test" {
  name      = %[1]q
  location  = "us-west-2"
  blueprint = %[1]q
  zones     = ["us-west-2a", "us-west-2b"]
  layer     = 4
  listeners = [{ port = 5432, protocol = "TCP" }]
  health_check = {
    protocol = "TCP"
    port     = 5432
    interval = 10
    timeout  = 10
  }
}
`, name)
	Test(t, resource.TestCase{
		PreCheck:     func() { PreCheck(t) },
		CheckDestroy: checkNothingLeft(name, "us-west-2"),
		Steps: []resource.TestStep{
			{
				// (First: the last step's config is what destroys.) Layer 7 listeners on a layer 4 balancer are refused at plan time.
				Config:      strings.Replace(cfg, `protocol = "TCP" }]`, `protocol = "HTTP" }]`, 1),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Protocol does not fit the layer.*protocol HTTP cannot be used at layer 4`),
			},
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					// moto 5.2.1 writes "loadbalancer/app/" into every ARN,
					// network ones too, so the type is checked by layer.
					statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("arn"), knownvalue.StringRegexp(regexpMust(`:us-west-2:.*:loadbalancer/(net|app)/`+name+`/`))),
					statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("layer"), knownvalue.Int64Exact(4)),
					statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("component"), knownvalue.Null()),
				},
			},
			{ResourceName: "ha_load_balancer.test", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"}},
			{Config: cfg, PlanOnly: true},
		},
	})
}

// awsBlocksOnly drops the blocks of an example file that are for another
// cloud (the bare-metal load balancer has its own acceptance tests).
func awsBlocksOnly(t *testing.T, src []byte) []byte {
	t.Helper()
	f, diags := hclwrite.ParseConfig(src, "resource.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, b := range f.Body().Blocks() {
		if a := b.Body().GetAttribute("cloud"); a != nil {
			if v := strings.Trim(strings.TrimSpace(string(a.Expr().BuildTokens(nil).Bytes())), `"`); v != "aws" {
				f.Body().RemoveBlock(b)
			}
		}
	}
	return f.Bytes()
}
