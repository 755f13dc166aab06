// Package scaling manages a launch template and an Auto Scaling group
// across a location's zones, attached to a load balancer's target group,
// with a target-tracking CPU policy; a change of image or instance type
// rolls the instances and waits until the roll has finished.
package scaling

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/network"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// ErrNotFound means the Auto Scaling group does not exist (any more).
var ErrNotFound = fmt.Errorf("scaling group %w", backend.ErrNotFound)

// Spec is the desired scaling group.
type Spec struct {
	Name                 string
	Zones                []string
	Image                string
	InstanceType         string
	MinSize              int
	DesiredCapacity      int
	MaxSize              int
	CPUTarget            float64 // 0: no scaling policy
	GracePeriod          int     // seconds
	MinHealthyPercentage int     // kept during a roll
	TargetGroupARN       string  // "" when not behind a load balancer
	Tags                 map[string]string
}

// Status is the group as AWS describes it.
type Status struct {
	Spec
	ARN                   string
	LaunchTemplateID      string
	LaunchTemplateVersion int
	HealthCheckType       string
	Instances             []Instance
	// RollMethod says how the last roll ran: "instance_refresh" or
	// "rolling_replacement" (provider-driven); "" when nothing rolled.
	RollMethod string
}

// Instance is one member of the group.
type Instance struct {
	ID           string
	Zone         string
	Image        string
	InstanceType string
	State        string
	Health       string
}

// Client manages scaling groups in one location.
type Client struct {
	as  *autoscaling.Client
	ec2 *ec2.Client
	elb *elb.Client
	// Poll is the wait between checks while waiting; tests may shorten it.
	Poll time.Duration
	// Logf, when set, receives progress notes (the roll method chosen).
	Logf func(format string, args ...any)
	// overridden: the endpoint is overridden (a local endpoint); only then
	// is a missing instance refresh replaced by a rolling replacement.
	overridden bool
}

// New returns a client for location.
func New(ctx context.Context, s *awsbase.Session, location string) (*Client, error) {
	cfg, err := s.Config(ctx, location)
	if err != nil {
		return nil, err
	}
	return &Client{as: autoscaling.NewFromConfig(cfg), ec2: ec2.NewFromConfig(cfg), elb: elb.NewFromConfig(cfg), Poll: 3 * time.Second,
		overridden: cfg.BaseEndpoint != nil}, nil
}

func (c *Client) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}

// Validate checks the sizes before anything is created.
func (s Spec) Validate() error {
	if s.MinSize < 0 || s.MinSize > s.DesiredCapacity || s.DesiredCapacity > s.MaxSize {
		return fmt.Errorf("sizes must satisfy 0 <= min_size (%d) <= desired_capacity (%d) <= max_size (%d)", s.MinSize, s.DesiredCapacity, s.MaxSize)
	}
	if s.MinHealthyPercentage < 0 || s.MinHealthyPercentage > 100 {
		return fmt.Errorf("min_healthy_percentage must be 0 to 100, not %d", s.MinHealthyPercentage)
	}
	if len(s.Zones) == 0 {
		return errors.New("at least one zone is needed")
	}
	return nil
}

func policyName(name string) string { return name + "-cpu" }

func (s Spec) healthCheckType() string {
	if s.TargetGroupARN != "" {
		return "ELB"
	}
	return "EC2"
}

func (s Spec) templateData() *ec2types.RequestLaunchTemplateData {
	// Every field is sent on every version: a new version keeps only the
	// fields it was given (on AWS too, unless SourceVersion is set).
	return &ec2types.RequestLaunchTemplateData{
		ImageId:      sdkaws.String(s.Image),
		InstanceType: ec2types.InstanceType(s.InstanceType),
		TagSpecifications: []ec2types.LaunchTemplateTagSpecificationRequest{
			{ResourceType: ec2types.ResourceTypeInstance, Tags: ec2Tags(s.Tags)},
		},
	}
}

func ec2Tags(tags map[string]string) []ec2types.Tag {
	keys := sortedKeys(tags)
	out := make([]ec2types.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, ec2types.Tag{Key: sdkaws.String(k), Value: sdkaws.String(tags[k])})
	}
	return out
}

func asTags(name string, tags map[string]string) []astypes.Tag {
	keys := sortedKeys(tags)
	out := make([]astypes.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, astypes.Tag{
			Key: sdkaws.String(k), Value: sdkaws.String(tags[k]),
			ResourceId: sdkaws.String(name), ResourceType: sdkaws.String("auto-scaling-group"),
			PropagateAtLaunch: sdkaws.Bool(true),
		})
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func i32(v int) *int32 { x := int32(v); return &x }

// subnets places the group in its target group's VPC, else in the default
// VPC (or one created for the group where the location has none).
func (c *Client) subnets(ctx context.Context, spec Spec) ([]string, error) {
	if spec.TargetGroupARN != "" {
		out, err := c.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{spec.TargetGroupARN}})
		if err != nil {
			return nil, fmt.Errorf("find VPC of target group %s: %w", spec.TargetGroupARN, err)
		}
		if len(out.TargetGroups) == 0 {
			return nil, fmt.Errorf("target group %s not found", spec.TargetGroupARN)
		}
		n, err := network.ForVPC(ctx, c.ec2, sdkaws.ToString(out.TargetGroups[0].VpcId), spec.Zones)
		if err != nil {
			return nil, err
		}
		return n.SubnetIDs, nil
	}
	n, err := network.Ensure(ctx, c.ec2, spec.Name, spec.Zones, spec.Tags)
	if err != nil {
		return nil, err
	}
	return n.SubnetIDs, nil
}

func joinComma(s []string) string { return strings.Join(s, ",") }

// Create makes the launch template and the group, and waits until the
// desired number of instances is in service and healthy.
func (c *Client) Create(ctx context.Context, spec Spec) (*Status, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	subnets, err := c.subnets(ctx, spec)
	if err != nil {
		return nil, err
	}
	ltID, version, err := c.ensureTemplate(ctx, spec)
	if err != nil {
		return nil, err
	}
	in := &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName:   sdkaws.String(spec.Name),
		LaunchTemplate:         &astypes.LaunchTemplateSpecification{LaunchTemplateId: sdkaws.String(ltID), Version: sdkaws.String(strconv.Itoa(version))},
		MinSize:                i32(spec.MinSize),
		MaxSize:                i32(spec.MaxSize),
		DesiredCapacity:        i32(spec.DesiredCapacity),
		VPCZoneIdentifier:      sdkaws.String(joinComma(subnets)),
		HealthCheckType:        sdkaws.String(spec.healthCheckType()),
		HealthCheckGracePeriod: i32(spec.GracePeriod),
		Tags:                   asTags(spec.Name, spec.Tags),
	}
	if spec.TargetGroupARN != "" {
		in.TargetGroupARNs = []string{spec.TargetGroupARN}
	}
	if _, err := c.as.CreateAutoScalingGroup(ctx, in); err != nil && !c.ownGroupExists(ctx, spec, err) {
		return nil, fmt.Errorf("create Auto Scaling group %q: %w", spec.Name, err)
	}
	if err := c.syncPolicy(ctx, spec); err != nil {
		return nil, err
	}
	if err := c.waitCapacity(ctx, spec.Name, spec.DesiredCapacity, nil); err != nil {
		return nil, err
	}
	return c.Read(ctx, spec.Name)
}

// ensureTemplate creates the launch template, or adds a version to one of
// the same name left behind by a group deleted out of band.
func (c *Client) ensureTemplate(ctx context.Context, spec Spec) (string, int, error) {
	out, err := c.ec2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		ClientToken:        sdkaws.String(awsbase.ClientToken()),
		LaunchTemplateName: sdkaws.String(spec.Name),
		LaunchTemplateData: spec.templateData(),
		TagSpecifications: []ec2types.TagSpecification{
			{ResourceType: ec2types.ResourceTypeLaunchTemplate, Tags: ec2Tags(spec.Tags)},
		},
	})
	if err == nil {
		return sdkaws.ToString(out.LaunchTemplate.LaunchTemplateId), int(sdkaws.ToInt64(out.LaunchTemplate.LatestVersionNumber)), nil
	}
	if awsbase.ErrorCode(err) != "InvalidLaunchTemplateName.AlreadyExistsException" {
		return "", 0, fmt.Errorf("create launch template %q: %w", spec.Name, err)
	}
	lts, derr := c.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{spec.Name}})
	if derr != nil || len(lts.LaunchTemplates) == 0 {
		return "", 0, fmt.Errorf("create launch template %q: %w", spec.Name, err)
	}
	id := sdkaws.ToString(lts.LaunchTemplates[0].LaunchTemplateId)
	v, err := c.newVersion(ctx, id, spec)
	return id, v, err
}

func (c *Client) newVersion(ctx context.Context, ltID string, spec Spec) (int, error) {
	out, err := c.ec2.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{
		ClientToken:        sdkaws.String(awsbase.ClientToken()),
		LaunchTemplateId:   sdkaws.String(ltID),
		LaunchTemplateData: spec.templateData(),
	})
	if err != nil {
		return 0, fmt.Errorf("create version of launch template %s: %w", ltID, err)
	}
	v := int(sdkaws.ToInt64(out.LaunchTemplateVersion.VersionNumber))
	// The default version follows, so that what the console shows and what
	// the group launches agree.
	if _, err := c.ec2.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{
		LaunchTemplateId: sdkaws.String(ltID), DefaultVersion: sdkaws.String(strconv.Itoa(v)),
	}); err != nil {
		return 0, fmt.Errorf("set default version of launch template %s: %w", ltID, err)
	}
	return v, nil
}

func (c *Client) syncPolicy(ctx context.Context, spec Spec) error {
	if spec.CPUTarget <= 0 {
		_, err := c.as.DeletePolicy(ctx, &autoscaling.DeletePolicyInput{
			AutoScalingGroupName: sdkaws.String(spec.Name), PolicyName: sdkaws.String(policyName(spec.Name)),
		})
		if err != nil && !awsbase.IsNotFound(err) && awsbase.ErrorCode(err) != "ValidationError" {
			return fmt.Errorf("delete scaling policy of %q: %w", spec.Name, err)
		}
		return nil
	}
	_, err := c.as.PutScalingPolicy(ctx, &autoscaling.PutScalingPolicyInput{
		AutoScalingGroupName: sdkaws.String(spec.Name),
		PolicyName:           sdkaws.String(policyName(spec.Name)),
		PolicyType:           sdkaws.String("TargetTrackingScaling"),
		TargetTrackingConfiguration: &astypes.TargetTrackingConfiguration{
			TargetValue: sdkaws.Float64(spec.CPUTarget),
			PredefinedMetricSpecification: &astypes.PredefinedMetricSpecification{
				PredefinedMetricType: astypes.MetricTypeASGAverageCPUUtilization,
			},
		},
	})
	if err != nil {
		return fmt.Errorf("put CPU target-tracking policy on %q: %w", spec.Name, err)
	}
	return nil
}

// ownGroupExists reports that a create failed only because an earlier,
// interrupted run of this same component made the group (terraform killed
// after the call, or an answer lost and the call retried): a group of that
// name carrying the component's ha:blueprint and ha:component tags. The
// create then goes on with it (policy, wait) instead of failing or making
// a twin; a group of anyone else is never adopted.
func (c *Client) ownGroupExists(ctx context.Context, spec Spec, createErr error) bool {
	if awsbase.ErrorCode(createErr) != "AlreadyExists" || spec.Tags[awsbase.TagComponent] == "" {
		return false
	}
	g, err := c.group(ctx, spec.Name)
	if err != nil {
		return false
	}
	have := map[string]string{}
	for _, t := range g.Tags {
		have[sdkaws.ToString(t.Key)] = sdkaws.ToString(t.Value)
	}
	for _, k := range []string{awsbase.TagBlueprint, awsbase.TagComponent} {
		if have[k] != spec.Tags[k] {
			return false
		}
	}
	c.logf("Auto Scaling group %s already made by an earlier, interrupted run of %s: adopted", spec.Name, spec.Tags[awsbase.TagComponent])
	return true
}

func (c *Client) group(ctx context.Context, name string) (*astypes.AutoScalingGroup, error) {
	out, err := c.as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		return nil, fmt.Errorf("describe Auto Scaling group %q: %w", name, err)
	}
	if len(out.AutoScalingGroups) == 0 {
		return nil, ErrNotFound
	}
	g := out.AutoScalingGroups[0]
	// AWS keeps a group being deleted visible for a while.
	if sdkaws.ToString(g.Status) == "Delete in progress" {
		return nil, ErrNotFound
	}
	return &g, nil
}

// Read describes the group, its launch template version, policy and instances.
func (c *Client) Read(ctx context.Context, name string) (*Status, error) {
	g, err := c.group(ctx, name)
	if err != nil {
		return nil, err
	}
	st := &Status{ARN: sdkaws.ToString(g.AutoScalingGroupARN), HealthCheckType: sdkaws.ToString(g.HealthCheckType)}
	st.Name = name
	st.MinSize = int(sdkaws.ToInt32(g.MinSize))
	st.MaxSize = int(sdkaws.ToInt32(g.MaxSize))
	st.DesiredCapacity = int(sdkaws.ToInt32(g.DesiredCapacity))
	st.GracePeriod = int(sdkaws.ToInt32(g.HealthCheckGracePeriod))
	st.Zones = append([]string(nil), g.AvailabilityZones...)
	sort.Strings(st.Zones)
	if len(g.TargetGroupARNs) > 0 {
		st.TargetGroupARN = g.TargetGroupARNs[0]
	}
	st.Tags = map[string]string{}
	for _, t := range g.Tags {
		st.Tags[sdkaws.ToString(t.Key)] = sdkaws.ToString(t.Value)
	}
	if lt := g.LaunchTemplate; lt != nil {
		st.LaunchTemplateID = sdkaws.ToString(lt.LaunchTemplateId)
		tv, err := c.templateVersion(ctx, st.LaunchTemplateID, sdkaws.ToString(lt.Version))
		if err != nil {
			return nil, err
		}
		st.LaunchTemplateVersion = int(sdkaws.ToInt64(tv.VersionNumber))
		if d := tv.LaunchTemplateData; d != nil {
			st.Image = sdkaws.ToString(d.ImageId)
			st.InstanceType = string(d.InstanceType)
		}
	}
	pol, err := c.as.DescribePolicies(ctx, &autoscaling.DescribePoliciesInput{
		AutoScalingGroupName: sdkaws.String(name), PolicyNames: []string{policyName(name)},
	})
	if err != nil {
		return nil, fmt.Errorf("read scaling policy of %q: %w", name, err)
	}
	for _, p := range pol.ScalingPolicies {
		if sdkaws.ToString(p.PolicyName) == policyName(name) && p.TargetTrackingConfiguration != nil {
			st.CPUTarget = sdkaws.ToFloat64(p.TargetTrackingConfiguration.TargetValue)
		}
	}
	if st.Instances, err = c.instances(ctx, g); err != nil {
		return nil, err
	}
	return st, nil
}

func (c *Client) templateVersion(ctx context.Context, ltID, version string) (*ec2types.LaunchTemplateVersion, error) {
	if version == "" {
		version = "$Default"
	}
	out, err := c.ec2.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{
		LaunchTemplateId: sdkaws.String(ltID), Versions: []string{version},
	})
	if err != nil {
		return nil, fmt.Errorf("read launch template %s version %s: %w", ltID, version, err)
	}
	if len(out.LaunchTemplateVersions) == 0 {
		return nil, fmt.Errorf("launch template %s has no version %s", ltID, version)
	}
	return &out.LaunchTemplateVersions[0], nil
}

// instances lists the group's members with the image and type EC2 reports
// for each: the local endpoint reports the template's default version for every
// member of a group, so whether an instance is current is decided from
// what it runs, which is also what matters.
func (c *Client) instances(ctx context.Context, g *astypes.AutoScalingGroup) ([]Instance, error) {
	if len(g.Instances) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(g.Instances))
	for _, i := range g.Instances {
		ids = append(ids, sdkaws.ToString(i.InstanceId))
	}
	out, err := c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil && !awsbase.IsNotFound(err, "InvalidInstanceID.NotFound") {
		return nil, fmt.Errorf("describe instances of %q: %w", sdkaws.ToString(g.AutoScalingGroupName), err)
	}
	ec2By := map[string]ec2types.Instance{}
	if out != nil {
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				ec2By[sdkaws.ToString(i.InstanceId)] = i
			}
		}
	}
	res := make([]Instance, 0, len(g.Instances))
	for _, i := range g.Instances {
		id := sdkaws.ToString(i.InstanceId)
		e := ec2By[id]
		res = append(res, Instance{
			ID: id, Zone: sdkaws.ToString(i.AvailabilityZone),
			Image: sdkaws.ToString(e.ImageId), InstanceType: string(e.InstanceType),
			State: string(i.LifecycleState), Health: sdkaws.ToString(i.HealthStatus),
		})
	}
	sort.Slice(res, func(a, b int) bool { return res[a].ID < res[b].ID })
	return res, nil
}

// Update changes the group in place; a new image or instance type becomes
// a new launch template version and the instances are rolled onto it.
func (c *Client) Update(ctx context.Context, spec Spec) (*Status, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	cur, err := c.Read(ctx, spec.Name)
	if err != nil {
		return nil, err
	}
	subnets, err := c.subnets(ctx, spec)
	if err != nil {
		return nil, err
	}
	version := cur.LaunchTemplateVersion
	roll := cur.Image != spec.Image || cur.InstanceType != spec.InstanceType
	if roll {
		if version, err = c.newVersion(ctx, cur.LaunchTemplateID, spec); err != nil {
			return nil, err
		}
	}
	if _, err := c.as.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName:   sdkaws.String(spec.Name),
		LaunchTemplate:         &astypes.LaunchTemplateSpecification{LaunchTemplateId: sdkaws.String(cur.LaunchTemplateID), Version: sdkaws.String(strconv.Itoa(version))},
		MinSize:                i32(spec.MinSize),
		MaxSize:                i32(spec.MaxSize),
		DesiredCapacity:        i32(spec.DesiredCapacity),
		VPCZoneIdentifier:      sdkaws.String(joinComma(subnets)),
		HealthCheckType:        sdkaws.String(spec.healthCheckType()),
		HealthCheckGracePeriod: i32(spec.GracePeriod),
	}); err != nil {
		return nil, fmt.Errorf("update Auto Scaling group %q: %w", spec.Name, err)
	}
	if cur.TargetGroupARN != spec.TargetGroupARN {
		if cur.TargetGroupARN != "" {
			if _, err := c.as.DetachLoadBalancerTargetGroups(ctx, &autoscaling.DetachLoadBalancerTargetGroupsInput{
				AutoScalingGroupName: sdkaws.String(spec.Name), TargetGroupARNs: []string{cur.TargetGroupARN},
			}); err != nil {
				return nil, fmt.Errorf("detach %q from target group: %w", spec.Name, err)
			}
		}
		if spec.TargetGroupARN != "" {
			if _, err := c.as.AttachLoadBalancerTargetGroups(ctx, &autoscaling.AttachLoadBalancerTargetGroupsInput{
				AutoScalingGroupName: sdkaws.String(spec.Name), TargetGroupARNs: []string{spec.TargetGroupARN},
			}); err != nil {
				return nil, fmt.Errorf("attach %q to target group: %w", spec.Name, err)
			}
		}
	}
	if err := c.syncTags(ctx, spec.Name, cur.Tags, spec.Tags); err != nil {
		return nil, err
	}
	if err := c.syncPolicy(ctx, spec); err != nil {
		return nil, err
	}
	if err := c.waitCapacity(ctx, spec.Name, spec.DesiredCapacity, nil); err != nil {
		return nil, err
	}
	method := ""
	if roll {
		if method, err = c.Roll(ctx, spec); err != nil {
			return nil, err
		}
	}
	st, err := c.Read(ctx, spec.Name)
	if err != nil {
		return nil, err
	}
	st.RollMethod = method
	return st, nil
}

func (c *Client) syncTags(ctx context.Context, name string, have, want map[string]string) error {
	var drop []astypes.Tag
	for k, v := range have {
		if _, ok := want[k]; !ok {
			drop = append(drop, astypes.Tag{Key: sdkaws.String(k), Value: sdkaws.String(v), ResourceId: sdkaws.String(name), ResourceType: sdkaws.String("auto-scaling-group")})
		}
	}
	if len(drop) > 0 {
		if _, err := c.as.DeleteTags(ctx, &autoscaling.DeleteTagsInput{Tags: drop}); err != nil {
			return fmt.Errorf("remove tags from %q: %w", name, err)
		}
	}
	changed := map[string]string{}
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			changed[k] = v
		}
	}
	if len(changed) > 0 {
		if _, err := c.as.CreateOrUpdateTags(ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: asTags(name, changed)}); err != nil {
			return fmt.Errorf("tag %q: %w", name, err)
		}
	}
	return nil
}

// current reports whether an instance runs what spec asks for.
func current(i Instance, spec Spec) bool {
	return i.Image == spec.Image && i.InstanceType == spec.InstanceType
}

// Roll replaces every instance that does not run spec's image and type and
// returns how: an AWS instance refresh where the endpoint has one, else a
// provider-driven rolling replacement that keeps MinHealthyPercentage of
// the desired capacity in service. It returns when the roll has finished.
func (c *Client) Roll(ctx context.Context, spec Spec) (string, error) {
	out, err := c.as.StartInstanceRefresh(ctx, &autoscaling.StartInstanceRefreshInput{
		AutoScalingGroupName: sdkaws.String(spec.Name),
		Strategy:             astypes.RefreshStrategyRolling,
		Preferences: &astypes.RefreshPreferences{
			MinHealthyPercentage: i32(spec.MinHealthyPercentage),
			InstanceWarmup:       i32(spec.GracePeriod),
		},
	}, func(o *autoscaling.Options) {
		// A local endpoint without the call will not grow one on retry;
		// against AWS the usual retries apply.
		if c.overridden {
			o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 1)
		}
	})
	if err == nil {
		return "instance_refresh", c.waitRefresh(ctx, spec.Name, sdkaws.ToString(out.InstanceRefreshId))
	}
	if !refreshUnavailable(err, c.overridden) {
		return "", fmt.Errorf("start instance refresh of %q: %w", spec.Name, err)
	}
	// The local endpoint answers 500 to StartInstanceRefresh: roll the instances here.
	c.logf("instance refresh unavailable on this endpoint (%v); rolling instances of %s one batch at a time", err, spec.Name)
	return "rolling_replacement", c.rollingReplace(ctx, spec)
}

// refreshUnavailable reports that StartInstanceRefresh failed because the
// endpoint lacks it, so the provider rolls the instances itself. Only with
// an endpoint override: from AWS, a 5xx or any other answer is an error.
func refreshUnavailable(err error, overridden bool) bool {
	if !overridden {
		return false
	}
	code := awsbase.ErrorCode(err)
	return awsbase.IsServerError(err) || code == "InvalidAction" || code == "UnknownOperationException"
}

func (c *Client) waitRefresh(ctx context.Context, name, id string) error {
	return awsbase.WaitUntil(ctx, "instance refresh "+id+" of "+name, c.Poll, func(ctx context.Context) (bool, error) {
		out, err := c.as.DescribeInstanceRefreshes(ctx, &autoscaling.DescribeInstanceRefreshesInput{
			AutoScalingGroupName: sdkaws.String(name), InstanceRefreshIds: []string{id},
		})
		if err != nil {
			return false, fmt.Errorf("describe instance refresh of %q: %w", name, err)
		}
		if len(out.InstanceRefreshes) == 0 {
			return false, fmt.Errorf("instance refresh %s of %q vanished", id, name)
		}
		r := out.InstanceRefreshes[0]
		switch r.Status {
		case astypes.InstanceRefreshStatusSuccessful:
			return true, nil
		case astypes.InstanceRefreshStatusFailed, astypes.InstanceRefreshStatusCancelled,
			astypes.InstanceRefreshStatusRollbackSuccessful, astypes.InstanceRefreshStatusRollbackFailed:
			return false, fmt.Errorf("instance refresh of %q ended %s: %s", name, r.Status, sdkaws.ToString(r.StatusReason))
		}
		return false, nil
	})
}

// rollingReplace terminates outdated instances in batches no larger than
// the capacity min_healthy_percentage allows to be out of service, and
// waits for the group to replace each batch with healthy instances. When
// no instance may be out (100 %, or a group of one), it adds one new
// instance first and then removes one old one.
func (c *Client) rollingReplace(ctx context.Context, spec Spec) error {
	desired := spec.DesiredCapacity
	batch := batchSize(desired, spec.MinHealthyPercentage)
	for {
		g, err := c.group(ctx, spec.Name)
		if err != nil {
			return err
		}
		insts, err := c.instances(ctx, g)
		if err != nil {
			return err
		}
		var old []string
		for _, i := range insts {
			if !current(i, spec) {
				old = append(old, i.ID)
			}
		}
		if len(old) == 0 {
			return c.waitCapacity(ctx, spec.Name, desired, nil)
		}
		if batch >= 1 {
			n := min(batch, len(old))
			for _, id := range old[:n] {
				if err := c.terminate(ctx, id, false); err != nil {
					return err
				}
			}
			if err := c.waitCapacity(ctx, spec.Name, desired, old[:n]); err != nil {
				return err
			}
			continue
		}
		// Surge by one, keeping max_size out of the way for the moment.
		if desired+1 > spec.MaxSize {
			if _, err := c.as.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
				AutoScalingGroupName: sdkaws.String(spec.Name), MaxSize: i32(desired + 1),
			}); err != nil {
				return fmt.Errorf("raise max size of %q for the roll: %w", spec.Name, err)
			}
		}
		if _, err := c.as.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{
			AutoScalingGroupName: sdkaws.String(spec.Name), DesiredCapacity: i32(desired + 1),
		}); err != nil {
			return fmt.Errorf("add an instance to %q for the roll: %w", spec.Name, err)
		}
		if err := c.waitCapacity(ctx, spec.Name, desired+1, nil); err != nil {
			return err
		}
		if err := c.terminate(ctx, old[0], true); err != nil {
			return err
		}
		if err := c.waitCapacity(ctx, spec.Name, desired, old[:1]); err != nil {
			return err
		}
		if desired+1 > spec.MaxSize {
			if _, err := c.as.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
				AutoScalingGroupName: sdkaws.String(spec.Name), MaxSize: i32(spec.MaxSize),
			}); err != nil {
				return fmt.Errorf("restore max size of %q after the roll: %w", spec.Name, err)
			}
		}
	}
}

// batchSize is how many instances may be out of service at once while
// keeping minHealthy % of desired in service (rounded up); 0 means none may,
// and the roll surges instead.
func batchSize(desired, minHealthy int) int {
	keep := int(math.Ceil(float64(desired) * float64(minHealthy) / 100))
	return max(desired-keep, 0)
}

func (c *Client) terminate(ctx context.Context, id string, decrement bool) error {
	_, err := c.as.TerminateInstanceInAutoScalingGroup(ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{
		InstanceId: sdkaws.String(id), ShouldDecrementDesiredCapacity: sdkaws.Bool(decrement),
	})
	if err != nil && !awsbase.IsNotFound(err) {
		return fmt.Errorf("terminate instance %s: %w", id, err)
	}
	return nil
}

// waitCapacity waits until exactly want instances are in service and
// healthy (in the target group too, when there is one) and none of gone
// is still a member.
func (c *Client) waitCapacity(ctx context.Context, name string, want int, gone []string) error {
	goneSet := map[string]bool{}
	for _, id := range gone {
		goneSet[id] = true
	}
	return awsbase.WaitUntil(ctx, fmt.Sprintf("%d healthy instances in %s", want, name), c.Poll, func(ctx context.Context) (bool, error) {
		g, err := c.group(ctx, name)
		if err != nil {
			return false, err
		}
		var ids []string
		for _, i := range g.Instances {
			id := sdkaws.ToString(i.InstanceId)
			if goneSet[id] {
				return false, nil
			}
			if i.LifecycleState == astypes.LifecycleStateInService && sdkaws.ToString(i.HealthStatus) == "Healthy" {
				ids = append(ids, id)
			}
		}
		if len(ids) != want || len(g.Instances) != want {
			return false, nil
		}
		for _, tg := range g.TargetGroupARNs {
			ok, err := c.healthyIn(ctx, tg, ids)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	})
}

func (c *Client) healthyIn(ctx context.Context, tgARN string, ids []string) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	out, err := c.elb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: sdkaws.String(tgARN)})
	if err != nil {
		return false, fmt.Errorf("read target health in %s: %w", tgARN, err)
	}
	healthy := map[string]bool{}
	for _, d := range out.TargetHealthDescriptions {
		if d.Target != nil && d.TargetHealth != nil && d.TargetHealth.State == "healthy" {
			healthy[sdkaws.ToString(d.Target.Id)] = true
		}
	}
	for _, id := range ids {
		if !healthy[id] {
			return false, nil
		}
	}
	return true, nil
}

// Delete removes the group (with its instances), waits until it is gone,
// then removes the launch template and any network made for the group.
func (c *Client) Delete(ctx context.Context, name string) error {
	_, err := c.as.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{
		AutoScalingGroupName: sdkaws.String(name), ForceDelete: sdkaws.Bool(true),
	})
	if err != nil && !awsbase.IsNotFound(err) && !isGroupMissing(err) {
		return fmt.Errorf("delete Auto Scaling group %q: %w", name, err)
	}
	if err := awsbase.WaitUntil(ctx, "Auto Scaling group "+name+" to be deleted", c.Poll, func(ctx context.Context) (bool, error) {
		out, err := c.as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
		if err != nil {
			return false, fmt.Errorf("describe Auto Scaling group %q: %w", name, err)
		}
		return len(out.AutoScalingGroups) == 0, nil
	}); err != nil {
		return err
	}
	// Looked up first: the local endpoint answers MissingParameter, not NotFound,
	// to a delete by the name of a template that is gone.
	lts, err := c.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{name}})
	if err != nil && !awsbase.IsNotFound(err, "InvalidLaunchTemplateName.NotFoundException") {
		return fmt.Errorf("find launch template %q: %w", name, err)
	}
	if lts != nil {
		for _, lt := range lts.LaunchTemplates {
			_, err = c.ec2.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: lt.LaunchTemplateId})
			if err != nil && !awsbase.IsNotFound(err, "InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound") {
				return fmt.Errorf("delete launch template %q: %w", name, err)
			}
		}
	}
	return network.Release(ctx, c.ec2, name)
}

// isGroupMissing recognises the ValidationError AWS gives for a group name
// it does not know.
func isGroupMissing(err error) bool {
	if awsbase.ErrorCode(err) != "ValidationError" {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "not found") || strings.Contains(msg, "does not exist")
}

// Owned lists the groups and launch templates of the location whose
// ha:blueprint tag is blueprint ("" for any), for sweepers.
func (c *Client) Owned(ctx context.Context, blueprint string) (groups []string, templates []string, err error) {
	p := autoscaling.NewDescribeAutoScalingGroupsPaginator(c.as, &autoscaling.DescribeAutoScalingGroupsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("list Auto Scaling groups: %w", err)
		}
		for _, g := range out.AutoScalingGroups {
			for _, t := range g.Tags {
				if sdkaws.ToString(t.Key) == awsbase.TagBlueprint && (blueprint == "" || sdkaws.ToString(t.Value) == blueprint) {
					groups = append(groups, sdkaws.ToString(g.AutoScalingGroupName))
				}
			}
		}
	}
	lts, err := c.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{})
	if err != nil {
		return nil, nil, fmt.Errorf("list launch templates: %w", err)
	}
	for _, lt := range lts.LaunchTemplates {
		for _, t := range lt.Tags {
			if sdkaws.ToString(t.Key) == awsbase.TagBlueprint && (blueprint == "" || sdkaws.ToString(t.Value) == blueprint) {
				templates = append(templates, sdkaws.ToString(lt.LaunchTemplateName))
			}
		}
	}
	return groups, templates, nil
}
