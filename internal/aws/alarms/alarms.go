// Package alarms is the AWS backend of the alerts component: an SNS topic
// with email and webhook (http/https) subscriptions, and CloudWatch alarms
// on the region's load balancers, scaling groups, database replicas,
// backup vaults, caches and buckets that notify it.
package alarms

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/ha-blueprints/terraform-provider-ha/internal/alerts"
	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

func init() {
	alerts.Register(backend.AWS, func(_ context.Context, s *backend.Settings, _ string) (alerts.Backend, error) {
		// A lost location is refused by the session itself, call by call,
		// with the error the resources turn into keep-state/forget warnings.
		sess, err := awsbase.SessionFrom(s)
		if err != nil {
			return nil, err
		}
		return New(sess), nil
	})
}

// Backend implements alerts.Backend on SNS and CloudWatch.
type Backend struct {
	session *awsbase.Session
}

var _ alerts.Backend = (*Backend)(nil)

// New returns the backend on a session.
func New(s *awsbase.Session) *Backend { return &Backend{session: s} }

type clients struct {
	sns *sns.Client
	cw  *cloudwatch.Client
	elb *elbv2.Client
	s3  *s3.Client
}

func (b *Backend) clients(ctx context.Context, location string) (*clients, error) {
	cfg, err := b.session.Config(ctx, location)
	if err != nil {
		return nil, err
	}
	custom := cfg.BaseEndpoint != nil
	return &clients{
		sns: sns.NewFromConfig(cfg), cw: CloudWatch(cfg), elb: elbv2.NewFromConfig(cfg),
		s3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = custom }),
	}, nil
}

// metric is how one neutral alarm metric is watched in CloudWatch.
type metric struct {
	namespace, name, statistic, dimension string
}

var metrics = map[string]metric{
	"unhealthy_hosts":        {"AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", "TargetGroup"},
	"at_max_capacity":        {"AWS/AutoScaling", "GroupInServiceInstances", "Minimum", "AutoScalingGroupName"},
	"replica_lag":            {"AWS/RDS", "ReplicaLag", "Maximum", "DBInstanceIdentifier"},
	"backup_job_failures":    {"AWS/Backup", "NumberOfBackupJobsFailed", "Sum", "BackupVaultName"},
	"cache_replication_lag":  {"AWS/ElastiCache", "GlobalDatastoreReplicationLag", "Average", "ReplicationGroupId"},
	"object_replication_lag": {"AWS/S3", "ReplicationLatency", "Maximum", "SourceBucket"},
}

var comparisons = map[string]cwtypes.ComparisonOperator{
	">":  cwtypes.ComparisonOperatorGreaterThanThreshold,
	">=": cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
	"<":  cwtypes.ComparisonOperatorLessThanThreshold,
	"<=": cwtypes.ComparisonOperatorLessThanOrEqualToThreshold,
}

// Apply creates or updates the topic, its subscriptions and every alarm,
// and deletes the alarms previous had that spec no longer does.
func (b *Backend) Apply(ctx context.Context, spec alerts.Spec, previous *alerts.Status) (*alerts.Status, error) {
	c, err := b.clients(ctx, spec.Location)
	if err != nil {
		return nil, err
	}
	allTags := awsbase.Tags(spec.Tags, spec.Blueprint, spec.Component)
	var tags []snstypes.Tag
	for _, k := range sortedKeys(allTags) {
		tags = append(tags, snstypes.Tag{Key: sdkaws.String(k), Value: sdkaws.String(allTags[k])})
	}
	in := &sns.CreateTopicInput{Name: sdkaws.String(spec.Name)}
	if previous == nil {
		// Tags on CreateTopic of an existing topic must match its own;
		// an update sets them with TagResource below instead.
		in.Tags = tags
	}
	topic, err := c.sns.CreateTopic(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("create notification topic %s: %w", spec.Name, err)
	}
	arn := sdkaws.ToString(topic.TopicArn)
	if previous == nil {
		// CreateTopic answers an existing topic's ARN: a run killed after
		// it is adopted, anyone else's topic of that name is refused.
		have, err := c.sns.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: topic.TopicArn})
		if err != nil {
			return nil, fmt.Errorf("read tags of notification topic %s: %w", spec.Name, err)
		}
		owner := ""
		for _, t := range have.Tags {
			if sdkaws.ToString(t.Key) == awsbase.TagComponent {
				owner = sdkaws.ToString(t.Value)
			}
		}
		if owner != allTags[awsbase.TagComponent] {
			return nil, fmt.Errorf("create notification topic %s: a topic of that name exists and is not this component's (ha:component %q)", spec.Name, owner)
		}
	}
	if len(tags) > 0 {
		// CreateTopic on an existing topic does not change its tags.
		if _, err := c.sns.TagResource(ctx, &sns.TagResourceInput{ResourceArn: topic.TopicArn, Tags: tags}); err != nil {
			return nil, fmt.Errorf("tag notification topic %s: %w", spec.Name, err)
		}
	}
	if err := b.subscribe(ctx, c, arn, spec); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, a := range spec.Alarms {
		want[a.Name] = true
		in, err := b.alarmInput(ctx, c, arn, a, allTags)
		if err != nil {
			return nil, err
		}
		if _, err := c.cw.PutMetricAlarm(ctx, in); err != nil {
			return nil, fmt.Errorf("put alarm %s: %w", a.Name, err)
		}
	}
	if previous != nil {
		var gone []string
		for _, a := range previous.Spec.Alarms {
			if !want[a.Name] {
				gone = append(gone, a.Name)
			}
		}
		if len(gone) > 0 {
			if _, err := c.cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: gone}); err != nil {
				return nil, fmt.Errorf("delete alarms %s: %w", strings.Join(gone, ", "), err)
			}
		}
	}
	return b.read(ctx, c, arn, spec.Name, spec.Location, &alerts.Status{Spec: spec, TopicID: arn})
}

// subscribe adds the missing email and webhook subscriptions and removes
// the confirmed ones spec no longer lists (pending ones cannot be removed
// until confirmed; they lapse after three days).
func (b *Backend) subscribe(ctx context.Context, c *clients, topic string, spec alerts.Spec) error {
	have, err := subscriptions(ctx, c, topic)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, e := range spec.Emails {
		want["email "+e] = true
	}
	for _, w := range spec.Webhooks {
		u, err := url.Parse(w)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return fmt.Errorf("webhook is not an http(s) URL")
		}
		want[u.Scheme+" "+w] = true
	}
	for _, k := range sortedKeys(want) {
		if _, ok := have[k]; ok {
			continue
		}
		proto, endpoint, _ := strings.Cut(k, " ")
		if _, err := c.sns.Subscribe(ctx, &sns.SubscribeInput{TopicArn: sdkaws.String(topic), Protocol: sdkaws.String(proto), Endpoint: sdkaws.String(endpoint)}); err != nil {
			// The endpoint may hold a secret: name only the protocol.
			return fmt.Errorf("subscribe %s target to %s: %w", proto, topic, err)
		}
	}
	for k, sub := range have {
		if want[k] || !strings.HasPrefix(sub, "arn:") {
			continue
		}
		if _, err := c.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: sdkaws.String(sub)}); err != nil {
			return fmt.Errorf("unsubscribe from %s: %w", topic, err)
		}
	}
	return nil
}

// subscriptions maps "PROTOCOL ENDPOINT" to the subscription ARN (or
// PendingConfirmation).
func subscriptions(ctx context.Context, c *clients, topic string) (map[string]string, error) {
	out := map[string]string{}
	p := sns.NewListSubscriptionsByTopicPaginator(c.sns, &sns.ListSubscriptionsByTopicInput{TopicArn: sdkaws.String(topic)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list subscriptions of %s: %w", topic, err)
		}
		for _, s := range page.Subscriptions {
			out[sdkaws.ToString(s.Protocol)+" "+sdkaws.ToString(s.Endpoint)] = sdkaws.ToString(s.SubscriptionArn)
		}
	}
	return out, nil
}

func (b *Backend) alarmInput(ctx context.Context, c *clients, topic string, a alerts.Alarm, tags map[string]string) (*cloudwatch.PutMetricAlarmInput, error) {
	m, ok := metrics[a.Metric]
	if !ok && (a.Metric == alerts.MetricUPSOnBattery || a.Metric == alerts.MetricUPSLowRuntime) {
		return nil, fmt.Errorf("alarm %s: %s watches a UPS through NUT, which only bare-metal alerts do (cloud = \"bare_metal\")", a.Name, a.Metric)
	}
	if !ok {
		return nil, fmt.Errorf("alarm %s: unknown metric %q (known: %s)", a.Name, a.Metric, strings.Join(alerts.Metrics, ", "))
	}
	cmp, ok := comparisons[a.Comparison]
	if !ok {
		return nil, fmt.Errorf("alarm %s: unknown comparison %q", a.Name, a.Comparison)
	}
	dims, namespace, err := b.dimensions(ctx, c, a, m)
	if err != nil {
		return nil, err
	}
	var ts []cwtypes.Tag
	for _, k := range sortedKeys(tags) {
		ts = append(ts, cwtypes.Tag{Key: sdkaws.String(k), Value: sdkaws.String(tags[k])})
	}
	desc := fmt.Sprintf("%s of %s", a.Metric, a.Target)
	if a.Component != "" {
		desc += " (component " + a.Component + ")"
	}
	return &cloudwatch.PutMetricAlarmInput{
		AlarmName:          sdkaws.String(a.Name),
		AlarmDescription:   sdkaws.String(desc),
		Namespace:          sdkaws.String(namespace),
		MetricName:         sdkaws.String(m.name),
		Statistic:          cwtypes.Statistic(m.statistic),
		Dimensions:         dims,
		Period:             sdkaws.Int32(int32(a.Period)),
		EvaluationPeriods:  sdkaws.Int32(int32(a.EvaluationPeriods)),
		Threshold:          sdkaws.Float64(a.Threshold),
		ComparisonOperator: cmp,
		// No data (a replica not yet reporting, no backup job today) is not a failure.
		TreatMissingData: sdkaws.String("notBreaching"),
		AlarmActions:     []string{topic},
		OKActions:        []string{topic},
		Tags:             ts,
	}, nil
}

// dimensions resolves the watched object's CloudWatch dimensions from its
// physical name: load balancers and target groups are named by ARN
// suffixes, bucket copies by their destination and rule.
func (b *Backend) dimensions(ctx context.Context, c *clients, a alerts.Alarm, m metric) ([]cwtypes.Dimension, string, error) {
	dim := func(k, v string) cwtypes.Dimension {
		return cwtypes.Dimension{Name: sdkaws.String(k), Value: sdkaws.String(v)}
	}
	switch a.Metric {
	case "unhealthy_hosts":
		lbs, err := c.elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{a.Target}})
		if err != nil || len(lbs.LoadBalancers) == 0 {
			return nil, "", fmt.Errorf("alarm %s: find load balancer %s: %w", a.Name, a.Target, errOr(err))
		}
		lb := lbs.LoadBalancers[0]
		tgs, err := c.elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: lb.LoadBalancerArn})
		if err != nil || len(tgs.TargetGroups) == 0 {
			return nil, "", fmt.Errorf("alarm %s: find target group of %s: %w", a.Name, a.Target, errOr(err))
		}
		ns := m.namespace
		if lb.Type == "network" {
			ns = "AWS/NetworkELB"
		}
		return []cwtypes.Dimension{
			dim("TargetGroup", arnSuffix(sdkaws.ToString(tgs.TargetGroups[0].TargetGroupArn), "targetgroup/")),
			dim("LoadBalancer", arnSuffix(sdkaws.ToString(lb.LoadBalancerArn), "loadbalancer/")),
		}, ns, nil
	case "object_replication_lag":
		rep, err := c.s3.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: sdkaws.String(a.Target)})
		if err != nil || rep.ReplicationConfiguration == nil || len(rep.ReplicationConfiguration.Rules) == 0 {
			return nil, "", fmt.Errorf("alarm %s: read replication of bucket %s: %w", a.Name, a.Target, errOr(err))
		}
		r := rep.ReplicationConfiguration.Rules[0]
		dest := ""
		if r.Destination != nil {
			dest = strings.TrimPrefix(sdkaws.ToString(r.Destination.Bucket), "arn:aws:s3:::")
		}
		return []cwtypes.Dimension{dim("SourceBucket", a.Target), dim("DestinationBucket", dest), dim("RuleId", sdkaws.ToString(r.ID))}, m.namespace, nil
	}
	return []cwtypes.Dimension{dim(m.dimension, a.Target)}, m.namespace, nil
}

func errOr(err error) error {
	if err != nil {
		return err
	}
	return errors.New("not found")
}

// arnSuffix is what follows marker in an ARN (app/NAME/ID, targetgroup/NAME/ID).
func arnSuffix(arn, marker string) string {
	if i := strings.Index(arn, marker); i >= 0 {
		if marker == "loadbalancer/" {
			return arn[i+len(marker):]
		}
		return arn[i:]
	}
	return arn
}

// Read returns the topic, its subscriptions and the alarms that notify it.
func (b *Backend) Read(ctx context.Context, name, location string, previous *alerts.Status) (*alerts.Status, error) {
	c, err := b.clients(ctx, location)
	if err != nil {
		return nil, err
	}
	arn := ""
	if previous != nil {
		arn = previous.TopicID
	}
	if arn == "" {
		if arn, err = b.findTopic(ctx, c, name); err != nil {
			return nil, err
		}
	}
	return b.read(ctx, c, arn, name, location, previous)
}

func (b *Backend) findTopic(ctx context.Context, c *clients, name string) (string, error) {
	p := sns.NewListTopicsPaginator(c.sns, &sns.ListTopicsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list notification topics: %w", err)
		}
		for _, t := range page.Topics {
			if strings.HasSuffix(sdkaws.ToString(t.TopicArn), ":"+name) {
				return sdkaws.ToString(t.TopicArn), nil
			}
		}
	}
	return "", fmt.Errorf("notification topic %s: %w", name, alerts.ErrNotFound)
}

func (b *Backend) read(ctx context.Context, c *clients, arn, name, location string, previous *alerts.Status) (*alerts.Status, error) {
	attrs, err := c.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: sdkaws.String(arn)})
	if err != nil {
		if awsbase.IsNotFound(err, "NotFound") {
			return nil, fmt.Errorf("notification topic %s: %w", name, alerts.ErrNotFound)
		}
		return nil, fmt.Errorf("read notification topic %s: %w", name, err)
	}
	_ = attrs
	st := &alerts.Status{TopicID: arn, AlarmIDs: map[string]string{}, Spec: alerts.Spec{Meta: backend.Meta{Name: name, Location: location}}}
	subs, err := subscriptions(ctx, c, arn)
	if err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(subs) {
		proto, endpoint, _ := strings.Cut(k, " ")
		switch proto {
		case "email":
			st.Spec.Emails = append(st.Spec.Emails, endpoint)
		case "http", "https":
			st.Spec.Webhooks = append(st.Spec.Webhooks, endpoint)
		}
	}
	tags, err := c.sns.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: sdkaws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("read tags of notification topic %s: %w", name, err)
	}
	all := map[string]string{}
	for _, t := range tags.Tags {
		all[sdkaws.ToString(t.Key)] = sdkaws.ToString(t.Value)
	}
	st.Spec.Tags = awsbase.UserTags(all)
	st.Spec.Blueprint, st.Spec.Component = all[awsbase.TagBlueprint], all[awsbase.TagComponent]
	// The alarms that notify this topic, in the order previous had them.
	found := map[string]cwtypes.MetricAlarm{}
	p := cloudwatch.NewDescribeAlarmsPaginator(c.cw, &cloudwatch.DescribeAlarmsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list alarms: %w", err)
		}
		for _, a := range page.MetricAlarms {
			for _, act := range a.AlarmActions {
				if act == arn {
					found[sdkaws.ToString(a.AlarmName)] = a
				}
			}
		}
	}
	var order []string
	seen := map[string]bool{}
	if previous != nil {
		for _, a := range previous.Spec.Alarms {
			order = append(order, a.Name)
			seen[a.Name] = true
		}
	}
	var rest []string
	for n := range found {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	prevByName := map[string]alerts.Alarm{}
	if previous != nil {
		for _, a := range previous.Spec.Alarms {
			prevByName[a.Name] = a
		}
	}
	for _, n := range append(order, rest...) {
		ma, ok := found[n]
		if !ok {
			continue
		}
		st.AlarmIDs[n] = sdkaws.ToString(ma.AlarmArn)
		st.Spec.Alarms = append(st.Spec.Alarms, fromMetricAlarm(ma, prevByName[n]))
	}
	return st, nil
}

func fromMetricAlarm(ma cwtypes.MetricAlarm, prev alerts.Alarm) alerts.Alarm {
	a := alerts.Alarm{
		Name: sdkaws.ToString(ma.AlarmName), Component: prev.Component,
		Threshold: sdkaws.ToFloat64(ma.Threshold), Period: int(sdkaws.ToInt32(ma.Period)), EvaluationPeriods: int(sdkaws.ToInt32(ma.EvaluationPeriods)),
	}
	for k, v := range comparisons {
		if v == ma.ComparisonOperator {
			a.Comparison = k
		}
	}
	for k, m := range metrics {
		if m.name == sdkaws.ToString(ma.MetricName) {
			a.Metric = k
			for _, d := range ma.Dimensions {
				if sdkaws.ToString(d.Name) == m.dimension {
					a.Target = sdkaws.ToString(d.Value)
				}
			}
		}
	}
	if a.Metric == "unhealthy_hosts" {
		// The dimension is the target group's ARN suffix; the target is the
		// load balancer's name (app/NAME/ID).
		for _, d := range ma.Dimensions {
			if sdkaws.ToString(d.Name) == "LoadBalancer" {
				if parts := strings.Split(sdkaws.ToString(d.Value), "/"); len(parts) == 3 {
					a.Target = parts[1]
				}
			}
		}
	}
	if a.Component == "" {
		if _, c, ok := strings.Cut(sdkaws.ToString(ma.AlarmDescription), "(component "); ok {
			a.Component = strings.TrimSuffix(c, ")")
		}
	}
	return a
}

// Delete removes the alarms and the topic (with its subscriptions).
func (b *Backend) Delete(ctx context.Context, st *alerts.Status) error {
	c, err := b.clients(ctx, st.Spec.Location)
	if err != nil {
		return err
	}
	var names []string
	for _, a := range st.Spec.Alarms {
		names = append(names, a.Name)
	}
	for n := range st.AlarmIDs {
		names = append(names, n)
	}
	if len(names) > 0 {
		if _, err := c.cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: unique(names)}); err != nil && !awsbase.IsNotFound(err) {
			return fmt.Errorf("delete alarms: %w", err)
		}
	}
	if st.TopicID == "" {
		return nil
	}
	if _, err := c.sns.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: sdkaws.String(st.TopicID)}); err != nil && !awsbase.IsNotFound(err, "NotFound") {
		return fmt.Errorf("delete notification topic %s: %w", st.Spec.Name, err)
	}
	return nil
}

func unique(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// CloudWatch is the CloudWatch client this backend uses for cfg (tests read
// alarms back through it).
func CloudWatch(cfg sdkaws.Config) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
		if cfg.BaseEndpoint != nil {
			// An endpoint override may predate CloudWatch's CBOR protocol;
			// the query protocol, which AWS still serves, is understood by all.
			o.Protocol = awsquery.New(cwschemas.GraniteServiceVersion20100801)
		}
	})
}
