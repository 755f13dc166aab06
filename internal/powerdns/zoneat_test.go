package powerdns

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// fullAt is what ZoneAt's answer must equal: the whole answer decoded by
// encoding/json, then only the rrsets at name kept.
func fullAt(t testing.TB, b []byte, name string) (*Zone, error) {
	t.Helper()
	var z Zone
	if err := json.Unmarshal(b, &z); err != nil {
		return nil, err
	}
	var at []RRSet
	for _, rr := range z.RRSets {
		if strings.EqualFold(rr.Name, name) {
			at = append(at, rr)
		}
	}
	z.RRSets = at
	return &z, nil
}

func fastAt(b []byte, name string) (*Zone, error) {
	var z Zone
	err := zoneAtAnswer{name: name, z: &z}.decodeAnswer(b)
	return &z, err
}

// awkward strings: quotes and backslashes next to each other (an escaped
// quote must not end a string, an escaped backslash before a quote must),
// brackets and braces inside strings, non-ASCII, control characters.
var awkward = []string{
	``, `plain`, `"`, `\`, `\\`, `\"`, `"\`, `a\\"b`, `{`, `}`, `[`, `]`, `,:`,
	`A "ifurlup('http://n.test:8080/', {{'192.0.2.1'}, {'198.51.100.1'}})"`,
	"tab\there\nnewline", "é ü 中", "\u2028", `ha:A {"mode":"failover","names":["east","west"]}`,
}

func randString(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(4); n >= 0; n-- {
		b.WriteString(awkward[r.IntN(len(awkward))])
	}
	return b.String()
}

// randAnswer is a zone answer shaped like PowerDNS's, with the member order,
// spacing, extra members and names varied.
func randAnswer(r *rand.Rand, names []string) []byte {
	rrsets := []map[string]any{}
	for i := r.IntN(12); i >= 0; i-- {
		rr := map[string]any{
			"name":    names[r.IntN(len(names))],
			"type":    []string{"LUA", "A", "TXT", "SOA"}[r.IntN(4)],
			"ttl":     r.IntN(3) * 60,
			"records": []any{},
		}
		for j := r.IntN(3); j > 0; j-- {
			rr["records"] = append(rr["records"].([]any), map[string]any{"content": randString(r), "disabled": r.IntN(2) == 0})
		}
		var comments []any
		for j := r.IntN(3); j > 0; j-- {
			comments = append(comments, map[string]any{"content": randString(r), "account": randString(r), "modified_at": r.Int64N(1 << 40)})
		}
		rr["comments"] = comments // null when none, as some versions send
		if r.IntN(4) == 0 {
			rr["extra"] = map[string]any{"nested": []any{1.5, true, nil, "x]}"}, "s": randString(r)}
		}
		rrsets = append(rrsets, rr)
	}
	zone := map[string]any{
		"id": "z.test.", "name": "z.test.", "kind": "Native", "account": randString(r),
		"serial": r.Int64N(1 << 32), "dnssec": r.IntN(2) == 0, "masters": []any{}, "nsec3param": "",
		"rrsets": rrsets,
	}
	var b []byte
	var err error
	if r.IntN(2) == 0 {
		b, err = json.Marshal(zone)
	} else {
		b, err = json.MarshalIndent(zone, "", []string{" ", "\t", "  "}[r.IntN(3)])
	}
	if err != nil {
		panic(err)
	}
	return b
}

// TestZoneAtAnswerMatchesFullDecode: keeping only the rrsets at a name by
// stepping over the others gives what decoding the whole answer and then
// filtering gives, over random answers with awkward strings.
func TestZoneAtAnswerMatchesFullDecode(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 1))
	names := []string{"www.z.test.", "WWW.z.test.", "w.z.test.", "z.test.", `q"\.z.test.`}
	matched := 0
	for i := 0; i < 2000; i++ {
		b := randAnswer(r, names)
		name := names[r.IntN(len(names))]
		want, err := fullAt(t, b, name)
		if err != nil {
			t.Fatalf("answer %d does not decode: %v", i, err)
		}
		got, err := fastAt(b, name)
		if err != nil {
			t.Fatalf("answer %d: %v\n%s", i, err, b)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("answer %d at %q:\n got %+v\nwant %+v\n%s", i, name, got, want, b)
		}
		matched += len(got.RRSets)
	}
	if matched < 1000 {
		t.Fatalf("only %d rrsets matched over all answers: the test is not exercising the kept path", matched)
	}
}

// TestZoneAtAnswerRefusesCutAnswers: an answer cut anywhere is an error,
// never a panic or a partial zone taken as whole.
func TestZoneAtAnswerRefusesCutAnswers(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 2))
	b := randAnswer(r, []string{"www.z.test."})
	for n := 0; n < len(b); n++ {
		if _, err := fastAt(b[:n], "www.z.test."); err == nil {
			t.Fatalf("answer cut to %d of %d bytes decoded without error: %q", n, len(b), b[:n])
		}
	}
	for _, bad := range []string{`{"rrsets":{}}`, `{"rrsets":[{"name":1}]}`, `{"rrsets":[{"name":"www.z.test.","ttl":"x"}]}`, `{"name":}`, `{"a" 1}`, `{"a":1,}`, `[]`, `{"rrsets":[1 2]}`} {
		if _, err := fastAt([]byte(bad), "www.z.test."); err == nil {
			t.Errorf("%s decoded without error", bad)
		}
	}
}

// FuzzZoneAtAnswer: whatever the bytes, no panic; whatever is kept is at the
// name asked for; and a valid answer decodes as encoding/json decodes it.
func FuzzZoneAtAnswer(f *testing.F) {
	r := rand.New(rand.NewPCG(16, 3))
	for i := 0; i < 8; i++ {
		f.Add(randAnswer(r, []string{"www.z.test.", "w.z.test."}))
	}
	f.Add([]byte(`{"rrsets":[{"name":"www.z.test.","name":"w.z.test."}],"rrsets":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := fastAt(b, "www.z.test.")
		if err != nil {
			return
		}
		for _, rr := range got.RRSets {
			if !strings.EqualFold(rr.Name, "www.z.test.") {
				t.Fatalf("kept an rrset at %q", rr.Name)
			}
		}
		if want, err := fullAt(t, b, "www.z.test."); err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v, encoding/json %+v", got, want)
		}
	})
}

// BenchmarkZoneAtAnswer: one read-modify-write's answer in a zone of 1,000
// failover names, each with its comment (PowerDNS sends them all), decoded
// whole and then filtered, against stepping over the other names.
func BenchmarkZoneAtAnswer(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"account":"","dnssec":false,"id":"bench.test.","kind":"Native","name":"bench.test.","rrsets":[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		recs := "[]"
		if i == 500 {
			recs = `[{"content":"A \"ifurlup('http://n500.bench.test:8080/healthz', {{'192.0.2.1'}, {'198.51.100.1'}})\"","disabled":false}]`
		}
		fmt.Fprintf(&sb, `{"comments":[{"account":"terraform-provider-ha","content":"ha:A {\"mode\":\"failover\",\"names\":[\"east\",\"west\"],\"sizes\":[1,1],\"interval\":1,\"threshold\":1,\"tags\":{\"ha:component\":\"global/n%d/dns_failover\"}}","modified_at":1796169966}],"name":"n%d.bench.test.","records":%s,"ttl":0,"type":"LUA"}`, i, i, recs)
	}
	sb.WriteString(`],"serial":2026120204}`)
	data := []byte(sb.String())
	b.Run("whole", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := fullAt(b, data, "n500.bench.test."); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("at-name", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			z, err := fastAt(data, "n500.bench.test.")
			if err != nil || len(z.RRSets) != 1 {
				b.Fatal(err, z)
			}
		}
	})
}
