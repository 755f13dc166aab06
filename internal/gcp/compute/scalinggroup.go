package compute

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	compute "google.golang.org/api/compute/v1"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
	"github.com/ha-blueprints/terraform-provider-ha/internal/scalinggroup"
)

// sfxAutohealing names the group's own autohealing health check.
const sfxAutohealing = "-ah"

// ScalingGroups is the GCP scaling group backend for one region: an
// instance template, a regional managed instance group over the region's
// zones, a regional autoscaler (CPU target) and an autohealing health
// check. A template change rolls the instances through the group's
// proactive update policy and Apply waits until the group is stable.
type ScalingGroups struct {
	c      *clients
	region string
	// InUseWait bounds retries of a delete refused because another object
	// still refers to the one deleted.
	InUseWait time.Duration
}

var _ scalinggroup.Backend = (*ScalingGroups)(nil)

func registerScalingGroup() {
	scalinggroup.Register(backend.GCP, func(ctx context.Context, s *backend.Settings, location string) (scalinggroup.Backend, error) {
		return NewScalingGroups(ctx, s, location)
	})
}

// NewScalingGroups returns the backend for region.
func NewScalingGroups(ctx context.Context, s *backend.Settings, region string) (*ScalingGroups, error) {
	c, _, err := open(ctx, s, region)
	if err != nil {
		return nil, err
	}
	return &ScalingGroups{c: c, region: region, InUseWait: 3 * time.Minute}, nil
}

func (g *ScalingGroups) wrap(err error) error { return gcp.Unreachable(g.region, err) }

func validateGroup(s scalinggroup.Spec) error {
	if err := checkName("scaling group", s.Name, 9); err != nil {
		return err
	}
	if s.MinSize < 0 || s.MinSize > s.DesiredCapacity || s.DesiredCapacity > s.MaxSize {
		return fmt.Errorf("sizes must satisfy 0 <= min_size (%d) <= desired_capacity (%d) <= max_size (%d)", s.MinSize, s.DesiredCapacity, s.MaxSize)
	}
	if s.MachineType == "" || s.Image == "" {
		return errors.New("machine type and image are required")
	}
	if s.CPUTarget < 0 || s.CPUTarget > 100 {
		return fmt.Errorf("cpu target must be 0 to 100, not %g", s.CPUTarget)
	}
	for _, z := range s.Zones {
		if !strings.HasPrefix(z, s.Location+"-") {
			return fmt.Errorf("zone %q is not in region %s", z, s.Location)
		}
	}
	return nil
}

// templateName is derived from what instances are built from, so a change
// makes a new template (templates cannot be changed) and a retried apply
// finds the one it made.
func templateName(s scalinggroup.Spec, network string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s", s.MachineType, s.Image, network)
	l := labels(s.Meta)
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "\x00%s=%s", k, l[k])
	}
	return s.Name + "-" + hex.EncodeToString(h.Sum(nil))[:8]
}

func isTemplateOf(group, template string) bool {
	rest, ok := strings.CutPrefix(template, group+"-")
	if !ok || len(rest) != 8 {
		return false
	}
	_, err := hex.DecodeString(rest)
	return err == nil
}

func networkOf(s scalinggroup.Spec) string {
	if s.Network == "" {
		return "global/networks/default"
	}
	if !strings.Contains(s.Network, "/") {
		return "global/networks/" + s.Network
	}
	return s.Network
}

// updatePolicy derives maxSurge/maxUnavailable from MinHealthyPercentage
// when the spec does not set them. A regional group needs either at least
// as many as it has zones, or zero.
func updatePolicy(s scalinggroup.Spec, zones int) *compute.InstanceGroupManagerUpdatePolicy {
	surge, unavail := s.UpdatePolicy.MaxSurge, s.UpdatePolicy.MaxUnavailable
	if surge == 0 && unavail == 0 {
		unavail = int(math.Floor(float64(s.DesiredCapacity) * float64(100-s.MinHealthyPercentage) / 100))
		surge = zones
		if unavail > 0 && unavail < zones {
			unavail = zones
			if s.DesiredCapacity-unavail < s.DesiredCapacity*s.MinHealthyPercentage/100 {
				unavail = 0
			}
		}
	}
	action := strings.ToUpper(s.UpdatePolicy.MinimalAction)
	if action == "" {
		action = "REPLACE"
	}
	return &compute.InstanceGroupManagerUpdatePolicy{
		Type: "PROACTIVE", MinimalAction: action, ReplacementMethod: "SUBSTITUTE",
		MaxSurge: fixed(surge), MaxUnavailable: fixed(unavail),
	}
}

// fixed is a fixed number, sent even when 0: none unavailable is asked
// for, not left to the API's default.
func fixed(n int) *compute.FixedOrPercent {
	return &compute.FixedOrPercent{Fixed: int64(n), ForceSendFields: []string{"Fixed"}}
}

// fixedOf reads a fixed number, 0 when unset.
func fixedOf(f *compute.FixedOrPercent) int64 {
	if f == nil {
		return 0
	}
	return f.Fixed
}

// zones are the spec's, else every zone of the region.
func (g *ScalingGroups) zones(ctx context.Context, s scalinggroup.Spec) ([]string, error) {
	if len(s.Zones) > 0 {
		return s.Zones, nil
	}
	return regionZones(ctx, g.c, g.region)
}

// Zones lists the region's zones, for plan-time checks of a spec's zones;
// a region the project does not have is backend.ErrNotFound.
func (g *ScalingGroups) Zones(ctx context.Context) ([]string, error) {
	z, err := regionZones(ctx, g.c, g.region)
	return z, g.wrap(err)
}

// Zones lists the region's zones, as ScalingGroups.Zones does.
func (b *LoadBalancers) Zones(ctx context.Context) ([]string, error) {
	z, err := regionZones(ctx, b.c, b.region)
	return z, b.wrap(err)
}

// regionZones are the zone names of region, sorted.
func regionZones(ctx context.Context, c *clients, region string) ([]string, error) {
	r, err := gcp.Read(ctx, c.svc.Regions.Get(c.project, region).Context(ctx).Do)
	if gcp.IsNotFound(err) {
		return nil, fmt.Errorf("%w (project %s)", backend.NotFound("region", region), c.project)
	}
	if err != nil {
		return nil, fmt.Errorf("read zones of region %s: %w", region, err)
	}
	out := make([]string, 0, len(r.Zones))
	for _, z := range r.Zones {
		out = append(out, gcp.Last(z))
	}
	sort.Strings(out)
	return out, nil
}

// Apply converges the group to spec, rolling instances on a template
// change, and returns when the group is stable.
func (g *ScalingGroups) Apply(ctx context.Context, spec scalinggroup.Spec, previous *scalinggroup.Status) (*scalinggroup.Status, error) {
	spec.Location = g.region
	if err := validateGroup(spec); err != nil {
		return nil, err
	}
	rolled, err := g.apply(ctx, spec)
	if err != nil {
		return nil, g.wrap(err)
	}
	st, err := g.Read(ctx, spec, previous)
	if err != nil {
		return nil, err
	}
	if rolled {
		st.RollMethod = "proactive_update"
	} else if previous != nil {
		st.RollMethod = previous.RollMethod
	}
	return st, nil
}

func (g *ScalingGroups) apply(ctx context.Context, spec scalinggroup.Spec) (rolled bool, err error) {
	p, r := g.c.project, g.region
	zones, err := g.zones(ctx, spec)
	if err != nil {
		return false, err
	}
	// What the group serves on and is healed by.
	var lb *compute.BackendService
	if spec.TargetGroupID != "" {
		if lb, err = g.backendService(ctx, spec.TargetGroupID); err != nil {
			return false, err
		}
	}
	healing, port, err := g.ensureAutohealing(ctx, spec, lb)
	if err != nil {
		return false, err
	}
	network := networkOf(spec)
	tplName := templateName(spec, network)
	tplRef := g.c.globalRef("instanceTemplates", tplName)
	if err := g.ensureTemplate(ctx, spec, tplName, network); err != nil {
		return false, err
	}
	policy := updatePolicy(spec, len(zones))
	var healingPolicies []*compute.InstanceGroupManagerAutoHealingPolicy
	if healing != "" {
		// The delay is sent even when 0: it is set.
		healingPolicies = []*compute.InstanceGroupManagerAutoHealingPolicy{{HealthCheck: healing, InitialDelaySec: int64(spec.GracePeriod), ForceSendFields: []string{"InitialDelaySec"}}}
	}
	var namedPorts []*compute.NamedPort
	if port > 0 {
		namedPorts = []*compute.NamedPort{{Name: "http", Port: int64(port)}}
	}
	mig, err := gcp.Read(ctx, g.c.svc.RegionInstanceGroupManagers.Get(p, r, spec.Name).Context(ctx).Do)
	oldTemplate := ""
	switch {
	case gcp.IsNotFound(err):
		dist := &compute.DistributionPolicy{}
		for _, z := range zones {
			dist.Zones = append(dist.Zones, &compute.DistributionPolicyZoneConfiguration{Zone: "zones/" + z})
		}
		want := &compute.InstanceGroupManager{
			Name: spec.Name, BaseInstanceName: spec.Name, InstanceTemplate: tplRef,
			TargetSize: int64(spec.DesiredCapacity), DistributionPolicy: dist, UpdatePolicy: policy,
			AutoHealingPolicies: healingPolicies, NamedPorts: namedPorts,
			ForceSendFields: []string{"TargetSize"}, // a group of 0 is asked for, not left to the default
		}
		if err := createOrAdopt(g.c.do(ctx, "create instance group "+spec.Name, g.c.svc.RegionInstanceGroupManagers.Insert(p, r, want).Context(ctx).Do)); err != nil {
			return false, err
		}
	case err != nil:
		return false, fmt.Errorf("read instance group %s: %w", spec.Name, err)
	default:
		patch := &compute.InstanceGroupManager{Fingerprint: mig.Fingerprint}
		changed := false
		if !sameRef(mig.InstanceTemplate, tplRef) {
			oldTemplate = gcp.Last(mig.InstanceTemplate)
			patch.InstanceTemplate = tplRef
			// Versions would override instanceTemplate; the group has one.
			patch.Versions = []*compute.InstanceGroupManagerVersion{{InstanceTemplate: tplRef}}
			rolled, changed = true, true
		}
		if !samePolicy(mig.UpdatePolicy, policy) || rolled {
			patch.UpdatePolicy, changed = policy, true
		}
		if !sameHealing(mig.AutoHealingPolicies, healingPolicies) {
			patch.AutoHealingPolicies, changed = healingPolicies, true
			if len(healingPolicies) == 0 {
				// An empty list is not sent; one without a check clears it.
				patch.AutoHealingPolicies = []*compute.InstanceGroupManagerAutoHealingPolicy{{}}
			}
		}
		if !sameNamedPorts(mig.NamedPorts, namedPorts) && len(namedPorts) > 0 {
			patch.NamedPorts, changed = namedPorts, true
		}
		if changed {
			if err := g.c.do(ctx, "update instance group "+spec.Name, g.c.svc.RegionInstanceGroupManagers.Patch(p, r, spec.Name, patch).Context(ctx).Do); err != nil {
				return false, err
			}
		}
		if spec.CPUTarget == 0 && int(mig.TargetSize) != spec.DesiredCapacity {
			if err := g.c.do(ctx, "resize instance group "+spec.Name, g.c.svc.RegionInstanceGroupManagers.Resize(p, r, spec.Name, int64(spec.DesiredCapacity)).Context(ctx).Do); err != nil {
				return false, err
			}
		}
	}
	if err := g.ensureAutoscaler(ctx, spec); err != nil {
		return false, err
	}
	if lb != nil {
		if err := g.attach(ctx, spec.Name, spec.TargetGroupID); err != nil {
			return false, err
		}
	}
	if err := g.waitStable(ctx, spec.Name); err != nil {
		return false, err
	}
	if oldTemplate != "" {
		// The roll is done, nothing uses the old template any more.
		if err := g.c.deleteInUse(ctx, "delete instance template "+oldTemplate, g.InUseWait, g.c.svc.InstanceTemplates.Delete(p, oldTemplate).Context(ctx).Do); err != nil {
			return false, err
		}
	}
	return rolled, nil
}

func samePolicy(a, b *compute.InstanceGroupManagerUpdatePolicy) bool {
	if a == nil {
		a = &compute.InstanceGroupManagerUpdatePolicy{}
	}
	return a.Type == b.Type && a.MinimalAction == b.MinimalAction &&
		fixedOf(a.MaxSurge) == fixedOf(b.MaxSurge) && fixedOf(a.MaxUnavailable) == fixedOf(b.MaxUnavailable)
}

func sameHealing(a, b []*compute.InstanceGroupManagerAutoHealingPolicy) bool {
	strip := func(p []*compute.InstanceGroupManagerAutoHealingPolicy) []*compute.InstanceGroupManagerAutoHealingPolicy {
		var out []*compute.InstanceGroupManagerAutoHealingPolicy
		for _, x := range p {
			if x != nil && x.HealthCheck != "" {
				out = append(out, x)
			}
		}
		return out
	}
	a, b = strip(a), strip(b)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameRef(a[i].HealthCheck, b[i].HealthCheck) || a[i].InitialDelaySec != b[i].InitialDelaySec {
			return false
		}
	}
	return true
}

func sameNamedPorts(a, b []*compute.NamedPort) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Port != b[i].Port {
			return false
		}
	}
	return true
}

func (g *ScalingGroups) ensureTemplate(ctx context.Context, spec scalinggroup.Spec, name, network string) error {
	p := g.c.project
	_, err := gcp.Read(ctx, g.c.svc.InstanceTemplates.Get(p, name).Context(ctx).Do)
	if err == nil {
		return nil
	}
	if !gcp.IsNotFound(err) {
		return fmt.Errorf("read instance template %s: %w", name, err)
	}
	desc, _ := json.Marshal(map[string]string{"component": spec.Component, "blueprint": spec.Blueprint})
	tpl := &compute.InstanceTemplate{
		Name: name, Description: string(desc),
		Properties: &compute.InstanceProperties{
			MachineType: spec.MachineType,
			Disks: []*compute.AttachedDisk{{
				Boot: true, AutoDelete: true, Type: "PERSISTENT",
				InitializeParams: &compute.AttachedDiskInitializeParams{SourceImage: imageRef(spec.Image)},
			}},
			NetworkInterfaces: []*compute.NetworkInterface{{Network: network}},
			Labels:            labels(spec.Meta),
		},
	}
	return createOrAdopt(g.c.do(ctx, "create instance template "+name, g.c.svc.InstanceTemplates.Insert(p, tpl).Context(ctx).Do))
}

// imageRef accepts a self link, a relative path or "project/family"
// ("debian-cloud/debian-12") as GCP's console spells image families.
func imageRef(image string) string {
	if strings.Contains(image, "projects/") || strings.Count(image, "/") != 1 {
		return image
	}
	proj, family, _ := strings.Cut(image, "/")
	return "projects/" + proj + "/global/images/family/" + family
}

// backendService reads the load balancer's backend service (global or
// regional, from its self link).
func (g *ScalingGroups) backendService(ctx context.Context, ref string) (*compute.BackendService, error) {
	p := g.c.project
	var bs *compute.BackendService
	var err error
	if strings.Contains(ref, "/regions/") {
		bs, err = gcp.Read(ctx, g.c.svc.RegionBackendServices.Get(p, regionOf(ref), gcp.Last(ref)).Context(ctx).Do)
	} else {
		bs, err = gcp.Read(ctx, g.c.svc.BackendServices.Get(p, gcp.Last(ref)).Context(ctx).Do)
	}
	if err != nil {
		return nil, fmt.Errorf("read backend service %s: %w", gcp.Last(ref), err)
	}
	return bs, nil
}

func regionOf(ref string) string {
	_, rest, ok := strings.Cut(ref, "/regions/")
	if !ok {
		return ""
	}
	r, _, _ := strings.Cut(rest, "/")
	return r
}

// ensureAutohealing returns the health check that heals the group and the
// port the group serves on: the spec's own check (made as NAME-ah), else
// the load balancer's, else none.
func (g *ScalingGroups) ensureAutohealing(ctx context.Context, spec scalinggroup.Spec, lb *compute.BackendService) (string, int, error) {
	p := g.c.project
	name := spec.Name + sfxAutohealing
	if spec.HealthCheck == nil {
		if err := g.c.deleteInUse(ctx, "delete health check "+name, g.InUseWait, g.c.svc.HealthChecks.Delete(p, name).Context(ctx).Do); err != nil && !gcp.IsInUse(err) {
			return "", 0, err
		}
		if lb == nil || len(lb.HealthChecks) == 0 {
			return "", 0, nil
		}
		ref := lb.HealthChecks[0]
		var hc *compute.HealthCheck
		var err error
		if strings.Contains(ref, "/regions/") {
			hc, err = gcp.Read(ctx, g.c.svc.RegionHealthChecks.Get(p, regionOf(ref), gcp.Last(ref)).Context(ctx).Do)
		} else {
			hc, err = gcp.Read(ctx, g.c.svc.HealthChecks.Get(p, gcp.Last(ref)).Context(ctx).Do)
		}
		if err != nil {
			return "", 0, fmt.Errorf("read health check of the load balancer: %w", err)
		}
		return hc.SelfLink, int(hcPort(hc)), nil
	}
	h := spec.HealthCheck
	body := &compute.HealthCheck{
		Name: name, CheckIntervalSec: int64(orDefault(h.Interval, 10)), TimeoutSec: int64(min(5, orDefault(h.Interval, 10))),
		HealthyThreshold: 2, UnhealthyThreshold: 3,
	}
	port := orDefault(h.Port, 80)
	setProbe(body, h.Protocol, int64(port), orDefaultS(h.Path, "/"))
	ref := g.c.globalRef("healthChecks", name)
	cur, err := gcp.Read(ctx, g.c.svc.HealthChecks.Get(p, name).Context(ctx).Do)
	switch {
	case gcp.IsNotFound(err):
		err = createOrAdopt(g.c.do(ctx, "create health check "+name, g.c.svc.HealthChecks.Insert(p, body).Context(ctx).Do))
	case err != nil:
		err = fmt.Errorf("read health check %s: %w", name, err)
	case !sameHealthCheck(cur, body):
		err = g.c.do(ctx, "update health check "+name, g.c.svc.HealthChecks.Update(p, name, body).Context(ctx).Do)
	}
	return ref, port, err
}

func (g *ScalingGroups) ensureAutoscaler(ctx context.Context, spec scalinggroup.Spec) error {
	p, r := g.c.project, g.region
	cur, err := gcp.Read(ctx, g.c.svc.RegionAutoscalers.Get(p, r, spec.Name).Context(ctx).Do)
	exists := err == nil
	if err != nil && !gcp.IsNotFound(err) {
		return fmt.Errorf("read autoscaler %s: %w", spec.Name, err)
	}
	if spec.CPUTarget == 0 {
		if !exists {
			return nil
		}
		return ignoreNotFound(g.c.do(ctx, "delete autoscaler "+spec.Name, g.c.svc.RegionAutoscalers.Delete(p, r, spec.Name).Context(ctx).Do))
	}
	want := &compute.Autoscaler{
		Name: spec.Name, Target: g.c.regionalRef(r, "instanceGroupManagers", spec.Name),
		AutoscalingPolicy: &compute.AutoscalingPolicy{
			MinNumReplicas: int64(spec.MinSize), MaxNumReplicas: int64(spec.MaxSize),
			CoolDownPeriodSec: int64(max(60, spec.GracePeriod)),
			CpuUtilization:    &compute.AutoscalingPolicyCpuUtilization{UtilizationTarget: spec.CPUTarget / 100},
			// Sent even when 0: a minimum of 0 is asked for, not left to
			// the API's choice.
			ForceSendFields: []string{"MinNumReplicas", "MaxNumReplicas"},
		},
	}
	if !exists {
		return createOrAdopt(g.c.do(ctx, "create autoscaler "+spec.Name, g.c.svc.RegionAutoscalers.Insert(p, r, want).Context(ctx).Do))
	}
	pol := cur.AutoscalingPolicy
	if pol == nil {
		pol = &compute.AutoscalingPolicy{}
	}
	if pol.MinNumReplicas == int64(spec.MinSize) && pol.MaxNumReplicas == int64(spec.MaxSize) &&
		math.Abs(utilizationTarget(pol)*100-spec.CPUTarget) < 1e-6 && pol.CoolDownPeriodSec == want.AutoscalingPolicy.CoolDownPeriodSec {
		return nil
	}
	return g.c.do(ctx, "update autoscaler "+spec.Name, g.c.svc.RegionAutoscalers.Update(p, r, want).Autoscaler(spec.Name).Context(ctx).Do)
}

// utilizationTarget is the policy's CPU target (0 to 1), 0 when unset.
func utilizationTarget(p *compute.AutoscalingPolicy) float64 {
	if p == nil || p.CpuUtilization == nil {
		return 0
	}
	return p.CpuUtilization.UtilizationTarget
}

// attach adds the group to the load balancer's backend service, detach
// removes it; both retry a stale fingerprint (another group of the same
// load balancer changed it meanwhile).
func (g *ScalingGroups) attach(ctx context.Context, group, bsRef string) error {
	return g.editBackends(ctx, group, bsRef, true)
}

func (g *ScalingGroups) detach(ctx context.Context, group, bsRef string) error {
	return g.editBackends(ctx, group, bsRef, false)
}

func (g *ScalingGroups) editBackends(ctx context.Context, group, bsRef string, add bool) error {
	groupRef := g.c.regionalRef(g.region, "instanceGroups", group)
	return gcp.Retry(ctx, gcp.IsPreconditionFailed, func() error {
		bs, err := g.backendService(ctx, bsRef)
		if err != nil {
			if gcp.IsNotFound(err) && !add {
				return nil
			}
			return err
		}
		backends, found := keptBackends(bs.Backends, groupRef, add)
		if found == add {
			return nil
		}
		if add {
			b := &compute.Backend{Group: groupRef, BalancingMode: "UTILIZATION", CapacityScaler: 1}
			if bs.LoadBalancingScheme == "EXTERNAL" {
				// Passthrough load balancers balance connections.
				b.BalancingMode, b.CapacityScaler = "CONNECTION", 0
			}
			backends = append(backends, b)
		}
		patch := &compute.BackendService{Backends: backends, Fingerprint: bs.Fingerprint}
		what := "attach " + group + " to " + gcp.Last(bsRef)
		if !add {
			what = "detach " + group + " from " + gcp.Last(bsRef)
			if len(backends) == 0 {
				// An empty list would be left out of the patch.
				return g.putBackends(ctx, bs, what)
			}
		}
		if strings.Contains(bsRef, "/regions/") {
			return g.c.do(ctx, what, g.c.svc.RegionBackendServices.Patch(g.c.project, regionOf(bsRef), gcp.Last(bsRef), patch).Context(ctx).Do)
		}
		return g.c.do(ctx, what, g.c.svc.BackendServices.Patch(g.c.project, gcp.Last(bsRef), patch).Context(ctx).Do)
	})
}

// keptBackends are the backends to send back: all of them, without
// groupRef's when detaching it; found tells whether groupRef's was there.
func keptBackends(in []*compute.Backend, groupRef string, add bool) (kept []*compute.Backend, found bool) {
	for _, b := range in {
		if sameRef(b.Group, groupRef) {
			found = true
			if !add {
				continue
			}
		}
		if b.CapacityScaler == 0 && b.BalancingMode != "CONNECTION" {
			// A backend drained by hand stays drained: a zero is left out
			// of the patch, and the API would take 1 for it.
			b.ForceSendFields = append(b.ForceSendFields, "CapacityScaler")
		}
		kept = append(kept, b)
	}
	return kept, found
}

// putBackends replaces the backend service whole with no backends.
func (g *ScalingGroups) putBackends(ctx context.Context, bs *compute.BackendService, what string) error {
	bs.Backends = nil
	ref := bs.SelfLink
	if strings.Contains(ref, "/regions/") {
		return g.c.do(ctx, what, g.c.svc.RegionBackendServices.Update(g.c.project, regionOf(ref), gcp.Last(ref), bs).Context(ctx).Do)
	}
	return g.c.do(ctx, what, g.c.svc.BackendServices.Update(g.c.project, gcp.Last(ref), bs).Context(ctx).Do)
}

// waitStable polls until the group is stable and every instance runs the
// group's template (status.isStable and status.versionTarget.isReached).
func (g *ScalingGroups) waitStable(ctx context.Context, name string) error {
	for {
		mig, err := gcp.Read(ctx, g.c.svc.RegionInstanceGroupManagers.Get(g.c.project, g.region, name).Context(ctx).Do)
		if err != nil {
			return fmt.Errorf("wait for instance group %s: %w", name, err)
		}
		if st := mig.Status; st != nil && st.IsStable && st.VersionTarget != nil && st.VersionTarget.IsReached {
			return nil
		}
		if err := gcp.Sleep(ctx, gcp.Poll); err != nil {
			return fmt.Errorf("timed out waiting for instance group %s to become stable: %w", name, err)
		}
	}
}

// Read returns the group as GCP holds it.
func (g *ScalingGroups) Read(ctx context.Context, spec scalinggroup.Spec, previous *scalinggroup.Status) (*scalinggroup.Status, error) {
	st, err := g.read(ctx, spec, previous)
	return st, g.wrap(err)
}

func (g *ScalingGroups) read(ctx context.Context, spec scalinggroup.Spec, previous *scalinggroup.Status) (*scalinggroup.Status, error) {
	p, r := g.c.project, g.region
	mig, err := gcp.Read(ctx, g.c.svc.RegionInstanceGroupManagers.Get(p, r, spec.Name).Context(ctx).Do)
	if gcp.IsNotFound(err) {
		return nil, backend.NotFound("scaling group", spec.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("read instance group %s: %w", spec.Name, err)
	}
	got := spec
	got.Location = r
	st := &scalinggroup.Status{ID: mig.SelfLink, URI: mig.SelfLink, TemplateID: mig.InstanceTemplate, TemplateVersion: 1}
	if previous != nil && previous.TemplateVersion > 0 {
		st.TemplateVersion = previous.TemplateVersion
		if previous.TemplateID != "" && !sameRef(previous.TemplateID, mig.InstanceTemplate) {
			st.TemplateVersion++
		}
		st.RollMethod = previous.RollMethod
	}
	got.Zones = nil
	if d := mig.DistributionPolicy; d != nil {
		for _, z := range d.Zones {
			got.Zones = append(got.Zones, gcp.Last(z.Zone))
		}
	}
	sort.Strings(got.Zones)
	tpl, err := gcp.Read(ctx, g.c.svc.InstanceTemplates.Get(p, gcp.Last(mig.InstanceTemplate)).Context(ctx).Do)
	if err != nil {
		return nil, fmt.Errorf("read instance template of %s: %w", spec.Name, err)
	}
	props := tpl.Properties
	if props == nil {
		props = &compute.InstanceProperties{}
	}
	got.MachineType = gcp.Last(props.MachineType)
	if len(props.Disks) > 0 {
		img := ""
		if ip := props.Disks[0].InitializeParams; ip != nil {
			img = ip.SourceImage
		}
		switch {
		case sameRef(imageRef(spec.Image), img) || spec.Image != "" && sameRef(spec.Image, img):
			img = spec.Image // as the user spelled it
		case spec.Image == "":
			img = shortImage(img)
		}
		got.Image = img
	}
	if len(props.NetworkInterfaces) > 0 && spec.Network != "" {
		if network := props.NetworkInterfaces[0].Network; sameRef(networkOf(spec), network) || gcp.Last(network) == spec.Network {
			got.Network = spec.Network
		} else {
			got.Network = network
		}
	}
	if spec.Component == "" && spec.Blueprint == "" {
		// Import: the template says which component it was built for.
		var meta map[string]string
		if json.Unmarshal([]byte(tpl.Description), &meta) == nil {
			got.Component, got.Blueprint = meta["component"], meta["blueprint"]
		}
	}
	got.DesiredCapacity = int(mig.TargetSize)
	if pol := mig.UpdatePolicy; spec.UpdatePolicy != (scalinggroup.UpdatePolicy{}) {
		if pol == nil {
			pol = &compute.InstanceGroupManagerUpdatePolicy{}
		}
		got.UpdatePolicy = scalinggroup.UpdatePolicy{
			MaxSurge: int(fixedOf(pol.MaxSurge)), MaxUnavailable: int(fixedOf(pol.MaxUnavailable)),
			MinimalAction: strings.ToLower(pol.MinimalAction),
		}
	}
	if hs := mig.AutoHealingPolicies; len(hs) > 0 && hs[0] != nil && hs[0].HealthCheck != "" {
		got.GracePeriod = int(hs[0].InitialDelaySec)
		if spec.HealthCheck != nil && gcp.Last(hs[0].HealthCheck) == spec.Name+sfxAutohealing {
			hc, err := gcp.Read(ctx, g.c.svc.HealthChecks.Get(p, spec.Name+sfxAutohealing).Context(ctx).Do)
			if err != nil {
				return nil, fmt.Errorf("read autohealing health check of %s: %w", spec.Name, err)
			}
			got.HealthCheck = &scalinggroup.HealthCheck{
				Protocol: hc.Type, Port: int(hcPort(hc)), Path: hcPath(hc),
				Interval: int(hc.CheckIntervalSec), InitialDelay: spec.HealthCheck.InitialDelay,
			}
		}
	}
	as, err := gcp.Read(ctx, g.c.svc.RegionAutoscalers.Get(p, r, spec.Name).Context(ctx).Do)
	switch {
	case gcp.IsNotFound(err):
		got.CPUTarget = 0
	case err != nil:
		return nil, fmt.Errorf("read autoscaler %s: %w", spec.Name, err)
	default:
		st.AutoscalerID = as.SelfLink
		ap := as.AutoscalingPolicy
		if ap == nil {
			ap = &compute.AutoscalingPolicy{}
		}
		got.MinSize, got.MaxSize = int(ap.MinNumReplicas), int(ap.MaxNumReplicas)
		got.CPUTarget = math.Round(utilizationTarget(ap)*10000) / 100
	}
	if spec.TargetGroupID == "" {
		// Import: find the load balancer the group serves.
		got.TargetGroupID = g.findBackendService(ctx, spec.Name)
	} else if spec.TargetGroupID != "" {
		got.TargetGroupID = ""
		if bs, err := g.backendService(ctx, spec.TargetGroupID); err == nil {
			for _, b := range bs.Backends {
				if gcp.Last(b.Group) == spec.Name {
					got.TargetGroupID = spec.TargetGroupID
				}
			}
		} else if !gcp.IsNotFound(err) {
			return nil, err
		}
	}
	st.Spec = got
	err = gcp.ReadPages(ctx, func() error {
		st.Instances = nil // a retry lists from the start
		return g.c.svc.RegionInstanceGroupManagers.ListManagedInstances(p, r, spec.Name).Pages(ctx, func(l *compute.RegionInstanceGroupManagersListInstancesResponse) error {
			for _, mi := range l.ManagedInstances {
				in := scalinggroup.Instance{ID: mi.Name, Zone: zoneOf(mi.Instance), State: mi.InstanceStatus, MachineType: got.MachineType, Image: got.Image}
				if hs := mi.InstanceHealth; len(hs) > 0 && hs[0] != nil {
					in.Health = hs[0].DetailedHealthState
				}
				if in.ID == "" {
					in.ID = gcp.Last(mi.Instance)
				}
				st.Instances = append(st.Instances, in)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list instances of %s: %w", spec.Name, err)
	}
	return st, nil
}

// shortImage spells an image family link as project/family, the way
// configurations name it.
func shortImage(link string) string {
	_, rest, ok := strings.Cut(link, "projects/")
	if !ok {
		return link
	}
	proj, family, ok := strings.Cut(rest, "/global/images/family/")
	if !ok || strings.Contains(family, "/") {
		return link
	}
	return proj + "/" + family
}

// findBackendService is the self link of the global backend service
// that has the group as a backend, "" when none (or on error: import
// then shows the difference in plan).
func (g *ScalingGroups) findBackendService(ctx context.Context, group string) string {
	found := ""
	errFound := errors.New("found")
	err := gcp.ReadPages(ctx, func() error {
		return g.c.svc.BackendServices.List(g.c.project).Pages(ctx, func(l *compute.BackendServiceList) error {
			for _, bs := range l.Items {
				for _, b := range bs.Backends {
					if gcp.Last(b.Group) == group && regionOf(b.Group) == g.region {
						found = bs.SelfLink
						return errFound // the first one, as before: stop listing
					}
				}
			}
			return nil
		})
	})
	if !errors.Is(err, errFound) {
		return ""
	}
	return found
}

func zoneOf(instance string) string {
	_, rest, ok := strings.Cut(instance, "/zones/")
	if !ok {
		return ""
	}
	z, _, _ := strings.Cut(rest, "/")
	return z
}

// Delete removes the group from its load balancer, then the autoscaler,
// the group, its autohealing check and every template it was built from.
func (g *ScalingGroups) Delete(ctx context.Context, st *scalinggroup.Status) error {
	return g.wrap(g.delete(ctx, st))
}

func (g *ScalingGroups) delete(ctx context.Context, st *scalinggroup.Status) error {
	p, r, name := g.c.project, g.region, st.Spec.Name
	if st.Spec.TargetGroupID != "" {
		if err := g.detach(ctx, name, st.Spec.TargetGroupID); err != nil {
			return err
		}
	}
	deleteAutoscaler := g.c.svc.RegionAutoscalers.Delete(p, r, name).Context(ctx).Do
	// The autoscaler goes first, as gcloud does; should the API hold it
	// as in use by its group, it goes right after the group instead.
	autoscalerLeft := false
	if err := ignoreNotFound(g.c.do(ctx, "delete autoscaler "+name, deleteAutoscaler)); err != nil {
		if !gcp.IsInUse(err) {
			return err
		}
		autoscalerLeft = true
	}
	if err := g.c.deleteInUse(ctx, "delete instance group "+name, g.InUseWait, g.c.svc.RegionInstanceGroupManagers.Delete(p, r, name).Context(ctx).Do); err != nil {
		return err
	}
	if autoscalerLeft {
		if err := g.c.deleteInUse(ctx, "delete autoscaler "+name, g.InUseWait, deleteAutoscaler); err != nil {
			return err
		}
	}
	if err := g.c.deleteInUse(ctx, "delete health check "+name+sfxAutohealing, g.InUseWait, g.c.svc.HealthChecks.Delete(p, name+sfxAutohealing).Context(ctx).Do); err != nil {
		return err
	}
	var templates []string
	err := gcp.ReadPages(ctx, func() error {
		templates = nil // a retry lists from the start
		return g.c.svc.InstanceTemplates.List(p).Pages(ctx, func(l *compute.InstanceTemplateList) error {
			for _, t := range l.Items {
				if isTemplateOf(name, t.Name) {
					templates = append(templates, t.Name)
				}
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("list instance templates: %w", err)
	}
	for _, t := range templates {
		if err := g.c.deleteInUse(ctx, "delete instance template "+t, g.InUseWait, g.c.svc.InstanceTemplates.Delete(p, t).Context(ctx).Do); err != nil {
			return err
		}
	}
	return nil
}
