package powerdns

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// zoneAtAnswer decodes the answer to a zone GET filtered by rrset_name,
// keeping only the rrsets at name. PowerDNS (4.7) filters the records but
// still sends every comment of the zone, each as an rrset of its own name
// with no records; decoding all of them made each read cost as much as the
// whole zone, and an apply of n names cost n² in JSON. The other names'
// rrsets are stepped over without being decoded; the zone's fields and the
// rrsets at name go through encoding/json as before.
type zoneAtAnswer struct {
	name string
	z    *Zone
}

func (a zoneAtAnswer) decodeAnswer(b []byte) error {
	head := []byte{'{'}
	end, err := eachMember(b, 0, func(key []byte, at int) (int, error) {
		if keyIs(key, "rrsets") {
			return a.rrsets(b, at)
		}
		end, err := skipValue(b, at)
		if err != nil {
			return 0, err
		}
		if len(head) > 1 {
			head = append(head, ',')
		}
		head = append(head, '"')
		head = append(head, key...)
		head = append(head, '"', ':')
		head = append(head, b[at:end]...)
		return end, nil
	})
	if err != nil {
		return err
	}
	if skipSpace(b, end) != len(b) {
		return syntaxError(b, skipSpace(b, end), "the end")
	}
	return json.Unmarshal(append(head, '}'), a.z)
}

// rrsets reads the array of rrsets at b[i], keeping those at a.name, and
// returns the index after it.
func (a zoneAtAnswer) rrsets(b []byte, i int) (int, error) {
	a.z.RRSets = nil // as encoding/json: the last "rrsets" counts
	if bytes.HasPrefix(b[i:], []byte("null")) {
		return i + 4, nil
	}
	return eachElement(b, i, func(at int) (int, error) {
		if bytes.HasPrefix(b[at:], []byte("null")) {
			return at + 4, nil
		}
		var name []byte
		end, err := eachMember(b, at, func(key []byte, at int) (int, error) {
			end, err := skipValue(b, at)
			if err == nil && keyIs(key, "name") {
				name = b[at:end]
			}
			return end, err
		})
		if err != nil {
			return 0, err
		}
		if ok, err := stringIs(name, a.name); err != nil || !ok {
			return end, err
		}
		var rr RRSet
		if err := json.Unmarshal(b[at:end], &rr); err != nil {
			return 0, err
		}
		a.z.RRSets = append(a.z.RRSets, rr)
		return end, nil
	})
}

// The functions below find where JSON values start and end without decoding
// them, in one pass. They check structure only as far as they need to find
// the ends: values that are kept are decoded, and so checked, by
// encoding/json.

// eachMember walks the object at b[i] (after spaces): fn gets each raw key
// (without its quotes) and the index of its value, and returns the index
// after the value. eachMember returns the index after the object.
func eachMember(b []byte, i int, fn func(key []byte, at int) (int, error)) (int, error) {
	return eachItem(b, i, '{', '}', "an object", func(at int) (int, error) {
		if b[at] != '"' {
			return 0, syntaxError(b, at, "a member name")
		}
		end, err := skipString(b, at)
		if err != nil {
			return 0, err
		}
		colon := skipSpace(b, end)
		if colon >= len(b) || b[colon] != ':' {
			return 0, syntaxError(b, colon, "':'")
		}
		return fn(b[at+1:end-1], skipSpace(b, colon+1))
	})
}

// eachElement walks the array at b[i] (after spaces) as eachMember walks
// an object.
func eachElement(b []byte, i int, fn func(at int) (int, error)) (int, error) {
	return eachItem(b, i, '[', ']', "an array", fn)
}

// eachItem walks the items between open and close at b[i], separated by
// commas: item gets the index of one and returns the index after it.
func eachItem(b []byte, i int, open, close byte, what string, item func(at int) (int, error)) (int, error) {
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != open {
		return 0, syntaxError(b, i, what)
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == close {
		return i + 1, nil
	}
	for {
		if i >= len(b) {
			return 0, syntaxError(b, i, "a value")
		}
		var err error
		if i, err = item(i); err != nil {
			return 0, err
		}
		i = skipSpace(b, i)
		switch {
		case i < len(b) && b[i] == ',':
			i = skipSpace(b, i+1)
		case i < len(b) && b[i] == close:
			return i + 1, nil
		default:
			return 0, syntaxError(b, i, "',' or '"+string(close)+"'")
		}
	}
}

// stringIs tells whether the raw JSON value v is the string want, as a
// name (ignoring case); it decodes v only when v holds an escape or is not
// a plain string.
func stringIs(v []byte, want string) (bool, error) {
	if len(v) >= 2 && v[0] == '"' && bytes.IndexByte(v, '\\') < 0 {
		return strings.EqualFold(string(v[1:len(v)-1]), want), nil
	}
	var s string
	if v != nil {
		if err := json.Unmarshal(v, &s); err != nil {
			return false, err
		}
	}
	return strings.EqualFold(s, want), nil
}

// keyIs compares a raw member name with want as encoding/json matches
// names to fields (ignoring case), unescaping it only when it holds an
// escape.
func keyIs(raw []byte, want string) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return strings.EqualFold(string(raw), want)
	}
	var k string
	q := append(append([]byte{'"'}, raw...), '"')
	return json.Unmarshal(q, &k) == nil && strings.EqualFold(k, want)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string that starts at b[i] == '"'.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++ // the escaped byte, whatever it is
		case '"':
			return j + 1, nil
		}
	}
	return 0, syntaxError(b, len(b), "the end of a string")
}

// skipValue returns the index after the value that starts at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, syntaxError(b, i, "a value")
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, syntaxError(b, len(b), "the end of an object or array")
	default:
		j := i
		for j < len(b) && !strings.ContainsRune(",}] \t\n\r", rune(b[j])) {
			j++
		}
		if j == i {
			return 0, syntaxError(b, i, "a value")
		}
		return j, nil
	}
}

func syntaxError(b []byte, i int, want string) error {
	if i >= len(b) {
		return fmt.Errorf("invalid JSON: want %s, found the end", want)
	}
	return fmt.Errorf("invalid JSON at offset %d: want %s, found %q", i, want, b[i])
}
