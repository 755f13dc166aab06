package powerdns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
)

// commentAccount marks the rrset comments this package writes.
const commentAccount = "terraform-provider-ha"

// Backend is the PowerDNS implementation of dnsfailover.Backend: one LUA
// record per failover name and record type (A and AAAA may share a name).
type Backend struct {
	c *Client
}

var (
	_ dnsfailover.Backend             = (*Backend)(nil)
	_ dnsfailover.ServerCheckInterval = (*Backend)(nil)
)

// NewBackend returns the failover backend on a client.
func NewBackend(c *Client) *Backend { return &Backend{c: c} }

// meta is what the record itself cannot hold (target names, weights, the
// interval and threshold asked for, tags); it is kept as an rrset comment
// "ha:A {json}" so that import and drift detection see it.
type meta struct {
	Mode      string            `json:"mode"`
	Names     []string          `json:"names"`
	Sizes     []int             `json:"sizes"`
	Weights   []int             `json:"weights,omitempty"`
	Interval  int               `json:"interval"`
	Threshold int               `json:"threshold"`
	Tags      map[string]string `json:"tags,omitempty"`
}

// Normalize fills defaults and canonical forms (trailing dots, upper-case
// types) so that what is written and what is read back compare equal.
func Normalize(s dnsfailover.Spec) dnsfailover.Spec {
	s.FQDN = canonical(s.FQDN)
	s.Zone = canonical(s.Zone)
	if s.Mode == "" {
		s.Mode = "failover"
	}
	s.Mode = strings.ToLower(s.Mode)
	if s.RecordType == "" {
		s.RecordType = "A"
	}
	s.RecordType = strings.ToUpper(s.RecordType)
	hc := &s.HealthCheck
	hc.Protocol = strings.ToUpper(hc.Protocol)
	if hc.Protocol == "" {
		hc.Protocol = "HTTP"
	}
	if hc.Protocol == "TCP" {
		hc.Path = ""
	} else if hc.Path == "" {
		hc.Path = "/"
	}
	if hc.Port == 0 {
		hc.Port = map[string]int{"HTTP": 80, "HTTPS": 443}[hc.Protocol]
	}
	return s
}

func canonical(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if name != "" && !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// Validate reports what PowerDNS cannot serve, before any call is made.
func Validate(s dnsfailover.Spec) error {
	s = Normalize(s)
	var errs []error
	if s.FQDN == "." || s.FQDN == "" {
		errs = append(errs, errors.New("fqdn is empty"))
	}
	if s.Zone == "" {
		errs = append(errs, errors.New("zone is empty"))
	} else if s.FQDN != s.Zone && !strings.HasSuffix(s.FQDN, "."+s.Zone) {
		errs = append(errs, fmt.Errorf("fqdn %s is not inside zone %s", s.FQDN, s.Zone))
	}
	for _, r := range strings.TrimSuffix(s.FQDN, ".") {
		if !validNameRune(r) {
			errs = append(errs, fmt.Errorf("fqdn %s has the character %q", s.FQDN, r))
			break
		}
	}
	if s.RecordType != "A" && s.RecordType != "AAAA" {
		errs = append(errs, fmt.Errorf("record_type must be A or AAAA, got %q", s.RecordType))
	}
	if s.Mode != "failover" && s.Mode != "weighted" {
		errs = append(errs, fmt.Errorf("mode must be failover or weighted, got %q", s.Mode))
	}
	if s.TTL < 1 {
		errs = append(errs, fmt.Errorf("ttl must be at least 1, got %d", s.TTL))
	}
	hc := s.HealthCheck
	switch hc.Protocol {
	case "HTTP", "HTTPS":
		if !strings.HasPrefix(hc.Path, "/") || strings.ContainsAny(hc.Path, "'\"\\ \t\n") {
			errs = append(errs, fmt.Errorf("health_check.path must start with / and hold no quotes, backslashes or spaces, got %q", hc.Path))
		}
	case "TCP":
		// 4.7's ifportup takes one flat list: it has no ordered sets.
		if s.Mode == "failover" && len(s.Targets) > 1 {
			errs = append(errs, errors.New("PowerDNS has no ordered TCP checks (ifportup takes one flat list): use an HTTP or HTTPS health_check for priority failover, or mode = \"weighted\" to answer every target that accepts connections"))
		}
	default:
		errs = append(errs, fmt.Errorf("health_check.protocol must be HTTP, HTTPS or TCP, got %q", hc.Protocol))
	}
	if hc.Port < 1 || hc.Port > 65535 {
		errs = append(errs, fmt.Errorf("health_check.port must be 1-65535, got %d", hc.Port))
	}
	if len(s.Targets) == 0 {
		errs = append(errs, errors.New("at least one target is needed"))
	}
	seen := map[string]bool{}
	for i, t := range s.Targets {
		if t.DNSName != "" {
			errs = append(errs, fmt.Errorf("target %d (%s): PowerDNS answers addresses, not alias dns_name", i, t.Name))
		}
		if len(t.Addresses) == 0 {
			errs = append(errs, fmt.Errorf("target %d (%s): no addresses", i, t.Name))
		}
		for _, a := range t.Addresses {
			ip, err := netip.ParseAddr(a)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("target %d (%s): %q is not an IP address", i, t.Name, a))
			case s.RecordType == "A" && !ip.Is4():
				errs = append(errs, fmt.Errorf("target %d (%s): %s is not IPv4, as record_type A needs", i, t.Name, a))
			case s.RecordType == "AAAA" && (!ip.Is6() || ip.Is4In6()):
				errs = append(errs, fmt.Errorf("target %d (%s): %s is not IPv6, as record_type AAAA needs", i, t.Name, a))
			case seen[a]:
				errs = append(errs, fmt.Errorf("target %d (%s): address %s appears twice", i, t.Name, a))
			}
			seen[a] = true
		}
	}
	return errors.Join(errs...)
}

func validNameRune(r rune) bool {
	return r == '.' || r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
}

// rule turns a spec into its LUA record.
func rule(s dnsfailover.Spec) luaRule {
	r := luaRule{RecordType: s.RecordType, Options: map[string]string{"selector": "all"}}
	for _, t := range s.Targets {
		r.Sets = append(r.Sets, append([]string(nil), t.Addresses...))
	}
	hc := s.HealthCheck
	if hc.Protocol == "TCP" {
		r.Function, r.Port, r.Flat = "ifportup", hc.Port, true
	} else {
		r.Function = "ifurlup"
		r.URL = fmt.Sprintf("%s://%s:%d%s", strings.ToLower(hc.Protocol), strings.TrimSuffix(s.FQDN, "."), hc.Port, hc.Path)
		r.Flat = s.Mode == "weighted"
	}
	return r
}

func metaOf(s dnsfailover.Spec) meta {
	m := meta{Mode: s.Mode, Interval: s.HealthCheck.Interval, Threshold: s.HealthCheck.Threshold, Tags: s.Tags}
	weighted := false
	for _, t := range s.Targets {
		m.Names = append(m.Names, t.Name)
		m.Sizes = append(m.Sizes, len(t.Addresses))
		m.Weights = append(m.Weights, t.Weight)
		weighted = weighted || t.Weight != 0
	}
	if !weighted {
		m.Weights = nil
	}
	return m
}

func commentPrefix(recordType string) string { return "ha:" + recordType + " " }

func recordPrefix(recordType string) string { return recordType + " " }

// Apply creates or updates the LUA record, creating the zone first when
// asked and it does not exist yet.
func (b *Backend) Apply(ctx context.Context, spec dnsfailover.Spec, previous *dnsfailover.Status) (*dnsfailover.Status, error) {
	spec = Normalize(spec)
	if err := Validate(spec); err != nil {
		return nil, err
	}
	zoneCreated := previous != nil && previous.ZoneCreated
	// A and AAAA failovers of one name share the LUA rrset: serialise the
	// read-modify-write of it within this process. One fresh read of the
	// zone and its rrsets at this name serves both the zone checks and the
	// rrset to modify.
	unlock := lockName(b.c, spec.FQDN)
	defer unlock()
	zone, err := b.c.ZoneAt(ctx, spec.Zone, spec.FQDN)
	switch {
	case errors.Is(err, ErrZoneNotFound) && spec.CreateZone:
		if zone, err = b.c.CreateZone(ctx, spec.Zone, []string{"ns1." + spec.Zone}, zoneOwner(spec.FQDN)); err != nil {
			return nil, fmt.Errorf("create zone %s: %w", spec.Zone, err)
		}
		zoneCreated = true
	case errors.Is(err, ErrZoneNotFound):
		return nil, fmt.Errorf("zone %s does not exist on the server: create it, or set create_zone = true", spec.Zone)
	case err != nil:
		return nil, fmt.Errorf("read zone %s: %w", spec.Zone, err)
	case spec.CreateZone && zone.Account == zoneOwner(spec.FQDN):
		// Created for this name before (the record was since deleted by hand).
		zoneCreated = true
	case spec.CreateZone && previous == nil:
		// Deleting this resource would delete the zone: refuse to adopt one.
		return nil, fmt.Errorf("zone %s already exists: set create_zone = false to attach to it", spec.Zone)
	}
	existing := zone.Find(spec.FQDN, "LUA")
	var keepRecords []Record
	var keepComments []Comment
	if existing != nil {
		for _, r := range existing.Records {
			if strings.HasPrefix(r.Content, recordPrefix(spec.RecordType)) {
				if previous == nil {
					return nil, fmt.Errorf("%s already has a LUA %s record (%s): import it instead", spec.FQDN, spec.RecordType, r.Content)
				}
				continue
			}
			keepRecords = append(keepRecords, r)
		}
		for _, c := range existing.Comments {
			if !strings.HasPrefix(c.Content, commentPrefix(spec.RecordType)) {
				keepComments = append(keepComments, Comment{Content: c.Content, Account: c.Account})
			}
		}
	}
	if zone.Find(spec.FQDN, spec.RecordType) != nil || zone.Find(spec.FQDN, "CNAME") != nil {
		return nil, fmt.Errorf("%s already has a plain %s or CNAME record, which would shadow the failover record: remove it first", spec.FQDN, spec.RecordType)
	}
	mj, err := json.Marshal(metaOf(spec))
	if err != nil {
		return nil, fmt.Errorf("encode record metadata: %w", err)
	}
	rrset := RRSet{
		Name:       spec.FQDN,
		Type:       "LUA",
		TTL:        spec.TTL,
		ChangeType: "REPLACE",
		Records:    append(keepRecords, Record{Content: rule(spec).content()}),
		Comments:   append(keepComments, Comment{Content: commentPrefix(spec.RecordType) + string(mj), Account: commentAccount}),
	}
	if err := b.c.PatchRRSets(ctx, spec.Zone, []RRSet{rrset}); err != nil {
		return nil, fmt.Errorf("write LUA record %s: %w", spec.FQDN, err)
	}
	// The server stores the rrset as sent (a failed write is an error
	// above), so the status comes from what was written rather than from a
	// second read of the whole zone.
	st, err := status(zone.ID, &rrset, spec, &dnsfailover.Status{ZoneCreated: zoneCreated})
	if err != nil {
		return nil, fmt.Errorf("read back %s: %w", spec.FQDN, err)
	}
	return st, nil
}

// Read returns the record as the server holds it, so that hand edits show.
func (b *Backend) Read(ctx context.Context, spec dnsfailover.Spec, previous *dnsfailover.Status) (*dnsfailover.Status, error) {
	spec = Normalize(spec)
	zone, err := b.c.Zone(ctx, spec.Zone)
	if errors.Is(err, ErrZoneNotFound) {
		return nil, dnsfailover.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read zone %s: %w", spec.Zone, err)
	}
	return status(zone.ID, zone.Find(spec.FQDN, "LUA"), spec, previous)
}

// status reads the failover record of spec.RecordType out of the name's LUA
// rrset (nil when there is none).
func status(zoneID string, rrset *RRSet, spec dnsfailover.Spec, previous *dnsfailover.Status) (*dnsfailover.Status, error) {
	if rrset == nil {
		return nil, dnsfailover.ErrNotFound
	}
	var content string
	for _, r := range rrset.Records {
		if strings.HasPrefix(r.Content, recordPrefix(spec.RecordType)) {
			content = r.Content
			break
		}
	}
	if content == "" {
		return nil, dnsfailover.ErrNotFound
	}
	var m *meta
	for _, c := range rrset.Comments {
		if rest, ok := strings.CutPrefix(c.Content, commentPrefix(spec.RecordType)); ok {
			var mm meta
			if json.Unmarshal([]byte(rest), &mm) == nil {
				m = &mm
			}
		}
	}
	got := dnsfailover.Spec{
		FQDN:       spec.FQDN,
		Zone:       spec.Zone,
		CreateZone: spec.CreateZone,
		TTL:        rrset.TTL,
		RecordType: spec.RecordType,
	}
	st := &dnsfailover.Status{
		ZoneID:         zoneID,
		RecordIDs:      []string{RecordID(spec.Zone, spec.FQDN, spec.RecordType)},
		HealthCheckIDs: []string{},
	}
	if previous != nil {
		st.ZoneCreated = previous.ZoneCreated
	}
	r, perr := parseLuaRule(content)
	if perr != nil {
		// Changed beyond what this package writes: no targets, so the plan
		// shows the whole record being put back.
		got.Mode = spec.Mode
		got.HealthCheck = spec.HealthCheck
		st.Spec = got
		return st, nil //nolint:nilerr // an unreadable record is drift, not a failed read
	}
	if r.Function == "ifportup" {
		got.HealthCheck = dnsfailover.HealthCheck{Protocol: "TCP", Port: r.Port}
	} else {
		proto, port, path, err := checkURL(r.URL)
		if err == nil {
			got.HealthCheck = dnsfailover.HealthCheck{Protocol: proto, Port: port, Path: path}
		}
	}
	got.Mode = "failover"
	if r.Flat {
		got.Mode = "weighted"
		if m != nil && m.Mode == "failover" && len(m.Names) <= 1 {
			got.Mode = "failover"
		}
	}
	if m != nil {
		got.HealthCheck.Interval, got.HealthCheck.Threshold = m.Interval, m.Threshold
		got.Tags = m.Tags
	} else {
		got.HealthCheck.Interval, got.HealthCheck.Threshold = spec.HealthCheck.Interval, spec.HealthCheck.Threshold
		got.Tags = spec.Tags
	}
	got.Targets = targets(r, m)
	st.Spec = got
	return st, nil
}

// targets maps the address sets back onto named targets: ordered sets are
// targets one by one; a flat list is split by the sizes kept in the comment.
func targets(r luaRule, m *meta) []dnsfailover.Target {
	var groups [][]string
	if !r.Flat {
		groups = r.Sets
	} else {
		all := r.Sets[0]
		if m != nil {
			for _, n := range m.Sizes {
				if n > len(all) {
					n = len(all)
				}
				groups = append(groups, all[:n])
				all = all[n:]
			}
		}
		if len(all) > 0 {
			groups = append(groups, all)
		}
	}
	out := make([]dnsfailover.Target, len(groups))
	for i, g := range groups {
		out[i].Addresses = append([]string{}, g...)
		if m != nil && i < len(m.Names) {
			out[i].Name = m.Names[i]
			if i < len(m.Weights) {
				out[i].Weight = m.Weights[i]
			}
		}
	}
	return out
}

// Delete removes this resource's record from the LUA rrset (other record
// types at the name stay) and the zone only when it was created for it.
func (b *Backend) Delete(ctx context.Context, status *dnsfailover.Status) error {
	spec := Normalize(status.Spec)
	unlock := lockName(b.c, spec.FQDN)
	defer unlock()
	zone, err := b.c.ZoneAt(ctx, spec.Zone, spec.FQDN)
	if errors.Is(err, ErrZoneNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read zone %s: %w", spec.Zone, err)
	}
	if rrset := zone.Find(spec.FQDN, "LUA"); rrset != nil {
		change := RRSet{Name: spec.FQDN, Type: "LUA", TTL: rrset.TTL, ChangeType: "REPLACE"}
		for _, r := range rrset.Records {
			if !strings.HasPrefix(r.Content, recordPrefix(spec.RecordType)) {
				change.Records = append(change.Records, r)
			}
		}
		for _, c := range rrset.Comments {
			if !strings.HasPrefix(c.Content, commentPrefix(spec.RecordType)) {
				change.Comments = append(change.Comments, Comment{Content: c.Content, Account: c.Account})
			}
		}
		if len(change.Records) == 0 {
			change = RRSet{Name: spec.FQDN, Type: "LUA", ChangeType: "DELETE"}
		}
		if err := b.c.PatchRRSets(ctx, spec.Zone, []RRSet{change}); err != nil {
			return fmt.Errorf("delete LUA record %s: %w", spec.FQDN, err)
		}
	}
	if !status.ZoneCreated {
		return nil
	}
	if zone, err = b.c.ZoneFresh(ctx, spec.Zone); err != nil {
		if errors.Is(err, ErrZoneNotFound) {
			return nil
		}
		return fmt.Errorf("read zone %s: %w", spec.Zone, err)
	}
	var others []string
	for _, rr := range zone.RRSets {
		if rr.Name == spec.Zone && (rr.Type == "SOA" || rr.Type == "NS") {
			continue
		}
		others = append(others, rr.Name+" "+rr.Type)
	}
	if len(others) > 0 {
		return fmt.Errorf("zone %s was created for %s but now holds other records (%s): remove them, or they would be deleted with the zone", spec.Zone, spec.FQDN, strings.Join(others, ", "))
	}
	if err := b.c.DeleteZone(ctx, spec.Zone); err != nil {
		return fmt.Errorf("delete zone %s: %w", spec.Zone, err)
	}
	return nil
}

// ServerCheckInterval is the server's lua-health-checks-interval in seconds
// (PowerDNS probes every checked address at that pace, whatever the record says).
func (b *Backend) ServerCheckInterval(ctx context.Context) (int, error) {
	v, err := b.c.ConfigSetting(ctx, "lua-health-checks-interval")
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("lua-health-checks-interval %q is not a number", v)
	}
	return n, nil
}

var (
	nameLocksMu sync.Mutex
	nameLocks   = map[string]*sync.Mutex{}
)

// lockName takes the process-wide lock of one name on one server.
func lockName(c *Client, fqdn string) func() {
	key := c.base.String() + "|" + c.serverID + "|" + fqdn
	nameLocksMu.Lock()
	m, ok := nameLocks[key]
	if !ok {
		m = &sync.Mutex{}
		nameLocks[key] = m
	}
	nameLocksMu.Unlock()
	m.Lock()
	return m.Unlock
}

// zoneOwner is the account label of a zone created for a failover name, so
// that the zone is recognised as this name's own if the record is re-created.
func zoneOwner(fqdn string) string { return commentAccount + ":" + canonical(fqdn) }

// RecordID names the record of a failover name: ZONE/FQDN/LUA/TYPE.
func RecordID(zone, fqdn, recordType string) string {
	return canonical(zone) + "/" + canonical(fqdn) + "/LUA/" + strings.ToUpper(recordType)
}
