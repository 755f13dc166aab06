package loadbalancer

import (
	"context"
	"errors"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	lb "github.com/ha-blueprints/terraform-provider-ha/internal/loadbalancer"
)

// The AWS load balancer backend: an Elastic Load Balancing v2 load balancer
// (application at layer 7, network at layer 4) with one target group.
func init() {
	lb.Register(backend.AWS, func(ctx context.Context, s *backend.Settings, location string) (lb.Backend, error) {
		c, err := New(ctx, awsbase.SessionFor(s), location)
		if err != nil {
			return nil, err
		}
		return &Backend{c: c}, nil
	})
}

// Backend implements lb.Backend on one location's Client.
type Backend struct{ c *Client }

var _ lb.Backend = (*Backend)(nil)

// Apply creates the load balancer when previous has no id, else updates it.
// A create that fails after the load balancer exists returns its Status
// (ID set) with the error, so the resource keeps it in state.
func (b *Backend) Apply(ctx context.Context, spec lb.Spec, previous *lb.Status) (*lb.Status, error) {
	if previous == nil || previous.ID == "" {
		st, err := b.c.Create(ctx, toAWS(spec))
		if err != nil {
			if st != nil && st.ARN != "" {
				return &lb.Status{Spec: spec, ID: st.ARN}, err
			}
			return nil, err
		}
		return fromAWS(spec, st), nil
	}
	st, err := b.c.Update(ctx, previous.ID, toAWS(spec))
	if err != nil {
		return nil, err
	}
	return fromAWS(spec, st), nil
}

// Read finds the load balancer by previous.ID, or by spec.Name (import).
func (b *Backend) Read(ctx context.Context, spec lb.Spec, previous *lb.Status) (*lb.Status, error) {
	id := ""
	if previous != nil {
		id = previous.ID
	}
	if id == "" {
		var err error
		if id, err = b.c.FindByName(ctx, spec.Name); err != nil {
			return nil, err
		}
	}
	st, err := b.c.Read(ctx, id)
	if err != nil {
		return nil, err
	}
	return fromAWS(spec, st), nil
}

// Delete removes the load balancer and its target group; gone is nil.
func (b *Backend) Delete(ctx context.Context, status *lb.Status) error {
	err := b.c.Delete(ctx, status.ID, status.Spec.Name)
	if errors.Is(err, backend.ErrNotFound) {
		return nil
	}
	return err
}

func toAWS(s lb.Spec) Spec {
	out := Spec{Name: s.Name, Zones: s.Zones, Layer: s.Layer, Tags: awsbase.MetaTags(s.Meta)}
	for _, l := range s.Listeners {
		out.Listeners = append(out.Listeners, Listener{Port: l.Port, Protocol: l.Protocol})
	}
	hc := s.HealthCheck
	out.HealthCheck = HealthCheck{Protocol: hc.Protocol, Port: hc.Port, Path: hc.Path, Interval: hc.Interval, Timeout: hc.Timeout,
		HealthyThreshold: hc.HealthyThreshold, UnhealthyThreshold: hc.UnhealthyThreshold, Matcher: hc.Matcher}
	return out
}

// fromAWS is st in the contract's terms; Location and the fields AWS does
// not hold come from spec.
func fromAWS(spec lb.Spec, st *Status) *lb.Status {
	got := lb.Spec{Layer: st.Layer, Zones: st.Zones, Network: spec.Network}
	got.Name, got.Location = st.Name, spec.Location
	got.Tags, got.Blueprint, got.Component = awsbase.SplitTags(st.Tags)
	for _, l := range st.Listeners {
		got.Listeners = append(got.Listeners, lb.Listener{Port: l.Port, Protocol: l.Protocol})
	}
	hc := st.HealthCheck
	got.HealthCheck = lb.HealthCheck{Protocol: hc.Protocol, Port: hc.Port, Path: hc.Path, Interval: hc.Interval, Timeout: hc.Timeout,
		HealthyThreshold: hc.HealthyThreshold, UnhealthyThreshold: hc.UnhealthyThreshold, Matcher: hc.Matcher}
	return &lb.Status{
		Spec: got, ID: st.ARN, DNSName: st.DNSName, ZoneID: st.ZoneID,
		TargetGroupID: st.TargetGroupARN, NetworkID: st.VPCID,
	}
}
