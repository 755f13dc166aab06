// Package clouddns is the Cloud DNS backend of DNS failover (backend
// "clouddns"): a managed zone (created when asked), a compute health check
// probing the targets, and a record set whose routing policy is
// primary-backup (failover mode) or weighted round robin (weighted mode)
// over health-checked targets.
package clouddns

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	compute "google.golang.org/api/compute/v1"
	dns "google.golang.org/api/dns/v1"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
)

// SourceRegions are where Cloud DNS health checks of public endpoints probe
// from; GCP asks for exactly three.
var SourceRegions = []string{"us-central1", "us-east4", "europe-west1"}

// Backend manages failover names in one project's Cloud DNS.
type Backend struct {
	dns     *dns.Service
	compute *compute.Service // health checks
	project string
	// DefaultLocation is the backup geo location used for targets whose
	// name is not a GCP region.
	DefaultLocation string
}

var _ dnsfailover.Backend = (*Backend)(nil)

type clientsKey struct{}

type clients struct {
	dns     *dns.Service
	compute *compute.Service
}

// New returns the backend; location is the provider region the resource
// was given (Cloud DNS is global, so it only names the default location).
func New(ctx context.Context, s *backend.Settings, location string) (*Backend, error) {
	sess, err := gcp.SessionFor(s, location)
	if err != nil {
		return nil, err
	}
	v, err := s.Shared(clientsKey{}, func() (any, error) {
		ctx := context.WithoutCancel(ctx)
		dopts, err := sess.ClientOptions(gcp.DNS)
		if err != nil {
			return nil, err
		}
		d, err := dns.NewService(ctx, dopts...)
		if err != nil {
			return nil, fmt.Errorf("create Cloud DNS client: %w", err)
		}
		copts, err := sess.ClientOptions(gcp.Compute)
		if err != nil {
			return nil, err
		}
		cs, err := compute.NewService(ctx, copts...)
		if err != nil {
			return nil, fmt.Errorf("create compute client: %w", err)
		}
		return &clients{dns: d, compute: cs}, nil
	})
	if err != nil {
		return nil, err
	}
	c := v.(*clients)
	def := location
	if !regionRE.MatchString(def) {
		def = SourceRegions[0]
	}
	return &Backend{dns: c.dns, compute: c.compute, project: sess.Project(), DefaultLocation: def}, nil
}

var regionRE = regexp.MustCompile(`^[a-z]+-[a-z]+\d+$`)

func fqdn(s string) string { return strings.TrimSuffix(strings.ToLower(s), ".") + "." }

var nonName = regexp.MustCompile(`[^a-z0-9-]+`)

// zoneName is the managed zone name for a DNS name ("example.test" →
// "example-test").
func zoneName(zone string) string {
	n := strings.Trim(nonName.ReplaceAllString(strings.TrimSuffix(strings.ToLower(zone), "."), "-"), "-")
	if n == "" || n[0] < 'a' || n[0] > 'z' {
		n = "z-" + n
	}
	if len(n) > 63 {
		n = n[:63]
	}
	return n
}

// healthCheckName is unique per record (FQDN and type).
func healthCheckName(spec dnsfailover.Spec) string {
	sum := sha256.Sum256([]byte(fqdn(spec.FQDN) + "/" + spec.RecordType))
	base := strings.Trim(nonName.ReplaceAllString(strings.TrimSuffix(strings.ToLower(spec.FQDN), "."), "-"), "-")
	if len(base) > 40 {
		base = base[:40]
	}
	return "ha-dns-" + base + "-" + hex.EncodeToString(sum[:])[:8]
}

// Validate refuses what Cloud DNS cannot hold.
func Validate(spec dnsfailover.Spec) error {
	if len(spec.Targets) < 2 {
		return errors.New("a Cloud DNS failover needs at least two targets")
	}
	for _, t := range spec.Targets {
		if t.DNSName != "" {
			return fmt.Errorf("target %s: Cloud DNS health-checked targets are addresses, not DNS names", t.Name)
		}
		if len(t.Addresses) == 0 {
			return fmt.Errorf("target %s has no address", t.Name)
		}
	}
	if spec.Mode != "failover" && spec.Mode != "weighted" {
		return fmt.Errorf("mode %q is not failover or weighted", spec.Mode)
	}
	return nil
}

func (b *Backend) findZone(ctx context.Context, zone string) (*dns.ManagedZone, error) {
	var found *dns.ManagedZone
	err := gcp.Call(ctx, func() error {
		return b.dns.ManagedZones.List(b.project).DnsName(fqdn(zone)).Pages(ctx, func(p *dns.ManagedZonesListResponse) error {
			for _, z := range p.ManagedZones {
				if z.DnsName == fqdn(zone) {
					found = z
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("find managed zone %s: %w", zone, err)
	}
	return found, nil
}

// Apply creates the zone when asked, the health check and the record set.
func (b *Backend) Apply(ctx context.Context, spec dnsfailover.Spec, previous *dnsfailover.Status) (*dnsfailover.Status, error) {
	if err := Validate(spec); err != nil {
		return nil, err
	}
	zone, err := b.findZone(ctx, spec.Zone)
	if err != nil {
		return nil, err
	}
	created := previous != nil && previous.ZoneCreated
	if zone == nil {
		if !spec.CreateZone {
			return nil, fmt.Errorf("no Cloud DNS managed zone for %s in project %s (set create_zone to create it)", spec.Zone, b.project)
		}
		z := &dns.ManagedZone{Name: zoneName(spec.Zone), DnsName: fqdn(spec.Zone), Description: "Managed by terraform-provider-ha", Visibility: "public"}
		err := gcp.Call(ctx, func() error {
			var err error
			zone, err = b.dns.ManagedZones.Create(b.project, z).Context(ctx).Do()
			return err
		})
		if gcp.IsConflict(err) {
			// A retry after a lost answer (or a killed run) meets the zone
			// the first call made: adopt it.
			if zone, err = b.findZone(ctx, spec.Zone); err == nil && zone == nil {
				err = fmt.Errorf("the name %s is taken by a zone of another DNS name", z.Name)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("create managed zone %s: %w", spec.Zone, err)
		}
		created = true
	}
	hcLink, err := b.ensureHealthCheck(ctx, spec)
	if err != nil {
		return nil, err
	}
	rrs := b.recordSet(spec, hcLink)
	name, typ := fqdn(spec.FQDN), strings.ToUpper(spec.RecordType)
	err = gcp.Call(ctx, func() error {
		_, err := b.dns.ResourceRecordSets.Get(b.project, zone.Name, name, typ).Context(ctx).Do()
		return err
	})
	switch {
	case gcp.IsNotFound(err):
		err = gcp.Call(ctx, func() error {
			_, err := b.dns.ResourceRecordSets.Create(b.project, zone.Name, rrs).Context(ctx).Do()
			return err
		})
	case err == nil:
		err = gcp.Call(ctx, func() error {
			_, err := b.dns.ResourceRecordSets.Patch(b.project, zone.Name, name, typ, rrs).Context(ctx).Do()
			return err
		})
	}
	if err != nil && !gcp.IsConflict(err) {
		return nil, fmt.Errorf("write record set %s %s: %w", name, typ, err)
	}
	st, err := b.Read(ctx, spec, &dnsfailover.Status{ZoneID: zone.Name})
	if err != nil {
		return nil, err
	}
	st.ZoneCreated = created
	return st, nil
}

func (b *Backend) ensureHealthCheck(ctx context.Context, spec dnsfailover.Spec) (string, error) {
	name := healthCheckName(spec)
	hc := spec.HealthCheck
	body := &compute.HealthCheck{
		Name: name, SourceRegions: SourceRegions, Description: describeTargets(spec.Targets),
		CheckIntervalSec: int64(max(hc.Interval, 30)), TimeoutSec: 5,
		HealthyThreshold: 1, UnhealthyThreshold: int64(max(hc.Threshold, 1)),
	}
	// The port is sent even when 0, as it is set.
	port, force := int64(hc.Port), []string{"Port"}
	switch strings.ToUpper(hc.Protocol) {
	case "TCP":
		body.Type, body.TcpHealthCheck = "TCP", &compute.TCPHealthCheck{Port: port, ForceSendFields: force}
	case "HTTPS":
		body.Type, body.HttpsHealthCheck = "HTTPS", &compute.HTTPSHealthCheck{Port: port, RequestPath: orSlash(hc.Path), ForceSendFields: force}
	default:
		body.Type, body.HttpHealthCheck = "HTTP", &compute.HTTPHealthCheck{Port: port, RequestPath: orSlash(hc.Path), ForceSendFields: force}
	}
	link := fmt.Sprintf("projects/%s/global/healthChecks/%s", b.project, name)
	_, err := gcp.Read(ctx, b.compute.HealthChecks.Get(b.project, name).Context(ctx).Do)
	switch {
	case gcp.IsNotFound(err):
		err = gcp.Do(ctx, b.compute, b.project, "create health check "+name, b.compute.HealthChecks.Insert(b.project, body).Context(ctx).Do)
		if gcp.IsConflict(err) {
			err = nil
		}
	case err == nil:
		err = gcp.Do(ctx, b.compute, b.project, "update health check "+name, b.compute.HealthChecks.Update(b.project, name, body).Context(ctx).Do)
	default:
		err = fmt.Errorf("read health check %s: %w", name, err)
	}
	if err != nil {
		return "", err
	}
	return link, nil
}

func orSlash(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func (b *Backend) location(t dnsfailover.Target) string {
	if regionRE.MatchString(t.Name) {
		return t.Name
	}
	return b.DefaultLocation
}

// recordSet is the spec as a record set: in failover mode the first target
// is primary and the rest are backups (health-checked too); in weighted
// mode every target is a weighted, health-checked item.
func (b *Backend) recordSet(spec dnsfailover.Spec, hcLink string) *dns.ResourceRecordSet {
	rrs := &dns.ResourceRecordSet{Name: fqdn(spec.FQDN), Type: strings.ToUpper(spec.RecordType), Ttl: int64(spec.TTL)}
	pol := &dns.RRSetRoutingPolicy{HealthCheck: hcLink}
	if spec.Mode == "weighted" {
		pol.Wrr = &dns.RRSetRoutingPolicyWrrPolicy{}
		for _, t := range spec.Targets {
			pol.Wrr.Items = append(pol.Wrr.Items, &dns.RRSetRoutingPolicyWrrPolicyWrrPolicyItem{
				Weight: float64(t.Weight), ForceSendFields: []string{"Weight"},
				HealthCheckedTargets: &dns.RRSetRoutingPolicyHealthCheckTargets{ExternalEndpoints: t.Addresses},
			})
		}
	} else {
		backup := &dns.RRSetRoutingPolicyGeoPolicy{}
		for _, t := range spec.Targets[1:] {
			backup.Items = append(backup.Items, &dns.RRSetRoutingPolicyGeoPolicyGeoPolicyItem{
				Location: b.location(t), HealthCheckedTargets: &dns.RRSetRoutingPolicyHealthCheckTargets{ExternalEndpoints: t.Addresses},
			})
		}
		pol.PrimaryBackup = &dns.RRSetRoutingPolicyPrimaryBackupPolicy{
			PrimaryTargets:   &dns.RRSetRoutingPolicyHealthCheckTargets{ExternalEndpoints: spec.Targets[0].Addresses},
			BackupGeoTargets: backup,
		}
	}
	rrs.RoutingPolicy = pol
	return rrs
}

// Read returns the record set as Cloud DNS holds it, so hand edits show.
func (b *Backend) Read(ctx context.Context, spec dnsfailover.Spec, previous *dnsfailover.Status) (*dnsfailover.Status, error) {
	zoneID := ""
	if previous != nil {
		zoneID = previous.ZoneID
	}
	if zoneID == "" {
		z, err := b.findZone(ctx, spec.Zone)
		if err != nil {
			return nil, err
		}
		if z == nil {
			return nil, fmt.Errorf("record %s: %w", spec.FQDN, dnsfailover.ErrNotFound)
		}
		zoneID = z.Name
	}
	typ := strings.ToUpper(spec.RecordType)
	if typ == "" {
		typ = "A"
	}
	var rrs *dns.ResourceRecordSet
	err := gcp.Call(ctx, func() error {
		var err error
		rrs, err = b.dns.ResourceRecordSets.Get(b.project, zoneID, fqdn(spec.FQDN), typ).Context(ctx).Do()
		return err
	})
	if gcp.IsNotFound(err) {
		return nil, fmt.Errorf("record %s: %w", spec.FQDN, dnsfailover.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read record set %s: %w", spec.FQDN, err)
	}
	got := spec
	got.RecordType, got.TTL = rrs.Type, int(rrs.Ttl)
	got.Targets = nil
	st := &dnsfailover.Status{ZoneID: zoneID, RecordIDs: []string{rrs.Name + "/" + rrs.Type}}
	if previous != nil {
		st.ZoneCreated = previous.ZoneCreated
	}
	pol := rrs.RoutingPolicy
	if pol == nil {
		got.Targets = append(got.Targets, dnsfailover.Target{Name: nameFor(spec, rrs.Rrdatas, 0), Addresses: rrs.Rrdatas})
		st.Spec = got
		return st, nil
	}
	if pol.HealthCheck != "" {
		st.HealthCheckIDs = []string{pol.HealthCheck}
	}
	var hc *compute.HealthCheck
	if pol.HealthCheck != "" {
		var err error
		hc, err = gcp.Read(ctx, b.compute.HealthChecks.Get(b.project, gcp.Last(pol.HealthCheck)).Context(ctx).Do)
		if err != nil && !gcp.IsNotFound(err) {
			return nil, fmt.Errorf("read health check of %s: %w", spec.FQDN, err)
		}
		if len(spec.Targets) == 0 && hc != nil {
			// Import: the health check's description names the targets.
			spec.Targets = targetsDescribed(hc.Description)
		}
	}
	switch {
	case pol.Wrr != nil:
		got.Mode = "weighted"
		for i, it := range pol.Wrr.Items {
			addrs := endpoints(it.HealthCheckedTargets, it.Rrdatas)
			got.Targets = append(got.Targets, dnsfailover.Target{Name: nameFor(spec, addrs, i), Addresses: addrs, Weight: int(it.Weight)})
		}
	case pol.PrimaryBackup != nil:
		got.Mode = "failover"
		addrs := endpoints(pol.PrimaryBackup.PrimaryTargets, nil)
		got.Targets = append(got.Targets, failoverTarget(spec, addrs, 0))
		if bg := pol.PrimaryBackup.BackupGeoTargets; bg != nil {
			for i, it := range bg.Items {
				got.Targets = append(got.Targets, failoverTarget(spec, endpoints(it.HealthCheckedTargets, it.Rrdatas), i+1))
			}
		}
	}
	if hc != nil {
		got.HealthCheck = readHealthCheck(hc, spec.HealthCheck)
	}
	st.Spec = got
	return st, nil
}

// failoverTarget is a target read back from a primary-backup policy,
// which holds no weights: the spec's weight of that target is kept, so a
// weight given for a later switch to weighted mode is no drift.
func failoverTarget(spec dnsfailover.Spec, addrs []string, i int) dnsfailover.Target {
	t := dnsfailover.Target{Name: nameFor(spec, addrs, i), Addresses: addrs}
	for _, st := range spec.Targets {
		if st.Name == t.Name {
			t.Weight = st.Weight
		}
	}
	return t
}

// describedTarget is what a record set cannot hold of a target (its label,
// and its weight in failover mode), kept in the health check's
// description so that import reads the targets back as configured.
type describedTarget struct {
	Name      string   `json:"name"`
	Addresses []string `json:"addresses"`
	Weight    int      `json:"weight,omitempty"`
}

func describeTargets(ts []dnsfailover.Target) string {
	d := make([]describedTarget, 0, len(ts))
	for _, t := range ts {
		d = append(d, describedTarget{Name: t.Name, Addresses: t.Addresses, Weight: t.Weight})
	}
	b, _ := json.Marshal(d)
	return string(b)
}

// targetsDescribed reads describeTargets; nil for anything else (a health
// check described by hand).
func targetsDescribed(s string) []dnsfailover.Target {
	var d []describedTarget
	if json.Unmarshal([]byte(s), &d) != nil {
		return nil
	}
	out := make([]dnsfailover.Target, 0, len(d))
	for _, t := range d {
		out = append(out, dnsfailover.Target{Name: t.Name, Addresses: t.Addresses, Weight: t.Weight})
	}
	return out
}

func endpoints(t *dns.RRSetRoutingPolicyHealthCheckTargets, rrdatas []string) []string {
	if t != nil && len(t.ExternalEndpoints) > 0 {
		return t.ExternalEndpoints
	}
	return rrdatas
}

// nameFor labels a target read back with the spec's name of the target
// holding those addresses (Cloud DNS keeps no label), else by position.
func nameFor(spec dnsfailover.Spec, addrs []string, i int) string {
	key := func(a []string) string {
		c := append([]string(nil), a...)
		sort.Strings(c)
		return strings.Join(c, ",")
	}
	for _, t := range spec.Targets {
		if key(t.Addresses) == key(addrs) {
			return t.Name
		}
	}
	if i < len(spec.Targets) {
		return spec.Targets[i].Name
	}
	return fmt.Sprintf("target-%d", i)
}

// readHealthCheck keeps what the spec asked for where Cloud DNS's probe
// setting is a floor (interval at least 30 s) and the spec's is below it.
func readHealthCheck(h *compute.HealthCheck, spec dnsfailover.HealthCheck) dnsfailover.HealthCheck {
	got := dnsfailover.HealthCheck{Protocol: h.Type, Interval: int(h.CheckIntervalSec), Threshold: int(h.UnhealthyThreshold)}
	switch {
	case h.HttpHealthCheck != nil:
		got.Port, got.Path = int(h.HttpHealthCheck.Port), h.HttpHealthCheck.RequestPath
	case h.HttpsHealthCheck != nil:
		got.Port, got.Path = int(h.HttpsHealthCheck.Port), h.HttpsHealthCheck.RequestPath
	case h.TcpHealthCheck != nil:
		got.Port = int(h.TcpHealthCheck.Port)
	}
	if spec.Interval > 0 && spec.Interval < 30 && got.Interval == 30 {
		got.Interval = spec.Interval
	}
	if got.Protocol == "TCP" && spec.Path == "" {
		got.Path = ""
	}
	return got
}

// ServerCheckInterval is not a server setting on Cloud DNS; the probe
// interval has a 30 s floor, which DetectionSeconds should use.
func (b *Backend) ServerCheckInterval(context.Context) (int, error) { return 30, nil }

// Delete removes the record set, its health check and, when Apply
// created it, the zone.
func (b *Backend) Delete(ctx context.Context, st *dnsfailover.Status) error {
	spec := st.Spec
	zoneID := st.ZoneID
	if zoneID == "" {
		z, err := b.findZone(ctx, spec.Zone)
		if err != nil {
			return err
		}
		if z == nil {
			return nil
		}
		zoneID = z.Name
	}
	typ := strings.ToUpper(spec.RecordType)
	if typ == "" {
		typ = "A"
	}
	err := gcp.Call(ctx, func() error {
		_, err := b.dns.ResourceRecordSets.Delete(b.project, zoneID, fqdn(spec.FQDN), typ).Context(ctx).Do()
		return err
	})
	if err != nil && !gcp.IsNotFound(err) {
		return fmt.Errorf("delete record set %s: %w", spec.FQDN, err)
	}
	name := healthCheckName(spec)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := gcp.Do(ctx, b.compute, b.project, "delete health check "+name, b.compute.HealthChecks.Delete(b.project, name).Context(ctx).Do)
		if err == nil || gcp.IsNotFound(err) {
			break
		}
		if !gcp.IsInUse(err) || time.Now().After(deadline) {
			return err
		}
		if err := gcp.Sleep(ctx, gcp.Poll); err != nil {
			return err
		}
	}
	if st.ZoneCreated {
		err := gcp.Call(ctx, func() error { return b.dns.ManagedZones.Delete(b.project, zoneID).Context(ctx).Do() })
		if err != nil && !gcp.IsNotFound(err) {
			return fmt.Errorf("delete managed zone %s: %w", spec.Zone, err)
		}
	}
	return nil
}
