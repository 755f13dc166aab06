package inventory

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
	"github.com/hashicorp/hcl/v2"
)

// Validate resolves the references of a decoded inventory and checks it:
// dangling references, outlets used twice or beyond the PDU, hosts on a
// single power domain (warning), the PDU and UPS budgets in normal
// operation, and the A+B failover budget (when any one feed or UPS fails,
// the surviving PDUs and UPS units must carry the whole load).
func Validate(inv *Inventory) hcl.Diagnostics {
	var diags hcl.Diagnostics
	diags = append(diags, resolve(inv)...)
	if diags.HasErrors() {
		return diags
	}
	diags = append(diags, checkHosts(inv)...)
	if diags.HasErrors() {
		return diags
	}
	diags = append(diags, checkBudgets(inv)...)
	return diags
}

func resolve(inv *Inventory) hcl.Diagnostics {
	var diags hcl.Diagnostics
	declared := map[string]bool{} // sites that declare rack blocks
	for _, r := range inv.Racks {
		if r.Declared {
			declared[r.Site] = true
		}
	}
	// who names the referrer, `PDU "x"` or `Host "y"`; formatted only when
	// a diagnostic needs it.
	rack := func(site, name string, rng hcl.Range, kind, ref string) {
		who := func() string { return fmt.Sprintf("%s %q", kind, ref) }
		if r, ok := inv.Racks[name]; ok {
			if r.Site != site {
				diags = append(diags, refDiag(rng, "Rack in another site",
					fmt.Sprintf("%s names rack %q, which belongs to site %q, not %q.", who(), name, r.Site, site)))
			}
			return
		}
		if declared[site] {
			diags = append(diags, refDiag(rng, "Unknown rack",
				fmt.Sprintf("%s names rack %q, but site %q declares no such rack.%s", who(), name, site, lang.Suggest(name, inv.RackNames()))))
			return
		}
		inv.Racks[name] = &Rack{Name: name, Site: site}
	}
	for _, name := range inv.FeedNames() {
		f := inv.Feeds[name]
		u, ok := inv.UPS[f.UPS]
		switch {
		case !ok:
			diags = append(diags, refDiag(f.AttrRanges.Get("ups"), "Unknown UPS",
				fmt.Sprintf("Feed %q names UPS %q, which the inventory does not declare.%s", name, f.UPS, lang.Suggest(f.UPS, inv.UPSNames()))))
		case u.Site != f.Site:
			diags = append(diags, refDiag(f.AttrRanges.Get("ups"), "UPS in another site",
				fmt.Sprintf("Feed %q names UPS %q of site %q.", name, f.UPS, u.Site)))
		}
	}
	for _, name := range inv.PDUNames() {
		p := inv.PDUs[name]
		rack(p.Site, p.Rack, p.AttrRanges.Get("rack"), "PDU", name)
		if f, ok := inv.Feeds[p.Feed]; ok {
			p.UPS = f.UPS
			continue
		}
		if u, ok := inv.UPS[p.Feed]; ok {
			// A UPS named as the feed stands for a feed of its own.
			if u.Site != p.Site {
				diags = append(diags, refDiag(p.AttrRanges.Get("feed"), "UPS in another site",
					fmt.Sprintf("PDU %q names UPS %q of site %q.", name, p.Feed, u.Site)))
				continue
			}
			inv.Feeds[p.Feed] = &Feed{Name: p.Feed, Site: p.Site, UPS: p.Feed, Implicit: true, DefRange: u.DefRange}
			p.UPS = p.Feed
			continue
		}
		diags = append(diags, refDiag(p.AttrRanges.Get("feed"), "Unknown feed",
			fmt.Sprintf("PDU %q names feed %q, which is neither a feed nor a UPS of the inventory.%s",
				name, p.Feed, lang.Suggest(p.Feed, append(inv.FeedNames(), inv.UPSNames()...)))))
	}
	type outlet struct {
		pdu string
		n   int
	}
	used := make(map[outlet]*PSU, 2*len(inv.Hosts)) // the PSU holding each outlet
	for _, name := range inv.HostNames() {
		h := inv.Hosts[name]
		rack(h.Site, h.Rack, h.AttrRanges.Get("rack"), "Host", name)
		for _, psu := range h.PSUs {
			p, ok := inv.PDUs[psu.PDU]
			if !ok {
				diags = append(diags, refDiag(psu.AttrRanges.Get("pdu"), "Unknown PDU",
					fmt.Sprintf("PSU %q of host %q names PDU %q, which the inventory does not declare.%s", psu.Name, name, psu.PDU, lang.Suggest(psu.PDU, inv.PDUNames()))))
				continue
			}
			if p.Site != h.Site {
				diags = append(diags, refDiag(psu.AttrRanges.Get("pdu"), "PDU in another site",
					fmt.Sprintf("PSU %q of host %q (site %q) names PDU %q of site %q.", psu.Name, name, h.Site, p.Name, p.Site)))
				continue
			}
			if psu.Outlet < 1 || psu.Outlet > p.Outlets {
				diags = append(diags, refDiag(psu.AttrRanges.Get("outlet"), "Outlet beyond the PDU",
					fmt.Sprintf("PSU %q of host %q uses outlet %d of PDU %q, which has outlets 1 to %d.", psu.Name, name, psu.Outlet, p.Name, p.Outlets)))
				continue
			}
			key := outlet{p.Name, psu.Outlet}
			if first, dup := used[key]; dup {
				diags = append(diags, refDiag(psu.AttrRanges.Get("outlet"), "Outlet used twice",
					fmt.Sprintf("Outlet %d of PDU %q is already used at %s.", psu.Outlet, p.Name, first.AttrRanges.Get("outlet").String())))
				continue
			}
			used[key] = psu
		}
	}
	return diags
}

func checkHosts(inv *Inventory) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range inv.HostNames() {
		h := inv.Hosts[name]
		if ups := inv.UPSes(h); len(ups) == 1 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Single power domain",
				Detail:   fmt.Sprintf("Every PSU of host %q hangs off UPS %q; losing that UPS takes the host down.", name, ups[0]),
				Subject:  rangePtr(h.DefRange),
			})
		}
		for _, psu := range h.PSUs {
			if p := inv.PDUs[psu.PDU]; p != nil && p.Rack != h.Rack {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagWarning,
					Summary:  "PSU on a PDU in another rack",
					Detail:   fmt.Sprintf("Host %q stands in rack %q but PSU %q plugs into PDU %q of rack %q.", name, h.Rack, psu.Name, p.Name, p.Rack),
					Subject:  rangePtr(psu.DefRange),
				})
			}
		}
	}
	return diags
}

// scenario is one failure the budget must survive: a set of PDUs and UPS
// units without power.
type scenario struct {
	what     string // `feed "a"` or `UPS "ups-a"`, for messages
	deadPDUs map[string]bool
	deadUPS  map[string]bool
}

func checkBudgets(inv *Inventory) hcl.Diagnostics {
	var diags hcl.Diagnostics
	ix := newLoadIndex(inv)
	// A device over budget in normal operation is reported once, not again
	// for every failure.
	over := map[string]bool{}
	diags = append(diags, ix.check(scenario{what: ""}, over)...)
	seen := map[string]bool{}
	add := func(s scenario) {
		var keys []string
		for p := range s.deadPDUs {
			keys = append(keys, p)
		}
		sort.Strings(keys)
		key := strings.Join(keys, ",")
		if len(keys) == 0 || seen[key] {
			return // a failure that cuts the same PDUs as one already checked
		}
		seen[key] = true
		diags = append(diags, ix.check(s, over)...)
	}
	pdusOfUPS := map[string][]string{}
	pdusOfFeed := map[string][]string{}
	for _, name := range ix.pduNames {
		p := inv.PDUs[name]
		pdusOfUPS[p.UPS] = append(pdusOfUPS[p.UPS], name)
		pdusOfFeed[p.Feed] = append(pdusOfFeed[p.Feed], name)
	}
	for _, u := range ix.upsNames {
		s := scenario{what: fmt.Sprintf("UPS %q", u), deadPDUs: map[string]bool{}, deadUPS: map[string]bool{u: true}}
		for _, p := range pdusOfUPS[u] {
			s.deadPDUs[p] = true
		}
		add(s)
	}
	for _, f := range inv.FeedNames() {
		s := scenario{what: fmt.Sprintf("feed %q", f), deadPDUs: map[string]bool{}}
		for _, p := range pdusOfFeed[f] {
			s.deadPDUs[p] = true
		}
		add(s)
	}
	return diags
}

// Loads returns the watts on each PDU and UPS when the PDUs in dead have no
// power: each host's draw is shared evenly by its PSUs that still have power;
// a host with none left is down and draws nothing.
func Loads(inv *Inventory, dead map[string]bool) (pdu, ups map[string]float64) {
	pdu = map[string]float64{}
	ups = map[string]float64{}
	for _, h := range inv.Hosts {
		alive := 0
		for _, psu := range h.PSUs {
			if p := inv.PDUs[psu.PDU]; p != nil && !dead[p.Name] {
				alive++
			}
		}
		if alive == 0 {
			continue
		}
		share := h.Watts / float64(alive)
		for _, psu := range h.PSUs {
			if p := inv.PDUs[psu.PDU]; p != nil && !dead[p.Name] {
				pdu[p.Name] += share
				ups[p.UPS] += share
			}
		}
	}
	return pdu, ups
}

// loadIndex answers "what does each device carry when these PDUs fail" in
// time proportional to the hosts the failure touches, not to the whole
// inventory: a failure changes only the load of PDUs that share a host
// with a dead PDU, and of the UPS units behind them.
type loadIndex struct {
	inv      *Inventory
	pduNames []string            // sorted
	upsNames []string            // sorted
	hostsOn  map[string][]*Host  // PDU -> hosts with a PSU on it (each once)
	pdusOf   map[string][]string // UPS -> its PDUs
	normal   map[string]float64  // PDU -> load in normal operation
	normUPS  map[string]float64  // UPS -> load in normal operation
}

func newLoadIndex(inv *Inventory) *loadIndex {
	ix := &loadIndex{inv: inv, pduNames: inv.PDUNames(), upsNames: inv.UPSNames(),
		hostsOn: map[string][]*Host{}, pdusOf: map[string][]string{}}
	for _, h := range inv.Hosts {
		for i, psu := range h.PSUs {
			if inv.PDUs[psu.PDU] == nil || plugsEarlier(h, i) {
				continue
			}
			ix.hostsOn[psu.PDU] = append(ix.hostsOn[psu.PDU], h)
		}
	}
	for _, name := range ix.pduNames {
		p := inv.PDUs[name]
		ix.pdusOf[p.UPS] = append(ix.pdusOf[p.UPS], name)
	}
	ix.normal, ix.normUPS = Loads(inv, nil)
	return ix
}

// plugsEarlier reports whether an earlier PSU of h uses the same PDU.
func plugsEarlier(h *Host, i int) bool {
	for _, o := range h.PSUs[:i] {
		if o.PDU == h.PSUs[i].PDU {
			return true
		}
	}
	return false
}

// loads returns the loads of the devices a failure changes (all of them
// for normal operation, dead == nil).
func (ix *loadIndex) loads(dead map[string]bool) (pdu, ups map[string]float64) {
	if len(dead) == 0 {
		return ix.normal, ix.normUPS
	}
	inv := ix.inv
	pdu = map[string]float64{}
	for d := range dead {
		for _, h := range ix.hostsOn[d] {
			for _, psu := range h.PSUs {
				if _, done := pdu[psu.PDU]; !done && inv.PDUs[psu.PDU] != nil && !dead[psu.PDU] {
					pdu[psu.PDU] = ix.pduLoad(psu.PDU, dead)
				}
			}
		}
	}
	ups = map[string]float64{}
	for name := range pdu {
		u := inv.PDUs[name].UPS
		if _, done := ups[u]; done {
			continue
		}
		var w float64
		for _, p := range ix.pdusOf[u] {
			if dead[p] {
				continue
			}
			if l, changed := pdu[p]; changed {
				w += l
			} else {
				w += ix.normal[p]
			}
		}
		ups[u] = w
	}
	return pdu, ups
}

// pduLoad is the load on PDU name when the PDUs in dead have no power.
func (ix *loadIndex) pduLoad(name string, dead map[string]bool) float64 {
	var w float64
	for _, h := range ix.hostsOn[name] {
		alive, here := 0, 0
		for _, psu := range h.PSUs {
			if ix.inv.PDUs[psu.PDU] != nil && !dead[psu.PDU] {
				alive++
				if psu.PDU == name {
					here++
				}
			}
		}
		if alive > 0 {
			w += h.Watts * float64(here) / float64(alive)
		}
	}
	return w
}

// check reports the devices over budget in scenario s, skipping those
// already in over and adding the ones it reports in normal operation.
// Devices whose load the failure leaves unchanged need no second look.
func (ix *loadIndex) check(s scenario, over map[string]bool) hcl.Diagnostics {
	inv := ix.inv
	var diags hcl.Diagnostics
	pdu, ups := ix.loads(s.deadPDUs)
	when := "in normal operation"
	summary := "PDU over budget"
	upsSummary := "UPS over capacity"
	if s.what != "" {
		when = "when " + s.what + " fails"
		summary = "A+B failover budget exceeded"
		upsSummary = summary
	}
	for _, name := range ix.pduNames {
		w, changed := pdu[name]
		if !changed || s.deadPDUs[name] || over[name] {
			continue
		}
		p := inv.PDUs[name]
		if w > p.Budget()+1e-9 {
			if s.what == "" {
				over[name] = true
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  summary,
				Detail: fmt.Sprintf("PDU %q would carry %.0f W (%.1f A at %g V) %s, over its budget of %.0f W (%.1f A, 80%% of %g A).",
					name, w, w/p.Voltage, p.Voltage, when, p.Budget(), p.Budget()/p.Voltage, p.MaxAmps),
				Subject: rangePtr(p.DefRange),
			})
		}
	}
	for _, name := range ix.upsNames {
		w, changed := ups[name]
		if !changed || s.deadUPS[name] || over[name] {
			continue
		}
		u := inv.UPS[name]
		if w > u.CapacityWatts+1e-9 {
			if s.what == "" {
				over[name] = true
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  upsSummary,
				Detail: fmt.Sprintf("UPS %q would carry %.0f W %s, over its capacity of %.0f W (%.0f%%).",
					name, w, when, u.CapacityWatts, 100*w/u.CapacityWatts),
				Subject: rangePtr(u.DefRange),
			})
		}
	}
	return diags
}

func refDiag(rng hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rangePtr(rng)}
}
