package loadbalancer

import (
	"context"
	"errors"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/network"
)

func spec(name string, zones ...string) Spec {
	return Spec{
		Name: name, Zones: zones, Layer: 7,
		Listeners:   []Listener{{Port: 80, Protocol: "HTTP"}},
		HealthCheck: HealthCheck{Protocol: "HTTP", Port: 8080, Path: "/healthz", Interval: 10, Timeout: 5, HealthyThreshold: 2, UnhealthyThreshold: 3, Matcher: "200"},
		Tags:        awsbase.Tags(map[string]string{"team": "web"}, "lbtest", "east/web/load_balancer"),
	}
}

func TestLifecycleDefaultVPC(t *testing.T) {
	s := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := New(ctx, s, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	sp := spec("lbtest-default", "us-east-1a", "us-east-1b")
	st, err := c.Create(ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	if st.DNSName == "" || st.ZoneID == "" || st.TargetGroupARN == "" {
		t.Fatalf("outputs missing: %+v", st)
	}
	if st.HealthCheck != sp.HealthCheck {
		t.Fatalf("health check read back %+v, want %+v", st.HealthCheck, sp.HealthCheck)
	}
	if len(st.Zones) != 2 || st.Tags["team"] != "web" || st.Tags[awsbase.TagComponent] != "east/web/load_balancer" {
		t.Fatalf("read back %+v", st)
	}

	sp.HealthCheck.Path = "/ready"
	sp.HealthCheck.Interval = 30
	sp.Listeners = []Listener{{Port: 80, Protocol: "HTTP"}, {Port: 8081, Protocol: "HTTP"}}
	sp.Zones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	delete(sp.Tags, "team")
	sp.Tags["owner"] = "ops"
	up, err := c.Update(ctx, st.ARN, sp)
	if err != nil {
		t.Fatal(err)
	}
	if up.HealthCheck != sp.HealthCheck || len(up.Listeners) != 2 || len(up.Zones) != 3 || up.Tags["team"] != "" || up.Tags["owner"] != "ops" {
		t.Fatalf("after update: %+v", up)
	}
	if up.ARN != st.ARN || up.TargetGroupARN != st.TargetGroupARN {
		t.Fatalf("update replaced objects: %s/%s -> %s/%s", st.ARN, st.TargetGroupARN, up.ARN, up.TargetGroupARN)
	}

	if err := c.Delete(ctx, st.ARN, sp.Name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(ctx, st.ARN); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read after delete: %v", err)
	}
	if err := c.Delete(ctx, st.ARN, sp.Name); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	lbs, tgs, err := c.Owned(ctx, "lbtest")
	if err != nil || len(lbs)+len(tgs) != 0 {
		t.Fatalf("left over: %v %v %v", lbs, tgs, err)
	}
}

// In a location without a default VPC, a VPC is created for the load
// balancer and deleted with it; nothing else is touched.
func TestLifecycleNoDefaultVPC(t *testing.T) {
	s := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const loc = "eu-west-3"
	cfg, err := s.Config(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	e := ec2.NewFromConfig(cfg)
	vpcs, err := e.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: sdkaws.String("is-default"), Values: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vpcs.Vpcs {
		subs, err := e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: sdkaws.String("vpc-id"), Values: []string{*v.VpcId}}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, sn := range subs.Subnets {
			if _, err := e.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sn.SubnetId}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: v.VpcId}); err != nil {
			t.Fatal(err)
		}
	}
	other, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.9.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}

	c, err := New(ctx, s, loc)
	if err != nil {
		t.Fatal(err)
	}
	sp := spec("lbtest-novpc", loc+"a", loc+"b")
	st, err := c.Create(ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	owned, err := e.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: sdkaws.String("tag:" + network.TagOwner), Values: []string{sp.Name}}}})
	if err != nil || len(owned.Vpcs) != 1 || *owned.Vpcs[0].VpcId != st.VPCID {
		t.Fatalf("created VPC not found or not used: %v %+v (lb in %s)", err, owned, st.VPCID)
	}
	if err := c.Delete(ctx, st.ARN, sp.Name); err != nil {
		t.Fatal(err)
	}
	left, err := e.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Vpcs) != 1 || *left.Vpcs[0].VpcId != *other.Vpc.VpcId {
		t.Fatalf("VPCs after delete: %+v (want only %s)", left.Vpcs, *other.Vpc.VpcId)
	}
}

func TestNetworkLoadBalancer(t *testing.T) {
	s := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := New(ctx, s, "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	sp := Spec{
		Name: "lbtest-nlb", Zones: []string{"us-west-2a", "us-west-2b"}, Layer: 4,
		Listeners:   []Listener{{Port: 5432, Protocol: "TCP"}},
		HealthCheck: HealthCheck{Protocol: "TCP", Port: 5432, Interval: 10, Timeout: 10, HealthyThreshold: 3, UnhealthyThreshold: 3},
		Tags:        awsbase.Tags(nil, "lbtest", "west/db/load_balancer"),
	}
	st, err := c.Create(ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Delete(context.Background(), st.ARN, sp.Name) }()
	if st.Layer != 4 || st.HealthCheck.Protocol != "TCP" || st.HealthCheck.Path != "" || st.targetProtocol != "TCP" {
		t.Fatalf("read back %+v", st)
	}
	// Adding a UDP listener would need a TCP_UDP target group: refused
	// with a reason rather than half applied.
	sp.Listeners = append(sp.Listeners, Listener{Port: 53, Protocol: "UDP"})
	if _, err := c.Update(ctx, st.ARN, sp); err == nil {
		t.Fatal("protocol change of the target group accepted in place")
	}
	if err := (Spec{Layer: 7, Listeners: []Listener{{Port: 80, Protocol: "TCP"}}}).Validate(); err == nil {
		t.Fatal("TCP listener accepted at layer 7")
	}
}
