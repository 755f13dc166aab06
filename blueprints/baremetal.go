package blueprints

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
)

// VirtualIP is the ha_virtual_ip input: a VRRP group over the tier's
// allocated hosts (host_allocation's members), which also run HAProxy
// (the tier's bare-metal load_balancer component).
type VirtualIP struct {
	Address        string `cty:"address"`
	Network        string `cty:"network"`
	AdvertInterval int    `cty:"advert_interval"`
	// DetectionSeconds is the worst case for a backup to take the address
	// over: advert × 3 + the first backup's skew, rounded up.
	DetectionSeconds int `cty:"detection_seconds"`
	// CheckCommand probes the tier's service on each holder; a failing
	// master gives the address up.
	CheckCommand   string `cty:"check_command"`
	HostAllocation string `cty:"host_allocation"`
	Inventory      string `cty:"inventory"`
	Site           string `cty:"site"`
}

// vrrpDetection is VRRP's worst-case takeover time in whole seconds:
// 3 adverts plus the first backup's skew, (256 - 253) / 256 adverts with
// the priorities ha_virtual_ip gives (254 for the master, one less per
// rank; internal/keepalived.DetectionSeconds), rounded up.
func vrrpDetection(advert int) int { return (3*advert*256 + 3*advert + 255) / 256 }

// bareMetalVIP is the checked virtual IP of one tier in one bare-metal
// region, ready for expansion.
type bareMetalVIP struct {
	addr, network, site string
}

// loadInventory parses a bare-metal region's inventory once; nil when it
// cannot be read or has errors (ha_host_allocation reports those with the
// inventory's own positions), with the reason.
func (c *compiler) loadInventory(r *Region) (*inventory.Inventory, string) {
	if c.inventories == nil {
		c.inventories = map[string]*inventory.Inventory{}
		c.inventoryErrs = map[string]string{}
	}
	if inv, ok := c.inventories[r.Name]; ok {
		return inv, c.inventoryErrs[r.Name]
	}
	var inv *inventory.Inventory
	why := "no file access"
	if c.opts.ReadFile != nil && r.Inventory != "" {
		p := r.Inventory
		if !filepath.IsAbs(p) {
			p = filepath.Join(c.opts.Dir, p)
		}
		src, err := c.opts.ReadFile(p)
		if err != nil {
			why = err.Error()
		} else {
			got, diags := inventory.Parse(lang.NewParser(), p, src, inventory.Options{})
			if diags.HasErrors() {
				why = diags.Error()
			} else {
				inv, why = got, ""
			}
		}
	}
	c.inventories[r.Name], c.inventoryErrs[r.Name] = inv, why
	return inv, why
}

// siteFor is the inventory site a region's tier runs in: the one named
// like the region, else the first.
func siteFor(inv *inventory.Inventory, r *Region) *inventory.Site {
	if s := inv.SiteOf(r.Name); s != nil {
		return s
	}
	if len(inv.Sites) > 0 {
		return inv.Sites[0]
	}
	return nil
}

// validateBareMetalLB checks a tier's load balancer in its bare-metal
// regions: a virtual address inside the site's network (written, or the
// next free one of the site's vip_pool), and hosts in distinct power
// domains to hold it.
func (c *compiler) validateBareMetalLB(bp *Blueprint, t *Tier) {
	lb := t.LoadBalancer
	if lb == nil {
		return
	}
	runs := map[string]*Region{}
	for _, r := range tierRegions(bp, t) {
		runs[r.Name] = r
	}
	for k := range lb.VIP {
		if k == "" {
			continue
		}
		if r := runs[k]; r == nil || r.Cloud != CloudBareMetal {
			c.errorf(lb.At("vip"), "Invalid value for vip", "vip names region %q, which is not a bare_metal region tier %q runs in; cloud load balancers get their addresses from the cloud.", k, t.Name)
		}
	}
	for _, r := range tierRegions(bp, t) {
		if r.Cloud != CloudBareMetal {
			continue
		}
		c.bareMetalVIP(t, r)
	}
}

func (c *compiler) bareMetalVIP(t *Tier, r *Region) {
	lb := t.LoadBalancer
	want, written := lb.VIP[r.Name]
	if !written {
		want, written = lb.VIP[""]
	}
	var addr netip.Addr
	if written {
		a, err := netip.ParseAddr(want)
		if err != nil || !a.Is4() {
			c.errorf(lb.At("vip"), "Invalid value for vip", "%q is not an IPv4 address.", want)
			return
		}
		addr = a
	}
	if t.Desired < 2 {
		c.errorf(t.capacity.At("desired"), "Too few hosts for a virtual IP",
			"Tier %q has a load balancer in bare_metal region %q: its virtual IP moves between the tier's hosts, so it needs at least 2 (desired is %d).", t.Name, r.Name, t.Desired)
	}
	inv, why := c.loadInventory(r)
	if inv == nil {
		if !written {
			c.errorf(lb.At("vip"), "No virtual IP", "Tier %q in bare_metal region %q needs a virtual address: set vip, or a vip_pool in the site of inventory %q (which could not be read: %s).", t.Name, r.Name, r.Inventory, why)
		}
		return
	}
	site := siteFor(inv, r)
	if site == nil {
		return
	}
	if !site.Network.IsValid() {
		c.errorf(r.At("inventory"), "Site without network",
			"Tier %q has a load balancer in region %q, whose site %q (%s) has no network: set network = \"10.x.y.0/24\" there, the hosts' network the virtual IP lives in.",
			t.Name, r.Name, site.Name, pos(site.DefRange))
		return
	}
	taken := map[netip.Addr]string{}
	for _, h := range inv.Hosts {
		if a, err := netip.ParseAddr(h.Address); err == nil {
			taken[a] = "host " + h.Name
		}
	}
	for k, v := range c.vipsUsed {
		if strings.HasPrefix(k, r.Name+"/") {
			taken[v] = "the virtual IP of " + k
		}
	}
	if written {
		if !site.Network.Contains(addr) {
			c.errorf(lb.At("vip"), "VIP outside the network",
				"%s is outside network %s of site %q (%s): VRRP moves the address between hosts of that network, so it must be inside it.",
				addr, site.Network, site.Name, rangeOf(site.AttrRanges, "network", site.DefRange))
			return
		}
		if who := taken[addr]; who != "" {
			c.errorf(lb.At("vip"), "VIP already in use", "%s is already the address of %s in site %q.", addr, who, site.Name)
			return
		}
	} else {
		for _, a := range site.VIPPool {
			if taken[a] == "" {
				addr = a
				break
			}
		}
		if !addr.IsValid() {
			c.errorf(&lb.Def, "No virtual IP", "Tier %q in bare_metal region %q needs a virtual address: set vip, or add a free address to vip_pool of site %q (%s).",
				t.Name, r.Name, site.Name, pos(site.DefRange))
			return
		}
	}
	c.checkHolders(t, r, inv, site)
	if c.vipsUsed == nil {
		c.vipsUsed = map[string]netip.Addr{}
	}
	k := r.Name + "/" + t.Name
	c.vipsUsed[k] = addr
	if c.vips == nil {
		c.vips = map[string]bareMetalVIP{}
	}
	c.vips[k] = bareMetalVIP{addr: addr.String(), network: site.Network.String(), site: site.Name}
}

// checkHolders wants two hosts of the site that could carry the tier and
// that no single UPS, feed or PDU takes down together: the VIP's master
// and its first backup.
func (c *compiler) checkHolders(t *Tier, r *Region, inv *inventory.Inventory, site *inventory.Site) {
	var eligible []*inventory.Host
	for _, n := range inv.HostNames() {
		h := inv.Hosts[n]
		if h.Site == site.Name && h.CPUs >= t.RequireCPUs && h.Memory >= int64(t.RequireMemoryGiB)<<30 {
			eligible = append(eligible, h)
		}
	}
	shared := ""
	for i := range eligible {
		for j := i + 1; j < len(eligible); j++ {
			d := inv.SharePower(eligible[i], eligible[j])
			if d == "" {
				return
			}
			if shared == "" {
				shared = fmt.Sprintf("%s and %s share %s", eligible[i].Name, eligible[j].Name, d)
			}
		}
	}
	detail := fmt.Sprintf("Tier %q's virtual IP in region %q needs two hosts that no single UPS, feed or PDU takes down together, but site %q has %d eligible host(s)",
		t.Name, r.Name, site.Name, len(eligible))
	if shared != "" {
		detail += " and every pair shares a power device (" + shared + ")"
	}
	c.errorf(&t.LoadBalancer.Def, "Not enough power domains for the virtual IP", "%s. Add a host on other feeds, or dual-cord the hosts on A and B.", detail)
}

func rangeOf(m inventory.Ranges, name string, def hcl.Range) string {
	if r := m.Get(name); r.Filename != "" {
		return pos(r)
	}
	return pos(def)
}

// pos is FILE:LINE:COL of r, as diagnostics print their own subject.
func pos(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// checkCommand probes the tier's service on the host itself.
func checkCommand(hc HealthCheck) string {
	switch hc.Protocol {
	case "HTTP", "HTTPS":
		scheme := strings.ToLower(hc.Protocol)
		return fmt.Sprintf("/usr/bin/curl -sfk -m 1 -o /dev/null %s://127.0.0.1:%d%s", scheme, hc.Port, hc.Path)
	}
	return fmt.Sprintf("/bin/bash -c '</dev/tcp/127.0.0.1/%d'", hc.Port)
}

// bareMetalLB adds a tier's virtual IP and HAProxy load balancer in a
// bare-metal region, over its host allocation.
func (e *expander) bareMetalLB(t *Tier, r *Region, haKey string, v bareMetalVIP) {
	lb := t.LoadBalancer
	vipKey := key(r.Name, t.Name, KindVirtualIP)
	e.add(&Component{
		Key: vipKey, Kind: KindVirtualIP, DependsOn: []string{haKey},
		VirtualIP: &VirtualIP{
			Address: v.addr, Network: v.network, AdvertInterval: lb.Advert, DetectionSeconds: vrrpDetection(lb.Advert),
			CheckCommand: checkCommand(lb.HealthCheck), HostAllocation: haKey, Inventory: r.Inventory, Site: v.site,
		},
	}, r, t.Name)
	e.add(&Component{
		Key: key(r.Name, t.Name, KindLoadBalancer), Kind: KindLoadBalancer, DependsOn: []string{haKey, vipKey},
		LoadBalancer: &LoadBalancer{
			Zones: []string{v.site}, Layer: lb.Layer, Listeners: append([]Listener(nil), lb.Listeners...), HealthCheck: lb.HealthCheck,
			VirtualIP: vipKey, HostAllocation: haKey,
		},
	}, r, t.Name)
}

// hostLoss is the RTO of losing a VIP master in each bare-metal region:
// VRRP detection, which must fit the RTO budget too.
func (c *compiler) hostLoss(bp *Blueprint, o *Objectives) {
	for _, t := range bp.Tiers {
		if t.LoadBalancer == nil {
			continue
		}
		for _, r := range tierRegions(bp, t) {
			v, ok := c.vips[r.Name+"/"+t.Name]
			if !ok {
				continue
			}
			adv := t.LoadBalancer.Advert
			s := Step{"vrrp_detection", vrrpDetection(adv), fmt.Sprintf("%s: losing the master host moves %s after 3 missed VRRP adverts (every %ds) plus a skew below one advert",
				key(r.Name, t.Name, KindVirtualIP), v.addr, adv)}
			o.HostLoss = append(o.HostLoss, s)
			if spec := bp.Objectives; spec != nil && spec.Has("rto") && s.Seconds > o.RTOBudget {
				c.errorf(t.LoadBalancer.At("advert"), "RTO objective not met",
					"Losing the master host of tier %q in region %q takes %s for VRRP to move the virtual IP (advert %ds × 3 + skew), more than rto = %s. Lower advert.",
					t.Name, r.Name, human(s.Seconds), adv, human(o.RTOBudget))
			}
		}
	}
}
