// Package network finds (or, where a location has no default VPC, creates)
// the VPC and per-zone subnets that load balancers and scaling groups are
// placed in. What it creates is tagged so that only that is ever deleted.
package network

import (
	"context"
	"errors"
	"fmt"
	"sort"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
)

// TagOwner marks a VPC, subnet or internet gateway created for one owner
// (a load balancer name); its value is the owner.
const TagOwner = "ha:network-owner"

// Network is a VPC and one subnet per requested zone, in zone order.
type Network struct {
	VPCID     string
	SubnetIDs []string
	Zones     []string
	Created   bool // the VPC was created for its owner (no default VPC)
}

// EC2 is the part of the EC2 API this package uses.
type EC2 interface {
	DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error)
	DescribeSubnets(context.Context, *ec2.DescribeSubnetsInput, ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error)
	CreateVpc(context.Context, *ec2.CreateVpcInput, ...func(*ec2.Options)) (*ec2.CreateVpcOutput, error)
	CreateSubnet(context.Context, *ec2.CreateSubnetInput, ...func(*ec2.Options)) (*ec2.CreateSubnetOutput, error)
	DeleteSubnet(context.Context, *ec2.DeleteSubnetInput, ...func(*ec2.Options)) (*ec2.DeleteSubnetOutput, error)
	DeleteVpc(context.Context, *ec2.DeleteVpcInput, ...func(*ec2.Options)) (*ec2.DeleteVpcOutput, error)
	CreateInternetGateway(context.Context, *ec2.CreateInternetGatewayInput, ...func(*ec2.Options)) (*ec2.CreateInternetGatewayOutput, error)
	AttachInternetGateway(context.Context, *ec2.AttachInternetGatewayInput, ...func(*ec2.Options)) (*ec2.AttachInternetGatewayOutput, error)
	DetachInternetGateway(context.Context, *ec2.DetachInternetGatewayInput, ...func(*ec2.Options)) (*ec2.DetachInternetGatewayOutput, error)
	DeleteInternetGateway(context.Context, *ec2.DeleteInternetGatewayInput, ...func(*ec2.Options)) (*ec2.DeleteInternetGatewayOutput, error)
	DescribeInternetGateways(context.Context, *ec2.DescribeInternetGatewaysInput, ...func(*ec2.Options)) (*ec2.DescribeInternetGatewaysOutput, error)
}

// Ensure returns the default VPC of the location and its subnets in zones;
// when the location has no default VPC it finds or creates a VPC (with an
// internet gateway and one subnet per zone) tagged for owner.
func Ensure(ctx context.Context, c EC2, owner string, zones []string, tags map[string]string) (*Network, error) {
	if len(zones) == 0 {
		return nil, errors.New("no zones given")
	}
	vpc, err := defaultVPC(ctx, c)
	if err != nil {
		return nil, err
	}
	if vpc != "" {
		subnets, err := SubnetsIn(ctx, c, vpc, zones, true)
		if err != nil {
			return nil, err
		}
		return &Network{VPCID: vpc, SubnetIDs: subnets, Zones: zones}, nil
	}
	return ensureOwned(ctx, c, owner, zones, tags)
}

// ForVPC returns the subnets of an existing VPC in zones (a scaling group
// follows its load balancer's VPC this way).
func ForVPC(ctx context.Context, c EC2, vpcID string, zones []string) (*Network, error) {
	subnets, err := SubnetsIn(ctx, c, vpcID, zones, false)
	if err != nil {
		return nil, err
	}
	return &Network{VPCID: vpcID, SubnetIDs: subnets, Zones: zones}, nil
}

func defaultVPC(ctx context.Context, c EC2) (string, error) {
	out, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{
		Filters: []ec2types.Filter{{Name: sdkaws.String("is-default"), Values: []string{"true"}}},
	})
	if err != nil {
		return "", fmt.Errorf("find default VPC: %w", err)
	}
	if len(out.Vpcs) == 0 {
		return "", nil
	}
	return sdkaws.ToString(out.Vpcs[0].VpcId), nil
}

// SubnetsIn returns one subnet of vpcID per zone, in zone order; with
// preferDefault, the zone's default subnet wins over others.
func SubnetsIn(ctx context.Context, c EC2, vpcID string, zones []string, preferDefault bool) ([]string, error) {
	out, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{
			{Name: sdkaws.String("vpc-id"), Values: []string{vpcID}},
			{Name: sdkaws.String("availability-zone"), Values: zones},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("list subnets of %s: %w", vpcID, err)
	}
	byZone := map[string]ec2types.Subnet{}
	for _, s := range out.Subnets {
		z := sdkaws.ToString(s.AvailabilityZone)
		prev, seen := byZone[z]
		if !seen || (preferDefault && sdkaws.ToBool(s.DefaultForAz) && !sdkaws.ToBool(prev.DefaultForAz)) ||
			(!sdkaws.ToBool(prev.DefaultForAz) && sdkaws.ToString(s.SubnetId) < sdkaws.ToString(prev.SubnetId)) {
			byZone[z] = s
		}
	}
	ids := make([]string, 0, len(zones))
	var missing []string
	for _, z := range zones {
		s, ok := byZone[z]
		if !ok {
			missing = append(missing, z)
			continue
		}
		ids = append(ids, sdkaws.ToString(s.SubnetId))
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("VPC %s has no subnet in zone(s) %v", vpcID, missing)
	}
	return ids, nil
}

func ownerFilter(owner string) []ec2types.Filter {
	return []ec2types.Filter{{Name: sdkaws.String("tag:" + TagOwner), Values: []string{owner}}}
}

func ec2Tags(kind ec2types.ResourceType, tags map[string]string, owner string) []ec2types.TagSpecification {
	all := map[string]string{TagOwner: owner, "Name": owner}
	for k, v := range tags {
		all[k] = v
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ts := make([]ec2types.Tag, 0, len(keys))
	for _, k := range keys {
		ts = append(ts, ec2types.Tag{Key: sdkaws.String(k), Value: sdkaws.String(all[k])})
	}
	return []ec2types.TagSpecification{{ResourceType: kind, Tags: ts}}
}

func ensureOwned(ctx context.Context, c EC2, owner string, zones []string, tags map[string]string) (*Network, error) {
	out, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: ownerFilter(owner)})
	if err != nil {
		return nil, fmt.Errorf("find VPC of %s: %w", owner, err)
	}
	var vpcID string
	if len(out.Vpcs) > 0 {
		vpcID = sdkaws.ToString(out.Vpcs[0].VpcId)
	} else {
		v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{
			CidrBlock:         sdkaws.String("10.42.0.0/16"),
			TagSpecifications: ec2Tags(ec2types.ResourceTypeVpc, tags, owner),
		})
		if err != nil {
			return nil, fmt.Errorf("create VPC for %s (the location has no default VPC): %w", owner, err)
		}
		vpcID = sdkaws.ToString(v.Vpc.VpcId)
		// Internet-facing load balancers need a gateway in their VPC.
		igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{
			TagSpecifications: ec2Tags(ec2types.ResourceTypeInternetGateway, tags, owner),
		})
		if err != nil {
			return nil, fmt.Errorf("create internet gateway for %s: %w", owner, err)
		}
		if _, err := c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{
			InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: sdkaws.String(vpcID),
		}); err != nil {
			return nil, fmt.Errorf("attach internet gateway to %s: %w", vpcID, err)
		}
	}
	existing, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: sdkaws.String("vpc-id"), Values: []string{vpcID}}},
	})
	if err != nil {
		return nil, fmt.Errorf("list subnets of %s: %w", vpcID, err)
	}
	used := map[string]bool{}
	haveZone := map[string]bool{}
	for _, s := range existing.Subnets {
		used[sdkaws.ToString(s.CidrBlock)] = true
		haveZone[sdkaws.ToString(s.AvailabilityZone)] = true
	}
	next := 0
	for _, z := range zones {
		if haveZone[z] {
			continue
		}
		var cidr string
		for ; next < 256; next++ {
			cidr = fmt.Sprintf("10.42.%d.0/24", next)
			if !used[cidr] {
				break
			}
		}
		used[cidr] = true
		if _, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{
			VpcId: sdkaws.String(vpcID), CidrBlock: sdkaws.String(cidr), AvailabilityZone: sdkaws.String(z),
			TagSpecifications: ec2Tags(ec2types.ResourceTypeSubnet, tags, owner),
		}); err != nil {
			return nil, fmt.Errorf("create subnet in %s for %s: %w", z, owner, err)
		}
	}
	subnets, err := SubnetsIn(ctx, c, vpcID, zones, false)
	if err != nil {
		return nil, err
	}
	return &Network{VPCID: vpcID, SubnetIDs: subnets, Zones: zones, Created: true}, nil
}

// Release deletes the VPC, subnets and gateway created for owner, and
// nothing else; it is a no-op where none were created (default VPC).
func Release(ctx context.Context, c EC2, owner string) error {
	subs, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: ownerFilter(owner)})
	if err != nil {
		return fmt.Errorf("list subnets of %s: %w", owner, err)
	}
	for _, s := range subs.Subnets {
		if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: s.SubnetId}); err != nil && !awsbase.IsNotFound(err, "InvalidSubnetID.NotFound") {
			return fmt.Errorf("delete subnet %s: %w", sdkaws.ToString(s.SubnetId), err)
		}
	}
	igws, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: ownerFilter(owner)})
	if err != nil {
		return fmt.Errorf("list internet gateways of %s: %w", owner, err)
	}
	for _, g := range igws.InternetGateways {
		for _, a := range g.Attachments {
			if _, err := c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: g.InternetGatewayId, VpcId: a.VpcId}); err != nil && !awsbase.IsNotFound(err) {
				return fmt.Errorf("detach internet gateway %s: %w", sdkaws.ToString(g.InternetGatewayId), err)
			}
		}
		if _, err := c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: g.InternetGatewayId}); err != nil && !awsbase.IsNotFound(err) {
			return fmt.Errorf("delete internet gateway %s: %w", sdkaws.ToString(g.InternetGatewayId), err)
		}
	}
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: ownerFilter(owner)})
	if err != nil {
		return fmt.Errorf("list VPCs of %s: %w", owner, err)
	}
	for _, v := range vpcs.Vpcs {
		if _, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: v.VpcId}); err != nil && !awsbase.IsNotFound(err, "InvalidVpcID.NotFound") {
			return fmt.Errorf("delete VPC %s: %w", sdkaws.ToString(v.VpcId), err)
		}
	}
	return nil
}
