// Package scalinggroup is the cloud-neutral contract of the scaling_group
// component (ha_scaling_group): a group of identical instances across a
// location's zones, resized by CPU and rolled on a template change.
package scalinggroup

import (
	"context"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// HealthCheck is the autohealing check of instances (GCP managed instance
// group; AWS uses the load balancer's target group checks instead).
type HealthCheck struct {
	Protocol string // HTTP, HTTPS or TCP
	Port     int
	Path     string
	Interval int // seconds
	// InitialDelay is seconds a new instance has before its health counts
	// (AWS: the group's grace period).
	InitialDelay int
}

// UpdatePolicy says how a template change rolls the instances. Zero values
// mean the backend derives them from Spec.MinHealthyPercentage.
type UpdatePolicy struct {
	MaxSurge       int    // instances created above the target size during a roll
	MaxUnavailable int    // instances allowed out of service during a roll
	MinimalAction  string // "replace" (default), "restart" or "refresh" (GCP)
}

// Spec is the desired state of one group.
type Spec struct {
	backend.Meta
	Zones []string // zones of Location; GCP: a regional group over them
	Image string   // AMI id, GCP image self link or family, bare-metal image name
	// MachineType is the instance size: "t3.small" (AWS instance type),
	// "e2-small" (GCP machine type). Bare metal: ignored.
	MachineType     string
	MinSize         int
	DesiredCapacity int
	MaxSize         int
	CPUTarget       float64 // average CPU % kept by autoscaling; 0: no autoscaling
	// GracePeriod is seconds a new instance has before its health counts.
	GracePeriod int
	// MinHealthyPercentage is the share of DesiredCapacity kept in service
	// while instances roll.
	MinHealthyPercentage int
	UpdatePolicy         UpdatePolicy
	// TargetGroupID is the load balancer's loadbalancer.Status.TargetGroupID
	// to register instances in; "" when not behind a load balancer.
	TargetGroupID string
	LoadBalancer  string       // component key of that load balancer (informational)
	HealthCheck   *HealthCheck // autohealing; nil: the backend's default
	Network       string       // VPC/network; empty: as the load balancer, else the default
	// Hosts are the machines making up the group on bare metal (addresses
	// or names); unused on clouds.
	Hosts []string
}

// Instance is one member of the group.
type Instance struct {
	ID          string
	Zone        string
	Image       string
	MachineType string
	State       string // cloud's lifecycle state ("InService", "RUNNING")
	Health      string // "Healthy"/"HEALTHY", "" when unknown
	Address     string // private address, when known
}

// Status is what the backend reads back: Spec as it really is, plus ids.
type Status struct {
	Spec Spec
	ID   string // group name (AWS) or self link (GCP): what Read and Delete take
	URI  string // ARN (AWS), self link (GCP)
	// TemplateID and TemplateVersion identify what instances are built from
	// (AWS launch template id and version; GCP instance template self link,
	// version counting template changes). A new version after an image or
	// machine type change.
	TemplateID      string
	TemplateVersion int
	AutoscalerID    string // GCP autoscaler; "" elsewhere
	HealthCheckType string // AWS: EC2 or ELB
	Instances       []Instance
	// RollMethod says how the last roll ran ("instance_refresh",
	// "rolling_replacement", "proactive_update"); "" when nothing rolled.
	RollMethod string
}

// Backend manages scaling groups of one cloud in one location.
//
// Idempotency: Apply converges to spec (previous nil on create) and may be
// retried after a partial failure without leaking templates or groups. A
// change of Image or MachineType rolls every instance, keeping
// MinHealthyPercentage (or UpdatePolicy) in service, and Apply returns only
// when the group is stable with every instance on the new template, or with
// ctx's error (the resource's timeouts). Delete of a gone group is nil;
// it removes the group's template and autoscaler too.
//
// Not found: Read wraps backend.ErrNotFound when the group is gone.
//
// Import: Read works from spec.Name and spec.Location alone (previous nil)
// or previous holding only ID, returning the group as the cloud holds it;
// values the cloud does not store (MinHealthyPercentage on AWS) are copied
// from spec.
//
// Unreachable: errors meaning the location cannot be reached wrap
// backend.ErrUnreachable.
type Backend interface {
	Apply(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Read(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Delete(ctx context.Context, status *Status) error
}

// Registry holds each cloud's Backend factory; backends Register from init.
var Registry = backend.NewRegistry[Backend]("scaling group")

// Register makes f the scaling group backend of cloud.
func Register(cloud backend.Cloud, f backend.Factory[Backend]) { Registry.Register(cloud, f) }

// Open returns cloud's scaling group backend for location.
func Open(ctx context.Context, cloud backend.Cloud, s *backend.Settings, location string) (Backend, error) {
	return Registry.Open(ctx, cloud, s, location)
}
