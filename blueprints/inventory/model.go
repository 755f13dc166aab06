// Package inventory is the bare-metal inventory language: sites, racks, UPS
// units, feeds, PDUs and hosts with their power supplies, parsed from HCL or
// JSON with the shared machinery in blueprints/lang and checked for dangling
// references, outlet clashes and power budgets (including the A+B failover
// budget). It knows no framework and no network: live power status belongs
// to internal/nut and internal/pdu.
package inventory

import (
	"net/netip"
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// Defaults applied when an attribute is left out.
const (
	DefaultVoltage     = 230.0
	DefaultPowerFactor = 0.9 // UPS watts = VA × 0.9 unless capacity_watts is given
	DefaultNUTPort     = 3493
	DefaultSNMPPort    = 161
	// BudgetFraction is the share of a PDU's rated current that continuous
	// load may use (the usual 80% derating of a circuit).
	BudgetFraction = 0.8
)

// Inventory is one checked inventory: every object by name (names are
// unique across the whole inventory, whichever site holds them).
type Inventory struct {
	Sites []*Site
	Racks map[string]*Rack
	UPS   map[string]*UPS
	Feeds map[string]*Feed
	PDUs  map[string]*PDU
	Hosts map[string]*Host
}

// Site is a data centre.
type Site struct {
	Name string
	// Network is the hosts' network (CIDR); virtual IPs must lie inside it.
	// Invalid when not written.
	Network netip.Prefix
	// VIPPool are the addresses a blueprint's virtual IPs are taken from
	// when a load balancer names none, in order.
	VIPPool    []netip.Addr
	DefRange   hcl.Range
	AttrRanges Ranges // where each attribute's value is, for diagnostics
}

// Rack is a rack; racks are declared implicitly by use unless a site declares
// any rack blocks, in which case every reference must name one.
type Rack struct {
	Name     string
	Site     string
	Declared bool
	DefRange hcl.Range
}

// UPS is one uninterruptible power supply.
type UPS struct {
	Name          string
	Site          string
	CapacityVA    float64
	CapacityWatts float64 // capacity_watts, or capacity_va × DefaultPowerFactor
	NUT           string  // "ups@host:port" as written; "" when not monitored
	DefRange      hcl.Range
}

// Feed is a power feed (A or B side) behind one UPS. A PDU may also name a
// UPS directly as its feed; the feed then carries the UPS's name.
type Feed struct {
	Name       string
	Site       string
	UPS        string
	Implicit   bool // made from a UPS named as a PDU's feed
	DefRange   hcl.Range
	AttrRanges Ranges // where each attribute's value is, for diagnostics
}

// PDU is a rack power distribution unit.
type PDU struct {
	Name       string
	Site       string
	Rack       string
	Feed       string
	UPS        string // resolved through Feed
	MaxAmps    float64
	Voltage    float64
	Outlets    int
	SNMP       string // "host[:port]"; "" when not monitored
	Community  string // overrides the provider's SNMP community when set
	DefRange   hcl.Range
	AttrRanges Ranges // where each attribute's value is, for diagnostics
}

// Budget is the continuous load the PDU may carry: voltage × max amps × 80%.
func (p *PDU) Budget() float64 { return p.Voltage * p.MaxAmps * BudgetFraction }

// Host is one bare-metal server.
type Host struct {
	Name       string
	Site       string
	Rack       string
	Address    string
	CPUs       int
	Memory     int64 // bytes
	Watts      float64
	Tags       []string
	SSHHostKey string // pinned SSH host key ("ssh-ed25519 AAAA..."); "" when not written
	PSUs       []*PSU
	DefRange   hcl.Range
	AttrRanges Ranges // where each attribute's value is, for diagnostics
}

// PSU is one power supply of a host, plugged into a PDU outlet.
type PSU struct {
	Name       string
	PDU        string
	Outlet     int
	DefRange   hcl.Range
	AttrRanges Ranges // where each attribute's value is, for diagnostics
}

// Ranges are where each attribute's value is, sorted by attribute name. A
// slice rather than a map: an inventory holds tens of thousands of them.
type Ranges []NamedRange

// NamedRange is the range of one attribute's value.
type NamedRange struct {
	Name  string
	Range hcl.Range
}

// Get returns the range of the named attribute's value (zero when absent).
func (r Ranges) Get(name string) hcl.Range {
	for _, nr := range r {
		if nr.Name == name {
			return nr.Range
		}
	}
	return hcl.Range{}
}

// HasTags reports whether the host carries every tag in want.
func (h *Host) HasTags(want []string) bool {
	for _, w := range want {
		found := false
		for _, t := range h.Tags {
			if t == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// UPSes returns the distinct UPS units behind the host's PSUs, sorted.
func (inv *Inventory) UPSes(h *Host) []string {
	return inv.distinct(h, func(p *PDU) string { return p.UPS })
}

// FeedsOf returns the distinct feeds behind the host's PSUs, sorted.
func (inv *Inventory) FeedsOf(h *Host) []string {
	return inv.distinct(h, func(p *PDU) string { return p.Feed })
}

// PDUsOf returns the distinct PDUs the host's PSUs plug into, sorted.
func (inv *Inventory) PDUsOf(h *Host) []string {
	return inv.distinct(h, func(p *PDU) string { return p.Name })
}

func (inv *Inventory) distinct(h *Host, f func(*PDU) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, psu := range h.PSUs {
		p := inv.PDUs[psu.PDU]
		if p == nil {
			continue
		}
		v := f(p)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// HostNames returns every host name, sorted.
func (inv *Inventory) HostNames() []string { return sortedKeys(inv.Hosts) }

// UPSNames returns every UPS name, sorted.
func (inv *Inventory) UPSNames() []string { return sortedKeys(inv.UPS) }

// PDUNames returns every PDU name, sorted.
func (inv *Inventory) PDUNames() []string { return sortedKeys(inv.PDUs) }

// FeedNames returns every feed name, sorted.
func (inv *Inventory) FeedNames() []string { return sortedKeys(inv.Feeds) }

// RackNames returns every rack name, sorted.
func (inv *Inventory) RackNames() []string { return sortedKeys(inv.Racks) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// DownedBy returns the single power devices ("ups:NAME", "feed:NAME",
// "pdu:NAME") whose loss alone takes every PSU of h down, nearest first
// (PDU, feed, UPS). Two hosts are in distinct power domains when their
// sets share nothing.
func (inv *Inventory) DownedBy(h *Host) []string {
	var out []string
	for _, k := range []struct {
		kind string
		of   func(*PDU) string
	}{
		{"pdu", func(p *PDU) string { return p.Name }},
		{"feed", func(p *PDU) string { return p.Feed }},
		{"ups", func(p *PDU) string { return p.UPS }},
	} {
		if ds := inv.distinct(h, k.of); len(ds) == 1 && len(h.PSUs) > 0 {
			out = append(out, k.kind+":"+ds[0])
		}
	}
	return out
}

// SharePower reports a device whose loss alone takes both a and b down, or
// "" when none does.
func (inv *Inventory) SharePower(a, b *Host) string {
	bs := map[string]bool{}
	for _, d := range inv.DownedBy(b) {
		bs[d] = true
	}
	for _, d := range inv.DownedBy(a) {
		if bs[d] {
			return d
		}
	}
	return ""
}

// SiteOf returns the site called name, or nil.
func (inv *Inventory) SiteOf(name string) *Site {
	for _, s := range inv.Sites {
		if s.Name == name {
			return s
		}
	}
	return nil
}
