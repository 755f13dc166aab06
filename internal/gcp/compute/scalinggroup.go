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

	compute "cloud.google.com/go/compute/apiv1"
	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/api/iterator"

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
func updatePolicy(s scalinggroup.Spec, zones int) *computepb.InstanceGroupManagerUpdatePolicy {
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
	return &computepb.InstanceGroupManagerUpdatePolicy{
		Type: ptr("PROACTIVE"), MinimalAction: ptr(action), ReplacementMethod: ptr("SUBSTITUTE"),
		MaxSurge: &computepb.FixedOrPercent{Fixed: ptr(int32(surge))}, MaxUnavailable: &computepb.FixedOrPercent{Fixed: ptr(int32(unavail))},
	}
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
	var r *computepb.Region
	err := gcp.Call(ctx, func() error {
		var err error
		r, err = c.regions.Get(ctx, &computepb.GetRegionRequest{Project: c.project, Region: region}, gcp.ReadRetry())
		return err
	})
	if gcp.IsNotFound(err) {
		return nil, fmt.Errorf("%w (project %s)", backend.NotFound("region", region), c.project)
	}
	if err != nil {
		return nil, fmt.Errorf("read zones of region %s: %w", region, err)
	}
	out := make([]string, 0, len(r.GetZones()))
	for _, z := range r.GetZones() {
		out = append(out, last(z))
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
	var lb *computepb.BackendService
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
	var healingPolicies []*computepb.InstanceGroupManagerAutoHealingPolicy
	if healing != "" {
		healingPolicies = []*computepb.InstanceGroupManagerAutoHealingPolicy{{HealthCheck: ptr(healing), InitialDelaySec: ptr(int32(spec.GracePeriod))}}
	}
	var namedPorts []*computepb.NamedPort
	if port > 0 {
		namedPorts = []*computepb.NamedPort{{Name: ptr("http"), Port: ptr(int32(port))}}
	}
	mig, err := g.c.groupManagers.Get(ctx, &computepb.GetRegionInstanceGroupManagerRequest{Project: p, Region: r, InstanceGroupManager: spec.Name}, gcp.ReadRetry())
	oldTemplate := ""
	switch {
	case gcp.IsNotFound(err):
		dist := &computepb.DistributionPolicy{}
		for _, z := range zones {
			dist.Zones = append(dist.Zones, &computepb.DistributionPolicyZoneConfiguration{Zone: ptr("zones/" + z)})
		}
		want := &computepb.InstanceGroupManager{
			Name: ptr(spec.Name), BaseInstanceName: ptr(spec.Name), InstanceTemplate: ptr(tplRef),
			TargetSize: ptr(int32(spec.DesiredCapacity)), DistributionPolicy: dist, UpdatePolicy: policy,
			AutoHealingPolicies: healingPolicies, NamedPorts: namedPorts,
		}
		if err := createOrAdopt(gcp.Do(ctx, "create instance group "+spec.Name, func() (*compute.Operation, error) {
			return g.c.groupManagers.Insert(ctx, &computepb.InsertRegionInstanceGroupManagerRequest{Project: p, Region: r, InstanceGroupManagerResource: want})
		})); err != nil {
			return false, err
		}
	case err != nil:
		return false, fmt.Errorf("read instance group %s: %w", spec.Name, err)
	default:
		patch := &computepb.InstanceGroupManager{Fingerprint: mig.Fingerprint}
		changed := false
		if !sameRef(mig.GetInstanceTemplate(), tplRef) {
			oldTemplate = last(mig.GetInstanceTemplate())
			patch.InstanceTemplate = ptr(tplRef)
			// Versions would override instanceTemplate; the group has one.
			patch.Versions = []*computepb.InstanceGroupManagerVersion{{InstanceTemplate: ptr(tplRef)}}
			rolled, changed = true, true
		}
		if !samePolicy(mig.GetUpdatePolicy(), policy) || rolled {
			patch.UpdatePolicy, changed = policy, true
		}
		if !sameHealing(mig.GetAutoHealingPolicies(), healingPolicies) {
			patch.AutoHealingPolicies, changed = healingPolicies, true
			if len(healingPolicies) == 0 {
				// An empty list is not sent; one without a check clears it.
				patch.AutoHealingPolicies = []*computepb.InstanceGroupManagerAutoHealingPolicy{{}}
			}
		}
		if !sameNamedPorts(mig.GetNamedPorts(), namedPorts) && len(namedPorts) > 0 {
			patch.NamedPorts, changed = namedPorts, true
		}
		if changed {
			if err := gcp.Do(ctx, "update instance group "+spec.Name, func() (*compute.Operation, error) {
				return g.c.groupManagers.Patch(ctx, &computepb.PatchRegionInstanceGroupManagerRequest{Project: p, Region: r, InstanceGroupManager: spec.Name, InstanceGroupManagerResource: patch})
			}); err != nil {
				return false, err
			}
		}
		if spec.CPUTarget == 0 && int(mig.GetTargetSize()) != spec.DesiredCapacity {
			if err := gcp.Do(ctx, "resize instance group "+spec.Name, func() (*compute.Operation, error) {
				return g.c.groupManagers.Resize(ctx, &computepb.ResizeRegionInstanceGroupManagerRequest{Project: p, Region: r, InstanceGroupManager: spec.Name, Size: int32(spec.DesiredCapacity)})
			}); err != nil {
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
		if err := deleteInUse(ctx, "delete instance template "+oldTemplate, g.InUseWait, func() (*compute.Operation, error) {
			return g.c.instanceTemplates.Delete(ctx, &computepb.DeleteInstanceTemplateRequest{Project: p, InstanceTemplate: oldTemplate})
		}); err != nil {
			return false, err
		}
	}
	return rolled, nil
}

func samePolicy(a, b *computepb.InstanceGroupManagerUpdatePolicy) bool {
	return a.GetType() == b.GetType() && a.GetMinimalAction() == b.GetMinimalAction() &&
		a.GetMaxSurge().GetFixed() == b.GetMaxSurge().GetFixed() && a.GetMaxUnavailable().GetFixed() == b.GetMaxUnavailable().GetFixed()
}

func sameHealing(a, b []*computepb.InstanceGroupManagerAutoHealingPolicy) bool {
	strip := func(p []*computepb.InstanceGroupManagerAutoHealingPolicy) []*computepb.InstanceGroupManagerAutoHealingPolicy {
		var out []*computepb.InstanceGroupManagerAutoHealingPolicy
		for _, x := range p {
			if x.GetHealthCheck() != "" {
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
		if !sameRef(a[i].GetHealthCheck(), b[i].GetHealthCheck()) || a[i].GetInitialDelaySec() != b[i].GetInitialDelaySec() {
			return false
		}
	}
	return true
}

func sameNamedPorts(a, b []*computepb.NamedPort) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].GetName() != b[i].GetName() || a[i].GetPort() != b[i].GetPort() {
			return false
		}
	}
	return true
}

func (g *ScalingGroups) ensureTemplate(ctx context.Context, spec scalinggroup.Spec, name, network string) error {
	p := g.c.project
	_, err := g.c.instanceTemplates.Get(ctx, &computepb.GetInstanceTemplateRequest{Project: p, InstanceTemplate: name}, gcp.ReadRetry())
	if err == nil {
		return nil
	}
	if !gcp.IsNotFound(err) {
		return fmt.Errorf("read instance template %s: %w", name, err)
	}
	desc, _ := json.Marshal(map[string]string{"component": spec.Component, "blueprint": spec.Blueprint})
	tpl := &computepb.InstanceTemplate{
		Name: ptr(name), Description: ptr(string(desc)),
		Properties: &computepb.InstanceProperties{
			MachineType: ptr(spec.MachineType),
			Disks: []*computepb.AttachedDisk{{
				Boot: ptr(true), AutoDelete: ptr(true), Type: ptr("PERSISTENT"),
				InitializeParams: &computepb.AttachedDiskInitializeParams{SourceImage: ptr(imageRef(spec.Image))},
			}},
			NetworkInterfaces: []*computepb.NetworkInterface{{Network: ptr(network)}},
			Labels:            labels(spec.Meta),
		},
	}
	return createOrAdopt(gcp.Do(ctx, "create instance template "+name, func() (*compute.Operation, error) {
		return g.c.instanceTemplates.Insert(ctx, &computepb.InsertInstanceTemplateRequest{Project: p, InstanceTemplateResource: tpl})
	}))
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
func (g *ScalingGroups) backendService(ctx context.Context, ref string) (*computepb.BackendService, error) {
	p := g.c.project
	var bs *computepb.BackendService
	var err error
	if strings.Contains(ref, "/regions/") {
		bs, err = g.c.regionBackendServices.Get(ctx, &computepb.GetRegionBackendServiceRequest{Project: p, Region: regionOf(ref), BackendService: last(ref)}, gcp.ReadRetry())
	} else {
		bs, err = g.c.backendServices.Get(ctx, &computepb.GetBackendServiceRequest{Project: p, BackendService: last(ref)}, gcp.ReadRetry())
	}
	if err != nil {
		return nil, fmt.Errorf("read backend service %s: %w", last(ref), err)
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
func (g *ScalingGroups) ensureAutohealing(ctx context.Context, spec scalinggroup.Spec, lb *computepb.BackendService) (string, int, error) {
	p := g.c.project
	name := spec.Name + sfxAutohealing
	if spec.HealthCheck == nil {
		if err := deleteInUse(ctx, "delete health check "+name, g.InUseWait, func() (*compute.Operation, error) {
			return g.c.healthChecks.Delete(ctx, &computepb.DeleteHealthCheckRequest{Project: p, HealthCheck: name})
		}); err != nil && !gcp.IsInUse(err) {
			return "", 0, err
		}
		if lb == nil || len(lb.GetHealthChecks()) == 0 {
			return "", 0, nil
		}
		ref := lb.GetHealthChecks()[0]
		var hc *computepb.HealthCheck
		var err error
		if strings.Contains(ref, "/regions/") {
			hc, err = g.c.regionHealthChecks.Get(ctx, &computepb.GetRegionHealthCheckRequest{Project: p, Region: regionOf(ref), HealthCheck: last(ref)}, gcp.ReadRetry())
		} else {
			hc, err = g.c.healthChecks.Get(ctx, &computepb.GetHealthCheckRequest{Project: p, HealthCheck: last(ref)}, gcp.ReadRetry())
		}
		if err != nil {
			return "", 0, fmt.Errorf("read health check of the load balancer: %w", err)
		}
		return hc.GetSelfLink(), int(hcPort(hc)), nil
	}
	h := spec.HealthCheck
	body := &computepb.HealthCheck{
		Name: ptr(name), CheckIntervalSec: ptr(int32(orDefault(h.Interval, 10))), TimeoutSec: ptr(int32(min(5, orDefault(h.Interval, 10)))),
		HealthyThreshold: ptr(int32(2)), UnhealthyThreshold: ptr(int32(3)),
	}
	port := ptr(int32(orDefault(h.Port, 80)))
	switch strings.ToUpper(h.Protocol) {
	case "TCP":
		body.Type, body.TcpHealthCheck = ptr("TCP"), &computepb.TCPHealthCheck{Port: port}
	case "HTTPS":
		body.Type, body.HttpsHealthCheck = ptr("HTTPS"), &computepb.HTTPSHealthCheck{Port: port, RequestPath: ptr(orDefaultS(h.Path, "/"))}
	default:
		body.Type, body.HttpHealthCheck = ptr("HTTP"), &computepb.HTTPHealthCheck{Port: port, RequestPath: ptr(orDefaultS(h.Path, "/"))}
	}
	ref := g.c.globalRef("healthChecks", name)
	cur, err := g.c.healthChecks.Get(ctx, &computepb.GetHealthCheckRequest{Project: p, HealthCheck: name}, gcp.ReadRetry())
	switch {
	case gcp.IsNotFound(err):
		err = createOrAdopt(gcp.Do(ctx, "create health check "+name, func() (*compute.Operation, error) {
			return g.c.healthChecks.Insert(ctx, &computepb.InsertHealthCheckRequest{Project: p, HealthCheckResource: body})
		}))
	case err != nil:
		err = fmt.Errorf("read health check %s: %w", name, err)
	case !sameHealthCheck(cur, body):
		err = gcp.Do(ctx, "update health check "+name, func() (*compute.Operation, error) {
			return g.c.healthChecks.Update(ctx, &computepb.UpdateHealthCheckRequest{Project: p, HealthCheck: name, HealthCheckResource: body})
		})
	}
	return ref, int(*port), err
}

func (g *ScalingGroups) ensureAutoscaler(ctx context.Context, spec scalinggroup.Spec) error {
	p, r := g.c.project, g.region
	cur, err := g.c.autoscalers.Get(ctx, &computepb.GetRegionAutoscalerRequest{Project: p, Region: r, Autoscaler: spec.Name}, gcp.ReadRetry())
	exists := err == nil
	if err != nil && !gcp.IsNotFound(err) {
		return fmt.Errorf("read autoscaler %s: %w", spec.Name, err)
	}
	if spec.CPUTarget == 0 {
		if !exists {
			return nil
		}
		return ignoreNotFound(gcp.Do(ctx, "delete autoscaler "+spec.Name, func() (*compute.Operation, error) {
			return g.c.autoscalers.Delete(ctx, &computepb.DeleteRegionAutoscalerRequest{Project: p, Region: r, Autoscaler: spec.Name})
		}))
	}
	want := &computepb.Autoscaler{
		Name: ptr(spec.Name), Target: ptr(g.c.regionalRef(r, "instanceGroupManagers", spec.Name)),
		AutoscalingPolicy: &computepb.AutoscalingPolicy{
			MinNumReplicas: ptr(int32(spec.MinSize)), MaxNumReplicas: ptr(int32(spec.MaxSize)),
			CoolDownPeriodSec: ptr(int32(max(60, spec.GracePeriod))),
			CpuUtilization:    &computepb.AutoscalingPolicyCpuUtilization{UtilizationTarget: ptr(spec.CPUTarget / 100)},
		},
	}
	if !exists {
		return createOrAdopt(gcp.Do(ctx, "create autoscaler "+spec.Name, func() (*compute.Operation, error) {
			return g.c.autoscalers.Insert(ctx, &computepb.InsertRegionAutoscalerRequest{Project: p, Region: r, AutoscalerResource: want})
		}))
	}
	pol := cur.GetAutoscalingPolicy()
	if pol.GetMinNumReplicas() == int32(spec.MinSize) && pol.GetMaxNumReplicas() == int32(spec.MaxSize) &&
		math.Abs(pol.GetCpuUtilization().GetUtilizationTarget()*100-spec.CPUTarget) < 1e-6 && pol.GetCoolDownPeriodSec() == want.AutoscalingPolicy.GetCoolDownPeriodSec() {
		return nil
	}
	return gcp.Do(ctx, "update autoscaler "+spec.Name, func() (*compute.Operation, error) {
		return g.c.autoscalers.Update(ctx, &computepb.UpdateRegionAutoscalerRequest{Project: p, Region: r, Autoscaler: ptr(spec.Name), AutoscalerResource: want})
	})
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
		var backends []*computepb.Backend
		found := false
		for _, b := range bs.GetBackends() {
			if sameRef(b.GetGroup(), groupRef) {
				found = true
				if !add {
					continue
				}
			}
			backends = append(backends, b)
		}
		if found == add {
			return nil
		}
		if add {
			b := &computepb.Backend{Group: ptr(groupRef), BalancingMode: ptr("UTILIZATION"), CapacityScaler: ptr(float32(1))}
			if bs.GetLoadBalancingScheme() == "EXTERNAL" {
				// Passthrough load balancers balance connections.
				b.BalancingMode, b.CapacityScaler = ptr("CONNECTION"), nil
			}
			backends = append(backends, b)
		}
		patch := &computepb.BackendService{Backends: backends, Fingerprint: bs.Fingerprint}
		what := "attach " + group + " to " + last(bsRef)
		if !add {
			what = "detach " + group + " from " + last(bsRef)
			if len(backends) == 0 {
				// An empty list would be left out of the patch.
				return g.putBackends(ctx, bs, what)
			}
		}
		if strings.Contains(bsRef, "/regions/") {
			return gcp.Do(ctx, what, func() (*compute.Operation, error) {
				return g.c.regionBackendServices.Patch(ctx, &computepb.PatchRegionBackendServiceRequest{Project: g.c.project, Region: regionOf(bsRef), BackendService: last(bsRef), BackendServiceResource: patch})
			})
		}
		return gcp.Do(ctx, what, func() (*compute.Operation, error) {
			return g.c.backendServices.Patch(ctx, &computepb.PatchBackendServiceRequest{Project: g.c.project, BackendService: last(bsRef), BackendServiceResource: patch})
		})
	})
}

// putBackends replaces the backend service whole with no backends.
func (g *ScalingGroups) putBackends(ctx context.Context, bs *computepb.BackendService, what string) error {
	bs.Backends = nil
	ref := bs.GetSelfLink()
	if strings.Contains(ref, "/regions/") {
		return gcp.Do(ctx, what, func() (*compute.Operation, error) {
			return g.c.regionBackendServices.Update(ctx, &computepb.UpdateRegionBackendServiceRequest{Project: g.c.project, Region: regionOf(ref), BackendService: last(ref), BackendServiceResource: bs})
		})
	}
	return gcp.Do(ctx, what, func() (*compute.Operation, error) {
		return g.c.backendServices.Update(ctx, &computepb.UpdateBackendServiceRequest{Project: g.c.project, BackendService: last(ref), BackendServiceResource: bs})
	})
}

// waitStable polls until the group is stable and every instance runs the
// group's template (status.isStable and status.versionTarget.isReached).
func (g *ScalingGroups) waitStable(ctx context.Context, name string) error {
	for {
		var mig *computepb.InstanceGroupManager
		err := gcp.Call(ctx, func() error {
			var err error
			mig, err = g.c.groupManagers.Get(ctx, &computepb.GetRegionInstanceGroupManagerRequest{Project: g.c.project, Region: g.region, InstanceGroupManager: name}, gcp.ReadRetry())
			return err
		})
		if err != nil {
			return fmt.Errorf("wait for instance group %s: %w", name, err)
		}
		if mig.GetStatus().GetIsStable() && mig.GetStatus().GetVersionTarget().GetIsReached() {
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
	mig, err := g.c.groupManagers.Get(ctx, &computepb.GetRegionInstanceGroupManagerRequest{Project: p, Region: r, InstanceGroupManager: spec.Name}, gcp.ReadRetry())
	if gcp.IsNotFound(err) {
		return nil, backend.NotFound("scaling group", spec.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("read instance group %s: %w", spec.Name, err)
	}
	got := spec
	got.Location = r
	st := &scalinggroup.Status{ID: mig.GetSelfLink(), URI: mig.GetSelfLink(), TemplateID: mig.GetInstanceTemplate(), TemplateVersion: 1}
	if previous != nil && previous.TemplateVersion > 0 {
		st.TemplateVersion = previous.TemplateVersion
		if previous.TemplateID != "" && !sameRef(previous.TemplateID, mig.GetInstanceTemplate()) {
			st.TemplateVersion++
		}
		st.RollMethod = previous.RollMethod
	}
	got.Zones = nil
	for _, z := range mig.GetDistributionPolicy().GetZones() {
		got.Zones = append(got.Zones, last(z.GetZone()))
	}
	sort.Strings(got.Zones)
	tpl, err := g.c.instanceTemplates.Get(ctx, &computepb.GetInstanceTemplateRequest{Project: p, InstanceTemplate: last(mig.GetInstanceTemplate())}, gcp.ReadRetry())
	if err != nil {
		return nil, fmt.Errorf("read instance template of %s: %w", spec.Name, err)
	}
	props := tpl.GetProperties()
	got.MachineType = last(props.GetMachineType())
	if len(props.GetDisks()) > 0 {
		img := props.GetDisks()[0].GetInitializeParams().GetSourceImage()
		switch {
		case sameRef(imageRef(spec.Image), img) || spec.Image != "" && sameRef(spec.Image, img):
			img = spec.Image // as the user spelled it
		case spec.Image == "":
			img = shortImage(img)
		}
		got.Image = img
	}
	if len(props.GetNetworkInterfaces()) > 0 && spec.Network != "" {
		if sameRef(networkOf(spec), props.GetNetworkInterfaces()[0].GetNetwork()) || last(props.GetNetworkInterfaces()[0].GetNetwork()) == spec.Network {
			got.Network = spec.Network
		} else {
			got.Network = props.GetNetworkInterfaces()[0].GetNetwork()
		}
	}
	if spec.Component == "" && spec.Blueprint == "" {
		// Import: the template says which component it was built for.
		var meta map[string]string
		if json.Unmarshal([]byte(tpl.GetDescription()), &meta) == nil {
			got.Component, got.Blueprint = meta["component"], meta["blueprint"]
		}
	}
	got.DesiredCapacity = int(mig.GetTargetSize())
	pol := mig.GetUpdatePolicy()
	if spec.UpdatePolicy != (scalinggroup.UpdatePolicy{}) {
		got.UpdatePolicy = scalinggroup.UpdatePolicy{
			MaxSurge: int(pol.GetMaxSurge().GetFixed()), MaxUnavailable: int(pol.GetMaxUnavailable().GetFixed()),
			MinimalAction: strings.ToLower(pol.GetMinimalAction()),
		}
	}
	if hs := mig.GetAutoHealingPolicies(); len(hs) > 0 && hs[0].GetHealthCheck() != "" {
		got.GracePeriod = int(hs[0].GetInitialDelaySec())
		if spec.HealthCheck != nil && last(hs[0].GetHealthCheck()) == spec.Name+sfxAutohealing {
			hc, err := g.c.healthChecks.Get(ctx, &computepb.GetHealthCheckRequest{Project: p, HealthCheck: spec.Name + sfxAutohealing}, gcp.ReadRetry())
			if err != nil {
				return nil, fmt.Errorf("read autohealing health check of %s: %w", spec.Name, err)
			}
			got.HealthCheck = &scalinggroup.HealthCheck{
				Protocol: hc.GetType(), Port: int(hcPort(hc)), Path: hcPath(hc),
				Interval: int(hc.GetCheckIntervalSec()), InitialDelay: spec.HealthCheck.InitialDelay,
			}
		}
	}
	as, err := g.c.autoscalers.Get(ctx, &computepb.GetRegionAutoscalerRequest{Project: p, Region: r, Autoscaler: spec.Name}, gcp.ReadRetry())
	switch {
	case gcp.IsNotFound(err):
		got.CPUTarget = 0
	case err != nil:
		return nil, fmt.Errorf("read autoscaler %s: %w", spec.Name, err)
	default:
		st.AutoscalerID = as.GetSelfLink()
		ap := as.GetAutoscalingPolicy()
		got.MinSize, got.MaxSize = int(ap.GetMinNumReplicas()), int(ap.GetMaxNumReplicas())
		got.CPUTarget = math.Round(ap.GetCpuUtilization().GetUtilizationTarget()*10000) / 100
	}
	if spec.TargetGroupID == "" {
		// Import: find the load balancer the group serves.
		got.TargetGroupID = g.findBackendService(ctx, spec.Name)
	} else if spec.TargetGroupID != "" {
		got.TargetGroupID = ""
		if bs, err := g.backendService(ctx, spec.TargetGroupID); err == nil {
			for _, b := range bs.GetBackends() {
				if last(b.GetGroup()) == spec.Name {
					got.TargetGroupID = spec.TargetGroupID
				}
			}
		} else if !gcp.IsNotFound(err) {
			return nil, err
		}
	}
	st.Spec = got
	it := g.c.groupManagers.ListManagedInstances(ctx, &computepb.ListManagedInstancesRegionInstanceGroupManagersRequest{Project: p, Region: r, InstanceGroupManager: spec.Name}, gcp.ReadRetry())
	for {
		mi, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list instances of %s: %w", spec.Name, err)
		}
		in := scalinggroup.Instance{ID: mi.GetName(), Zone: zoneOf(mi.GetInstance()), State: mi.GetInstanceStatus(), MachineType: got.MachineType, Image: got.Image}
		if hs := mi.GetInstanceHealth(); len(hs) > 0 {
			in.Health = hs[0].GetDetailedHealthState()
		}
		if in.ID == "" {
			in.ID = last(mi.GetInstance())
		}
		st.Instances = append(st.Instances, in)
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
	it := g.c.backendServices.List(ctx, &computepb.ListBackendServicesRequest{Project: g.c.project}, gcp.ReadRetry())
	for {
		bs, err := it.Next()
		if err != nil {
			return ""
		}
		for _, b := range bs.GetBackends() {
			if last(b.GetGroup()) == group && regionOf(b.GetGroup()) == g.region {
				return bs.GetSelfLink()
			}
		}
	}
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
	deleteAutoscaler := func() (*compute.Operation, error) {
		return g.c.autoscalers.Delete(ctx, &computepb.DeleteRegionAutoscalerRequest{Project: p, Region: r, Autoscaler: name})
	}
	// The autoscaler goes first, as gcloud does; should the API hold it
	// as in use by its group, it goes right after the group instead.
	autoscalerLeft := false
	if err := ignoreNotFound(gcp.Do(ctx, "delete autoscaler "+name, deleteAutoscaler)); err != nil {
		if !gcp.IsInUse(err) {
			return err
		}
		autoscalerLeft = true
	}
	if err := deleteInUse(ctx, "delete instance group "+name, g.InUseWait, func() (*compute.Operation, error) {
		return g.c.groupManagers.Delete(ctx, &computepb.DeleteRegionInstanceGroupManagerRequest{Project: p, Region: r, InstanceGroupManager: name})
	}); err != nil {
		return err
	}
	if autoscalerLeft {
		if err := deleteInUse(ctx, "delete autoscaler "+name, g.InUseWait, deleteAutoscaler); err != nil {
			return err
		}
	}
	if err := deleteInUse(ctx, "delete health check "+name+sfxAutohealing, g.InUseWait, func() (*compute.Operation, error) {
		return g.c.healthChecks.Delete(ctx, &computepb.DeleteHealthCheckRequest{Project: p, HealthCheck: name + sfxAutohealing})
	}); err != nil {
		return err
	}
	it := g.c.instanceTemplates.List(ctx, &computepb.ListInstanceTemplatesRequest{Project: p}, gcp.ReadRetry())
	var templates []string
	for {
		t, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return fmt.Errorf("list instance templates: %w", err)
		}
		if isTemplateOf(name, t.GetName()) {
			templates = append(templates, t.GetName())
		}
	}
	for _, t := range templates {
		if err := deleteInUse(ctx, "delete instance template "+t, g.InUseWait, func() (*compute.Operation, error) {
			return g.c.instanceTemplates.Delete(ctx, &computepb.DeleteInstanceTemplateRequest{Project: p, InstanceTemplate: t})
		}); err != nil {
			return err
		}
	}
	return nil
}
