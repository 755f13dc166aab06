package alarms_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"fmt"

	"github.com/ha-blueprints/terraform-provider-ha/internal/alerts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/alarms"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/loadbalancer"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// TestAlarms_lifecycle builds a topic with an email and a webhook target
// and alarms on a real load balancer, a scaling group, a replica and a
// backup vault; checks them through the SDK; changes thresholds and
// targets in place; and deletes everything.
func TestAlarms_lifecycle(t *testing.T) {
	sess := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	lbc, err := loadbalancer.New(ctx, sess, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	lb, err := lbc.Create(ctx, loadbalancer.Spec{
		Name: "al-east-web", Zones: []string{"us-east-1a", "us-east-1b"}, Layer: 7,
		Listeners:   []loadbalancer.Listener{{Port: 80, Protocol: "HTTP"}},
		HealthCheck: loadbalancer.HealthCheck{Protocol: "HTTP", Port: 80, Path: "/", Interval: 10, Timeout: 5, HealthyThreshold: 2, UnhealthyThreshold: 3, Matcher: "200"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lbc.Delete(context.Background(), lb.ARN, "al-east-web") })

	b := alarms.New(sess)
	spec := alerts.Spec{
		Meta:   backend.Meta{Name: "al-east-alerts", Location: "us-east-1", Component: "east/alerts/alerts"},
		Emails: []string{"ops@example.com"}, Webhooks: []string{"https://hooks.example.com/ha?token=s3cret"},
		Alarms: []alerts.Alarm{
			{Name: "al-east-web-unhealthy-hosts", Component: "east/web/load_balancer", Metric: "unhealthy_hosts", Target: "al-east-web", Comparison: ">", Threshold: 0, Period: 60, EvaluationPeriods: 2},
			{Name: "al-east-web-at-max-capacity", Component: "east/web/scaling_group", Metric: "at_max_capacity", Target: "al-east-web", Comparison: ">=", Threshold: 6, Period: 60, EvaluationPeriods: 2},
			{Name: "al-east-orders-replica-lag", Metric: "replica_lag", Target: "al-east-orders-replica", Comparison: ">", Threshold: 45, Period: 60, EvaluationPeriods: 2},
			{Name: "al-east-orders-backup-failures", Metric: "backup_job_failures", Target: "al-east-orders", Comparison: ">", Threshold: 0, Period: 300, EvaluationPeriods: 2},
		},
	}
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Spec.Alarms) != 4 || len(st.AlarmIDs) != 4 || !strings.HasPrefix(st.TopicID, "arn:aws:sns:us-east-1:") {
		t.Fatalf("status = %+v", st)
	}
	for i, a := range st.Spec.Alarms {
		if a != spec.Alarms[i] && (a.Component != "" || spec.Alarms[i].Component != "") {
			t.Errorf("alarm %d read back %+v, want %+v", i, a, spec.Alarms[i])
		}
	}
	if len(st.Spec.Emails) != 1 || len(st.Spec.Webhooks) != 1 || st.Spec.Webhooks[0] != spec.Webhooks[0] {
		t.Fatalf("targets = %v %v", st.Spec.Emails, st.Spec.Webhooks)
	}

	// Independent reads.
	cfg, _ := sess.Config(ctx, "us-east-1")
	cw := alarms.CloudWatch(cfg)
	out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"al-east-web-unhealthy-hosts"}})
	if err != nil || len(out.MetricAlarms) != 1 {
		t.Fatalf("describe alarm: %v %v", out, err)
	}
	ma := out.MetricAlarms[0]
	dims := map[string]string{}
	for _, d := range ma.Dimensions {
		dims[sdkaws.ToString(d.Name)] = sdkaws.ToString(d.Value)
	}
	if sdkaws.ToString(ma.Namespace) != "AWS/ApplicationELB" || sdkaws.ToString(ma.MetricName) != "UnHealthyHostCount" ||
		!strings.HasPrefix(dims["LoadBalancer"], "app/al-east-web/") || !strings.HasPrefix(dims["TargetGroup"], "targetgroup/") ||
		len(ma.AlarmActions) != 1 || ma.AlarmActions[0] != st.TopicID {
		t.Fatalf("alarm in AWS: %+v dims %v", ma, dims)
	}
	subs, err := sns.NewFromConfig(cfg).ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: sdkaws.String(st.TopicID)})
	if err != nil || len(subs.Subscriptions) != 2 {
		t.Fatalf("subscriptions in AWS: %v %v", subs, err)
	}

	// In place: a threshold changes, one alarm and the email go.
	spec.Alarms = spec.Alarms[:3]
	spec.Alarms[2].Threshold = 30
	spec.Emails = nil
	st2, err := b.Apply(ctx, spec, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(st2.Spec.Alarms) != 3 || st2.Spec.Alarms[2].Threshold != 30 || len(st2.Spec.Emails) != 0 || st2.TopicID != st.TopicID {
		t.Fatalf("after update: %+v", st2)
	}

	// Import by name.
	imp, err := b.Read(ctx, "al-east-alerts", "us-east-1", nil)
	// Sorted by name on import; the component comes back from the description.
	if err != nil || len(imp.Spec.Alarms) != 3 || imp.Spec.Alarms[2].Component != "east/web/load_balancer" || imp.Spec.Alarms[2].Target != "al-east-web" {
		t.Fatalf("read by name: %+v %v", imp, err)
	}

	if err := b.Delete(ctx, st2); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(ctx, "al-east-alerts", "us-east-1", st2); !errors.Is(err, alerts.ErrNotFound) {
		t.Fatalf("read after delete: %v", err)
	}
	left, _ := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: sdkaws.String("al-east-")})
	if len(left.MetricAlarms) != 0 {
		t.Fatalf("alarms left: %d", len(left.MetricAlarms))
	}
	if err := b.Delete(ctx, st2); err != nil {
		t.Fatalf("second delete: %v", err)
	}
}

// A create whose topic exists (a killed run made it) adopts the
// component's own and refuses another component's.
func TestAlarms_createAdoptsOwnRefusesOthers(t *testing.T) {
	sess := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := alarms.New(sess)
	spec := alerts.Spec{Meta: backend.Meta{Name: fmt.Sprintf("t-adopt-%d", time.Now().UnixNano()%1e9), Location: "us-east-1", Component: "east/alerts/alerts"}}
	other := spec
	other.Component = "west/other/alerts"
	awstest.CheckAdoption(t, func(own bool) (*alerts.Status, error) {
		if own {
			return b.Apply(ctx, spec, nil)
		}
		return b.Apply(ctx, other, nil)
	}, func(st *alerts.Status) error { return b.Delete(ctx, st) }, func(st *alerts.Status) string { return st.TopicID })
}
