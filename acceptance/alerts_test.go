package acceptance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ha-blueprints/terraform-provider-ha/internal/alerts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/alarms"
)

// alertsConfig watches a real load balancer and a scaling group by name.
func alertsConfig(d *awsData, name, lb string, lagThreshold int, extra string) string {
	return providerBlock + loadBalancerConfig(lb, d.blueprint, `["us-east-1a", "us-east-1b"]`, "/", 10, oneListener) + fmt.Sprintf(`
resource "ha_alerts" "test" {
  location  = "us-east-1"
  name      = %[1]q
  component = "east/alerts/alerts"
  blueprint = %[2]q
  emails    = ["ops@example.com"]
  webhooks  = ["https://hooks.example.com/ha?token=s3cret"]
  alarms = [
    { name = "%[1]s-lag", metric = "replica_lag", target = "%[1]s-orders-replica", comparison = ">", threshold = %[4]d, period = 60, evaluation_periods = 2 },
    { name = "%[1]s-unhealthy", component = "east/web/load_balancer", metric = "unhealthy_hosts", target = ha_load_balancer.test.name, comparison = ">", threshold = 0, period = 60, evaluation_periods = 2 },
  ]
%[5]s
}
`, name, d.blueprint, lb, lagThreshold, extra)
}

func (d *awsData) alarmsGone(name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		_, err := alarms.New(d.session).Read(context.Background(), name, "us-east-1", nil)
		if !errors.Is(err, alerts.ErrNotFound) {
			return fmt.Errorf("alerts %s after destroy: %w", name, err)
		}
		cfg, _ := d.session.Config(context.Background(), "us-east-1")
		out, err := alarms.CloudWatch(cfg).DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: sdkaws.String(name)})
		if err != nil || len(out.MetricAlarms) != 0 {
			return fmt.Errorf("alarms left after destroy: %v %w", out, err)
		}
		return nil
	}
}

func TestAccAlerts_basic(t *testing.T) {
	d := newAWSData(t)
	name, lb := uniqueName("al"), uniqueName("allb")
	cfg := alertsConfig(d, name, lb, 45, "")
	Test(t, resource.TestCase{
		CheckDestroy: d.alarmsGone(name),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ha_alerts.test", tfjsonpath.New("topic_arn"), knownvalue.StringExact("arn:aws:sns:us-east-1:123456789012:"+name)),
					statecheck.ExpectKnownValue("ha_alerts.test", tfjsonpath.New("alarms").AtSliceIndex(1).AtMapKey("target"), knownvalue.StringExact(lb)),
					statecheck.ExpectSensitiveValue("ha_alerts.test", tfjsonpath.New("webhooks")),
				},
				Check: func(*terraform.State) error {
					ctx := context.Background()
					cfg, _ := d.session.Config(ctx, "us-east-1")
					out, err := alarms.CloudWatch(cfg).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{name + "-unhealthy", name + "-lag"}})
					if err != nil || len(out.MetricAlarms) != 2 {
						return fmt.Errorf("alarms in AWS: %v %w", out, err)
					}
					for _, a := range out.MetricAlarms {
						if len(a.AlarmActions) != 1 || !strings.HasSuffix(a.AlarmActions[0], ":"+name) {
							return fmt.Errorf("alarm %s actions %v", sdkaws.ToString(a.AlarmName), a.AlarmActions)
						}
						if sdkaws.ToString(a.AlarmName) == name+"-unhealthy" {
							if sdkaws.ToString(a.Namespace) != "AWS/ApplicationELB" || !strings.HasPrefix(sdkaws.ToString(a.Dimensions[1].Value), "app/"+lb+"/") {
								return fmt.Errorf("unhealthy-hosts alarm in AWS: %+v", a)
							}
						}
					}
					subs, err := sns.NewFromConfig(cfg).ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: sdkaws.String("arn:aws:sns:us-east-1:123456789012:" + name)})
					if err != nil || len(subs.Subscriptions) != 2 {
						return fmt.Errorf("subscriptions in AWS: %v %w", subs, err)
					}
					return nil
				},
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{ResourceName: "ha_alerts.test", ImportState: true, ImportStateId: "us-east-1/" + name, ImportStateVerify: true, ImportStateVerifyIdentifierAttribute: "topic_arn"},
		},
	})
}

func TestAccAlerts_update(t *testing.T) {
	d := newAWSData(t)
	name, lb := uniqueName("alu"), uniqueName("alulb")
	Test(t, resource.TestCase{
		CheckDestroy: d.alarmsGone(name),
		Steps: []resource.TestStep{
			{Config: alertsConfig(d, name, lb, 45, "")},
			{
				Config: strings.Replace(alertsConfig(d, name, lb, 20, `  tags = { team = "ops" }`), `emails    = ["ops@example.com"]`, `emails    = ["oncall@example.com"]`, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_alerts.test", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					st, err := alarms.New(d.session).Read(context.Background(), name, "us-east-1", nil)
					if err != nil {
						return err
					}
					if st.Spec.Alarms[0].Threshold != 20 || len(st.Spec.Emails) != 1 || st.Spec.Emails[0] != "oncall@example.com" || st.Spec.Tags["team"] != "ops" {
						return fmt.Errorf("not changed in AWS: %+v", st.Spec)
					}
					return nil
				},
			},
		},
	})
}

func TestAccAlerts_disappears(t *testing.T) {
	d := newAWSData(t)
	name, lb := uniqueName("ald"), uniqueName("aldlb")
	cfg := alertsConfig(d, name, lb, 45, "")
	Test(t, resource.TestCase{
		CheckDestroy: d.alarmsGone(name),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(*terraform.State) error {
					cfg, _ := d.session.Config(context.Background(), "us-east-1")
					_, err := sns.NewFromConfig(cfg).DeleteTopic(context.Background(), &sns.DeleteTopicInput{TopicArn: sdkaws.String("arn:aws:sns:us-east-1:123456789012:" + name)})
					return err
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_alerts.test", plancheck.ResourceActionCreate),
				}},
			},
			// An alarm deleted by hand is drift: shown, and put back in place.
			{
				Config: cfg,
				PreConfig: func() {
					cfg, _ := d.session.Config(context.Background(), "us-east-1")
					if _, err := alarms.CloudWatch(cfg).DeleteAlarms(context.Background(), &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{name + "-lag"}}); err != nil {
						t.Fatal(err)
					}
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_alerts.test", plancheck.ResourceActionUpdate),
				}},
			},
		},
	})
}
