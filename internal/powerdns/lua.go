package powerdns

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// luaRule is the health-checked answer of one LUA record, in the shape this
// package writes and reads back:
//
//	A "ifurlup('http://www.example.test:8080/healthz', {{'192.0.2.1'}, {'192.0.2.2'}}, {selector='all'})"
//	A "ifurlup('http://www.example.test:80/', {'192.0.2.1', '192.0.2.2'}, {selector='all'})"
//	A "ifportup(443, {'192.0.2.1', '192.0.2.2'}, {selector='all'})"
//
// Nested address sets are ordered: PowerDNS answers the first set that has
// an address up, then the next. A flat list answers every address that is up.
type luaRule struct {
	RecordType string     // A or AAAA
	Function   string     // ifurlup or ifportup
	URL        string     // ifurlup only
	Port       int        // ifportup only
	Sets       [][]string // ordered sets; one set when Flat
	Flat       bool
	Options    map[string]string
}

// content renders the record content PowerDNS stores.
func (r luaRule) content() string {
	var b strings.Builder
	b.WriteString(r.RecordType)
	b.WriteString(` "`)
	b.WriteString(r.Function)
	b.WriteString("(")
	if r.Function == "ifportup" {
		b.WriteString(strconv.Itoa(r.Port))
	} else {
		b.WriteString(luaQuote(r.URL))
	}
	b.WriteString(", ")
	if r.Flat {
		var all []string
		for _, s := range r.Sets {
			all = append(all, s...)
		}
		b.WriteString(luaList(all))
	} else {
		sets := make([]string, len(r.Sets))
		for i, s := range r.Sets {
			sets[i] = luaList(s)
		}
		b.WriteString("{" + strings.Join(sets, ", ") + "}")
	}
	if len(r.Options) > 0 {
		keys := make([]string, 0, len(r.Options))
		for k := range r.Options {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		opts := make([]string, len(keys))
		for i, k := range keys {
			opts[i] = k + "=" + luaQuote(r.Options[k])
		}
		b.WriteString(", {" + strings.Join(opts, ", ") + "}")
	}
	b.WriteString(`)"`)
	return b.String()
}

func luaQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func luaList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = luaQuote(s)
	}
	return "{" + strings.Join(q, ", ") + "}"
}

// parseLuaRule reads record content back. It accepts hand edits of the same
// shape (spacing, quotes, a leading "return"), and fails on anything else so
// that the caller can report the record as changed beyond recognition.
func parseLuaRule(content string) (luaRule, error) {
	content = strings.TrimSpace(content)
	typ, rest, ok := strings.Cut(content, " ")
	if !ok {
		return luaRule{}, fmt.Errorf("LUA record %q has no record type", content)
	}
	rest = strings.TrimSpace(rest)
	if len(rest) < 2 || rest[0] != '"' || rest[len(rest)-1] != '"' {
		return luaRule{}, fmt.Errorf("LUA record %q: the snippet is not a quoted string", content)
	}
	snippet := strings.ReplaceAll(rest[1:len(rest)-1], `\"`, `"`)
	p := &luaParser{src: snippet}
	p.skipSpace()
	if p.peekWord("return") {
		p.pos += len("return")
	}
	fn, err := p.ident()
	if err != nil {
		return luaRule{}, err
	}
	if fn != "ifurlup" && fn != "ifportup" {
		return luaRule{}, fmt.Errorf("LUA record uses %s, not ifurlup or ifportup", fn)
	}
	if err := p.expect('('); err != nil {
		return luaRule{}, err
	}
	args := []any{}
	for {
		p.skipSpace()
		if p.eat(')') {
			break
		}
		if len(args) > 0 {
			if err := p.expect(','); err != nil {
				return luaRule{}, err
			}
		}
		v, err := p.value()
		if err != nil {
			return luaRule{}, err
		}
		args = append(args, v)
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return luaRule{}, fmt.Errorf("LUA record: unexpected %q after the call", p.src[p.pos:])
	}
	if len(args) < 2 || len(args) > 3 {
		return luaRule{}, fmt.Errorf("LUA record: %s takes 2 or 3 arguments, got %d", fn, len(args))
	}
	r := luaRule{RecordType: strings.ToUpper(typ), Function: fn, Options: map[string]string{}}
	switch a := args[0].(type) {
	case string:
		if fn != "ifurlup" {
			return luaRule{}, fmt.Errorf("LUA record: ifportup wants a port number, got %q", a)
		}
		r.URL = a
	case float64:
		if fn != "ifportup" {
			return luaRule{}, fmt.Errorf("LUA record: ifurlup wants a URL, got %v", a)
		}
		r.Port = int(a)
	default:
		return luaRule{}, fmt.Errorf("LUA record: bad first argument of %s", fn)
	}
	list, ok := args[1].(*luaTable)
	if !ok {
		return luaRule{}, fmt.Errorf("LUA record: the addresses of %s are not a table", fn)
	}
	flat := true
	for _, it := range list.items {
		if _, isTable := it.(*luaTable); isTable {
			flat = false
		}
	}
	r.Flat = flat
	if flat {
		set, err := list.strings()
		if err != nil {
			return luaRule{}, err
		}
		r.Sets = [][]string{set}
	} else {
		for _, it := range list.items {
			t, ok := it.(*luaTable)
			if !ok {
				return luaRule{}, fmt.Errorf("LUA record: mixed address sets and addresses")
			}
			set, err := t.strings()
			if err != nil {
				return luaRule{}, err
			}
			r.Sets = append(r.Sets, set)
		}
	}
	if len(args) == 3 {
		opts, ok := args[2].(*luaTable)
		if !ok {
			return luaRule{}, fmt.Errorf("LUA record: the options of %s are not a table", fn)
		}
		for k, v := range opts.fields {
			r.Options[k] = fmt.Sprint(v)
		}
	}
	return r, nil
}

// checkURL splits an ifurlup URL into protocol, port and path.
func checkURL(raw string) (protocol string, port int, path string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0, "", fmt.Errorf("check URL %q: %w", raw, err)
	}
	switch u.Scheme {
	case "http":
		protocol, port = "HTTP", 80
	case "https":
		protocol, port = "HTTPS", 443
	default:
		return "", 0, "", fmt.Errorf("check URL %q is not http or https", raw)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return "", 0, "", fmt.Errorf("check URL %q: bad port", raw)
		}
	}
	path = u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if path == "" {
		path = "/"
	}
	return protocol, port, path, nil
}

type luaTable struct {
	items  []any
	fields map[string]any
}

func (t *luaTable) strings() ([]string, error) {
	out := make([]string, 0, len(t.items))
	for _, it := range t.items {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("LUA record: address %v is not a string", it)
		}
		out = append(out, s)
	}
	return out, nil
}

// luaParser reads the small subset of Lua the failover functions take:
// strings, numbers and tables (with positional items and name=value fields).
type luaParser struct {
	src string
	pos int
}

func (p *luaParser) skipSpace() {
	for p.pos < len(p.src) && strings.ContainsRune(" \t\r\n", rune(p.src[p.pos])) {
		p.pos++
	}
}

func (p *luaParser) peekWord(w string) bool {
	if !strings.HasPrefix(p.src[p.pos:], w) {
		return false
	}
	end := p.pos + len(w)
	return end == len(p.src) || !isIdent(p.src[end])
}

func (p *luaParser) eat(c byte) bool {
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *luaParser) expect(c byte) error {
	if !p.eat(c) {
		return p.errorf("expected %q", c)
	}
	return nil
}

func (p *luaParser) errorf(format string, a ...any) error {
	return fmt.Errorf("LUA record: at offset %d of %q: %s", p.pos, p.src, fmt.Sprintf(format, a...))
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *luaParser) ident() (string, error) {
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.src) && isIdent(p.src[p.pos]) {
		p.pos++
	}
	if start == p.pos {
		return "", p.errorf("expected a name")
	}
	return p.src[start:p.pos], nil
}

func (p *luaParser) value() (any, error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return nil, p.errorf("unexpected end")
	}
	switch c := p.src[p.pos]; {
	case c == '\'' || c == '"':
		return p.str()
	case c == '{':
		return p.table()
	case c >= '0' && c <= '9':
		start := p.pos
		for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.') {
			p.pos++
		}
		return strconv.ParseFloat(p.src[start:p.pos], 64)
	case isIdent(c):
		w, _ := p.ident()
		switch w {
		case "true", "false":
			return w, nil
		}
		return nil, p.errorf("unexpected name %q", w)
	default:
		return nil, p.errorf("unexpected %q", c)
	}
}

func (p *luaParser) str() (string, error) {
	q := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		p.pos++
		switch {
		case c == q:
			return b.String(), nil
		case c == '\\' && p.pos < len(p.src):
			b.WriteByte(p.src[p.pos])
			p.pos++
		default:
			b.WriteByte(c)
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *luaParser) table() (*luaTable, error) {
	p.pos++ // {
	t := &luaTable{fields: map[string]any{}}
	for {
		p.skipSpace()
		if p.eat('}') {
			return t, nil
		}
		if len(t.items)+len(t.fields) > 0 {
			if !p.eat(',') && !p.eat(';') {
				return nil, p.errorf("expected ',' or '}'")
			}
			if p.eat('}') {
				return t, nil
			}
		}
		p.skipSpace()
		// name = value
		save := p.pos
		if p.pos < len(p.src) && isIdent(p.src[p.pos]) && (p.src[p.pos] < '0' || p.src[p.pos] > '9') {
			name, _ := p.ident()
			if p.eat('=') {
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				t.fields[name] = v
				continue
			}
			p.pos = save
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		t.items = append(t.items, v)
	}
}
