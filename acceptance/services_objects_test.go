package acceptance

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/alarms"
)

// serviceObjects lists, straight at the endpoint, the cache groups,
// buckets (with their ha:component tag and replication target), bucket copy
// roles, notification topics, their subscriptions and alarms whose names
// hold the blueprint's name: what the cache, object_store and alerts
// components make. A twin or a leftover shows as a line.
func serviceObjects(ctx context.Context, s *awsbase.Session, locations []string, blueprint string) ([]string, error) {
	var out []string
	for _, loc := range locations {
		cfg, err := s.Config(ctx, loc)
		if err != nil {
			return nil, err
		}
		ec := elasticache.NewFromConfig(cfg)
		groups, err := ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{})
		if err != nil {
			return nil, fmt.Errorf("%s: list cache groups: %w", loc, err)
		}
		for _, g := range groups.ReplicationGroups {
			// A deleted group stays "deleting" for a while (for good
			// on some endpoints); it is gone as far as the user goes.
			if id := sdkaws.ToString(g.ReplicationGroupId); strings.Contains(id, blueprint) && sdkaws.ToString(g.Status) != "deleting" {
				out = append(out, fmt.Sprintf("%s cache group %s (%d nodes)", loc, id, len(g.MemberClusters)))
			}
		}
		sn := sns.NewFromConfig(cfg)
		topics, err := sn.ListTopics(ctx, &sns.ListTopicsInput{})
		if err != nil {
			return nil, fmt.Errorf("%s: list topics: %w", loc, err)
		}
		for _, tp := range topics.Topics {
			arn := sdkaws.ToString(tp.TopicArn)
			if !strings.Contains(arn, blueprint) {
				continue
			}
			out = append(out, loc+" topic "+arn[strings.LastIndex(arn, ":")+1:])
			subs, err := sn.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: tp.TopicArn})
			if err != nil {
				return nil, fmt.Errorf("%s: list subscriptions: %w", loc, err)
			}
			for _, su := range subs.Subscriptions {
				out = append(out, fmt.Sprintf("%s subscription %s %s", loc, sdkaws.ToString(su.Protocol), sdkaws.ToString(su.Endpoint)))
			}
		}
		cw := alarms.CloudWatch(cfg)
		al, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
		if err != nil {
			return nil, fmt.Errorf("%s: list alarms: %w", loc, err)
		}
		for _, a := range al.MetricAlarms {
			if n := sdkaws.ToString(a.AlarmName); strings.Contains(n, blueprint) {
				// Alarm names end in a hash of the watched object's
				// name, which holds the blueprint's.
				out = append(out, fmt.Sprintf("%s alarm %s on %s", loc, templateHash.ReplaceAllString(n, "-HASH"), sdkaws.ToString(a.MetricName)))
			}
		}
	}
	cfg, err := s.Config(ctx, "us-east-1")
	if err != nil {
		return nil, err
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	buckets, err := s3c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		return nil, fmt.Errorf("list buckets: %w", err)
	}
	for _, b := range buckets.Buckets {
		n := sdkaws.ToString(b.Name)
		if !strings.Contains(n, blueprint) {
			continue
		}
		line := "bucket " + n
		if tags, err := s3c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b.Name}); err == nil {
			for _, tg := range tags.TagSet {
				if sdkaws.ToString(tg.Key) == awsbase.TagComponent {
					line += " component " + sdkaws.ToString(tg.Value)
				}
			}
		}
		if rep, err := s3c.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: b.Name}); err == nil && rep.ReplicationConfiguration != nil {
			for _, r := range rep.ReplicationConfiguration.Rules {
				if r.Destination != nil {
					line += " copies to " + sdkaws.ToString(r.Destination.Bucket)
				}
			}
		}
		out = append(out, line)
	}
	roles, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{})
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	for _, r := range roles.Roles {
		if n := sdkaws.ToString(r.RoleName); strings.Contains(n, blueprint) {
			out = append(out, "role "+n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// sweepServices deletes what serviceObjects lists (a failed test's
// leftovers): alarms, topics, cache groups, buckets and roles.
func sweepServices(t *testing.T, blueprint string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := awsTestSession()
	var errs []error
	for _, loc := range objectLocations {
		cfg, err := s.Config(ctx, loc)
		if err != nil {
			t.Logf("sweep services of %s: %v", blueprint, err)
			return
		}
		cw := alarms.CloudWatch(cfg)
		if al, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{}); err == nil {
			var names []string
			for _, a := range al.MetricAlarms {
				if n := sdkaws.ToString(a.AlarmName); strings.Contains(n, blueprint) {
					names = append(names, n)
				}
			}
			if len(names) > 0 {
				_, err = cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: names})
				errs = append(errs, err)
			}
		}
		sn := sns.NewFromConfig(cfg)
		if topics, err := sn.ListTopics(ctx, &sns.ListTopicsInput{}); err == nil {
			for _, tp := range topics.Topics {
				if strings.Contains(sdkaws.ToString(tp.TopicArn), blueprint) {
					_, err := sn.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: tp.TopicArn})
					errs = append(errs, err)
				}
			}
		}
		ec := elasticache.NewFromConfig(cfg)
		if groups, err := ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{}); err == nil {
			for _, g := range groups.ReplicationGroups {
				if strings.Contains(sdkaws.ToString(g.ReplicationGroupId), blueprint) {
					_, err := ec.DeleteReplicationGroup(ctx, &elasticache.DeleteReplicationGroupInput{ReplicationGroupId: g.ReplicationGroupId})
					errs = append(errs, err)
				}
			}
		}
	}
	if cfg, err := s.Config(ctx, "us-east-1"); err == nil {
		s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		if buckets, err := s3c.ListBuckets(ctx, &s3.ListBucketsInput{}); err == nil {
			for _, b := range buckets.Buckets {
				if strings.Contains(sdkaws.ToString(b.Name), blueprint) {
					_, err := s3c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b.Name})
					errs = append(errs, err)
				}
			}
		}
		ic := iam.NewFromConfig(cfg)
		if roles, err := ic.ListRoles(ctx, &iam.ListRolesInput{}); err == nil {
			for _, r := range roles.Roles {
				if strings.Contains(sdkaws.ToString(r.RoleName), blueprint) {
					if pols, err := ic.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: r.RoleName}); err == nil {
						for _, p := range pols.PolicyNames {
							_, _ = ic.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: r.RoleName, PolicyName: sdkaws.String(p)})
						}
					}
					_, err := ic.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: r.RoleName})
					errs = append(errs, err)
				}
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Logf("sweep services of %s: %v", blueprint, err)
	}
}
