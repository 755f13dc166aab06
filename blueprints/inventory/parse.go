package inventory

import (
	"fmt"
	"math"
	"net/netip"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
)

// Options are the inputs of a parse besides the text.
type Options struct {
	// Vars sets `variable` blocks by name, over their defaults (for example
	// the addresses of the UPS and PDU agents in a test).
	Vars map[string]string
}

var fileSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "site", LabelNames: []string{"name"}},
	},
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "default"}, {Name: "description"}},
}

var siteSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "network"}, {Name: "vip_pool"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "rack", LabelNames: []string{"name"}},
		{Type: "ups", LabelNames: []string{"name"}},
		{Type: "feed", LabelNames: []string{"name"}},
		{Type: "pdu", LabelNames: []string{"name"}},
		{Type: "host", LabelNames: []string{"name"}},
	},
}

var rackSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "description"}},
}

var upsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "capacity_va", Required: true},
		{Name: "capacity_watts"},
		{Name: "nut"},
	},
}

var feedSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "ups", Required: true}},
}

var pduSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "rack", Required: true},
		{Name: "feed", Required: true},
		{Name: "max_amps", Required: true},
		{Name: "voltage"},
		{Name: "outlets", Required: true},
		{Name: "snmp"},
		{Name: "community"},
	},
}

var hostSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "rack", Required: true},
		{Name: "address"},
		{Name: "cpus", Required: true},
		{Name: "memory", Required: true},
		{Name: "watts", Required: true},
		{Name: "tags"},
		{Name: "ssh_host_key"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "psu", LabelNames: []string{"name"}}},
}

var psuSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "pdu", Required: true},
		{Name: "outlet", Required: true},
	},
}

// Load reads and parses one inventory file (HCL, or JSON when it ends in
// .json) and validates it. The parser keeps the file for diagnostic snippets.
func Load(p *lang.Parser, path string, opts Options) (*Inventory, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unable to read inventory",
			Detail:   err.Error(),
		}}
	}
	return Parse(p, path, src, opts)
}

// Parse parses and validates one inventory. The inventory is returned even
// when diagnostics hold errors, as far as it could be read; callers must
// check diags.HasErrors() before trusting it.
func Parse(p *lang.Parser, name string, src []byte, opts Options) (*Inventory, hcl.Diagnostics) {
	if !strings.HasSuffix(name, ".json") && len(src) >= fastMinFile {
		if inv, ok := fastDecode(name, src, opts.Vars); ok {
			p.AddSource(name, src)
			return inv, Validate(inv)
		}
	}
	return parseHCL(p, name, src, opts)
}

// parseHCL is Parse through the HCL parser, for every input.
func parseHCL(p *lang.Parser, name string, src []byte, opts Options) (*Inventory, hcl.Diagnostics) {
	f, diags := p.ParseFile(name, src)
	if diags.HasErrors() || f == nil {
		return nil, diags
	}
	d := &decoder{inv: &Inventory{
		Racks: map[string]*Rack{},
		UPS:   map[string]*UPS{},
		Feeds: map[string]*Feed{},
		PDUs:  map[string]*PDU{},
		Hosts: map[string]*Host{},
	}, names: map[string]hcl.Range{}}
	content, cdiags := f.Body.Content(fileSchema)
	diags = append(diags, cdiags...)
	diags = append(diags, d.variables(content.Blocks, opts.Vars)...)
	if diags.HasErrors() {
		return d.inv, diags
	}
	for _, b := range content.Blocks {
		if b.Type == "site" {
			diags = append(diags, d.site(b)...)
		}
	}
	if len(d.inv.Sites) == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No site in inventory",
			Detail:   "An inventory declares at least one site block.",
			Subject:  rangePtr(f.Body.MissingItemRange()),
		})
	}
	if diags.HasErrors() {
		return d.inv, diags
	}
	diags = append(diags, Validate(d.inv)...)
	return d.inv, diags
}

type decoder struct {
	inv   *Inventory
	ctx   *hcl.EvalContext
	names map[string]hcl.Range // every named object, for duplicate checks
}

func (d *decoder) variables(blocks hcl.Blocks, given map[string]string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	vars := map[string]cty.Value{}
	for _, b := range blocks {
		if b.Type != "variable" {
			continue
		}
		name := b.Labels[0]
		if _, dup := vars[name]; dup {
			diags = append(diags, dupDiag("variable", name, b.DefRange))
			continue
		}
		c, cd := b.Body.Content(variableSchema)
		diags = append(diags, cd...)
		if v, ok := given[name]; ok {
			vars[name] = cty.StringVal(v)
			continue
		}
		if a, ok := c.Attributes["default"]; ok {
			v, vd := a.Expr.Value(nil)
			diags = append(diags, vd...)
			vars[name] = v
			continue
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No value for variable",
			Detail:   fmt.Sprintf("Variable %q has no default; give it a value.", name),
			Subject:  rangePtr(b.DefRange),
		})
	}
	var unknown []string
	for k := range given {
		if _, ok := vars[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Undeclared variable",
			Detail:   fmt.Sprintf("A value was given for %q, but the inventory declares no variable %q.", k, k),
		})
	}
	d.ctx = &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}}
	return diags
}

// claim registers a unique name; names are unique across kinds so that
// a diagnostic or a domain key never has to say which kind it means.
func (d *decoder) claim(kind, name string, rng hcl.Range) hcl.Diagnostics {
	if name == "" {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Empty " + kind + " name", Subject: rangePtr(rng)}}
	}
	if prev, dup := d.names[name]; dup {
		diag := dupDiag(kind, name, rng)
		diag.Detail = fmt.Sprintf("The name %q is already used at %s; names are unique across the inventory.", name, prev.String())
		return hcl.Diagnostics{diag}
	}
	d.names[name] = rng
	return nil
}

func (d *decoder) site(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := d.claim("site", name, b.DefRange)
	if diags.HasErrors() {
		return diags
	}
	site := &Site{Name: name, DefRange: b.DefRange}
	d.inv.Sites = append(d.inv.Sites, site)
	content, cd := b.Body.Content(siteSchema)
	diags = append(diags, cd...)
	diags = append(diags, d.siteNetwork(site, content.Attributes)...)
	for _, rb := range content.Blocks.OfType("rack") {
		rn := rb.Labels[0]
		if dd := d.claim("rack", rn, rb.DefRange); dd.HasErrors() {
			diags = append(diags, dd...)
			continue
		}
		_, rd := rb.Body.Content(rackSchema)
		diags = append(diags, rd...)
		d.inv.Racks[rn] = &Rack{Name: rn, Site: name, Declared: true, DefRange: rb.DefRange}
	}
	for _, ub := range content.Blocks.OfType("ups") {
		diags = append(diags, d.ups(name, ub)...)
	}
	for _, fb := range content.Blocks.OfType("feed") {
		fn := fb.Labels[0]
		if dd := d.claim("feed", fn, fb.DefRange); dd.HasErrors() {
			diags = append(diags, dd...)
			continue
		}
		c, fd := fb.Body.Content(feedSchema)
		diags = append(diags, fd...)
		f := &Feed{Name: fn, Site: name, DefRange: fb.DefRange}
		f.UPS, fd = d.str(c.Attributes["ups"])
		f.AttrRanges = attrRanges(c.Attributes)
		diags = append(diags, fd...)
		d.inv.Feeds[fn] = f
	}
	for _, pb := range content.Blocks.OfType("pdu") {
		diags = append(diags, d.pdu(name, pb)...)
	}
	for _, hb := range content.Blocks.OfType("host") {
		diags = append(diags, d.host(name, hb)...)
	}
	return diags
}

func (d *decoder) ups(site string, b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := d.claim("ups", name, b.DefRange)
	if diags.HasErrors() {
		return diags
	}
	c, cd := b.Body.Content(upsSchema)
	diags = append(diags, cd...)
	u := &UPS{Name: name, Site: site, DefRange: b.DefRange}
	var ad hcl.Diagnostics
	u.CapacityVA, ad = d.positive(c.Attributes["capacity_va"])
	diags = append(diags, ad...)
	u.CapacityWatts = u.CapacityVA * DefaultPowerFactor
	if a := c.Attributes["capacity_watts"]; a != nil {
		u.CapacityWatts, ad = d.positive(a)
		diags = append(diags, ad...)
		if u.CapacityWatts > u.CapacityVA && u.CapacityVA > 0 {
			diags = append(diags, attrDiag(a, "Capacity in watts exceeds VA",
				fmt.Sprintf("capacity_watts %g is more than capacity_va %g; real power never exceeds apparent power.", u.CapacityWatts, u.CapacityVA)))
		}
	}
	if a := c.Attributes["nut"]; a != nil {
		u.NUT, ad = d.str(a)
		diags = append(diags, ad...)
		if !ad.HasErrors() {
			if _, _, _, err := SplitNUT(u.NUT); err != nil {
				diags = append(diags, attrDiag(a, "Invalid NUT address", err.Error()))
			}
		}
	}
	d.inv.UPS[name] = u
	return diags
}

func (d *decoder) pdu(site string, b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := d.claim("pdu", name, b.DefRange)
	if diags.HasErrors() {
		return diags
	}
	c, cd := b.Body.Content(pduSchema)
	diags = append(diags, cd...)
	p := &PDU{Name: name, Site: site, Voltage: DefaultVoltage, DefRange: b.DefRange, AttrRanges: attrRanges(c.Attributes)}
	var ad hcl.Diagnostics
	p.Rack, ad = d.str(c.Attributes["rack"])
	diags = append(diags, ad...)
	p.Feed, ad = d.str(c.Attributes["feed"])
	diags = append(diags, ad...)
	p.MaxAmps, ad = d.positive(c.Attributes["max_amps"])
	diags = append(diags, ad...)
	if a := c.Attributes["voltage"]; a != nil {
		p.Voltage, ad = d.positive(a)
		diags = append(diags, ad...)
	}
	p.Outlets, ad = d.count(c.Attributes["outlets"], 1, 4096)
	diags = append(diags, ad...)
	if a := c.Attributes["snmp"]; a != nil {
		p.SNMP, ad = d.str(a)
		diags = append(diags, ad...)
		if !ad.HasErrors() {
			if _, _, err := SplitHostPort(p.SNMP, DefaultSNMPPort); err != nil {
				diags = append(diags, attrDiag(a, "Invalid SNMP address", err.Error()))
			}
		}
	}
	if a := c.Attributes["community"]; a != nil {
		p.Community, ad = d.str(a)
		diags = append(diags, ad...)
	}
	d.inv.PDUs[name] = p
	return diags
}

func (d *decoder) host(site string, b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := d.claim("host", name, b.DefRange)
	if diags.HasErrors() {
		return diags
	}
	c, cd := b.Body.Content(hostSchema)
	diags = append(diags, cd...)
	h := &Host{Name: name, Site: site, DefRange: b.DefRange, AttrRanges: attrRanges(c.Attributes)}
	var ad hcl.Diagnostics
	h.Rack, ad = d.str(c.Attributes["rack"])
	diags = append(diags, ad...)
	if a := c.Attributes["address"]; a != nil {
		h.Address, ad = d.str(a)
		diags = append(diags, ad...)
	}
	h.CPUs, ad = d.count(c.Attributes["cpus"], 1, 1<<20)
	diags = append(diags, ad...)
	if a := c.Attributes["memory"]; a != nil {
		s, sd := d.str(a)
		diags = append(diags, sd...)
		if !sd.HasErrors() {
			m, err := lang.ParseSize(s)
			if err != nil {
				diags = append(diags, attrDiag(a, "Invalid memory size", err.Error()))
			}
			h.Memory = m
		}
	}
	h.Watts, ad = d.positive(c.Attributes["watts"])
	diags = append(diags, ad...)
	if a := c.Attributes["tags"]; a != nil {
		h.Tags, ad = d.strList(a)
		diags = append(diags, ad...)
	}
	if a := c.Attributes["ssh_host_key"]; a != nil {
		h.SSHHostKey, ad = d.str(a)
		diags = append(diags, ad...)
		if !ad.HasErrors() && len(strings.Fields(h.SSHHostKey)) < 2 {
			diags = append(diags, attrDiag(a, "Invalid SSH host key",
				fmt.Sprintf("Host %q: ssh_host_key is the key as in known_hosts without the host name (\"ssh-ed25519 AAAA...\").", name)))
		}
	}
	psuNames := map[string]bool{}
	for _, pb := range c.Blocks.OfType("psu") {
		pc, pd := pb.Body.Content(psuSchema)
		diags = append(diags, pd...)
		psu := &PSU{Name: pb.Labels[0], DefRange: pb.DefRange, AttrRanges: attrRanges(pc.Attributes)}
		if psuNames[psu.Name] {
			diags = append(diags, dupDiag("psu", psu.Name, pb.DefRange))
			continue
		}
		psuNames[psu.Name] = true
		psu.PDU, ad = d.str(pc.Attributes["pdu"])
		diags = append(diags, ad...)
		psu.Outlet, ad = d.count(pc.Attributes["outlet"], math.MinInt32, math.MaxInt32)
		diags = append(diags, ad...)
		h.PSUs = append(h.PSUs, psu)
	}
	if len(h.PSUs) == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Host without power supply",
			Detail:   fmt.Sprintf("Host %q needs at least one psu block naming a PDU and an outlet.", name),
			Subject:  rangePtr(b.DefRange),
		})
	}
	d.inv.Hosts[name] = h
	return diags
}

// value evaluates an attribute and converts it to ty.
func (d *decoder) value(a *hcl.Attribute, ty cty.Type, what string) (cty.Value, hcl.Diagnostics) {
	v, diags := a.Expr.Value(d.ctx)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	if v.IsNull() || !v.IsWhollyKnown() {
		return cty.NilVal, hcl.Diagnostics{attrDiag(a, "Invalid value for "+a.Name, "Expected "+what+".")}
	}
	cv, err := convert.Convert(v, ty)
	if err != nil {
		return cty.NilVal, hcl.Diagnostics{attrDiag(a, "Invalid value for "+a.Name, fmt.Sprintf("Expected %s: %s.", what, err))}
	}
	return cv, diags
}

func (d *decoder) str(a *hcl.Attribute) (string, hcl.Diagnostics) {
	if a == nil {
		return "", nil // a missing required attribute is reported by Content
	}
	v, diags := d.value(a, cty.String, "a string")
	if diags.HasErrors() {
		return "", diags
	}
	return v.AsString(), diags
}

func (d *decoder) strList(a *hcl.Attribute) ([]string, hcl.Diagnostics) {
	v, diags := d.value(a, cty.List(cty.String), "a list of strings")
	if diags.HasErrors() {
		return nil, diags
	}
	var out []string
	for _, e := range v.AsValueSlice() {
		if e.IsNull() {
			return nil, hcl.Diagnostics{attrDiag(a, "Invalid value for "+a.Name, "List elements must not be null.")}
		}
		out = append(out, e.AsString())
	}
	return out, diags
}

func (d *decoder) number(a *hcl.Attribute) (float64, hcl.Diagnostics) {
	if a == nil {
		return 0, nil
	}
	v, diags := d.value(a, cty.Number, "a number")
	if diags.HasErrors() {
		return 0, diags
	}
	f, _ := v.AsBigFloat().Float64()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, hcl.Diagnostics{attrDiag(a, "Invalid value for "+a.Name, "Expected a finite number.")}
	}
	return f, diags
}

func (d *decoder) positive(a *hcl.Attribute) (float64, hcl.Diagnostics) {
	f, diags := d.number(a)
	if a != nil && !diags.HasErrors() && f <= 0 {
		diags = append(diags, attrDiag(a, "Invalid value for "+a.Name, fmt.Sprintf("Expected a positive number, got %g.", f)))
	}
	return f, diags
}

func (d *decoder) count(a *hcl.Attribute, lo, hi int) (int, hcl.Diagnostics) {
	f, diags := d.number(a)
	if a == nil || diags.HasErrors() {
		return 0, diags
	}
	if f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, append(diags, attrDiag(a, "Invalid value for "+a.Name, fmt.Sprintf("Expected a whole number from %d to %d, got %g.", lo, hi, f)))
	}
	return int(f), diags
}

// SplitNUT splits a NUT address "ups@host[:port]" into its parts.
func SplitNUT(addr string) (ups, host string, port int, err error) {
	at := strings.LastIndex(addr, "@")
	if at <= 0 || at == len(addr)-1 {
		return "", "", 0, fmt.Errorf("want UPS@HOST[:PORT] such as \"ups-a@10.0.0.5:3493\", got %q", addr)
	}
	host, port, err = SplitHostPort(addr[at+1:], DefaultNUTPort)
	if err != nil {
		return "", "", 0, err
	}
	return addr[:at], host, port, nil
}

// SplitHostPort splits "host[:port]" (IPv6 in brackets), using def when the
// port is left out.
func SplitHostPort(addr string, def int) (string, int, error) {
	host, portStr := addr, ""
	if strings.HasPrefix(addr, "[") {
		end := strings.Index(addr, "]")
		if end < 0 {
			return "", 0, fmt.Errorf("invalid address %q: unclosed [", addr)
		}
		host = addr[1:end]
		rest := addr[end+1:]
		if rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return "", 0, fmt.Errorf("invalid address %q", addr)
			}
			portStr = rest[1:]
		}
	} else if i := strings.LastIndex(addr, ":"); i >= 0 {
		if strings.Count(addr, ":") > 1 {
			return "", 0, fmt.Errorf("invalid address %q: put IPv6 addresses in brackets", addr)
		}
		host, portStr = addr[:i], addr[i+1:]
	}
	if host == "" {
		return "", 0, fmt.Errorf("invalid address %q: no host", addr)
	}
	port := def
	if portStr != "" {
		n := 0
		for _, r := range portStr {
			if r < '0' || r > '9' || n > 65535 {
				return "", 0, fmt.Errorf("invalid port in %q", addr)
			}
			n = n*10 + int(r-'0')
		}
		if n < 1 || n > 65535 {
			return "", 0, fmt.Errorf("invalid port in %q", addr)
		}
		port = n
	}
	return host, port, nil
}

func attrRanges(attrs hcl.Attributes) Ranges {
	out := make(Ranges, 0, len(attrs))
	for name, a := range attrs {
		out = append(out, NamedRange{Name: name, Range: a.Expr.Range()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func rangePtr(r hcl.Range) *hcl.Range { return &r }

func attrDiag(a *hcl.Attribute, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: a.Expr.Range().Ptr(), Context: a.Range.Ptr()}
}

func dupDiag(kind, name string, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Duplicate " + kind + " " + fmt.Sprintf("%q", name),
		Detail:   fmt.Sprintf("Another %s is already named %q.", kind, name),
		Subject:  rangePtr(rng),
	}
}

// siteNetwork reads a site's network and VIP pool; pool addresses must lie
// inside the network and not be a host's address.
func (d *decoder) siteNetwork(s *Site, attrs hcl.Attributes) hcl.Diagnostics {
	var diags hcl.Diagnostics
	s.AttrRanges = attrRanges(attrs)
	if a := attrs["network"]; a != nil {
		v, vd := d.str(a)
		diags = append(diags, vd...)
		if !vd.HasErrors() {
			p, err := netip.ParsePrefix(v)
			if err != nil || !p.Addr().Is4() {
				diags = append(diags, attrDiag(a, "Invalid network", fmt.Sprintf("Site %q: network is an IPv4 CIDR such as \"10.1.2.0/24\", not %q.", s.Name, v)))
			} else {
				s.Network = p.Masked()
			}
		}
	}
	if a := attrs["vip_pool"]; a != nil {
		vs, vd := d.strList(a)
		diags = append(diags, vd...)
		seen := map[netip.Addr]bool{}
		for _, v := range vs {
			ip, err := netip.ParseAddr(v)
			switch {
			case err != nil || !ip.Is4():
				diags = append(diags, attrDiag(a, "Invalid VIP pool", fmt.Sprintf("Site %q: %q is not an IPv4 address.", s.Name, v)))
			case !s.Network.IsValid():
				diags = append(diags, attrDiag(a, "VIP pool without network", fmt.Sprintf("Site %q: set network (the hosts' CIDR) so that the pool's addresses can be checked.", s.Name)))
				return diags
			case !s.Network.Contains(ip):
				diags = append(diags, attrDiag(a, "VIP outside the network", fmt.Sprintf("Site %q: pool address %s is outside the site's network %s.", s.Name, ip, s.Network)))
			case seen[ip]:
				diags = append(diags, attrDiag(a, "Duplicate VIP", fmt.Sprintf("Site %q: %s is listed twice.", s.Name, ip)))
			default:
				seen[ip] = true
				s.VIPPool = append(s.VIPPool, ip)
			}
		}
	}
	return diags
}
