package compute

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	compute "google.golang.org/api/compute/v1"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
	"github.com/ha-blueprints/terraform-provider-ha/internal/loadbalancer"
)

// Names of the parts, from the load balancer's name. The first listener's
// forwarding rule carries the name itself, so import by name finds it.
const (
	sfxHealthCheck = "-hc"
	sfxBackend     = "-bs"
	sfxURLMap      = "-um"
	sfxProxy       = "-tp"
)

// Part keys in loadbalancer.Status.Parts.
const (
	partHealthCheck = "health_check"
	partBackend     = "backend_service"
	partURLMap      = "url_map"
	partProxy       = "target_http_proxy"
	partRules       = "forwarding_rules"
)

// LoadBalancers is the GCP load balancer backend for one region.
type LoadBalancers struct {
	c      *clients
	region string
	// InUseWait bounds how long Delete retries a part still referenced by
	// another (GCP lets go of references a little after the referrer goes).
	InUseWait time.Duration
}

var _ loadbalancer.Backend = (*LoadBalancers)(nil)

func registerLoadBalancer() {
	loadbalancer.Register(backend.GCP, func(ctx context.Context, s *backend.Settings, location string) (loadbalancer.Backend, error) {
		return NewLoadBalancers(ctx, s, location)
	})
}

// NewLoadBalancers returns the backend for region.
func NewLoadBalancers(ctx context.Context, s *backend.Settings, region string) (*LoadBalancers, error) {
	c, _, err := open(ctx, s, region)
	if err != nil {
		return nil, err
	}
	return &LoadBalancers{c: c, region: region, InUseWait: 3 * time.Minute}, nil
}

func validateLB(spec loadbalancer.Spec) error {
	if err := checkName("load balancer", spec.Name, 6); err != nil {
		return err
	}
	if spec.Layer != 4 && spec.Layer != 7 {
		return fmt.Errorf("layer must be 4 or 7, not %d", spec.Layer)
	}
	if len(spec.Listeners) == 0 {
		return errors.New("at least one listener is needed")
	}
	for _, l := range spec.Listeners {
		p := strings.ToUpper(l.Protocol)
		if spec.Layer == 7 && p != "HTTP" {
			return fmt.Errorf("listener on port %d: a layer 7 load balancer on GCP serves HTTP, not %s", l.Port, l.Protocol)
		}
		if spec.Layer == 4 && p != "TCP" && p != "UDP" {
			return fmt.Errorf("listener on port %d: a layer 4 load balancer on GCP serves TCP or UDP, not %s", l.Port, l.Protocol)
		}
		if spec.Layer == 4 && p != strings.ToUpper(spec.Listeners[0].Protocol) {
			return errors.New("a layer 4 load balancer on GCP serves one protocol on all its listeners")
		}
	}
	if spec.Layer == 4 && len(spec.Listeners) > 5 {
		return errors.New("a layer 4 load balancer on GCP takes at most 5 listener ports")
	}
	return nil
}

func (b *LoadBalancers) wrap(err error) error { return gcp.Unreachable(b.region, err) }

// ruleName is the forwarding rule of listener i.
func ruleName(spec loadbalancer.Spec, port int, i int) string {
	if i == 0 || spec.Layer == 4 {
		return spec.Name
	}
	return spec.Name + "-" + strconv.Itoa(port)
}

// Apply converges every part to spec, creating what is missing: a retry
// after a partial failure finds the parts made so far by name.
func (b *LoadBalancers) Apply(ctx context.Context, spec loadbalancer.Spec, previous *loadbalancer.Status) (*loadbalancer.Status, error) {
	if err := validateLB(spec); err != nil {
		return nil, err
	}
	if err := b.applyParts(ctx, spec); err != nil {
		return nil, b.wrap(err)
	}
	return b.Read(ctx, spec, previous)
}

func (b *LoadBalancers) applyParts(ctx context.Context, spec loadbalancer.Spec) error {
	hcRef, err := b.ensureHealthCheck(ctx, spec)
	if err != nil {
		return err
	}
	bsRef, err := b.ensureBackendService(ctx, spec, hcRef)
	if err != nil {
		return err
	}
	if spec.Layer == 4 {
		return b.ensureRegionalRule(ctx, spec, bsRef)
	}
	umRef, err := b.ensureURLMap(ctx, spec, bsRef)
	if err != nil {
		return err
	}
	proxyRef, err := b.ensureProxy(ctx, spec, umRef)
	if err != nil {
		return err
	}
	return b.ensureGlobalRules(ctx, spec, proxyRef)
}

func healthCheckBody(spec loadbalancer.Spec, name string) *compute.HealthCheck {
	hc := spec.HealthCheck
	h := &compute.HealthCheck{
		Name:               name,
		CheckIntervalSec:   int64(orDefault(hc.Interval, 5)),
		TimeoutSec:         int64(min(orDefault(hc.Timeout, 5), orDefault(hc.Interval, 5))),
		HealthyThreshold:   int64(orDefault(hc.HealthyThreshold, 2)),
		UnhealthyThreshold: int64(orDefault(hc.UnhealthyThreshold, 2)),
	}
	setProbe(h, hc.Protocol, int64(orDefault(hc.Port, 80)), orDefaultS(hc.Path, "/"))
	return h
}

// setProbe sets the type and the protocol's probe of h (HTTP unless
// HTTPS or TCP); the port is sent even when 0, as it is set.
func setProbe(h *compute.HealthCheck, protocol string, port int64, path string) {
	force := []string{"Port"}
	switch strings.ToUpper(protocol) {
	case "HTTPS":
		h.Type = "HTTPS"
		h.HttpsHealthCheck = &compute.HTTPSHealthCheck{Port: port, RequestPath: path, ForceSendFields: force}
	case "TCP":
		h.Type = "TCP"
		h.TcpHealthCheck = &compute.TCPHealthCheck{Port: port, ForceSendFields: force}
	default:
		h.Type = "HTTP"
		h.HttpHealthCheck = &compute.HTTPHealthCheck{Port: port, RequestPath: path, ForceSendFields: force}
	}
}

func orDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

func orDefaultS(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func sameHealthCheck(a, b *compute.HealthCheck) bool {
	return a.Type == b.Type && a.CheckIntervalSec == b.CheckIntervalSec &&
		a.TimeoutSec == b.TimeoutSec && a.HealthyThreshold == b.HealthyThreshold &&
		a.UnhealthyThreshold == b.UnhealthyThreshold && hcPort(a) == hcPort(b) && hcPath(a) == hcPath(b)
}

func hcPort(h *compute.HealthCheck) int64 {
	switch {
	case h.HttpHealthCheck != nil:
		return h.HttpHealthCheck.Port
	case h.HttpsHealthCheck != nil:
		return h.HttpsHealthCheck.Port
	case h.TcpHealthCheck != nil:
		return h.TcpHealthCheck.Port
	}
	return 0
}

func hcPath(h *compute.HealthCheck) string {
	switch {
	case h.HttpHealthCheck != nil:
		return h.HttpHealthCheck.RequestPath
	case h.HttpsHealthCheck != nil:
		return h.HttpsHealthCheck.RequestPath
	}
	return ""
}

func (b *LoadBalancers) ensureHealthCheck(ctx context.Context, spec loadbalancer.Spec) (string, error) {
	name := spec.Name + sfxHealthCheck
	want := healthCheckBody(spec, name)
	p := b.c.project
	if spec.Layer == 4 {
		ref := b.c.regionalRef(b.region, "healthChecks", name)
		cur, err := gcp.Read(ctx, b.c.svc.RegionHealthChecks.Get(p, b.region, name).Context(ctx).Do)
		switch {
		case gcp.IsNotFound(err):
			return ref, createOrAdopt(b.c.do(ctx, "create health check "+name, b.c.svc.RegionHealthChecks.Insert(p, b.region, want).Context(ctx).Do))
		case err != nil:
			return "", fmt.Errorf("read health check %s: %w", name, err)
		case sameHealthCheck(cur, want):
			return ref, nil
		}
		return ref, b.c.do(ctx, "update health check "+name, b.c.svc.RegionHealthChecks.Update(p, b.region, name, want).Context(ctx).Do)
	}
	ref := b.c.globalRef("healthChecks", name)
	cur, err := gcp.Read(ctx, b.c.svc.HealthChecks.Get(p, name).Context(ctx).Do)
	switch {
	case gcp.IsNotFound(err):
		return ref, createOrAdopt(b.c.do(ctx, "create health check "+name, b.c.svc.HealthChecks.Insert(p, want).Context(ctx).Do))
	case err != nil:
		return "", fmt.Errorf("read health check %s: %w", name, err)
	case sameHealthCheck(cur, want):
		return ref, nil
	}
	return ref, b.c.do(ctx, "update health check "+name, b.c.svc.HealthChecks.Update(p, name, want).Context(ctx).Do)
}

// createOrAdopt treats "already exists" on a create as done: a retried
// insert whose first attempt went through, or a part left by a failed apply.
func createOrAdopt(err error) error {
	if err != nil && gcp.IsConflict(err) {
		return nil
	}
	return err
}

func (b *LoadBalancers) ensureBackendService(ctx context.Context, spec loadbalancer.Spec, hcRef string) (string, error) {
	name := spec.Name + sfxBackend
	p := b.c.project
	if spec.Layer == 4 {
		ref := b.c.regionalRef(b.region, "backendServices", name)
		proto := strings.ToUpper(spec.Listeners[0].Protocol)
		cur, err := gcp.Read(ctx, b.c.svc.RegionBackendServices.Get(p, b.region, name).Context(ctx).Do)
		switch {
		case gcp.IsNotFound(err):
			want := &compute.BackendService{Name: name, Protocol: proto, LoadBalancingScheme: "EXTERNAL", HealthChecks: []string{hcRef}}
			return ref, createOrAdopt(b.c.do(ctx, "create backend service "+name, b.c.svc.RegionBackendServices.Insert(p, b.region, want).Context(ctx).Do))
		case err != nil:
			return "", fmt.Errorf("read backend service %s: %w", name, err)
		case cur.Protocol == proto && len(cur.HealthChecks) == 1 && sameRef(cur.HealthChecks[0], hcRef):
			return ref, nil
		}
		// Patch only what this backend owns: the backends list belongs to
		// the scaling groups attached to it.
		patch := &compute.BackendService{Protocol: proto, HealthChecks: []string{hcRef}, Fingerprint: cur.Fingerprint}
		return ref, b.c.do(ctx, "update backend service "+name, b.c.svc.RegionBackendServices.Patch(p, b.region, name, patch).Context(ctx).Do)
	}
	ref := b.c.globalRef("backendServices", name)
	cur, err := gcp.Read(ctx, b.c.svc.BackendServices.Get(p, name).Context(ctx).Do)
	switch {
	case gcp.IsNotFound(err):
		want := &compute.BackendService{
			Name: name, Protocol: "HTTP", PortName: "http", TimeoutSec: 30,
			LoadBalancingScheme: "EXTERNAL_MANAGED", HealthChecks: []string{hcRef},
		}
		return ref, createOrAdopt(b.c.do(ctx, "create backend service "+name, b.c.svc.BackendServices.Insert(p, want).Context(ctx).Do))
	case err != nil:
		return "", fmt.Errorf("read backend service %s: %w", name, err)
	case len(cur.HealthChecks) == 1 && sameRef(cur.HealthChecks[0], hcRef):
		return ref, nil
	}
	patch := &compute.BackendService{HealthChecks: []string{hcRef}, Fingerprint: cur.Fingerprint}
	return ref, b.c.do(ctx, "update backend service "+name, b.c.svc.BackendServices.Patch(p, name, patch).Context(ctx).Do)
}

func (b *LoadBalancers) ensureURLMap(ctx context.Context, spec loadbalancer.Spec, bsRef string) (string, error) {
	name := spec.Name + sfxURLMap
	p := b.c.project
	ref := b.c.globalRef("urlMaps", name)
	cur, err := gcp.Read(ctx, b.c.svc.UrlMaps.Get(p, name).Context(ctx).Do)
	switch {
	case gcp.IsNotFound(err):
		return ref, createOrAdopt(b.c.do(ctx, "create URL map "+name, b.c.svc.UrlMaps.Insert(p, &compute.UrlMap{Name: name, DefaultService: bsRef}).Context(ctx).Do))
	case err != nil:
		return "", fmt.Errorf("read URL map %s: %w", name, err)
	case sameRef(cur.DefaultService, bsRef):
		return ref, nil
	}
	return ref, b.c.do(ctx, "update URL map "+name, b.c.svc.UrlMaps.Patch(p, name, &compute.UrlMap{DefaultService: bsRef, Fingerprint: cur.Fingerprint}).Context(ctx).Do)
}

func (b *LoadBalancers) ensureProxy(ctx context.Context, spec loadbalancer.Spec, umRef string) (string, error) {
	name := spec.Name + sfxProxy
	p := b.c.project
	ref := b.c.globalRef("targetHttpProxies", name)
	cur, err := gcp.Read(ctx, b.c.svc.TargetHttpProxies.Get(p, name).Context(ctx).Do)
	switch {
	case gcp.IsNotFound(err):
		return ref, createOrAdopt(b.c.do(ctx, "create target HTTP proxy "+name, b.c.svc.TargetHttpProxies.Insert(p, &compute.TargetHttpProxy{Name: name, UrlMap: umRef}).Context(ctx).Do))
	case err != nil:
		return "", fmt.Errorf("read target HTTP proxy %s: %w", name, err)
	case sameRef(cur.UrlMap, umRef):
		return ref, nil
	}
	return ref, b.c.do(ctx, "set URL map of "+name, b.c.svc.TargetHttpProxies.SetUrlMap(p, name, &compute.UrlMapReference{UrlMap: umRef}).Context(ctx).Do)
}

// ensureGlobalRules makes one global forwarding rule per listener port, all
// on the first rule's address, and removes rules of ports no longer listed.
func (b *LoadBalancers) ensureGlobalRules(ctx context.Context, spec loadbalancer.Spec, proxyRef string) error {
	p := b.c.project
	have, err := b.globalRules(ctx, spec.Name)
	if err != nil {
		return err
	}
	wanted := map[string]bool{}
	// Every rule of the load balancer shares one address; keep it while
	// rules come and go (a listener's port changes, the first rule too).
	address := ""
	if first, ok := have[spec.Name]; ok {
		address = first.IPAddress
	}
	for _, r := range have {
		if address == "" {
			address = r.IPAddress
		}
	}
	for i, l := range spec.Listeners {
		name := ruleName(spec, l.Port, i)
		wanted[name] = true
		portRange := strconv.Itoa(l.Port)
		if cur, ok := have[name]; ok && cur.PortRange == portRange+"-"+portRange || ok && cur.PortRange == portRange {
			if address == "" {
				address = cur.IPAddress
			}
			if !sameRef(cur.Target, proxyRef) {
				if err := b.c.do(ctx, "set target of forwarding rule "+name, b.c.svc.GlobalForwardingRules.SetTarget(p, name, &compute.TargetReference{Target: proxyRef}).Context(ctx).Do); err != nil {
					return err
				}
			}
			continue
		} else if ok {
			// The port range of a forwarding rule cannot be changed.
			if err := b.deleteGlobalRule(ctx, name); err != nil {
				return err
			}
		}
		rule := &compute.ForwardingRule{
			Name: name, IPProtocol: "TCP", PortRange: portRange, Target: proxyRef,
			LoadBalancingScheme: "EXTERNAL_MANAGED", Labels: labels(spec.Meta), IPAddress: address,
		}
		if err := createOrAdopt(b.c.do(ctx, "create forwarding rule "+name, b.c.svc.GlobalForwardingRules.Insert(p, rule).Context(ctx).Do)); err != nil {
			return err
		}
		if address == "" {
			got, err := gcp.Read(ctx, b.c.svc.GlobalForwardingRules.Get(p, name).Context(ctx).Do)
			if err != nil {
				return fmt.Errorf("read forwarding rule %s: %w", name, err)
			}
			address = got.IPAddress
		}
	}
	for name := range have {
		if !wanted[name] {
			if err := b.deleteGlobalRule(ctx, name); err != nil {
				return err
			}
		}
	}
	return nil
}

// globalRules lists the load balancer's global forwarding rules: the one
// named name and those named name-PORT.
func (b *LoadBalancers) globalRules(ctx context.Context, name string) (map[string]*compute.ForwardingRule, error) {
	var out map[string]*compute.ForwardingRule
	err := gcp.ReadPages(ctx, func() error {
		out = map[string]*compute.ForwardingRule{} // a retry lists from the start
		return b.c.svc.GlobalForwardingRules.List(b.c.project).Pages(ctx, func(l *compute.ForwardingRuleList) error {
			for _, r := range l.Items {
				if ownRule(name, r.Name) {
					out[r.Name] = r
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list forwarding rules: %w", err)
	}
	return out, nil
}

func ownRule(name, rule string) bool {
	if rule == name {
		return true
	}
	port, ok := strings.CutPrefix(rule, name+"-")
	if !ok {
		return false
	}
	_, err := strconv.Atoi(port)
	return err == nil
}

func (b *LoadBalancers) deleteGlobalRule(ctx context.Context, name string) error {
	return ignoreNotFound(b.c.do(ctx, "delete forwarding rule "+name, b.c.svc.GlobalForwardingRules.Delete(b.c.project, name).Context(ctx).Do))
}

func (b *LoadBalancers) ensureRegionalRule(ctx context.Context, spec loadbalancer.Spec, bsRef string) error {
	p := b.c.project
	ports := make([]string, 0, len(spec.Listeners))
	for _, l := range spec.Listeners {
		ports = append(ports, strconv.Itoa(l.Port))
	}
	proto := strings.ToUpper(spec.Listeners[0].Protocol)
	cur, err := gcp.Read(ctx, b.c.svc.ForwardingRules.Get(p, b.region, spec.Name).Context(ctx).Do)
	address := ""
	switch {
	case gcp.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("read forwarding rule %s: %w", spec.Name, err)
	case sameSet(cur.Ports, ports) && cur.IPProtocol == proto && sameRef(cur.BackendService, bsRef):
		return nil
	default:
		// Ports and protocol of a forwarding rule cannot be changed: the
		// rule is replaced, keeping its address.
		address = cur.IPAddress
		if err := ignoreNotFound(b.c.do(ctx, "delete forwarding rule "+spec.Name, b.c.svc.ForwardingRules.Delete(p, b.region, spec.Name).Context(ctx).Do)); err != nil {
			return err
		}
	}
	rule := &compute.ForwardingRule{
		Name: spec.Name, IPProtocol: proto, Ports: ports, BackendService: bsRef,
		LoadBalancingScheme: "EXTERNAL", Labels: labels(spec.Meta), IPAddress: address,
	}
	return createOrAdopt(b.c.do(ctx, "create forwarding rule "+spec.Name, b.c.svc.ForwardingRules.Insert(p, b.region, rule).Context(ctx).Do))
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

func ignoreNotFound(err error) error {
	if gcp.IsNotFound(err) {
		return nil
	}
	return err
}

// Read finds the load balancer by name: a global forwarding rule (layer 7)
// or, failing that, a regional one (layer 4), and follows its references.
func (b *LoadBalancers) Read(ctx context.Context, spec loadbalancer.Spec, _ *loadbalancer.Status) (*loadbalancer.Status, error) {
	st, err := b.read(ctx, spec)
	return st, b.wrap(err)
}

func (b *LoadBalancers) read(ctx context.Context, spec loadbalancer.Spec) (*loadbalancer.Status, error) {
	p := b.c.project
	got := spec
	got.Location = b.region
	st := &loadbalancer.Status{Parts: map[string]string{}}
	rules, err := b.globalRules(ctx, spec.Name)
	if err != nil {
		return nil, err
	}
	if first, ok := rules[spec.Name]; ok {
		got.Layer = 7
		st.ID = first.SelfLink
		st.Addresses = []string{first.IPAddress}
		got.Listeners = nil
		names := make([]string, 0, len(rules))
		for n, r := range rules {
			names = append(names, n)
			port, _ := strconv.Atoi(strings.SplitN(r.PortRange, "-", 2)[0])
			got.Listeners = append(got.Listeners, loadbalancer.Listener{Port: port, Protocol: "HTTP"})
		}
		sort.Strings(names)
		st.Parts[partRules] = strings.Join(names, ",")
		got.Listeners = orderLike(got.Listeners, spec.Listeners)
		proxy, err := gcp.Read(ctx, b.c.svc.TargetHttpProxies.Get(p, gcp.Last(first.Target)).Context(ctx).Do)
		if err != nil {
			return nil, fmt.Errorf("read target HTTP proxy of %s: %w", spec.Name, err)
		}
		st.Parts[partProxy] = proxy.SelfLink
		um, err := gcp.Read(ctx, b.c.svc.UrlMaps.Get(p, gcp.Last(proxy.UrlMap)).Context(ctx).Do)
		if err != nil {
			return nil, fmt.Errorf("read URL map of %s: %w", spec.Name, err)
		}
		st.Parts[partURLMap] = um.SelfLink
		bs, err := gcp.Read(ctx, b.c.svc.BackendServices.Get(p, gcp.Last(um.DefaultService)).Context(ctx).Do)
		if err != nil {
			return nil, fmt.Errorf("read backend service of %s: %w", spec.Name, err)
		}
		st.TargetGroupID = bs.SelfLink
		st.Parts[partBackend] = bs.SelfLink
		if len(bs.HealthChecks) > 0 {
			hc, err := gcp.Read(ctx, b.c.svc.HealthChecks.Get(p, gcp.Last(bs.HealthChecks[0])).Context(ctx).Do)
			if err != nil {
				return nil, fmt.Errorf("read health check of %s: %w", spec.Name, err)
			}
			st.Parts[partHealthCheck] = hc.SelfLink
			got.HealthCheck = flattenHealthCheck(hc, spec.HealthCheck)
		}
		st.Spec = got
		return st, nil
	}
	rule, err := gcp.Read(ctx, b.c.svc.ForwardingRules.Get(p, b.region, spec.Name).Context(ctx).Do)
	if gcp.IsNotFound(err) {
		return nil, backend.NotFound("load balancer", spec.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("read forwarding rule %s: %w", spec.Name, err)
	}
	got.Layer = 4
	st.ID = rule.SelfLink
	st.Addresses = []string{rule.IPAddress}
	st.Parts[partRules] = rule.Name
	got.Listeners = nil
	for _, port := range rule.Ports {
		n, _ := strconv.Atoi(port)
		got.Listeners = append(got.Listeners, loadbalancer.Listener{Port: n, Protocol: rule.IPProtocol})
	}
	got.Listeners = orderLike(got.Listeners, spec.Listeners)
	bs, err := gcp.Read(ctx, b.c.svc.RegionBackendServices.Get(p, b.region, gcp.Last(rule.BackendService)).Context(ctx).Do)
	if err != nil {
		return nil, fmt.Errorf("read backend service of %s: %w", spec.Name, err)
	}
	st.TargetGroupID = bs.SelfLink
	st.Parts[partBackend] = bs.SelfLink
	if len(bs.HealthChecks) > 0 {
		hc, err := gcp.Read(ctx, b.c.svc.RegionHealthChecks.Get(p, b.region, gcp.Last(bs.HealthChecks[0])).Context(ctx).Do)
		if err != nil {
			return nil, fmt.Errorf("read health check of %s: %w", spec.Name, err)
		}
		st.Parts[partHealthCheck] = hc.SelfLink
		got.HealthCheck = flattenHealthCheck(hc, spec.HealthCheck)
	}
	st.Spec = got
	return st, nil
}

// orderLike puts listeners in the order the spec lists them (GCP keeps no
// order across rules), unknown ones after, by port.
func orderLike(got, want []loadbalancer.Listener) []loadbalancer.Listener {
	idx := func(l loadbalancer.Listener) int {
		for i, w := range want {
			if w.Port == l.Port {
				return i
			}
		}
		return len(want) + l.Port
	}
	sort.SliceStable(got, func(i, j int) bool { return idx(got[i]) < idx(got[j]) })
	return got
}

// flattenHealthCheck reads a health check back; the matcher is not held
// by GCP (it counts 200 as healthy) and comes from spec.
func flattenHealthCheck(h *compute.HealthCheck, spec loadbalancer.HealthCheck) loadbalancer.HealthCheck {
	return loadbalancer.HealthCheck{
		Protocol:           h.Type,
		Port:               int(hcPort(h)),
		Path:               hcPath(h),
		Interval:           int(h.CheckIntervalSec),
		Timeout:            int(h.TimeoutSec),
		HealthyThreshold:   int(h.HealthyThreshold),
		UnhealthyThreshold: int(h.UnhealthyThreshold),
		Matcher:            spec.Matcher,
	}
}

// Delete removes the parts in dependency order: forwarding rules, proxy,
// URL map, backend service, health check. A part still referenced (GCP
// releases references shortly after the referrer is gone, or a scaling
// group is still attached) is retried until InUseWait passes.
func (b *LoadBalancers) Delete(ctx context.Context, st *loadbalancer.Status) error {
	name := st.Spec.Name
	p, r := b.c.project, b.region
	type step struct {
		what string
		call gcp.OpCall
	}
	var steps []step
	add := func(what string, call gcp.OpCall) { steps = append(steps, step{what, call}) }
	svc := b.c.svc
	if st.Spec.Layer == 4 {
		add("delete forwarding rule "+name, svc.ForwardingRules.Delete(p, r, name).Context(ctx).Do)
		add("delete backend service "+name+sfxBackend, svc.RegionBackendServices.Delete(p, r, name+sfxBackend).Context(ctx).Do)
		add("delete health check "+name+sfxHealthCheck, svc.RegionHealthChecks.Delete(p, r, name+sfxHealthCheck).Context(ctx).Do)
	} else {
		rules, err := b.globalRules(ctx, name)
		if err != nil {
			return b.wrap(err)
		}
		for rule := range rules {
			add("delete forwarding rule "+rule, svc.GlobalForwardingRules.Delete(p, rule).Context(ctx).Do)
		}
		add("delete target HTTP proxy "+name+sfxProxy, svc.TargetHttpProxies.Delete(p, name+sfxProxy).Context(ctx).Do)
		add("delete URL map "+name+sfxURLMap, svc.UrlMaps.Delete(p, name+sfxURLMap).Context(ctx).Do)
		add("delete backend service "+name+sfxBackend, svc.BackendServices.Delete(p, name+sfxBackend).Context(ctx).Do)
		add("delete health check "+name+sfxHealthCheck, svc.HealthChecks.Delete(p, name+sfxHealthCheck).Context(ctx).Do)
	}
	for _, s := range steps {
		if err := b.c.deleteInUse(ctx, s.what, b.InUseWait, s.call); err != nil {
			return b.wrap(err)
		}
	}
	return nil
}

// deleteInUse runs a delete, treating "not found" as done and retrying
// "in use by another resource" until wait passes.
func (c *clients) deleteInUse(ctx context.Context, what string, wait time.Duration, call gcp.OpCall) error {
	deadline := time.Now().Add(wait)
	for {
		err := ignoreNotFound(c.do(ctx, what, call))
		if err == nil || !gcp.IsInUse(err) || time.Now().After(deadline) {
			return err
		}
		if serr := gcp.Sleep(ctx, gcp.Poll); serr != nil {
			return err
		}
	}
}
