// Package route53 is the Route 53 backend of DNS failover: a hosted zone
// (looked up, or created), one health check per target, and failover
// (PRIMARY/SECONDARY) or weighted records for the name, as aliases to load
// balancers where the target has one, else A/AAAA records with a low TTL.
package route53

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
)

// zoneRefPrefix starts the CallerReference of every hosted zone this
// backend creates: only those are ever deleted, and only when empty.
const zoneRefPrefix = "ha-blueprint-"

// Backend implements dnsfailover.Backend on Route 53.
type Backend struct {
	r53  *r53.Client
	Poll time.Duration
}

var _ dnsfailover.Backend = (*Backend)(nil)

// New returns the backend. Route 53 is global: location is accepted for the
// backend registry's sake but not used, so that a lost region (us-east-1
// included) never blocks DNS changes (see awsbase.Session.Global).
func New(ctx context.Context, s *awsbase.Session, _ string) (*Backend, error) {
	cfg, err := s.Global(ctx, "route53")
	if err != nil {
		return nil, err
	}
	return &Backend{r53: r53.NewFromConfig(cfg), Poll: 2 * time.Second}, nil
}

func fqdn(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, ".")) + "."
}

func sameName(a, b string) bool { return fqdn(a) == fqdn(b) }

// setID names a target's record. The name is part of it because the local
// endpoint deletes every record of a zone with the given SetIdentifier on a
// DELETE, not just the one named; unique identifiers keep deletes exact
// there too, and read well on AWS ("east@www.example.com").
func setID(target, name string) string {
	return target + "@" + strings.TrimSuffix(fqdn(name), ".")
}

func targetOf(id, name string) (string, bool) {
	return strings.CutSuffix(id, "@"+strings.TrimSuffix(fqdn(name), "."))
}

func validate(spec dnsfailover.Spec) error {
	if spec.FQDN == "" || spec.Zone == "" {
		return errors.New("fqdn and zone are required")
	}
	if !strings.HasSuffix(fqdn(spec.FQDN), "."+fqdn(spec.Zone)) && !sameName(spec.FQDN, spec.Zone) {
		return fmt.Errorf("%s is not in zone %s", spec.FQDN, spec.Zone)
	}
	switch spec.Mode {
	case "failover":
		if len(spec.Targets) < 1 || len(spec.Targets) > 2 {
			return fmt.Errorf("failover records on Route 53 take one primary and at most one secondary target, got %d targets (use mode \"weighted\" or the powerdns backend for more)", len(spec.Targets))
		}
	case "weighted":
		if len(spec.Targets) < 1 {
			return errors.New("at least one target is needed")
		}
	default:
		return fmt.Errorf("mode must be failover or weighted, not %q", spec.Mode)
	}
	hc := spec.HealthCheck
	switch hc.Protocol {
	case "HTTP", "HTTPS", "TCP":
	default:
		return fmt.Errorf("health check protocol must be HTTP, HTTPS or TCP, not %q", hc.Protocol)
	}
	if hc.Interval != 10 && hc.Interval != 30 {
		return fmt.Errorf("health checks on Route 53 run every 10 or 30 seconds, not %d", hc.Interval)
	}
	if hc.Threshold < 1 || hc.Threshold > 10 {
		return fmt.Errorf("health check threshold must be 1 to 10, not %d", hc.Threshold)
	}
	seen := map[string]bool{}
	for _, t := range spec.Targets {
		if t.Name == "" || seen[t.Name] {
			return fmt.Errorf("target names must be set and unique (%q)", t.Name)
		}
		seen[t.Name] = true
		if (t.DNSName == "") == (len(t.Addresses) == 0) {
			return fmt.Errorf("target %s needs either addresses or dns_name with zone_id", t.Name)
		}
		if t.DNSName != "" && t.ZoneID == "" {
			return fmt.Errorf("target %s: an alias to %s needs zone_id", t.Name, t.DNSName)
		}
	}
	return nil
}

func recordType(spec dnsfailover.Spec) r53types.RRType {
	if spec.RecordType == "AAAA" {
		return r53types.RRTypeAaaa
	}
	return r53types.RRTypeA
}

// Apply converges the zone, health checks and records to spec.
func (b *Backend) Apply(ctx context.Context, spec dnsfailover.Spec, previous *dnsfailover.Status) (*dnsfailover.Status, error) {
	if spec.Mode == "" {
		spec.Mode = "failover"
	}
	if err := validate(spec); err != nil {
		return nil, err
	}
	zoneID, err := b.ensureZone(ctx, spec)
	if err != nil {
		return nil, err
	}
	var prevHC []string
	if previous != nil {
		prevHC = previous.HealthCheckIDs
	}
	hcIDs := make([]string, len(spec.Targets))
	keep := map[string]bool{}
	for i, t := range spec.Targets {
		var old string
		if i < len(prevHC) {
			old = prevHC[i]
		}
		id, err := b.ensureHealthCheck(ctx, spec, t, old)
		if err != nil {
			return nil, err
		}
		hcIDs[i] = id
		keep[id] = true
	}
	if err := b.syncRecords(ctx, zoneID, spec, hcIDs); err != nil {
		return nil, err
	}
	// Health checks no longer referenced go once the records have moved.
	for _, id := range prevHC {
		if id != "" && !keep[id] {
			if err := b.deleteHealthCheck(ctx, id); err != nil {
				return nil, err
			}
		}
	}
	return b.Read(ctx, spec, &dnsfailover.Status{ZoneID: zoneID, HealthCheckIDs: hcIDs})
}

func (b *Backend) findZone(ctx context.Context, zone string) (*r53types.HostedZone, error) {
	out, err := b.r53.ListHostedZonesByName(ctx, &r53.ListHostedZonesByNameInput{DNSName: sdkaws.String(fqdn(zone))})
	if err != nil {
		return nil, fmt.Errorf("find hosted zone %s: %w", zone, err)
	}
	for _, z := range out.HostedZones {
		if sameName(sdkaws.ToString(z.Name), zone) && (z.Config == nil || !z.Config.PrivateZone) {
			return &z, nil
		}
	}
	return nil, nil
}

func (b *Backend) ensureZone(ctx context.Context, spec dnsfailover.Spec) (string, error) {
	z, err := b.findZone(ctx, spec.Zone)
	if err != nil {
		return "", err
	}
	if z != nil {
		id := trimZoneID(sdkaws.ToString(z.Id))
		// A run killed between CreateHostedZone and tagging left our zone
		// untagged, which sweepers and drift listings could not find.
		if spec.CreateZone && strings.HasPrefix(sdkaws.ToString(z.CallerReference), zoneRefPrefix) {
			if err := b.tagIfUntagged(ctx, id, spec.Tags); err != nil {
				return "", err
			}
		}
		return id, nil
	}
	if !spec.CreateZone {
		return "", fmt.Errorf("hosted zone %s not found (set create_zone to create it)", spec.Zone)
	}
	out, err := b.r53.CreateHostedZone(ctx, &r53.CreateHostedZoneInput{
		Name:            sdkaws.String(fqdn(spec.Zone)),
		CallerReference: sdkaws.String(callerRef(zoneRefPrefix, spec.Zone)),
		HostedZoneConfig: &r53types.HostedZoneConfig{
			Comment: sdkaws.String("created by terraform-provider-ha for " + spec.FQDN),
		},
	})
	if err != nil {
		return "", fmt.Errorf("create hosted zone %s: %w", spec.Zone, err)
	}
	id := trimZoneID(sdkaws.ToString(out.HostedZone.Id))
	if err := b.tag(ctx, r53types.TagResourceTypeHostedzone, id, spec.Tags, ""); err != nil {
		return "", err
	}
	if err := b.waitChange(ctx, out.ChangeInfo); err != nil {
		return "", err
	}
	return id, nil
}

// tagIfUntagged tags a zone that carries no ha:blueprint tag; a zone that
// does belongs to a blueprint already, and retagging it would take it away.
func (b *Backend) tagIfUntagged(ctx context.Context, zoneID string, tags map[string]string) error {
	out, err := b.r53.ListTagsForResource(ctx, &r53.ListTagsForResourceInput{
		ResourceType: r53types.TagResourceTypeHostedzone, ResourceId: sdkaws.String(zoneID),
	})
	if err != nil {
		return fmt.Errorf("list tags of hosted zone %s: %w", zoneID, err)
	}
	if out.ResourceTagSet != nil {
		for _, t := range out.ResourceTagSet.Tags {
			if sdkaws.ToString(t.Key) == awsbase.TagBlueprint {
				return nil
			}
		}
	}
	return b.tag(ctx, r53types.TagResourceTypeHostedzone, zoneID, tags, "")
}

func trimZoneID(id string) string { return strings.TrimPrefix(id, "/hostedzone/") }

// callerRef is unique per call and at most 64 characters.
func callerRef(prefix, what string) string {
	sum := sha256.Sum256([]byte(what + strconv.FormatInt(time.Now().UnixNano(), 10)))
	return prefix + hex.EncodeToString(sum[:])[:40]
}

func (b *Backend) tag(ctx context.Context, kind r53types.TagResourceType, id string, tags map[string]string, name string) error {
	all := map[string]string{}
	for k, v := range tags {
		all[k] = v
	}
	if name != "" {
		all["Name"] = name
	}
	if len(all) == 0 {
		return nil
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var add []r53types.Tag
	for _, k := range keys {
		add = append(add, r53types.Tag{Key: sdkaws.String(k), Value: sdkaws.String(all[k])})
	}
	if _, err := b.r53.ChangeTagsForResource(ctx, &r53.ChangeTagsForResourceInput{
		ResourceType: kind, ResourceId: sdkaws.String(id), AddTags: add,
	}); err != nil {
		return fmt.Errorf("tag %s %s: %w", kind, id, err)
	}
	return nil
}

func healthCheckConfig(spec dnsfailover.Spec, t dnsfailover.Target) *r53types.HealthCheckConfig {
	hc := spec.HealthCheck
	c := &r53types.HealthCheckConfig{
		Type:             r53types.HealthCheckType(hc.Protocol),
		Port:             sdkaws.Int32(int32(hc.Port)),
		RequestInterval:  sdkaws.Int32(int32(hc.Interval)),
		FailureThreshold: sdkaws.Int32(int32(hc.Threshold)),
	}
	if hc.Protocol != "TCP" {
		path := hc.Path
		if path == "" {
			path = "/"
		}
		c.ResourcePath = sdkaws.String(path)
	}
	if t.DNSName != "" {
		c.FullyQualifiedDomainName = sdkaws.String(strings.TrimSuffix(t.DNSName, "."))
	} else {
		// One health check per target probes its first address.
		c.IPAddress = sdkaws.String(t.Addresses[0])
	}
	return c
}

// ensureHealthCheck updates the target's health check in place where
// Route 53 allows, and creates a new one when the type or interval (fixed
// at creation) changes; the caller deletes the old one after the records
// have moved off it.
func (b *Backend) ensureHealthCheck(ctx context.Context, spec dnsfailover.Spec, t dnsfailover.Target, old string) (string, error) {
	want := healthCheckConfig(spec, t)
	if old != "" {
		out, err := b.r53.GetHealthCheck(ctx, &r53.GetHealthCheckInput{HealthCheckId: sdkaws.String(old)})
		switch {
		case err == nil && out.HealthCheck.HealthCheckConfig != nil:
			have := out.HealthCheck.HealthCheckConfig
			if have.Type == want.Type && sdkaws.ToInt32(have.RequestInterval) == sdkaws.ToInt32(want.RequestInterval) &&
				(have.IPAddress == nil) == (want.IPAddress == nil) {
				in := &r53.UpdateHealthCheckInput{
					HealthCheckId:            sdkaws.String(old),
					Port:                     want.Port,
					FailureThreshold:         want.FailureThreshold,
					ResourcePath:             want.ResourcePath,
					IPAddress:                want.IPAddress,
					FullyQualifiedDomainName: want.FullyQualifiedDomainName,
				}
				if _, err := b.r53.UpdateHealthCheck(ctx, in); err != nil {
					return "", fmt.Errorf("update health check %s of %s: %w", old, t.Name, err)
				}
				return old, b.tag(ctx, r53types.TagResourceTypeHealthcheck, old, spec.Tags, setID(t.Name, spec.FQDN))
			}
		case err != nil && !isNoSuchHealthCheck(err):
			return "", fmt.Errorf("read health check %s of %s: %w", old, t.Name, err)
		}
	}
	prefix := healthCheckRefPrefix(setID(t.Name, spec.FQDN))
	// A run killed after CreateHealthCheck leaves a health check no state
	// knows; one made for this target (its caller reference says so) with
	// the fixed settings wanted is adopted instead of making a twin.
	if orphan, err := b.orphanHealthCheck(ctx, prefix, old, want); err != nil {
		return "", err
	} else if orphan != "" {
		return b.ensureHealthCheck(ctx, spec, t, orphan)
	}
	out, err := b.r53.CreateHealthCheck(ctx, &r53.CreateHealthCheckInput{
		CallerReference:   sdkaws.String(callerRef(prefix, "")),
		HealthCheckConfig: want,
	})
	if err != nil {
		return "", fmt.Errorf("create health check for %s: %w", t.Name, err)
	}
	id := sdkaws.ToString(out.HealthCheck.Id)
	return id, b.tag(ctx, r53types.TagResourceTypeHealthcheck, id, spec.Tags, setID(t.Name, spec.FQDN))
}

// healthCheckRefPrefix starts the caller reference of every health check
// made for the record set setID: stable, so a rerun can find its own.
func healthCheckRefPrefix(setID string) string {
	sum := sha256.Sum256([]byte(setID))
	return "ha-" + hex.EncodeToString(sum[:])[:20] + "-"
}

// orphanHealthCheck returns a health check whose caller reference starts
// with prefix, other than skip, whose type and interval (fixed at creation)
// are want's; "" when none.
func (b *Backend) orphanHealthCheck(ctx context.Context, prefix, skip string, want *r53types.HealthCheckConfig) (string, error) {
	p := r53.NewListHealthChecksPaginator(b.r53, &r53.ListHealthChecksInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list health checks: %w", err)
		}
		for _, hc := range out.HealthChecks {
			id, have := sdkaws.ToString(hc.Id), hc.HealthCheckConfig
			if id == skip || have == nil || !strings.HasPrefix(sdkaws.ToString(hc.CallerReference), prefix) {
				continue
			}
			if have.Type == want.Type && sdkaws.ToInt32(have.RequestInterval) == sdkaws.ToInt32(want.RequestInterval) &&
				(have.IPAddress == nil) == (want.IPAddress == nil) {
				return id, nil
			}
		}
	}
	return "", nil
}

func isNoSuchHealthCheck(err error) bool {
	return awsbase.ErrorCode(err) == "NoSuchHealthCheck" || awsbase.IsNotFound(err)
}

func (b *Backend) deleteHealthCheck(ctx context.Context, id string) error {
	_, err := b.r53.DeleteHealthCheck(ctx, &r53.DeleteHealthCheckInput{HealthCheckId: sdkaws.String(id)})
	if err != nil && !isNoSuchHealthCheck(err) {
		return fmt.Errorf("delete health check %s: %w", id, err)
	}
	return nil
}

func (b *Backend) record(spec dnsfailover.Spec, i int, t dnsfailover.Target, hcID string) r53types.ResourceRecordSet {
	rr := r53types.ResourceRecordSet{
		Name:          sdkaws.String(fqdn(spec.FQDN)),
		Type:          recordType(spec),
		SetIdentifier: sdkaws.String(setID(t.Name, spec.FQDN)),
		HealthCheckId: sdkaws.String(hcID),
	}
	if spec.Mode == "weighted" {
		rr.Weight = sdkaws.Int64(int64(t.Weight))
	} else if i == 0 {
		rr.Failover = r53types.ResourceRecordSetFailoverPrimary
	} else {
		rr.Failover = r53types.ResourceRecordSetFailoverSecondary
	}
	if t.DNSName != "" {
		rr.AliasTarget = &r53types.AliasTarget{
			DNSName:              sdkaws.String(fqdn(t.DNSName)),
			HostedZoneId:         sdkaws.String(t.ZoneID),
			EvaluateTargetHealth: true,
		}
	} else {
		rr.TTL = sdkaws.Int64(int64(spec.TTL))
		for _, a := range t.Addresses {
			rr.ResourceRecords = append(rr.ResourceRecords, r53types.ResourceRecord{Value: sdkaws.String(a)})
		}
	}
	return rr
}

// ours lists the records of the failover name: its name and type, with a
// SetIdentifier this backend gave.
func (b *Backend) ours(ctx context.Context, zoneID string, spec dnsfailover.Spec) ([]r53types.ResourceRecordSet, error) {
	name := fqdn(spec.FQDN)
	var out []r53types.ResourceRecordSet
	// A page as long as the name's own records (A and AAAA per target, and
	// a few of other types): the default of 300 made every read parse
	// hundreds of the zone's other records.
	in := &r53.ListResourceRecordSetsInput{HostedZoneId: sdkaws.String(zoneID), StartRecordName: sdkaws.String(name),
		MaxItems: sdkaws.Int32(int32(2*len(spec.Targets) + 4))}
	for {
		page, err := b.r53.ListResourceRecordSets(ctx, in)
		if err != nil {
			if awsbase.ErrorCode(err) == "NoSuchHostedZone" {
				return nil, dnsfailover.ErrNotFound
			}
			return nil, fmt.Errorf("list records of %s: %w", name, err)
		}
		done := false
		for _, rr := range page.ResourceRecordSets {
			if !sameName(sdkaws.ToString(rr.Name), name) {
				done = true
				break
			}
			if rr.Type != r53types.RRTypeA && rr.Type != r53types.RRTypeAaaa {
				continue
			}
			if _, ok := targetOf(sdkaws.ToString(rr.SetIdentifier), spec.FQDN); ok {
				out = append(out, rr)
			}
		}
		if done || !page.IsTruncated {
			return out, nil
		}
		in.StartRecordName, in.StartRecordType, in.StartRecordIdentifier = page.NextRecordName, page.NextRecordType, page.NextRecordIdentifier
	}
}

func policyOf(rr r53types.ResourceRecordSet) string {
	if rr.Failover != "" {
		return "failover"
	}
	return "weighted"
}

// syncRecords writes the desired records with UPSERT (a CREATE over an
// existing record adds a duplicate on the local endpoint), and removes the others
// with exact DELETEs; a record whose routing policy changes is deleted and
// created again in the same batch, which Route 53 applies atomically.
// Records are keyed by type and identifier, so a change from A to AAAA
// deletes the old type (first in the batch).
func (b *Backend) syncRecords(ctx context.Context, zoneID string, spec dnsfailover.Spec, hcIDs []string) error {
	have, err := b.ours(ctx, zoneID, spec)
	if err != nil {
		return err
	}
	byID := map[string]r53types.ResourceRecordSet{}
	for _, rr := range have {
		byID[string(rr.Type)+" "+sdkaws.ToString(rr.SetIdentifier)] = rr
	}
	var changes []r53types.Change
	wanted := map[string]bool{}
	for i, t := range spec.Targets {
		rr := b.record(spec, i, t, hcIDs[i])
		id := string(rr.Type) + " " + sdkaws.ToString(rr.SetIdentifier)
		wanted[id] = true
		if old, ok := byID[id]; ok && policyOf(old) != spec.Mode {
			changes = append(changes,
				r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &old},
				r53types.Change{Action: r53types.ChangeActionCreate, ResourceRecordSet: &rr})
			continue
		}
		changes = append(changes, r53types.Change{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &rr})
	}
	for id, old := range byID {
		if !wanted[id] {
			old := old
			changes = append([]r53types.Change{{Action: r53types.ChangeActionDelete, ResourceRecordSet: &old}}, changes...)
		}
	}
	return b.change(ctx, zoneID, spec.FQDN, changes)
}

func (b *Backend) change(ctx context.Context, zoneID, name string, changes []r53types.Change) error {
	if len(changes) == 0 {
		return nil
	}
	out, err := b.r53.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{
		HostedZoneId: sdkaws.String(zoneID),
		ChangeBatch:  &r53types.ChangeBatch{Comment: sdkaws.String("ha failover " + name), Changes: changes},
	})
	if err != nil {
		return fmt.Errorf("change records of %s: %w", name, err)
	}
	return b.waitChange(ctx, out.ChangeInfo)
}

func (b *Backend) waitChange(ctx context.Context, ci *r53types.ChangeInfo) error {
	if ci == nil || ci.Id == nil {
		return nil
	}
	return awsbase.WaitUntil(ctx, "Route 53 change "+sdkaws.ToString(ci.Id)+" to be in sync", b.Poll, func(ctx context.Context) (bool, error) {
		out, err := b.r53.GetChange(ctx, &r53.GetChangeInput{Id: ci.Id})
		if err != nil {
			return false, fmt.Errorf("read change %s: %w", sdkaws.ToString(ci.Id), err)
		}
		return out.ChangeInfo.Status == r53types.ChangeStatusInsync, nil
	})
}

// Read describes the failover name as Route 53 has it; ErrNotFound when the
// zone or every record of it is gone.
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
			return nil, dnsfailover.ErrNotFound
		}
		zoneID = trimZoneID(sdkaws.ToString(z.Id))
	}
	recs, err := b.ours(ctx, zoneID, spec)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, dnsfailover.ErrNotFound
	}
	// Primary first, then secondary; weighted records in the spec's order.
	order := map[string]int{}
	for i, t := range spec.Targets {
		order[t.Name] = i
	}
	rank := func(rr r53types.ResourceRecordSet) (int, string) {
		name, _ := targetOf(sdkaws.ToString(rr.SetIdentifier), spec.FQDN)
		switch rr.Failover {
		case r53types.ResourceRecordSetFailoverPrimary:
			return 0, name
		case r53types.ResourceRecordSetFailoverSecondary:
			return 1, name
		}
		if i, ok := order[name]; ok {
			return i, name
		}
		return len(order), name
	}
	sort.SliceStable(recs, func(i, j int) bool {
		ri, ni := rank(recs[i])
		rj, nj := rank(recs[j])
		if ri != rj {
			return ri < rj
		}
		return ni < nj
	})

	got := spec
	got.Targets = nil
	got.Mode = policyOf(recs[0])
	got.RecordType = string(recs[0].Type)
	st := &dnsfailover.Status{ZoneID: zoneID}
	ttlSet := false
	for _, rr := range recs {
		name, _ := targetOf(sdkaws.ToString(rr.SetIdentifier), spec.FQDN)
		t := dnsfailover.Target{Name: name, Weight: int(sdkaws.ToInt64(rr.Weight))}
		if a := rr.AliasTarget; a != nil {
			t.DNSName, t.ZoneID = sdkaws.ToString(a.DNSName), sdkaws.ToString(a.HostedZoneId)
			// Keep the spec's spelling of the same name (case, final dot).
			for _, w := range spec.Targets {
				if w.Name == name && sameName(w.DNSName, t.DNSName) {
					t.DNSName = w.DNSName
				}
			}
		} else {
			for _, r := range rr.ResourceRecords {
				t.Addresses = append(t.Addresses, sdkaws.ToString(r.Value))
			}
			if !ttlSet {
				got.TTL, ttlSet = int(sdkaws.ToInt64(rr.TTL)), true
			}
		}
		got.Targets = append(got.Targets, t)
		st.RecordIDs = append(st.RecordIDs, sdkaws.ToString(rr.SetIdentifier))
		st.HealthCheckIDs = append(st.HealthCheckIDs, sdkaws.ToString(rr.HealthCheckId))
	}
	// The health check settings are the same for every target; read the
	// first one that still exists.
	for _, id := range st.HealthCheckIDs {
		if id == "" {
			continue
		}
		out, err := b.r53.GetHealthCheck(ctx, &r53.GetHealthCheckInput{HealthCheckId: sdkaws.String(id)})
		if err != nil {
			if isNoSuchHealthCheck(err) {
				continue
			}
			return nil, fmt.Errorf("read health check %s: %w", id, err)
		}
		if c := out.HealthCheck.HealthCheckConfig; c != nil {
			got.HealthCheck = dnsfailover.HealthCheck{
				Protocol:  string(c.Type),
				Port:      int(sdkaws.ToInt32(c.Port)),
				Path:      sdkaws.ToString(c.ResourcePath),
				Interval:  int(sdkaws.ToInt32(c.RequestInterval)),
				Threshold: int(sdkaws.ToInt32(c.FailureThreshold)),
			}
			if got.HealthCheck.Protocol == "TCP" {
				got.HealthCheck.Path = spec.HealthCheck.Path
			}
		}
		break
	}
	st.Spec = got
	return st, nil
}

// Delete removes the records (exactly those of this name), their health
// checks, and the hosted zone when this backend created it and nothing
// else is left in it. Gone is not an error.
func (b *Backend) Delete(ctx context.Context, status *dnsfailover.Status) error {
	if status == nil {
		return nil
	}
	spec := status.Spec
	zoneID := status.ZoneID
	if zoneID == "" {
		z, err := b.findZone(ctx, spec.Zone)
		if err != nil {
			return err
		}
		if z == nil {
			return b.deleteHealthChecks(ctx, status.HealthCheckIDs)
		}
		zoneID = trimZoneID(sdkaws.ToString(z.Id))
	}
	recs, err := b.ours(ctx, zoneID, spec)
	if errors.Is(err, dnsfailover.ErrNotFound) {
		return b.deleteHealthChecks(ctx, status.HealthCheckIDs)
	}
	if err != nil {
		return err
	}
	hcs := append([]string(nil), status.HealthCheckIDs...)
	var changes []r53types.Change
	for _, rr := range recs {
		rr := rr
		changes = append(changes, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &rr})
		if id := sdkaws.ToString(rr.HealthCheckId); id != "" {
			hcs = append(hcs, id)
		}
	}
	if err := b.change(ctx, zoneID, spec.FQDN, changes); err != nil {
		return err
	}
	if err := b.deleteHealthChecks(ctx, hcs); err != nil {
		return err
	}
	if spec.CreateZone {
		return b.deleteZoneIfOurs(ctx, zoneID)
	}
	return nil
}

func (b *Backend) deleteHealthChecks(ctx context.Context, ids []string) error {
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		if err := b.deleteHealthCheck(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// deleteZoneIfOurs deletes a zone this backend created once only its SOA
// and NS records remain.
func (b *Backend) deleteZoneIfOurs(ctx context.Context, zoneID string) error {
	z, err := b.r53.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: sdkaws.String(zoneID)})
	if err != nil {
		if awsbase.ErrorCode(err) == "NoSuchHostedZone" {
			return nil
		}
		return fmt.Errorf("read hosted zone %s: %w", zoneID, err)
	}
	if !strings.HasPrefix(sdkaws.ToString(z.HostedZone.CallerReference), zoneRefPrefix) {
		return nil
	}
	recs, err := b.r53.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: sdkaws.String(zoneID)})
	if err != nil {
		if awsbase.ErrorCode(err) == "NoSuchHostedZone" {
			// Another name of the zone, deleted at the same moment, found it
			// empty first and deleted it.
			return nil
		}
		return fmt.Errorf("list records of hosted zone %s: %w", zoneID, err)
	}
	for _, rr := range recs.ResourceRecordSets {
		if rr.Type != r53types.RRTypeSoa && rr.Type != r53types.RRTypeNs {
			return nil // in use by something else; left in place
		}
	}
	if _, err := b.r53.DeleteHostedZone(ctx, &r53.DeleteHostedZoneInput{Id: sdkaws.String(zoneID)}); err != nil && awsbase.ErrorCode(err) != "NoSuchHostedZone" {
		return fmt.Errorf("delete hosted zone %s: %w", zoneID, err)
	}
	return nil
}

// Owned lists health checks and hosted zones tagged ha:blueprint=blueprint
// ("" for any), for sweepers: ids mapped to their Name tag.
func (b *Backend) Owned(ctx context.Context, blueprint string) (healthChecks, zones map[string]string, err error) {
	healthChecks, zones = map[string]string{}, map[string]string{}
	var ids []string
	in := &r53.ListHealthChecksInput{}
	for {
		out, err := b.r53.ListHealthChecks(ctx, in)
		if err != nil {
			return nil, nil, fmt.Errorf("list health checks: %w", err)
		}
		for _, h := range out.HealthChecks {
			ids = append(ids, sdkaws.ToString(h.Id))
		}
		if !out.IsTruncated {
			break
		}
		in.Marker = out.NextMarker
	}
	if err := b.matchTags(ctx, r53types.TagResourceTypeHealthcheck, ids, blueprint, healthChecks); err != nil {
		return nil, nil, err
	}
	ids, err = b.zoneIDs(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := b.matchTags(ctx, r53types.TagResourceTypeHostedzone, ids, blueprint, zones); err != nil {
		return nil, nil, err
	}
	return healthChecks, zones, nil
}

// zoneIDs lists every hosted zone of the account, page by page.
func (b *Backend) zoneIDs(ctx context.Context) ([]string, error) {
	var ids []string
	in := &r53.ListHostedZonesInput{}
	for {
		out, err := b.r53.ListHostedZones(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list hosted zones: %w", err)
		}
		for _, z := range out.HostedZones {
			ids = append(ids, trimZoneID(sdkaws.ToString(z.Id)))
		}
		if !out.IsTruncated {
			return ids, nil
		}
		in.Marker = out.NextMarker
	}
}

func (b *Backend) matchTags(ctx context.Context, kind r53types.TagResourceType, ids []string, blueprint string, into map[string]string) error {
	for start := 0; start < len(ids); start += 10 {
		end := min(start+10, len(ids))
		out, err := b.r53.ListTagsForResources(ctx, &r53.ListTagsForResourcesInput{ResourceType: kind, ResourceIds: ids[start:end]})
		if err != nil {
			return fmt.Errorf("list tags of %s: %w", kind, err)
		}
		for _, rt := range out.ResourceTagSets {
			tags := map[string]string{}
			for _, t := range rt.Tags {
				tags[sdkaws.ToString(t.Key)] = sdkaws.ToString(t.Value)
			}
			if v, ok := tags[awsbase.TagBlueprint]; ok && (blueprint == "" || v == blueprint) {
				into[sdkaws.ToString(rt.ResourceId)] = tags["Name"]
			}
		}
	}
	return nil
}

// Sweep deletes the records that use the owned health checks, the health
// checks, and the owned zones this backend created, once empty.
func (b *Backend) Sweep(ctx context.Context, blueprint string) error {
	hcs, zones, err := b.Owned(ctx, blueprint)
	if err != nil {
		return err
	}
	if len(hcs) > 0 {
		zoneIDs, err := b.zoneIDs(ctx)
		if err != nil {
			return err
		}
		for _, id := range zoneIDs {
			recs, err := b.r53.ListResourceRecordSets(ctx, &r53.ListResourceRecordSetsInput{HostedZoneId: sdkaws.String(id)})
			if awsbase.ErrorCode(err) == "NoSuchHostedZone" {
				continue // deleted since it was listed
			}
			if err != nil {
				return fmt.Errorf("list records of %s: %w", id, err)
			}
			for _, rr := range recs.ResourceRecordSets {
				if _, ok := hcs[sdkaws.ToString(rr.HealthCheckId)]; ok {
					rr := rr
					if err := b.change(ctx, id, sdkaws.ToString(rr.Name), []r53types.Change{{Action: r53types.ChangeActionDelete, ResourceRecordSet: &rr}}); err != nil {
						return err
					}
				}
			}
		}
	}
	ids := make([]string, 0, len(hcs))
	for id := range hcs {
		ids = append(ids, id)
	}
	if err := b.deleteHealthChecks(ctx, ids); err != nil {
		return err
	}
	for id := range zones {
		if err := b.deleteZoneIfOurs(ctx, id); err != nil {
			return err
		}
	}
	return nil
}
