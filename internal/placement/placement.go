// Package placement picks hosts from a bare-metal inventory for a tier or a
// database: deterministic, stable (members never move unless they must),
// spread over power and rack failure domains in priority order, and able to
// say how many members one failed device would take down.
package placement

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory"
)

// Failure domains a request can spread over or tolerate.
const (
	UPS  = "ups"
	Feed = "feed"
	PDU  = "pdu"
	Rack = "rack"
	Site = "site"
)

// Domains lists every failure domain, in the default spread order.
var Domains = []string{UPS, Feed, PDU, Rack, Site}

// DefaultSpread is the spread used when a request names none.
var DefaultSpread = []string{UPS, Feed, PDU, Rack}

// Power is what live monitoring says about one UPS.
type Power int

// Power states; a UPS missing from Request.Power is unknown and never
// excludes a host.
const (
	PowerUnknown Power = iota
	PowerOnline
	PowerOnBattery
	PowerLowBattery
)

// Request is one allocation.
type Request struct {
	Count  int
	Spread []string // failure domains in priority order; nil means DefaultSpread
	CPUs   int
	Memory int64 // bytes
	Tags   []string
	// Current are the members the allocation holds now, oldest first; they
	// stay unless they left the inventory, no longer qualify or are taken.
	Current []string
	// Taken are hosts held by other allocations, with the holder's name.
	Taken map[string]string
	// Power is the live state of UPS units by name; with ExcludeOnBattery,
	// new members never come from hosts with no UPS on line power.
	Power            map[string]Power
	ExcludeOnBattery bool
	Tolerate         []string // domains whose single failure must leave Minimum members
	Minimum          int
}

// Replacement says why a member left and who took its place.
type Replacement struct {
	Host   string
	Reason string
	By     string // "" when the allocation shrank instead
}

// Violation is a device whose failure would leave too few members.
type Violation struct {
	Domain  string
	Device  string
	Lost    []string
	Left    int
	Minimum int
}

func (v Violation) String() string {
	return fmt.Sprintf("losing %s %q would take down %d of the members (%s), leaving %d, fewer than the minimum of %d",
		domainNoun(v.Domain), v.Device, len(v.Lost), strings.Join(v.Lost, ", "), v.Left, v.Minimum)
}

// Result is a placement.
type Result struct {
	Members  []string // oldest first
	Added    []string
	Replaced []Replacement
	Released []string // dropped because Count shrank
	// BlastRadius maps domain → device → how many members its failure takes
	// down. A host with PSUs on two UPS units survives either failing, so
	// it counts for neither.
	BlastRadius map[string]map[string]int
	Violations  []Violation
}

// ShortageError is returned when too few hosts qualify; it says why the
// others did not.
type ShortageError struct {
	Want, Eligible int
	Reasons        map[string]int // reason → hosts
}

func (e *ShortageError) Error() string {
	keys := make([]string, 0, len(e.Reasons))
	for k := range e.Reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", e.Reasons[k], k))
	}
	msg := fmt.Sprintf("need %d hosts but only %d qualify", e.Want, e.Eligible)
	if len(parts) > 0 {
		msg += " (" + strings.Join(parts, "; ") + ")"
	}
	return msg
}

// candidate is a host with its failure devices numbered per domain.
type candidate struct {
	host     *inventory.Host
	kills    [][]int // per spread domain: devices whose failure alone downs this host
	degraded bool    // some UPS of the host is known to be off line power
}

// Validate checks the request's own fields.
func (r *Request) Validate() error {
	if r.Count < 0 {
		return fmt.Errorf("count must not be negative, got %d", r.Count)
	}
	for _, d := range append(append([]string{}, r.Spread...), r.Tolerate...) {
		if !validDomain(d) {
			return fmt.Errorf("unknown failure domain %q (known: %s)", d, strings.Join(Domains, ", "))
		}
	}
	if r.Minimum < 0 {
		return fmt.Errorf("minimum must not be negative, got %d", r.Minimum)
	}
	return nil
}

func validDomain(d string) bool {
	for _, k := range Domains {
		if d == k {
			return true
		}
	}
	return false
}

// Place allocates hosts from inv for req.
func Place(inv *inventory.Inventory, req Request) (*Result, error) {
	return place(inv, req, newIndex)
}

// PlaceShared is Place for an inventory that is never modified once made
// (such as the provider's parsed-once inventories): the per-host index it
// builds is kept for the next call with the same inventory and spread.
func PlaceShared(inv *inventory.Inventory, req Request) (*Result, error) {
	return place(inv, req, cachedIndex)
}

func place(inv *inventory.Inventory, req Request, indexOf func(*inventory.Inventory, []string) *index) (*Result, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	spread := req.Spread
	if spread == nil {
		spread = DefaultSpread
	}
	res := &Result{}
	member := map[string]bool{}
	// Keep current members that still qualify, in their order.
	for _, name := range req.Current {
		if member[name] {
			continue
		}
		h := inv.Hosts[name]
		reason := ""
		switch {
		case h == nil:
			reason = "left the inventory"
		case req.Taken[name] != "":
			reason = fmt.Sprintf("allocated to %q", req.Taken[name])
		default:
			reason = unfit(h, &req)
		}
		if reason != "" {
			res.Replaced = append(res.Replaced, Replacement{Host: name, Reason: reason})
			continue
		}
		if len(res.Members) == req.Count {
			res.Released = append(res.Released, name)
			continue
		}
		member[name] = true
		res.Members = append(res.Members, name)
	}

	ix := indexOf(inv, spread)
	counts := make([][]int, len(spread)) // per domain, members each device downs
	for i := range spread {
		counts[i] = make([]int, len(ix.devices[i]))
	}
	add := func(c *candidate) {
		for d, devs := range c.kills {
			for _, dev := range devs {
				counts[d][dev]++
			}
		}
	}
	var pool []*candidate
	reasons := map[string]int{}
	for _, name := range ix.names {
		c := ix.cands[name]
		if member[name] {
			add(c)
			continue
		}
		reason := ""
		switch {
		case req.Taken[name] != "":
			reason = "allocated elsewhere"
		case unfit(c.host, &req) != "":
			reason = unfit(c.host, &req)
		case req.ExcludeOnBattery && onBattery(inv, c.host, req.Power):
			reason = "on battery power"
		}
		if reason != "" {
			reasons[reason]++
			continue
		}
		pool = append(pool, c)
	}
	need := req.Count - len(res.Members)
	if need > len(pool) {
		return nil, &ShortageError{Want: req.Count, Eligible: len(res.Members) + len(pool), Reasons: reasons}
	}
	score := make([]int, len(spread))
	best := make([]int, len(spread))
	for ; need > 0; need-- {
		bi := -1
		for i, c := range pool {
			if c == nil {
				continue
			}
			for d, devs := range c.kills {
				m := 0
				for _, dev := range devs {
					if counts[d][dev] > m {
						m = counts[d][dev]
					}
				}
				score[d] = m
			}
			if bi < 0 || better(score, c, best, pool[bi]) {
				bi = i
				copy(best, score)
			}
		}
		c := pool[bi]
		pool[bi] = nil
		add(c)
		res.Members = append(res.Members, c.host.Name)
		res.Added = append(res.Added, c.host.Name)
	}
	// Pair replaced members with the hosts that came in, in order.
	for i := range res.Replaced {
		if i < len(res.Added) {
			res.Replaced[i].By = res.Added[i]
		}
	}
	res.BlastRadius = BlastRadius(inv, res.Members)
	res.Violations = Tolerate(inv, res.Members, req.Tolerate, req.Minimum)
	return res, nil
}

// better orders candidates: lower spread scores in priority order, then
// hosts with all power known good, then name (the pool is in name order,
// so the first found wins ties).
func better(s []int, c *candidate, best []int, b *candidate) bool {
	for d := range s {
		if s[d] != best[d] {
			return s[d] < best[d]
		}
	}
	if c.degraded != b.degraded {
		return !c.degraded
	}
	return false
}

// unfit says why a host does not meet the requirements, or "".
func unfit(h *inventory.Host, r *Request) string {
	switch {
	case h.CPUs < r.CPUs:
		return "with too few CPUs"
	case h.Memory < r.Memory:
		return "with too little memory"
	case !h.HasTags(r.Tags):
		return "without the required tags"
	}
	return ""
}

// onBattery reports whether no UPS of the host is known to be on line power
// while at least one is known to be on battery: new members avoid hosts
// that would go dark when the batteries run out. Unknown status never
// excludes a host.
func onBattery(inv *inventory.Inventory, h *inventory.Host, power map[string]Power) bool {
	bad := false
	for _, u := range inv.UPSes(h) {
		switch power[u] {
		case PowerOnline, PowerUnknown:
			return false
		case PowerOnBattery, PowerLowBattery:
			bad = true
		}
	}
	return bad
}

// The index depends only on the inventory (shared and never modified once
// parsed) and the spread domains, and building it walks every host: a plan
// with many allocations over one inventory builds it once. A few entries are
// kept, most recent first, so that an edited inventory's old model is let go.
var indexes struct {
	sync.Mutex
	entries []indexEntry
}

type indexEntry struct {
	inv    *inventory.Inventory
	spread string
	ix     *index
}

const indexCacheSize = 4

func cachedIndex(inv *inventory.Inventory, spread []string) *index {
	key := strings.Join(spread, ",")
	indexes.Lock()
	for i, e := range indexes.entries {
		if e.inv == inv && e.spread == key {
			copy(indexes.entries[1:i+1], indexes.entries[:i])
			indexes.entries[0] = e
			indexes.Unlock()
			return e.ix
		}
	}
	indexes.Unlock()
	ix := newIndex(inv, spread)
	indexes.Lock()
	indexes.entries = append([]indexEntry{{inv, key, ix}}, indexes.entries...)
	if len(indexes.entries) > indexCacheSize {
		indexes.entries = indexes.entries[:indexCacheSize]
	}
	indexes.Unlock()
	return ix
}

type index struct {
	names   []string
	cands   map[string]*candidate
	devices [][]string // per spread domain, device names by id
}

func newIndex(inv *inventory.Inventory, spread []string) *index {
	ix := &index{names: inv.HostNames(), cands: make(map[string]*candidate, len(inv.Hosts)), devices: make([][]string, len(spread))}
	ids := make([]map[string]int, len(spread))
	for i := range spread {
		ids[i] = map[string]int{}
	}
	for _, name := range ix.names {
		h := inv.Hosts[name]
		c := &candidate{host: h, kills: make([][]int, len(spread))}
		for d, dom := range spread {
			for _, dev := range Kills(inv, h, dom) {
				id, ok := ids[d][dev]
				if !ok {
					id = len(ix.devices[d])
					ids[d][dev] = id
					ix.devices[d] = append(ix.devices[d], dev)
				}
				c.kills[d] = append(c.kills[d], id)
			}
		}
		ix.cands[name] = c
	}
	return ix
}

// Kills returns the devices of a domain whose failure alone takes the host
// down: its rack and site always; a UPS, feed or PDU only when every PSU of
// the host depends on it.
func Kills(inv *inventory.Inventory, h *inventory.Host, domain string) []string {
	var devs []string
	switch domain {
	case Rack:
		return []string{h.Rack}
	case Site:
		return []string{h.Site}
	case UPS:
		devs = inv.UPSes(h)
	case Feed:
		devs = inv.FeedsOf(h)
	case PDU:
		devs = inv.PDUsOf(h)
	}
	if len(devs) == 1 {
		return devs
	}
	return nil
}

// BlastRadius maps every domain to the devices whose failure takes down at
// least one of members, and how many.
func BlastRadius(inv *inventory.Inventory, members []string) map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, d := range Domains {
		out[d] = map[string]int{}
	}
	for _, m := range members {
		h := inv.Hosts[m]
		if h == nil {
			continue
		}
		for _, d := range Domains {
			for _, dev := range Kills(inv, h, d) {
				out[d][dev]++
			}
		}
	}
	return out
}

// Tolerate lists the devices of the given domains whose failure would leave
// fewer than minimum members, in domain then device order.
func Tolerate(inv *inventory.Inventory, members []string, domains []string, minimum int) []Violation {
	var out []Violation
	for _, d := range domains {
		lost := map[string][]string{}
		for _, m := range members {
			h := inv.Hosts[m]
			if h == nil {
				continue
			}
			for _, dev := range Kills(inv, h, d) {
				lost[dev] = append(lost[dev], m)
			}
		}
		devs := make([]string, 0, len(lost))
		for dev := range lost {
			devs = append(devs, dev)
		}
		sort.Strings(devs)
		for _, dev := range devs {
			if left := len(members) - len(lost[dev]); left < minimum {
				out = append(out, Violation{Domain: d, Device: dev, Lost: lost[dev], Left: left, Minimum: minimum})
			}
		}
	}
	return out
}

func domainNoun(d string) string {
	switch d {
	case UPS, PDU:
		return strings.ToUpper(d)
	}
	return d
}
