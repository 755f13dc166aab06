package scaling

import (
	"context"
	"errors"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	sg "github.com/ha-blueprints/terraform-provider-ha/internal/scalinggroup"
)

// The AWS scaling group backend: a launch template and an Auto Scaling
// group with a target-tracking CPU policy, rolled by instance refresh (or a
// rolling replacement where the endpoint lacks it).
func init() {
	sg.Register(backend.AWS, func(ctx context.Context, s *backend.Settings, location string) (sg.Backend, error) {
		c, err := New(ctx, awsbase.SessionFor(s), location)
		if err != nil {
			return nil, err
		}
		return &Backend{c: c}, nil
	})
}

// Backend implements sg.Backend on one location's Client.
type Backend struct{ c *Client }

var _ sg.Backend = (*Backend)(nil)

// Apply creates the group when previous has no id, else updates (and rolls)
// it. A create that fails part way returns what exists with the error.
func (b *Backend) Apply(ctx context.Context, spec sg.Spec, previous *sg.Status) (*sg.Status, error) {
	b.c.Logf = func(format string, args ...any) { backend.Logf(ctx, format, args...) }
	if previous == nil || previous.ID == "" {
		st, err := b.c.Create(ctx, toAWS(spec))
		if err != nil {
			// Whatever was made is returned, so it stays in state (tainted).
			if part, rerr := b.c.Read(context.WithoutCancel(ctx), spec.Name); rerr == nil {
				return fromAWS(spec, part), err
			}
			return nil, err
		}
		return fromAWS(spec, st), nil
	}
	st, err := b.c.Update(ctx, toAWS(spec))
	if err != nil {
		return nil, err
	}
	return fromAWS(spec, st), nil
}

// Read finds the group by previous.ID, else by spec.Name (import).
func (b *Backend) Read(ctx context.Context, spec sg.Spec, previous *sg.Status) (*sg.Status, error) {
	name := spec.Name
	if previous != nil && previous.ID != "" {
		name = previous.ID
	}
	st, err := b.c.Read(ctx, name)
	if err != nil {
		return nil, err
	}
	return fromAWS(spec, st), nil
}

// Delete removes the group and its launch template; gone is nil.
func (b *Backend) Delete(ctx context.Context, status *sg.Status) error {
	name := status.ID
	if name == "" {
		name = status.Spec.Name
	}
	err := b.c.Delete(ctx, name)
	if errors.Is(err, backend.ErrNotFound) {
		return nil
	}
	return err
}

func toAWS(s sg.Spec) Spec {
	return Spec{
		Name: s.Name, Zones: s.Zones, Image: s.Image, InstanceType: s.MachineType,
		MinSize: s.MinSize, DesiredCapacity: s.DesiredCapacity, MaxSize: s.MaxSize,
		CPUTarget: s.CPUTarget, GracePeriod: s.GracePeriod, MinHealthyPercentage: s.MinHealthyPercentage,
		TargetGroupARN: s.TargetGroupID, Tags: awsbase.MetaTags(s.Meta),
	}
}

// fromAWS is st in the contract's terms; what AWS does not store
// (MinHealthyPercentage, UpdatePolicy, LoadBalancer) comes from spec.
func fromAWS(spec sg.Spec, st *Status) *sg.Status {
	got := spec
	got.Name, got.Zones, got.Image, got.MachineType = st.Name, st.Zones, st.Image, st.InstanceType
	got.Tags, got.Blueprint, got.Component = awsbase.SplitTags(st.Tags)
	got.MinSize, got.DesiredCapacity, got.MaxSize = st.MinSize, st.DesiredCapacity, st.MaxSize
	got.CPUTarget, got.GracePeriod, got.TargetGroupID = st.CPUTarget, st.GracePeriod, st.TargetGroupARN
	out := &sg.Status{
		Spec: got, ID: st.Name, URI: st.ARN,
		TemplateID: st.LaunchTemplateID, TemplateVersion: st.LaunchTemplateVersion,
		HealthCheckType: st.HealthCheckType, RollMethod: st.RollMethod,
	}
	for _, i := range st.Instances {
		out.Instances = append(out.Instances, sg.Instance{ID: i.ID, Zone: i.Zone, Image: i.Image, MachineType: i.InstanceType, State: i.State, Health: i.Health})
	}
	return out
}
