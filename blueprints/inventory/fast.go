package inventory

import (
	"bytes"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
)

// The fast path. A data centre's inventory is thousands of blocks of the
// same plain shape: quoted labels, literal strings, numbers, short string
// lists and var.NAME references, one item per line. For such files, going
// through hclsyntax (a token slice of about 130 bytes per source byte, then
// a syntax tree, then schema matching and cty values for every attribute) is
// nearly all of the cost of `inventory validate`. fastDecode reads that plain
// subset straight into the model, with the ranges hclsyntax would give, and
// gives up (ok=false) on anything else, on any non-ASCII byte and on any
// value the decoder would reject, so that the HCL path runs and reports
// every diagnostic exactly as before. TestFastMatchesHCL holds the two paths
// to the same model, ranges included.

type fastValue struct {
	isNum bool
	num   float64
	str   string
}

type fastAttr struct {
	name       string
	val        fastValue
	start, end hcl.Pos // of the expression
	list       []string
	isList     bool
	varName    string // a var.NAME reference, resolved by the decoder
}

func (a *fastAttr) rng(file string) hcl.Range {
	return hcl.Range{Filename: file, Start: a.start, End: a.end}
}

type fastBlock struct {
	typ    string
	label  string
	def    hcl.Range
	attrs  []fastAttr
	blocks []*fastBlock
	psu    *PSU // a psu block decoded when it closed
}

type fastScanner struct {
	src       []byte
	name      string
	i         int
	line      int
	lineStart int
	strs      map[string]string // interned strings: rack, PDU, feed names repeat
	scratch   []fastAttr        // attributes of the blocks being read, innermost last
	// With dec set (a file without variable blocks, so every value is
	// known as it is read), hosts and their power supplies are decoded as
	// each block closes, so no tree of the whole file is kept.
	dec  *fastDecoder
	site string // the site block being read
}

func (s *fastScanner) pos() hcl.Pos {
	return hcl.Pos{Line: s.line, Column: s.i - s.lineStart + 1, Byte: s.i}
}

func (s *fastScanner) intern(b []byte) string {
	if v, ok := s.strs[string(b)]; ok {
		return v
	}
	v := string(b)
	s.strs[v] = v
	return v
}

func (s *fastScanner) spaces() {
	for s.i < len(s.src) && s.src[s.i] == ' ' {
		s.i++
	}
}

// eol consumes blanks, an optional line comment and the newline (or the end
// of the file); it reports false when something else follows.
func (s *fastScanner) eol() bool {
	s.spaces()
	if s.i < len(s.src) && (s.src[s.i] == '#' || (s.src[s.i] == '/' && s.i+1 < len(s.src) && s.src[s.i+1] == '/')) {
		for s.i < len(s.src) && s.src[s.i] != '\n' {
			s.i++
		}
	}
	if s.i == len(s.src) {
		return true
	}
	if s.src[s.i] != '\n' {
		return false
	}
	s.i++
	s.line++
	s.lineStart = s.i
	return true
}

func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdentByte(c byte) bool  { return isIdentStart(c) || c == '-' || (c >= '0' && c <= '9') }

func (s *fastScanner) ident() (string, bool) {
	start := s.i
	if s.i >= len(s.src) || !isIdentStart(s.src[s.i]) {
		return "", false
	}
	for s.i < len(s.src) && isIdentByte(s.src[s.i]) {
		s.i++
	}
	return s.intern(s.src[start:s.i]), true
}

// quoted reads a string literal without escapes or templates.
func (s *fastScanner) quoted() (string, hcl.Range, bool) {
	start := s.pos()
	if s.i >= len(s.src) || s.src[s.i] != '"' {
		return "", hcl.Range{}, false
	}
	j := s.i + 1
	for ; j < len(s.src) && s.src[j] != '"'; j++ {
		switch c := s.src[j]; c {
		case '\\', '\n':
			return "", hcl.Range{}, false
		case '{':
			if s.src[j-1] == '$' || s.src[j-1] == '%' {
				return "", hcl.Range{}, false
			}
		}
	}
	if j >= len(s.src) {
		return "", hcl.Range{}, false
	}
	v := s.intern(s.src[s.i+1 : j])
	s.i = j + 1
	return v, hcl.Range{Filename: s.name, Start: start, End: s.pos()}, true
}

// value reads one attribute value up to (not including) the end of line.
func (s *fastScanner) value(a *fastAttr) bool {
	if s.i >= len(s.src) {
		return false
	}
	start := s.pos()
	switch c := s.src[s.i]; {
	case c == '"':
		v, rng, ok := s.quoted()
		a.val = fastValue{str: v}
		a.start, a.end = rng.Start, rng.End
		return ok
	case c >= '0' && c <= '9':
		j := s.i
		for j < len(s.src) && s.src[j] >= '0' && s.src[j] <= '9' {
			j++
		}
		if j < len(s.src) && s.src[j] == '.' {
			j++
			k := j
			for j < len(s.src) && s.src[j] >= '0' && s.src[j] <= '9' {
				j++
			}
			if j == k {
				return false
			}
		}
		if j < len(s.src) && (isIdentByte(s.src[j]) || s.src[j] == '.') {
			return false // exponents and the like: leave them to HCL
		}
		f, err := strconv.ParseFloat(string(s.src[s.i:j]), 64)
		if err != nil || math.IsInf(f, 0) {
			return false
		}
		s.i = j
		a.val = fastValue{isNum: true, num: f}
		a.start, a.end = start, s.pos()
		return true
	case c == '[':
		s.i++
		a.isList = true
		for {
			s.spaces()
			if s.i < len(s.src) && s.src[s.i] == ']' {
				break
			}
			v, _, ok := s.quoted()
			if !ok {
				return false
			}
			a.list = append(a.list, v)
			s.spaces()
			if s.i < len(s.src) && s.src[s.i] == ',' {
				s.i++
				continue
			}
			if s.i >= len(s.src) || s.src[s.i] != ']' {
				return false
			}
		}
		s.i++
		a.start, a.end = start, s.pos()
		return true
	case isIdentStart(c):
		id, _ := s.ident()
		if id != "var" || s.i >= len(s.src) || s.src[s.i] != '.' {
			return false
		}
		s.i++
		n, ok := s.ident()
		if !ok || (s.i < len(s.src) && (s.src[s.i] == '.' || s.src[s.i] == '[')) {
			return false
		}
		a.start, a.end = start, s.pos()
		a.varName = n
		return true
	}
	return false
}

// body reads the items of a block body up to its closing brace (or the end
// of the file for the top level).
func (s *fastScanner) body(top bool, depth int) ([]fastAttr, []*fastBlock, bool) {
	// Attributes gather on the scratch stack. A body returns its own as a
	// view of the stack, valid until the caller reads on: the caller
	// decodes them at once or copies them.
	mark := len(s.scratch)
	attrs := func() []fastAttr {
		out := s.scratch[mark:len(s.scratch):len(s.scratch)]
		s.scratch = s.scratch[:mark]
		return out
	}
	var blocks []*fastBlock
	for {
		s.spaces()
		if s.i >= len(s.src) {
			return attrs(), blocks, top
		}
		if c := s.src[s.i]; c == '\n' || c == '#' || (c == '/' && s.i+1 < len(s.src) && s.src[s.i+1] == '/') {
			s.eol() // blank and comment lines
			continue
		}
		if s.src[s.i] == '}' {
			if top {
				return nil, nil, false
			}
			s.i++
			return attrs(), blocks, true
		}
		typStart := s.pos()
		id, ok := s.ident()
		if !ok {
			return nil, nil, false
		}
		s.spaces()
		if s.i >= len(s.src) {
			return nil, nil, false
		}
		if s.src[s.i] == '=' {
			s.i++
			s.spaces()
			a := fastAttr{name: id}
			if !s.value(&a) || !s.eol() {
				return nil, nil, false
			}
			s.scratch = append(s.scratch, a)
			continue
		}
		label, lrng, ok := s.quoted()
		if !ok || depth >= 3 {
			return nil, nil, false
		}
		s.spaces()
		if s.i >= len(s.src) || s.src[s.i] != '{' {
			return nil, nil, false
		}
		s.i++
		b := &fastBlock{typ: id, label: label, def: hcl.Range{Filename: s.name, Start: typStart, End: lrng.End}}
		s.spaces()
		switch {
		case s.i < len(s.src) && s.src[s.i] == '}':
			s.i++
		case s.i < len(s.src) && isIdentStart(s.src[s.i]):
			// A one-line block: `feed "a" { ups = "ups-a" }`.
			a := fastAttr{}
			if a.name, ok = s.ident(); !ok {
				return nil, nil, false
			}
			s.spaces()
			if s.i >= len(s.src) || s.src[s.i] != '=' {
				return nil, nil, false
			}
			s.i++
			s.spaces()
			if !s.value(&a) {
				return nil, nil, false
			}
			s.spaces()
			if s.i >= len(s.src) || s.src[s.i] != '}' {
				return nil, nil, false
			}
			s.i++
			b.attrs = []fastAttr{a}
		default:
			if !s.eol() {
				return nil, nil, false
			}
			if depth == 0 {
				s.site = label
			}
			b.attrs, b.blocks, ok = s.body(false, depth+1)
			if !ok {
				return nil, nil, false
			}
		}
		if !s.eol() {
			return nil, nil, false
		}
		switch {
		case s.dec != nil && depth == 2 && id == "psu":
			if b.psu, ok = s.dec.psuOf(b); !ok {
				return nil, nil, false
			}
			b.attrs = nil
		case s.dec != nil && depth == 1 && id == "host":
			if !s.dec.claim(label) || !s.dec.host(s.site, b) {
				return nil, nil, false
			}
			continue // decoded: nothing of it is kept
		default:
			b.attrs = append([]fastAttr(nil), b.attrs...)
		}
		blocks = append(blocks, b)
	}
}

// fastDecode returns the decoded (not yet validated) inventory, or ok=false
// when the HCL path must run.
func fastDecode(name string, src []byte, given map[string]string) (inv *Inventory, ok bool) {
	for _, c := range src {
		if c >= 0x80 || c == '\t' || c == '\r' {
			return nil, false
		}
	}
	// About one distinct string (a name) per 100 bytes of a typical file.
	s := &fastScanner{src: src, name: name, line: 1, strs: make(map[string]string, len(src)/100)}
	d := &fastDecoder{inv: &Inventory{
		Racks: map[string]*Rack{},
		UPS:   map[string]*UPS{},
		Feeds: map[string]*Feed{},
		PDUs:  map[string]*PDU{},
		Hosts: make(map[string]*Host, len(src)/300),
	}, names: make(map[string]bool, len(src)/250), vars: map[string]fastValue{}, file: name}
	if !hasVariableBlock(src) {
		s.dec = d
	}
	attrs, blocks, ok := s.body(true, 0)
	if !ok || len(attrs) > 0 {
		return nil, false
	}
	vars, ok := fastVariables(blocks, given)
	if !ok {
		return nil, false
	}
	d.vars = vars
	for _, b := range blocks {
		switch b.typ {
		case "variable":
		case "site":
			if !d.site(b) {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	if len(d.inv.Sites) == 0 {
		return nil, false
	}
	return d.inv, true
}

// hasVariableBlock reports whether a line starts with "variable": only
// then can a value refer to a variable declared further down.
func hasVariableBlock(src []byte) bool {
	const kw = "variable"
	for i := 0; i+len(kw) <= len(src); {
		if string(src[i:i+len(kw)]) == kw {
			return true
		}
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			return false
		}
		i += j + 1
	}
	return false
}

// fastVariables reads the variable blocks: values given by name win over
// defaults, as in decoder.variables.
func fastVariables(blocks []*fastBlock, given map[string]string) (map[string]fastValue, bool) {
	vars := map[string]fastValue{}
	for _, b := range blocks {
		if b.typ != "variable" {
			continue
		}
		if _, dup := vars[b.label]; dup || len(b.blocks) > 0 {
			return nil, false
		}
		var def *fastAttr
		for i := range b.attrs {
			switch b.attrs[i].name {
			case "default":
				if b.attrs[i].isList || b.attrs[i].varName != "" {
					return nil, false
				}
				def = &b.attrs[i]
			case "description":
			default:
				return nil, false
			}
		}
		if v, ok := given[b.label]; ok {
			vars[b.label] = fastValue{str: v}
			continue
		}
		if def == nil {
			return nil, false
		}
		vars[b.label] = def.val
	}
	for k := range given {
		if _, ok := vars[k]; !ok {
			return nil, false
		}
	}
	return vars, true
}

type fastDecoder struct {
	file  string
	inv   *Inventory
	names map[string]bool
	vars  map[string]fastValue
}

func (d *fastDecoder) claim(name string) bool {
	if name == "" || d.names[name] {
		return false
	}
	d.names[name] = true
	return true
}

// attrs matches a body's attributes against the allowed names; it returns
// them by name, or false on an unknown or repeated attribute, a missing
// required one, or any nested block.
func (d *fastDecoder) attrsOf(b *fastBlock, allowed []string, required []string, blocksOK bool) (attrMap, bool) {
	var m attrMap
	if len(b.blocks) > 0 && !blocksOK {
		return m, false
	}
	m.names = allowed
	m.file = d.file
	for i := range b.attrs {
		a := &b.attrs[i]
		k := -1
		for j, n := range allowed {
			if n == a.name {
				k = j
				break
			}
		}
		if k < 0 || m.attrs[k] != nil {
			return m, false
		}
		if a.varName != "" {
			v, ok := d.vars[a.varName]
			if !ok {
				return m, false
			}
			a.val = v
		}
		m.attrs[k] = a
		m.n++
	}
	for _, n := range required {
		if m.get(n) == nil {
			return m, false
		}
	}
	return m, true
}

// attrMap is a block's attributes by position in its list of allowed
// names: no map per block.
type attrMap struct {
	file  string
	names []string
	attrs [8]*fastAttr
	n     int
}

func (m *attrMap) get(name string) *fastAttr {
	for i, n := range m.names {
		if n == name {
			return m.attrs[i]
		}
	}
	return nil
}

func ranges(m attrMap) Ranges {
	out := make(Ranges, 0, m.n)
	for i, a := range m.attrs[:len(m.names)] {
		if a != nil {
			out = append(out, NamedRange{Name: m.names[i], Range: a.rng(m.file)})
		}
	}
	// Sorted by name, as the HCL path gives them; a handful of entries.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Name < out[j-1].Name; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// str converts as cty would: strings as they are, whole numbers in decimal.
func fastStr(a *fastAttr) (string, bool) {
	if a.isList {
		return "", false
	}
	if !a.val.isNum {
		return a.val.str, true
	}
	if a.val.num != math.Trunc(a.val.num) || math.Abs(a.val.num) > 1<<53 {
		return "", false
	}
	return strconv.FormatInt(int64(a.val.num), 10), true
}

// num converts as cty would for plain decimal strings; anything else goes
// to the HCL path.
func fastNum(a *fastAttr) (float64, bool) {
	if a.isList {
		return 0, false
	}
	if a.val.isNum {
		return a.val.num, true
	}
	s := a.val.str
	if s == "" {
		return 0, false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsInf(f, 0)
}

func fastPositive(a *fastAttr) (float64, bool) {
	f, ok := fastNum(a)
	return f, ok && f > 0
}

func fastCount(a *fastAttr, lo, hi int) (int, bool) {
	f, ok := fastNum(a)
	if !ok || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return 0, false
	}
	return int(f), true
}

func (d *fastDecoder) site(b *fastBlock) bool {
	name := b.label
	if !d.claim(name) {
		return false
	}
	site := &Site{Name: name, DefRange: b.def}
	if !d.siteNetwork(site, b) {
		return false
	}
	d.inv.Sites = append(d.inv.Sites, site)
	// The HCL decoder takes the kinds in this order; claims must follow it
	// for the same (first) claimant, though any clash sends us to HCL anyway.
	for _, kind := range []string{"rack", "ups", "feed", "pdu", "host"} {
		for _, c := range b.blocks {
			if c.typ != kind {
				continue
			}
			if !d.claim(c.label) {
				return false
			}
			var ok bool
			switch kind {
			case "rack":
				_, ok = d.attrsOf(c, []string{"description"}, nil, false)
				d.inv.Racks[c.label] = &Rack{Name: c.label, Site: name, Declared: true, DefRange: c.def}
			case "ups":
				ok = d.ups(name, c)
			case "feed":
				ok = d.feed(name, c)
			case "pdu":
				ok = d.pdu(name, c)
			case "host":
				ok = d.host(name, c)
			}
			if !ok {
				return false
			}
		}
	}
	for _, c := range b.blocks {
		switch c.typ {
		case "rack", "ups", "feed", "pdu", "host":
		default:
			return false
		}
	}
	return true
}

// siteNetwork reads a site's network and VIP pool as the HCL decoder
// does; anything it would complain about is left to it.
func (d *fastDecoder) siteNetwork(s *Site, b *fastBlock) bool {
	m, ok := d.attrsOf(b, siteAttrs, nil, true)
	if !ok {
		return false
	}
	s.AttrRanges = sortedRanges(m)
	if a := m.get("network"); a != nil {
		v, ok := fastStr(a)
		if !ok {
			return false
		}
		p, err := netip.ParsePrefix(v)
		if err != nil || !p.Addr().Is4() {
			return false
		}
		s.Network = p.Masked()
	}
	if a := m.get("vip_pool"); a != nil {
		if !a.isList || !s.Network.IsValid() {
			return false
		}
		seen := map[netip.Addr]bool{}
		for _, v := range a.list {
			ip, err := netip.ParseAddr(v)
			if err != nil || !ip.Is4() || !s.Network.Contains(ip) || seen[ip] {
				return false
			}
			seen[ip] = true
			s.VIPPool = append(s.VIPPool, ip)
		}
	}
	return true
}

// sortedRanges is ranges(m) in name order, as attrRanges gives them.
func sortedRanges(m attrMap) Ranges {
	out := ranges(m)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

var siteAttrs = []string{"network", "vip_pool"}

func (d *fastDecoder) ups(site string, b *fastBlock) bool {
	m, ok := d.attrsOf(b, []string{"capacity_va", "capacity_watts", "nut"}, []string{"capacity_va"}, false)
	if !ok {
		return false
	}
	u := &UPS{Name: b.label, Site: site, DefRange: b.def}
	if u.CapacityVA, ok = fastPositive(m.get("capacity_va")); !ok {
		return false
	}
	u.CapacityWatts = u.CapacityVA * DefaultPowerFactor
	if a := m.get("capacity_watts"); a != nil {
		if u.CapacityWatts, ok = fastPositive(a); !ok || u.CapacityWatts > u.CapacityVA {
			return false
		}
	}
	if a := m.get("nut"); a != nil {
		if u.NUT, ok = fastStr(a); !ok {
			return false
		}
		if _, _, _, err := SplitNUT(u.NUT); err != nil {
			return false
		}
	}
	d.inv.UPS[b.label] = u
	return true
}

func (d *fastDecoder) feed(site string, b *fastBlock) bool {
	m, ok := d.attrsOf(b, []string{"ups"}, []string{"ups"}, false)
	if !ok {
		return false
	}
	f := &Feed{Name: b.label, Site: site, DefRange: b.def, AttrRanges: ranges(m)}
	if f.UPS, ok = fastStr(m.get("ups")); !ok {
		return false
	}
	d.inv.Feeds[b.label] = f
	return true
}

var (
	pduAttrs  = []string{"rack", "feed", "max_amps", "voltage", "outlets", "snmp", "community"}
	pduReq    = []string{"rack", "feed", "max_amps", "outlets"}
	hostAttrs = []string{"rack", "address", "cpus", "memory", "watts", "tags", "ssh_host_key"}
	hostReq   = []string{"rack", "cpus", "memory", "watts"}
	psuAttrs  = []string{"pdu", "outlet"}
)

func (d *fastDecoder) pdu(site string, b *fastBlock) bool {
	m, ok := d.attrsOf(b, pduAttrs, pduReq, false)
	if !ok {
		return false
	}
	p := &PDU{Name: b.label, Site: site, Voltage: DefaultVoltage, DefRange: b.def, AttrRanges: ranges(m)}
	ok1 := true
	p.Rack, ok = fastStr(m.get("rack"))
	ok1 = ok1 && ok
	p.Feed, ok = fastStr(m.get("feed"))
	ok1 = ok1 && ok
	p.MaxAmps, ok = fastPositive(m.get("max_amps"))
	ok1 = ok1 && ok
	if a := m.get("voltage"); a != nil {
		p.Voltage, ok = fastPositive(a)
		ok1 = ok1 && ok
	}
	p.Outlets, ok = fastCount(m.get("outlets"), 1, 4096)
	ok1 = ok1 && ok
	if a := m.get("snmp"); a != nil {
		p.SNMP, ok = fastStr(a)
		ok1 = ok1 && ok
		if _, _, err := SplitHostPort(p.SNMP, DefaultSNMPPort); err != nil {
			return false
		}
	}
	if a := m.get("community"); a != nil {
		p.Community, ok = fastStr(a)
		ok1 = ok1 && ok
	}
	d.inv.PDUs[b.label] = p
	return ok1
}

func (d *fastDecoder) host(site string, b *fastBlock) bool {
	m, ok := d.attrsOf(b, hostAttrs, hostReq, true)
	if !ok {
		return false
	}
	h := &Host{Name: b.label, Site: site, DefRange: b.def, AttrRanges: ranges(m)}
	ok1 := true
	h.Rack, ok = fastStr(m.get("rack"))
	ok1 = ok1 && ok
	if a := m.get("address"); a != nil {
		h.Address, ok = fastStr(a)
		ok1 = ok1 && ok
	}
	h.CPUs, ok = fastCount(m.get("cpus"), 1, 1<<20)
	ok1 = ok1 && ok
	mem, ok := fastStr(m.get("memory"))
	if !ok {
		return false
	}
	if h.Memory, ok = memorySize(mem); !ok {
		return false
	}
	h.Watts, ok = fastPositive(m.get("watts"))
	ok1 = ok1 && ok
	if a := m.get("ssh_host_key"); a != nil {
		// A malformed key is left to HCL, which says what is wrong.
		if h.SSHHostKey, ok = fastStr(a); !ok || len(strings.Fields(h.SSHHostKey)) < 2 {
			return false
		}
	}
	if a := m.get("tags"); a != nil {
		if !a.isList {
			return false // a single string converts to a list in cty; rare, leave it to HCL
		}
		h.Tags = a.list
	}
	for _, pb := range b.blocks {
		if pb.typ != "psu" {
			return false
		}
		psu := pb.psu
		if psu == nil {
			if psu, ok = d.psuOf(pb); !ok {
				return false
			}
		}
		for _, prev := range h.PSUs {
			if prev.Name == psu.Name {
				return false
			}
		}
		h.PSUs = append(h.PSUs, psu)
	}
	if len(h.PSUs) == 0 {
		return false
	}
	d.inv.Hosts[b.label] = h
	return ok1
}

func (d *fastDecoder) psuOf(pb *fastBlock) (*PSU, bool) {
	pm, ok := d.attrsOf(pb, psuAttrs, psuAttrs, false)
	if !ok {
		return nil, false
	}
	psu := &PSU{Name: pb.label, DefRange: pb.def, AttrRanges: ranges(pm)}
	if psu.PDU, ok = fastStr(pm.get("pdu")); !ok {
		return nil, false
	}
	if psu.Outlet, ok = fastCount(pm.get("outlet"), math.MinInt32, math.MaxInt32); !ok {
		return nil, false
	}
	return psu, true
}

// memorySize parses sizes, remembering the last few: thousands of hosts
// repeat a handful of sizes.
func memorySize(s string) (int64, bool) {
	n, err := lang.ParseSize(s)
	return n, err == nil
}

// fastMinFile is the size from which the fast path is tried; a variable
// so that tests can hold small files to both paths.
var fastMinFile = 0
