// Package loadbalancer manages an ELBv2 load balancer (application for
// layer 7, network for layer 4) across a location's zones, with one target
// group (named like the load balancer) carrying the health check, and
// listeners that forward to it.
package loadbalancer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/network"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// ErrNotFound means the load balancer does not exist (any more).
var ErrNotFound = fmt.Errorf("load balancer %w", backend.ErrNotFound)

// Listener is one port the load balancer listens on.
type Listener struct {
	Port     int
	Protocol string // HTTP for layer 7; TCP, UDP or TCP_UDP for layer 4
}

// HealthCheck is the target group's health check; Port is also the port
// the targets serve on.
type HealthCheck struct {
	Protocol           string // HTTP, HTTPS or TCP
	Port               int
	Path               string // HTTP(S) only
	Interval           int
	Timeout            int
	HealthyThreshold   int
	UnhealthyThreshold int
	Matcher            string // HTTP codes, HTTP(S) only
}

// Spec is the desired load balancer.
type Spec struct {
	Name        string
	Zones       []string
	Layer       int // 7 or 4
	Listeners   []Listener
	HealthCheck HealthCheck
	Tags        map[string]string // all tags, ha:* included
}

// Status is the load balancer as AWS describes it.
type Status struct {
	Spec
	ARN            string
	DNSName        string
	ZoneID         string
	TargetGroupARN string
	VPCID          string
	SubnetIDs      []string

	targetProtocol elbtypes.ProtocolEnum
}

// Client manages load balancers in one location.
type Client struct {
	elb      *elb.Client
	ec2      *ec2.Client
	location string
}

// New returns a client for location.
func New(ctx context.Context, s *awsbase.Session, location string) (*Client, error) {
	cfg, err := s.Config(ctx, location)
	if err != nil {
		return nil, err
	}
	return &Client{elb: elb.NewFromConfig(cfg), ec2: ec2.NewFromConfig(cfg), location: location}, nil
}

// Validate checks what AWS would otherwise reject late.
func (s Spec) Validate() error {
	if s.Layer != 4 && s.Layer != 7 {
		return fmt.Errorf("layer must be 7 (application) or 4 (network), not %d", s.Layer)
	}
	if len(s.Listeners) == 0 {
		return errors.New("at least one listener is needed")
	}
	for _, l := range s.Listeners {
		ok := false
		switch s.Layer {
		case 7:
			// HTTPS needs a certificate, which this resource does not take yet.
			ok = l.Protocol == "HTTP"
		case 4:
			ok = l.Protocol == "TCP" || l.Protocol == "UDP" || l.Protocol == "TCP_UDP"
		}
		if !ok {
			return fmt.Errorf("listener on port %d: protocol %q is not supported at layer %d (layer 7: HTTP; layer 4: TCP, UDP, TCP_UDP)", l.Port, l.Protocol, s.Layer)
		}
	}
	hc := s.HealthCheck
	if s.Layer == 7 && hc.Protocol == "TCP" {
		return errors.New("health_check.protocol TCP needs layer 4; layer 7 checks with HTTP or HTTPS")
	}
	return nil
}

func (s Spec) lbType() elbtypes.LoadBalancerTypeEnum {
	if s.Layer == 4 {
		return elbtypes.LoadBalancerTypeEnumNetwork
	}
	return elbtypes.LoadBalancerTypeEnumApplication
}

func (s Spec) targetProtocol() elbtypes.ProtocolEnum {
	if s.Layer == 4 {
		// A network load balancer forwards to a target group of the
		// listeners' protocol; TCP and UDP listeners together need TCP_UDP.
		tcp, udp := false, false
		for _, l := range s.Listeners {
			switch l.Protocol {
			case "TCP":
				tcp = true
			case "UDP":
				udp = true
			default:
				tcp, udp = true, true
			}
		}
		switch {
		case udp && tcp:
			return elbtypes.ProtocolEnumTcpUdp
		case udp:
			return elbtypes.ProtocolEnumUdp
		}
		return elbtypes.ProtocolEnumTcp
	}
	if s.HealthCheck.Protocol == "HTTPS" {
		return elbtypes.ProtocolEnumHttps
	}
	return elbtypes.ProtocolEnumHttp
}

func elbTags(tags map[string]string) []elbtypes.Tag {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]elbtypes.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, elbtypes.Tag{Key: sdkaws.String(k), Value: sdkaws.String(tags[k])})
	}
	return out
}

func i32(v int) *int32 { x := int32(v); return &x }

// Create makes the network (if needed), target group, load balancer and
// listeners, and waits until the load balancer is active.
func (c *Client) Create(ctx context.Context, spec Spec) (*Status, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	// A run killed after CreateLoadBalancer leaves a load balancer that no
	// state knows; this component's own (same ha:component tag) is adopted
	// and brought to spec instead of getting a twin or a name clash.
	if arn, err := c.FindByName(ctx, spec.Name); err == nil {
		tags, err := c.tagsOf(ctx, arn)
		if err != nil {
			return nil, err
		}
		if owner := tags[awsbase.TagComponent]; owner == "" || owner != spec.Tags[awsbase.TagComponent] {
			return nil, fmt.Errorf("create load balancer %q: a load balancer of that name exists and is not this component's (ha:component %q)", spec.Name, owner)
		}
		st, err := c.Update(ctx, arn, spec)
		if err != nil {
			return &Status{ARN: arn}, err
		}
		return st, nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	netw, err := network.Ensure(ctx, c.ec2, spec.Name, spec.Zones, spec.Tags)
	if err != nil {
		return nil, err
	}
	tgARN, err := c.ensureTargetGroup(ctx, spec, netw.VPCID)
	if err != nil {
		return nil, err
	}
	out, err := c.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
		Name:    sdkaws.String(spec.Name),
		Type:    spec.lbType(),
		Scheme:  elbtypes.LoadBalancerSchemeEnumInternetFacing,
		Subnets: netw.SubnetIDs,
		Tags:    elbTags(spec.Tags),
	})
	if err != nil {
		// Leave nothing behind that state would not know about.
		_, _ = c.elb.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: sdkaws.String(tgARN)})
		return nil, fmt.Errorf("create load balancer %q: %w", spec.Name, err)
	}
	arn := sdkaws.ToString(out.LoadBalancers[0].LoadBalancerArn)
	if err := c.waitActive(ctx, arn); err != nil {
		return &Status{ARN: arn}, err
	}
	if err := c.syncListeners(ctx, arn, tgARN, spec.Listeners); err != nil {
		return &Status{ARN: arn}, err
	}
	return c.Read(ctx, arn)
}

// ensureTargetGroup creates the target group, or adopts one of the same
// name left behind by a load balancer deleted out of band (same ownership
// tag, attached to nothing).
func (c *Client) ensureTargetGroup(ctx context.Context, spec Spec, vpcID string) (string, error) {
	hc := spec.HealthCheck
	in := &elb.CreateTargetGroupInput{
		Name:                       sdkaws.String(spec.Name),
		Protocol:                   spec.targetProtocol(),
		Port:                       i32(hc.Port),
		VpcId:                      sdkaws.String(vpcID),
		TargetType:                 elbtypes.TargetTypeEnumInstance,
		HealthCheckEnabled:         sdkaws.Bool(true),
		HealthCheckProtocol:        elbtypes.ProtocolEnum(hc.Protocol),
		HealthCheckPort:            sdkaws.String("traffic-port"),
		HealthCheckIntervalSeconds: i32(hc.Interval),
		HealthCheckTimeoutSeconds:  i32(hc.Timeout),
		HealthyThresholdCount:      i32(hc.HealthyThreshold),
		UnhealthyThresholdCount:    i32(hc.UnhealthyThreshold),
		Tags:                       elbTags(spec.Tags),
	}
	if hc.Protocol != "TCP" {
		in.HealthCheckPath = sdkaws.String(hc.Path)
		in.Matcher = &elbtypes.Matcher{HttpCode: sdkaws.String(hc.Matcher)}
	}
	out, err := c.elb.CreateTargetGroup(ctx, in)
	if err == nil {
		return sdkaws.ToString(out.TargetGroups[0].TargetGroupArn), nil
	}
	if awsbase.ErrorCode(err) != "DuplicateTargetGroupName" {
		return "", fmt.Errorf("create target group %q: %w", spec.Name, err)
	}
	tg, terr := c.targetGroupByName(ctx, spec.Name)
	if terr != nil || tg == nil {
		return "", fmt.Errorf("create target group %q: %w", spec.Name, err)
	}
	tags, terr := c.tagsOf(ctx, sdkaws.ToString(tg.TargetGroupArn))
	if terr != nil {
		return "", terr
	}
	attached := false
	for _, lbARN := range tg.LoadBalancerArns {
		// The local endpoint keeps a deleted load balancer in this list; only a
		// load balancer that still exists counts.
		if _, err := c.describe(ctx, lbARN); !errors.Is(err, ErrNotFound) {
			attached = true
		}
	}
	if attached || tags[awsbase.TagComponent] != spec.Tags[awsbase.TagComponent] ||
		sdkaws.ToString(tg.VpcId) != vpcID || tg.Protocol != spec.targetProtocol() || int(sdkaws.ToInt32(tg.Port)) != hc.Port {
		return "", fmt.Errorf("create target group %q: a different target group of that name exists: %w", spec.Name, err)
	}
	arn := sdkaws.ToString(tg.TargetGroupArn)
	if err := c.modifyTargetGroup(ctx, arn, hc); err != nil {
		return "", err
	}
	return arn, nil
}

func (c *Client) modifyTargetGroup(ctx context.Context, arn string, hc HealthCheck) error {
	in := &elb.ModifyTargetGroupInput{
		TargetGroupArn:             sdkaws.String(arn),
		HealthCheckEnabled:         sdkaws.Bool(true),
		HealthCheckProtocol:        elbtypes.ProtocolEnum(hc.Protocol),
		HealthCheckPort:            sdkaws.String("traffic-port"),
		HealthCheckIntervalSeconds: i32(hc.Interval),
		HealthCheckTimeoutSeconds:  i32(hc.Timeout),
		HealthyThresholdCount:      i32(hc.HealthyThreshold),
		UnhealthyThresholdCount:    i32(hc.UnhealthyThreshold),
	}
	if hc.Protocol != "TCP" {
		in.HealthCheckPath = sdkaws.String(hc.Path)
		in.Matcher = &elbtypes.Matcher{HttpCode: sdkaws.String(hc.Matcher)}
	}
	if _, err := c.elb.ModifyTargetGroup(ctx, in); err != nil {
		return fmt.Errorf("modify health check of target group %s: %w", arn, err)
	}
	return nil
}

func (c *Client) waitActive(ctx context.Context, arn string) error {
	return awsbase.WaitUntil(ctx, "load balancer "+arn+" to become active", 2*time.Second, func(ctx context.Context) (bool, error) {
		lb, err := c.describe(ctx, arn)
		if err != nil {
			return false, err
		}
		if lb.State == nil {
			return true, nil
		}
		switch lb.State.Code {
		case elbtypes.LoadBalancerStateEnumActive:
			return true, nil
		case elbtypes.LoadBalancerStateEnumFailed:
			return false, fmt.Errorf("load balancer %s failed: %s", arn, sdkaws.ToString(lb.State.Reason))
		}
		return false, nil
	})
}

func (c *Client) describe(ctx context.Context, arn string) (*elbtypes.LoadBalancer, error) {
	out, err := c.elb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if err != nil {
		if awsbase.IsNotFound(err, "LoadBalancerNotFound") {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("describe load balancer %s: %w", arn, err)
	}
	if len(out.LoadBalancers) == 0 {
		return nil, ErrNotFound
	}
	return &out.LoadBalancers[0], nil
}

// FindByName returns the ARN of the load balancer called name.
func (c *Client) FindByName(ctx context.Context, name string) (string, error) {
	out, err := c.elb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{name}})
	if err != nil {
		if awsbase.IsNotFound(err, "LoadBalancerNotFound") {
			return "", ErrNotFound
		}
		return "", fmt.Errorf("find load balancer %q: %w", name, err)
	}
	if len(out.LoadBalancers) == 0 {
		return "", ErrNotFound
	}
	return sdkaws.ToString(out.LoadBalancers[0].LoadBalancerArn), nil
}

func (c *Client) targetGroupByName(ctx context.Context, name string) (*elbtypes.TargetGroup, error) {
	out, err := c.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{name}})
	if err != nil {
		if awsbase.IsNotFound(err, "TargetGroupNotFound") {
			return nil, nil
		}
		return nil, fmt.Errorf("describe target group %q: %w", name, err)
	}
	if len(out.TargetGroups) == 0 {
		return nil, nil
	}
	return &out.TargetGroups[0], nil
}

func (c *Client) tagsOf(ctx context.Context, arn string) (map[string]string, error) {
	out, err := c.elb.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil {
		return nil, fmt.Errorf("read tags of %s: %w", arn, err)
	}
	tags := map[string]string{}
	for _, d := range out.TagDescriptions {
		for _, t := range d.Tags {
			tags[sdkaws.ToString(t.Key)] = sdkaws.ToString(t.Value)
		}
	}
	return tags, nil
}

// Read describes the load balancer, its target group and listeners.
func (c *Client) Read(ctx context.Context, arn string) (*Status, error) {
	lb, err := c.describe(ctx, arn)
	if err != nil {
		return nil, err
	}
	st := &Status{
		ARN:     arn,
		DNSName: sdkaws.ToString(lb.DNSName),
		ZoneID:  sdkaws.ToString(lb.CanonicalHostedZoneId),
		VPCID:   sdkaws.ToString(lb.VpcId),
	}
	st.Name = sdkaws.ToString(lb.LoadBalancerName)
	st.Layer = 7
	if lb.Type == elbtypes.LoadBalancerTypeEnumNetwork {
		st.Layer = 4
	}
	zones := make([]struct{ zone, subnet string }, 0, len(lb.AvailabilityZones))
	for _, z := range lb.AvailabilityZones {
		zones = append(zones, struct{ zone, subnet string }{sdkaws.ToString(z.ZoneName), sdkaws.ToString(z.SubnetId)})
	}
	sort.Slice(zones, func(i, j int) bool { return zones[i].zone < zones[j].zone })
	for _, z := range zones {
		st.Zones = append(st.Zones, z.zone)
		st.SubnetIDs = append(st.SubnetIDs, z.subnet)
	}
	if st.Tags, err = c.tagsOf(ctx, arn); err != nil {
		return nil, err
	}
	ls, err := c.listeners(ctx, arn)
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		st.Listeners = append(st.Listeners, Listener{Port: int(sdkaws.ToInt32(l.Port)), Protocol: string(l.Protocol)})
		for _, a := range l.DefaultActions {
			if st.TargetGroupARN == "" && a.TargetGroupArn != nil {
				st.TargetGroupARN = sdkaws.ToString(a.TargetGroupArn)
			}
		}
	}
	var tg *elbtypes.TargetGroup
	if st.TargetGroupARN != "" {
		out, err := c.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{st.TargetGroupARN}})
		if err != nil && !awsbase.IsNotFound(err, "TargetGroupNotFound") {
			return nil, fmt.Errorf("describe target group %s: %w", st.TargetGroupARN, err)
		}
		if err == nil && len(out.TargetGroups) > 0 {
			tg = &out.TargetGroups[0]
		}
	}
	if tg == nil {
		// No listener forwards anywhere (changed out of band): fall back to
		// the target group named like the load balancer.
		if tg, err = c.targetGroupByName(ctx, st.Name); err != nil {
			return nil, err
		}
	}
	if tg != nil {
		st.TargetGroupARN = sdkaws.ToString(tg.TargetGroupArn)
		st.targetProtocol = tg.Protocol
		st.HealthCheck = HealthCheck{
			Protocol:           string(tg.HealthCheckProtocol),
			Port:               int(sdkaws.ToInt32(tg.Port)),
			Interval:           int(sdkaws.ToInt32(tg.HealthCheckIntervalSeconds)),
			Timeout:            int(sdkaws.ToInt32(tg.HealthCheckTimeoutSeconds)),
			HealthyThreshold:   int(sdkaws.ToInt32(tg.HealthyThresholdCount)),
			UnhealthyThreshold: int(sdkaws.ToInt32(tg.UnhealthyThresholdCount)),
		}
		if st.HealthCheck.Protocol != "TCP" {
			st.HealthCheck.Path = sdkaws.ToString(tg.HealthCheckPath)
			if tg.Matcher != nil {
				st.HealthCheck.Matcher = sdkaws.ToString(tg.Matcher.HttpCode)
			}
		}
		// A health check on a port other than the traffic port is not ours.
		if p := sdkaws.ToString(tg.HealthCheckPort); p != "" && p != "traffic-port" {
			if n, err := strconv.Atoi(p); err == nil {
				st.HealthCheck.Port = n
			}
		}
	}
	return st, nil
}

func (c *Client) listeners(ctx context.Context, arn string) ([]elbtypes.Listener, error) {
	var all []elbtypes.Listener
	p := elb.NewDescribeListenersPaginator(c.elb, &elb.DescribeListenersInput{LoadBalancerArn: sdkaws.String(arn)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list listeners of %s: %w", arn, err)
		}
		all = append(all, out.Listeners...)
	}
	sort.Slice(all, func(i, j int) bool { return sdkaws.ToInt32(all[i].Port) < sdkaws.ToInt32(all[j].Port) })
	return all, nil
}

// syncListeners makes the listeners exactly want, each forwarding to tgARN.
func (c *Client) syncListeners(ctx context.Context, arn, tgARN string, want []Listener) error {
	have, err := c.listeners(ctx, arn)
	if err != nil {
		return err
	}
	forward := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: sdkaws.String(tgARN)}}
	byPort := map[int]elbtypes.Listener{}
	for _, l := range have {
		byPort[int(sdkaws.ToInt32(l.Port))] = l
	}
	wanted := map[int]bool{}
	for _, w := range want {
		wanted[w.Port] = true
		l, ok := byPort[w.Port]
		if !ok {
			if _, err := c.elb.CreateListener(ctx, &elb.CreateListenerInput{
				LoadBalancerArn: sdkaws.String(arn), Port: i32(w.Port), Protocol: elbtypes.ProtocolEnum(w.Protocol), DefaultActions: forward,
			}); err != nil {
				return fmt.Errorf("create listener on port %d: %w", w.Port, err)
			}
			continue
		}
		if string(l.Protocol) != w.Protocol || !forwardsTo(l, tgARN) {
			if _, err := c.elb.ModifyListener(ctx, &elb.ModifyListenerInput{
				ListenerArn: l.ListenerArn, Port: i32(w.Port), Protocol: elbtypes.ProtocolEnum(w.Protocol), DefaultActions: forward,
			}); err != nil {
				return fmt.Errorf("modify listener on port %d: %w", w.Port, err)
			}
		}
	}
	for port, l := range byPort {
		if wanted[port] {
			continue
		}
		if _, err := c.elb.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: l.ListenerArn}); err != nil && !awsbase.IsNotFound(err, "ListenerNotFound") {
			return fmt.Errorf("delete listener on port %d: %w", port, err)
		}
	}
	return nil
}

func forwardsTo(l elbtypes.Listener, tgARN string) bool {
	for _, a := range l.DefaultActions {
		if a.Type == elbtypes.ActionTypeEnumForward && sdkaws.ToString(a.TargetGroupArn) == tgARN {
			return true
		}
	}
	return false
}

// Update changes in place what ELBv2 allows: zones (subnets), listeners,
// the health check and tags. Name, layer and health-check port need a new
// load balancer; the caller plans a replacement for those.
func (c *Client) Update(ctx context.Context, arn string, spec Spec) (*Status, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	cur, err := c.Read(ctx, arn)
	if err != nil {
		return nil, err
	}
	if strings.Join(cur.Zones, ",") != strings.Join(sortedCopy(spec.Zones), ",") {
		netw, err := network.ForVPC(ctx, c.ec2, cur.VPCID, spec.Zones)
		if err != nil {
			return nil, err
		}
		if _, err := c.elb.SetSubnets(ctx, &elb.SetSubnetsInput{LoadBalancerArn: sdkaws.String(arn), Subnets: netw.SubnetIDs}); err != nil {
			return nil, fmt.Errorf("move load balancer %s to zones %v: %w", arn, spec.Zones, err)
		}
	}
	if cur.targetProtocol != "" && cur.targetProtocol != spec.targetProtocol() {
		return nil, fmt.Errorf("the listeners need a %s target group, and the target group's protocol (%s) is fixed: change the name to create a new load balancer", spec.targetProtocol(), cur.targetProtocol)
	}
	if cur.TargetGroupARN == "" {
		tgARN, err := c.ensureTargetGroup(ctx, spec, cur.VPCID)
		if err != nil {
			return nil, err
		}
		cur.TargetGroupARN = tgARN
	} else if cur.HealthCheck != spec.HealthCheck {
		if err := c.modifyTargetGroup(ctx, cur.TargetGroupARN, spec.HealthCheck); err != nil {
			return nil, err
		}
	}
	if err := c.syncListeners(ctx, arn, cur.TargetGroupARN, spec.Listeners); err != nil {
		return nil, err
	}
	for _, res := range []string{arn, cur.TargetGroupARN} {
		if err := c.syncTags(ctx, res, spec.Tags); err != nil {
			return nil, err
		}
	}
	return c.Read(ctx, arn)
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func (c *Client) syncTags(ctx context.Context, arn string, want map[string]string) error {
	have, err := c.tagsOf(ctx, arn)
	if err != nil {
		return err
	}
	changed, drop := awsbase.TagChanges(have, want, nil)
	if len(drop) > 0 {
		if _, err := c.elb.RemoveTags(ctx, &elb.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: drop}); err != nil {
			return fmt.Errorf("remove tags from %s: %w", arn, err)
		}
	}
	if len(changed) > 0 {
		if _, err := c.elb.AddTags(ctx, &elb.AddTagsInput{ResourceArns: []string{arn}, Tags: elbTags(changed)}); err != nil {
			return fmt.Errorf("tag %s: %w", arn, err)
		}
	}
	return nil
}

// Delete removes the load balancer (waiting until it is gone), its target
// group, and the network created for it, if any. Gone is not an error.
func (c *Client) Delete(ctx context.Context, arn, name string) error {
	if arn != "" {
		_, err := c.elb.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: sdkaws.String(arn)})
		if err != nil && !awsbase.IsNotFound(err, "LoadBalancerNotFound") {
			return fmt.Errorf("delete load balancer %s: %w", arn, err)
		}
		if err := awsbase.WaitUntil(ctx, "load balancer "+arn+" to be deleted", 2*time.Second, func(ctx context.Context) (bool, error) {
			_, err := c.describe(ctx, arn)
			if errors.Is(err, ErrNotFound) {
				return true, nil
			}
			return false, err
		}); err != nil {
			return err
		}
	}
	if name == "" {
		return nil
	}
	tg, err := c.targetGroupByName(ctx, name)
	if err != nil {
		return err
	}
	if tg != nil {
		// The target group stays "in use" for a moment after its load
		// balancer is gone on AWS; that settles, so it is retried.
		if err := awsbase.WaitUntil(ctx, "target group "+name+" to be deleted", 3*time.Second, func(ctx context.Context) (bool, error) {
			_, err := c.elb.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: tg.TargetGroupArn})
			switch {
			case err == nil || awsbase.IsNotFound(err, "TargetGroupNotFound"):
				return true, nil
			case awsbase.Retryable(err, "ResourceInUse"):
				return false, nil
			}
			return false, fmt.Errorf("delete target group %q: %w", name, err)
		}); err != nil {
			return err
		}
	}
	return network.Release(ctx, c.ec2, name)
}

// Owned lists the load balancers and target groups of the location whose
// ha:blueprint tag is blueprint ("" for any ha:blueprint), for sweepers.
func (c *Client) Owned(ctx context.Context, blueprint string) (lbs map[string]string, tgs map[string]string, err error) {
	lbs, tgs = map[string]string{}, map[string]string{}
	out, err := c.elb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	if err != nil {
		return nil, nil, fmt.Errorf("list load balancers: %w", err)
	}
	for _, lb := range out.LoadBalancers {
		arn := sdkaws.ToString(lb.LoadBalancerArn)
		tags, err := c.tagsOf(ctx, arn)
		if err != nil {
			return nil, nil, err
		}
		if v, ok := tags[awsbase.TagBlueprint]; ok && (blueprint == "" || v == blueprint) {
			lbs[arn] = sdkaws.ToString(lb.LoadBalancerName)
		}
	}
	tout, err := c.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{})
	if err != nil {
		return nil, nil, fmt.Errorf("list target groups: %w", err)
	}
	for _, tg := range tout.TargetGroups {
		arn := sdkaws.ToString(tg.TargetGroupArn)
		tags, err := c.tagsOf(ctx, arn)
		if err != nil {
			return nil, nil, err
		}
		if v, ok := tags[awsbase.TagBlueprint]; ok && (blueprint == "" || v == blueprint) {
			tgs[arn] = sdkaws.ToString(tg.TargetGroupName)
		}
	}
	return lbs, tgs, nil
}
