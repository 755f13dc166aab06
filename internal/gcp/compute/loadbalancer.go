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

	compute "cloud.google.com/go/compute/apiv1"
	"cloud.google.com/go/compute/apiv1/computepb"
	"google.golang.org/api/iterator"

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

func healthCheckBody(spec loadbalancer.Spec, name string) *computepb.HealthCheck {
	hc := spec.HealthCheck
	h := &computepb.HealthCheck{
		Name:               ptr(name),
		CheckIntervalSec:   ptr(int32(orDefault(hc.Interval, 5))),
		TimeoutSec:         ptr(int32(min(orDefault(hc.Timeout, 5), orDefault(hc.Interval, 5)))),
		HealthyThreshold:   ptr(int32(orDefault(hc.HealthyThreshold, 2))),
		UnhealthyThreshold: ptr(int32(orDefault(hc.UnhealthyThreshold, 2))),
	}
	port := ptr(int32(orDefault(hc.Port, 80)))
	switch strings.ToUpper(hc.Protocol) {
	case "HTTPS":
		h.Type = ptr("HTTPS")
		h.HttpsHealthCheck = &computepb.HTTPSHealthCheck{Port: port, RequestPath: ptr(orDefaultS(hc.Path, "/"))}
	case "TCP":
		h.Type = ptr("TCP")
		h.TcpHealthCheck = &computepb.TCPHealthCheck{Port: port}
	default:
		h.Type = ptr("HTTP")
		h.HttpHealthCheck = &computepb.HTTPHealthCheck{Port: port, RequestPath: ptr(orDefaultS(hc.Path, "/"))}
	}
	return h
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

func sameHealthCheck(a, b *computepb.HealthCheck) bool {
	return a.GetType() == b.GetType() && a.GetCheckIntervalSec() == b.GetCheckIntervalSec() &&
		a.GetTimeoutSec() == b.GetTimeoutSec() && a.GetHealthyThreshold() == b.GetHealthyThreshold() &&
		a.GetUnhealthyThreshold() == b.GetUnhealthyThreshold() && hcPort(a) == hcPort(b) && hcPath(a) == hcPath(b)
}

func hcPort(h *computepb.HealthCheck) int32 {
	switch {
	case h.GetHttpHealthCheck() != nil:
		return h.GetHttpHealthCheck().GetPort()
	case h.GetHttpsHealthCheck() != nil:
		return h.GetHttpsHealthCheck().GetPort()
	case h.GetTcpHealthCheck() != nil:
		return h.GetTcpHealthCheck().GetPort()
	}
	return 0
}

func hcPath(h *computepb.HealthCheck) string {
	switch {
	case h.GetHttpHealthCheck() != nil:
		return h.GetHttpHealthCheck().GetRequestPath()
	case h.GetHttpsHealthCheck() != nil:
		return h.GetHttpsHealthCheck().GetRequestPath()
	}
	return ""
}

func (b *LoadBalancers) ensureHealthCheck(ctx context.Context, spec loadbalancer.Spec) (string, error) {
	name := spec.Name + sfxHealthCheck
	want := healthCheckBody(spec, name)
	p := b.c.project
	if spec.Layer == 4 {
		ref := b.c.regionalRef(b.region, "healthChecks", name)
		cur, err := b.c.regionHealthChecks.Get(ctx, &computepb.GetRegionHealthCheckRequest{Project: p, Region: b.region, HealthCheck: name}, gcp.ReadRetry())
		switch {
		case gcp.IsNotFound(err):
			return ref, createOrAdopt(gcp.Do(ctx, "create health check "+name, func() (*compute.Operation, error) {
				return b.c.regionHealthChecks.Insert(ctx, &computepb.InsertRegionHealthCheckRequest{Project: p, Region: b.region, HealthCheckResource: want})
			}))
		case err != nil:
			return "", fmt.Errorf("read health check %s: %w", name, err)
		case sameHealthCheck(cur, want):
			return ref, nil
		}
		return ref, gcp.Do(ctx, "update health check "+name, func() (*compute.Operation, error) {
			return b.c.regionHealthChecks.Update(ctx, &computepb.UpdateRegionHealthCheckRequest{Project: p, Region: b.region, HealthCheck: name, HealthCheckResource: want})
		})
	}
	ref := b.c.globalRef("healthChecks", name)
	cur, err := b.c.healthChecks.Get(ctx, &computepb.GetHealthCheckRequest{Project: p, HealthCheck: name}, gcp.ReadRetry())
	switch {
	case gcp.IsNotFound(err):
		return ref, createOrAdopt(gcp.Do(ctx, "create health check "+name, func() (*compute.Operation, error) {
			return b.c.healthChecks.Insert(ctx, &computepb.InsertHealthCheckRequest{Project: p, HealthCheckResource: want})
		}))
	case err != nil:
		return "", fmt.Errorf("read health check %s: %w", name, err)
	case sameHealthCheck(cur, want):
		return ref, nil
	}
	return ref, gcp.Do(ctx, "update health check "+name, func() (*compute.Operation, error) {
		return b.c.healthChecks.Update(ctx, &computepb.UpdateHealthCheckRequest{Project: p, HealthCheck: name, HealthCheckResource: want})
	})
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
		cur, err := b.c.regionBackendServices.Get(ctx, &computepb.GetRegionBackendServiceRequest{Project: p, Region: b.region, BackendService: name}, gcp.ReadRetry())
		switch {
		case gcp.IsNotFound(err):
			want := &computepb.BackendService{Name: ptr(name), Protocol: ptr(proto), LoadBalancingScheme: ptr("EXTERNAL"), HealthChecks: []string{hcRef}}
			return ref, createOrAdopt(gcp.Do(ctx, "create backend service "+name, func() (*compute.Operation, error) {
				return b.c.regionBackendServices.Insert(ctx, &computepb.InsertRegionBackendServiceRequest{Project: p, Region: b.region, BackendServiceResource: want})
			}))
		case err != nil:
			return "", fmt.Errorf("read backend service %s: %w", name, err)
		case cur.GetProtocol() == proto && len(cur.GetHealthChecks()) == 1 && sameRef(cur.GetHealthChecks()[0], hcRef):
			return ref, nil
		}
		// Patch only what this backend owns: the backends list belongs to
		// the scaling groups attached to it.
		patch := &computepb.BackendService{Protocol: ptr(proto), HealthChecks: []string{hcRef}, Fingerprint: cur.Fingerprint}
		return ref, gcp.Do(ctx, "update backend service "+name, func() (*compute.Operation, error) {
			return b.c.regionBackendServices.Patch(ctx, &computepb.PatchRegionBackendServiceRequest{Project: p, Region: b.region, BackendService: name, BackendServiceResource: patch})
		})
	}
	ref := b.c.globalRef("backendServices", name)
	cur, err := b.c.backendServices.Get(ctx, &computepb.GetBackendServiceRequest{Project: p, BackendService: name}, gcp.ReadRetry())
	switch {
	case gcp.IsNotFound(err):
		want := &computepb.BackendService{
			Name: ptr(name), Protocol: ptr("HTTP"), PortName: ptr("http"), TimeoutSec: ptr(int32(30)),
			LoadBalancingScheme: ptr("EXTERNAL_MANAGED"), HealthChecks: []string{hcRef},
		}
		return ref, createOrAdopt(gcp.Do(ctx, "create backend service "+name, func() (*compute.Operation, error) {
			return b.c.backendServices.Insert(ctx, &computepb.InsertBackendServiceRequest{Project: p, BackendServiceResource: want})
		}))
	case err != nil:
		return "", fmt.Errorf("read backend service %s: %w", name, err)
	case len(cur.GetHealthChecks()) == 1 && sameRef(cur.GetHealthChecks()[0], hcRef):
		return ref, nil
	}
	patch := &computepb.BackendService{HealthChecks: []string{hcRef}, Fingerprint: cur.Fingerprint}
	return ref, gcp.Do(ctx, "update backend service "+name, func() (*compute.Operation, error) {
		return b.c.backendServices.Patch(ctx, &computepb.PatchBackendServiceRequest{Project: p, BackendService: name, BackendServiceResource: patch})
	})
}

func (b *LoadBalancers) ensureURLMap(ctx context.Context, spec loadbalancer.Spec, bsRef string) (string, error) {
	name := spec.Name + sfxURLMap
	p := b.c.project
	ref := b.c.globalRef("urlMaps", name)
	cur, err := b.c.urlMaps.Get(ctx, &computepb.GetUrlMapRequest{Project: p, UrlMap: name}, gcp.ReadRetry())
	switch {
	case gcp.IsNotFound(err):
		return ref, createOrAdopt(gcp.Do(ctx, "create URL map "+name, func() (*compute.Operation, error) {
			return b.c.urlMaps.Insert(ctx, &computepb.InsertUrlMapRequest{Project: p, UrlMapResource: &computepb.UrlMap{Name: ptr(name), DefaultService: ptr(bsRef)}})
		}))
	case err != nil:
		return "", fmt.Errorf("read URL map %s: %w", name, err)
	case sameRef(cur.GetDefaultService(), bsRef):
		return ref, nil
	}
	return ref, gcp.Do(ctx, "update URL map "+name, func() (*compute.Operation, error) {
		return b.c.urlMaps.Patch(ctx, &computepb.PatchUrlMapRequest{Project: p, UrlMap: name, UrlMapResource: &computepb.UrlMap{DefaultService: ptr(bsRef), Fingerprint: cur.Fingerprint}})
	})
}

func (b *LoadBalancers) ensureProxy(ctx context.Context, spec loadbalancer.Spec, umRef string) (string, error) {
	name := spec.Name + sfxProxy
	p := b.c.project
	ref := b.c.globalRef("targetHttpProxies", name)
	cur, err := b.c.targetHTTPProxies.Get(ctx, &computepb.GetTargetHttpProxyRequest{Project: p, TargetHttpProxy: name}, gcp.ReadRetry())
	switch {
	case gcp.IsNotFound(err):
		return ref, createOrAdopt(gcp.Do(ctx, "create target HTTP proxy "+name, func() (*compute.Operation, error) {
			return b.c.targetHTTPProxies.Insert(ctx, &computepb.InsertTargetHttpProxyRequest{Project: p, TargetHttpProxyResource: &computepb.TargetHttpProxy{Name: ptr(name), UrlMap: ptr(umRef)}})
		}))
	case err != nil:
		return "", fmt.Errorf("read target HTTP proxy %s: %w", name, err)
	case sameRef(cur.GetUrlMap(), umRef):
		return ref, nil
	}
	return ref, gcp.Do(ctx, "set URL map of "+name, func() (*compute.Operation, error) {
		return b.c.targetHTTPProxies.SetUrlMap(ctx, &computepb.SetUrlMapTargetHttpProxyRequest{Project: p, TargetHttpProxy: name, UrlMapReferenceResource: &computepb.UrlMapReference{UrlMap: ptr(umRef)}})
	})
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
		address = first.GetIPAddress()
	}
	for _, r := range have {
		if address == "" {
			address = r.GetIPAddress()
		}
	}
	for i, l := range spec.Listeners {
		name := ruleName(spec, l.Port, i)
		wanted[name] = true
		portRange := strconv.Itoa(l.Port)
		if cur, ok := have[name]; ok && cur.GetPortRange() == portRange+"-"+portRange || ok && cur.GetPortRange() == portRange {
			if address == "" {
				address = cur.GetIPAddress()
			}
			if !sameRef(cur.GetTarget(), proxyRef) {
				if err := gcp.Do(ctx, "set target of forwarding rule "+name, func() (*compute.Operation, error) {
					return b.c.globalForwardingRules.SetTarget(ctx, &computepb.SetTargetGlobalForwardingRuleRequest{Project: p, ForwardingRule: name, TargetReferenceResource: &computepb.TargetReference{Target: ptr(proxyRef)}})
				}); err != nil {
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
		rule := &computepb.ForwardingRule{
			Name: ptr(name), IPProtocol: ptr("TCP"), PortRange: ptr(portRange), Target: ptr(proxyRef),
			LoadBalancingScheme: ptr("EXTERNAL_MANAGED"), Labels: labels(spec.Meta),
		}
		if address != "" {
			rule.IPAddress = ptr(address)
		}
		if err := createOrAdopt(gcp.Do(ctx, "create forwarding rule "+name, func() (*compute.Operation, error) {
			return b.c.globalForwardingRules.Insert(ctx, &computepb.InsertGlobalForwardingRuleRequest{Project: p, ForwardingRuleResource: rule})
		})); err != nil {
			return err
		}
		if address == "" {
			got, err := b.c.globalForwardingRules.Get(ctx, &computepb.GetGlobalForwardingRuleRequest{Project: p, ForwardingRule: name}, gcp.ReadRetry())
			if err != nil {
				return fmt.Errorf("read forwarding rule %s: %w", name, err)
			}
			address = got.GetIPAddress()
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
func (b *LoadBalancers) globalRules(ctx context.Context, name string) (map[string]*computepb.ForwardingRule, error) {
	out := map[string]*computepb.ForwardingRule{}
	it := b.c.globalForwardingRules.List(ctx, &computepb.ListGlobalForwardingRulesRequest{Project: b.c.project}, gcp.ReadRetry())
	for {
		r, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list forwarding rules: %w", err)
		}
		if ownRule(name, r.GetName()) {
			out[r.GetName()] = r
		}
	}
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
	return ignoreNotFound(gcp.Do(ctx, "delete forwarding rule "+name, func() (*compute.Operation, error) {
		return b.c.globalForwardingRules.Delete(ctx, &computepb.DeleteGlobalForwardingRuleRequest{Project: b.c.project, ForwardingRule: name})
	}))
}

func (b *LoadBalancers) ensureRegionalRule(ctx context.Context, spec loadbalancer.Spec, bsRef string) error {
	p := b.c.project
	ports := make([]string, 0, len(spec.Listeners))
	for _, l := range spec.Listeners {
		ports = append(ports, strconv.Itoa(l.Port))
	}
	proto := strings.ToUpper(spec.Listeners[0].Protocol)
	cur, err := b.c.forwardingRules.Get(ctx, &computepb.GetForwardingRuleRequest{Project: p, Region: b.region, ForwardingRule: spec.Name}, gcp.ReadRetry())
	address := ""
	switch {
	case gcp.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("read forwarding rule %s: %w", spec.Name, err)
	case sameSet(cur.GetPorts(), ports) && cur.GetIPProtocol() == proto && sameRef(cur.GetBackendService(), bsRef):
		return nil
	default:
		// Ports and protocol of a forwarding rule cannot be changed: the
		// rule is replaced, keeping its address.
		address = cur.GetIPAddress()
		if err := ignoreNotFound(gcp.Do(ctx, "delete forwarding rule "+spec.Name, func() (*compute.Operation, error) {
			return b.c.forwardingRules.Delete(ctx, &computepb.DeleteForwardingRuleRequest{Project: p, Region: b.region, ForwardingRule: spec.Name})
		})); err != nil {
			return err
		}
	}
	rule := &computepb.ForwardingRule{
		Name: ptr(spec.Name), IPProtocol: ptr(proto), Ports: ports, BackendService: ptr(bsRef),
		LoadBalancingScheme: ptr("EXTERNAL"), Labels: labels(spec.Meta),
	}
	if address != "" {
		rule.IPAddress = ptr(address)
	}
	return createOrAdopt(gcp.Do(ctx, "create forwarding rule "+spec.Name, func() (*compute.Operation, error) {
		return b.c.forwardingRules.Insert(ctx, &computepb.InsertForwardingRuleRequest{Project: p, Region: b.region, ForwardingRuleResource: rule})
	}))
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
		st.ID = first.GetSelfLink()
		st.Addresses = []string{first.GetIPAddress()}
		got.Listeners = nil
		names := make([]string, 0, len(rules))
		for n, r := range rules {
			names = append(names, n)
			port, _ := strconv.Atoi(strings.SplitN(r.GetPortRange(), "-", 2)[0])
			got.Listeners = append(got.Listeners, loadbalancer.Listener{Port: port, Protocol: "HTTP"})
		}
		sort.Strings(names)
		st.Parts[partRules] = strings.Join(names, ",")
		got.Listeners = orderLike(got.Listeners, spec.Listeners)
		proxy, err := b.c.targetHTTPProxies.Get(ctx, &computepb.GetTargetHttpProxyRequest{Project: p, TargetHttpProxy: last(first.GetTarget())}, gcp.ReadRetry())
		if err != nil {
			return nil, fmt.Errorf("read target HTTP proxy of %s: %w", spec.Name, err)
		}
		st.Parts[partProxy] = proxy.GetSelfLink()
		um, err := b.c.urlMaps.Get(ctx, &computepb.GetUrlMapRequest{Project: p, UrlMap: last(proxy.GetUrlMap())}, gcp.ReadRetry())
		if err != nil {
			return nil, fmt.Errorf("read URL map of %s: %w", spec.Name, err)
		}
		st.Parts[partURLMap] = um.GetSelfLink()
		bs, err := b.c.backendServices.Get(ctx, &computepb.GetBackendServiceRequest{Project: p, BackendService: last(um.GetDefaultService())}, gcp.ReadRetry())
		if err != nil {
			return nil, fmt.Errorf("read backend service of %s: %w", spec.Name, err)
		}
		st.TargetGroupID = bs.GetSelfLink()
		st.Parts[partBackend] = bs.GetSelfLink()
		if len(bs.GetHealthChecks()) > 0 {
			hc, err := b.c.healthChecks.Get(ctx, &computepb.GetHealthCheckRequest{Project: p, HealthCheck: last(bs.GetHealthChecks()[0])}, gcp.ReadRetry())
			if err != nil {
				return nil, fmt.Errorf("read health check of %s: %w", spec.Name, err)
			}
			st.Parts[partHealthCheck] = hc.GetSelfLink()
			got.HealthCheck = flattenHealthCheck(hc, spec.HealthCheck)
		}
		st.Spec = got
		return st, nil
	}
	rule, err := b.c.forwardingRules.Get(ctx, &computepb.GetForwardingRuleRequest{Project: p, Region: b.region, ForwardingRule: spec.Name}, gcp.ReadRetry())
	if gcp.IsNotFound(err) {
		return nil, backend.NotFound("load balancer", spec.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("read forwarding rule %s: %w", spec.Name, err)
	}
	got.Layer = 4
	st.ID = rule.GetSelfLink()
	st.Addresses = []string{rule.GetIPAddress()}
	st.Parts[partRules] = rule.GetName()
	got.Listeners = nil
	for _, port := range rule.GetPorts() {
		n, _ := strconv.Atoi(port)
		got.Listeners = append(got.Listeners, loadbalancer.Listener{Port: n, Protocol: rule.GetIPProtocol()})
	}
	got.Listeners = orderLike(got.Listeners, spec.Listeners)
	bs, err := b.c.regionBackendServices.Get(ctx, &computepb.GetRegionBackendServiceRequest{Project: p, Region: b.region, BackendService: last(rule.GetBackendService())}, gcp.ReadRetry())
	if err != nil {
		return nil, fmt.Errorf("read backend service of %s: %w", spec.Name, err)
	}
	st.TargetGroupID = bs.GetSelfLink()
	st.Parts[partBackend] = bs.GetSelfLink()
	if len(bs.GetHealthChecks()) > 0 {
		hc, err := b.c.regionHealthChecks.Get(ctx, &computepb.GetRegionHealthCheckRequest{Project: p, Region: b.region, HealthCheck: last(bs.GetHealthChecks()[0])}, gcp.ReadRetry())
		if err != nil {
			return nil, fmt.Errorf("read health check of %s: %w", spec.Name, err)
		}
		st.Parts[partHealthCheck] = hc.GetSelfLink()
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
func flattenHealthCheck(h *computepb.HealthCheck, spec loadbalancer.HealthCheck) loadbalancer.HealthCheck {
	return loadbalancer.HealthCheck{
		Protocol:           h.GetType(),
		Port:               int(hcPort(h)),
		Path:               hcPath(h),
		Interval:           int(h.GetCheckIntervalSec()),
		Timeout:            int(h.GetTimeoutSec()),
		HealthyThreshold:   int(h.GetHealthyThreshold()),
		UnhealthyThreshold: int(h.GetUnhealthyThreshold()),
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
	steps := []struct {
		what string
		f    func() (*compute.Operation, error)
	}{}
	add := func(what string, f func() (*compute.Operation, error)) {
		steps = append(steps, struct {
			what string
			f    func() (*compute.Operation, error)
		}{what, f})
	}
	if st.Spec.Layer == 4 {
		add("delete forwarding rule "+name, func() (*compute.Operation, error) {
			return b.c.forwardingRules.Delete(ctx, &computepb.DeleteForwardingRuleRequest{Project: p, Region: r, ForwardingRule: name})
		})
		add("delete backend service "+name+sfxBackend, func() (*compute.Operation, error) {
			return b.c.regionBackendServices.Delete(ctx, &computepb.DeleteRegionBackendServiceRequest{Project: p, Region: r, BackendService: name + sfxBackend})
		})
		add("delete health check "+name+sfxHealthCheck, func() (*compute.Operation, error) {
			return b.c.regionHealthChecks.Delete(ctx, &computepb.DeleteRegionHealthCheckRequest{Project: p, Region: r, HealthCheck: name + sfxHealthCheck})
		})
	} else {
		rules, err := b.globalRules(ctx, name)
		if err != nil {
			return b.wrap(err)
		}
		for rule := range rules {
			add("delete forwarding rule "+rule, func() (*compute.Operation, error) {
				return b.c.globalForwardingRules.Delete(ctx, &computepb.DeleteGlobalForwardingRuleRequest{Project: p, ForwardingRule: rule})
			})
		}
		add("delete target HTTP proxy "+name+sfxProxy, func() (*compute.Operation, error) {
			return b.c.targetHTTPProxies.Delete(ctx, &computepb.DeleteTargetHttpProxyRequest{Project: p, TargetHttpProxy: name + sfxProxy})
		})
		add("delete URL map "+name+sfxURLMap, func() (*compute.Operation, error) {
			return b.c.urlMaps.Delete(ctx, &computepb.DeleteUrlMapRequest{Project: p, UrlMap: name + sfxURLMap})
		})
		add("delete backend service "+name+sfxBackend, func() (*compute.Operation, error) {
			return b.c.backendServices.Delete(ctx, &computepb.DeleteBackendServiceRequest{Project: p, BackendService: name + sfxBackend})
		})
		add("delete health check "+name+sfxHealthCheck, func() (*compute.Operation, error) {
			return b.c.healthChecks.Delete(ctx, &computepb.DeleteHealthCheckRequest{Project: p, HealthCheck: name + sfxHealthCheck})
		})
	}
	for _, s := range steps {
		if err := deleteInUse(ctx, s.what, b.InUseWait, s.f); err != nil {
			return b.wrap(err)
		}
	}
	return nil
}

// deleteInUse runs a delete, treating "not found" as done and retrying
// "in use by another resource" until wait passes.
func deleteInUse(ctx context.Context, what string, wait time.Duration, f func() (*compute.Operation, error)) error {
	deadline := time.Now().Add(wait)
	for {
		err := ignoreNotFound(gcp.Do(ctx, what, f))
		if err == nil || !gcp.IsInUse(err) || time.Now().After(deadline) {
			return err
		}
		if serr := gcp.Sleep(ctx, gcp.Poll); serr != nil {
			return err
		}
	}
}
