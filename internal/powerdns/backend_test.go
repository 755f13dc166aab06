package powerdns

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
	"github.com/ha-blueprints/terraform-provider-ha/internal/drill"
)

type fixture struct {
	env      map[string]string
	client   *Client
	backend  *Backend
	backends *drill.Backends
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := services.ForTest(t, services.PowerDNS)
	c, err := NewClient(Settings{APIURL: env["HA_POWERDNS_API_URL"], APIKey: env["HA_POWERDNS_API_KEY"], ServerID: env["HA_POWERDNS_SERVER_ID"]})
	if err != nil {
		t.Fatal(err)
	}
	b, err := drill.StartBackends("127.0.0.2", "127.0.0.3")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return &fixture{env: env, client: c, backend: NewBackend(c), backends: b}
}

func (f *fixture) spec(zone string) dnsfailover.Spec {
	return dnsfailover.Spec{
		FQDN: "www." + zone, Zone: zone, CreateZone: true, TTL: 5, Mode: "failover", RecordType: "A",
		Targets: []dnsfailover.Target{
			{Name: "east", Addresses: []string{"127.0.0.2"}},
			{Name: "west", Addresses: []string{"127.0.0.3"}},
		},
		HealthCheck: dnsfailover.HealthCheck{Protocol: "HTTP", Port: f.backends.Port, Path: "/healthz", Interval: 1, Threshold: 1},
		Tags:        map[string]string{"ha:component": "global/www/dns_failover"},
	}
}

// waitAnswer polls the real DNS server until it has answered want for 1.5 s
// in a row (a new record is answered at random until first probed).
func waitAnswer(t *testing.T, server, name, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	var last string
	var since time.Time
	for time.Now().Before(deadline) {
		addrs, err := drill.Lookup(context.Background(), server, name, "A")
		got := strings.Join(addrs, ",")
		if err != nil {
			got = err.Error()
		}
		if got != last {
			last, since = got, time.Now()
		}
		if last == want && time.Since(since) >= 1500*time.Millisecond {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: answer %q after %s, want %q", name, last, within, want)
}

func TestBackend_lifecycleAndFailover(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	zone := "lifecycle.test."
	spec := f.spec(zone)

	st, err := f.backend.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !st.ZoneCreated || st.ZoneID != zone || len(st.RecordIDs) != 1 {
		t.Errorf("status = %+v", st)
	}
	want := Normalize(spec)
	if !reflect.DeepEqual(st.Spec, want) {
		t.Errorf("read back\n got %+v\nwant %+v", st.Spec, want)
	}

	dnsServer := f.env["HA_TEST_PDNS_DNS"]
	waitAnswer(t, dnsServer, spec.FQDN, "127.0.0.2", 10*time.Second)
	if err := f.backends.Stop(0); err != nil {
		t.Fatal(err)
	}
	waitAnswer(t, dnsServer, spec.FQDN, "127.0.0.3", 10*time.Second)
	if err := f.backends.Start(0); err != nil {
		t.Fatal(err)
	}
	waitAnswer(t, dnsServer, spec.FQDN, "127.0.0.2", 10*time.Second)

	// Update in place: swap the order, the answer follows.
	spec.Targets[0], spec.Targets[1] = spec.Targets[1], spec.Targets[0]
	spec.TTL = 7
	if st, err = f.backend.Apply(ctx, spec, st); err != nil {
		t.Fatalf("Apply update: %v", err)
	}
	if st.Spec.TTL != 7 || st.Spec.Targets[0].Name != "west" {
		t.Errorf("after update: %+v", st.Spec)
	}
	waitAnswer(t, dnsServer, spec.FQDN, "127.0.0.3", 10*time.Second)

	// Drift: a hand edit of the record is what Read returns.
	z, err := f.client.Zone(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	rr := *z.Find(spec.FQDN, "LUA")
	rr.ChangeType = "REPLACE"
	rr.Records = []Record{{Content: `A "ifurlup('http://www.lifecycle.test:1/', {{'127.0.0.9'}}, {selector='all'})"`}}
	if err := f.client.PatchRRSets(ctx, zone, []RRSet{rr}); err != nil {
		t.Fatal(err)
	}
	got, err := f.backend.Read(ctx, spec, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Spec.Targets) != 1 || got.Spec.Targets[0].Addresses[0] != "127.0.0.9" || got.Spec.HealthCheck.Port != 1 {
		t.Errorf("drift not seen: %+v", got.Spec)
	}

	// The record deleted by hand: Read says so, and Apply re-creates it in
	// the zone it created before.
	if err := f.client.PatchRRSets(ctx, zone, []RRSet{{Name: spec.FQDN, Type: "LUA", ChangeType: "DELETE"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.backend.Read(ctx, spec, st); !errors.Is(err, dnsfailover.ErrNotFound) {
		t.Errorf("Read of a deleted record: %v", err)
	}
	if st, err = f.backend.Apply(ctx, spec, nil); err != nil || !st.ZoneCreated {
		t.Fatalf("re-create in the zone created before: %+v, %v", st, err)
	}

	// Delete removes the record and the zone it created.
	if err := f.backend.Delete(ctx, st); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := f.client.Zone(ctx, zone); !errors.Is(err, ErrZoneNotFound) {
		t.Errorf("zone after delete: %v", err)
	}
	if _, err := f.backend.Read(ctx, spec, st); !errors.Is(err, dnsfailover.ErrNotFound) {
		t.Errorf("Read after delete: %v", err)
	}
	if err := f.backend.Delete(ctx, st); err != nil {
		t.Errorf("second Delete: %v", err)
	}
}

func TestBackend_existingZoneKeptAndSharedName(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	zone := "attach.test."
	if _, err := f.client.CreateZone(ctx, zone, []string{"ns1." + zone}, ""); err != nil {
		t.Fatal(err)
	}
	before, err := f.client.Zone(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}

	spec := f.spec(zone)
	if _, err := f.backend.Apply(ctx, spec, nil); err == nil || !strings.Contains(err.Error(), "create_zone = false") {
		t.Fatalf("create_zone on an existing zone: %v", err)
	}
	spec.CreateZone = false
	st, err := f.backend.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.ZoneCreated {
		t.Error("ZoneCreated on an attached zone")
	}
	if _, err := f.backend.Apply(ctx, spec, nil); err == nil || !strings.Contains(err.Error(), "import") {
		t.Errorf("second create of the same record: %v", err)
	}

	// An AAAA failover at the same name shares the LUA rrset.
	v6 := spec
	v6.RecordType = "AAAA"
	v6.Targets = []dnsfailover.Target{{Name: "east", Addresses: []string{"::1"}}}
	st6, err := f.backend.Apply(ctx, v6, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.backend.Delete(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, err := f.backend.Read(ctx, spec, st); !errors.Is(err, dnsfailover.ErrNotFound) {
		t.Errorf("A after its delete: %v", err)
	}
	if got, err := f.backend.Read(ctx, v6, st6); err != nil || got.Spec.Targets[0].Addresses[0] != "::1" {
		t.Errorf("AAAA after the A delete: %+v %v", got, err)
	}
	if err := f.backend.Delete(ctx, st6); err != nil {
		t.Fatal(err)
	}

	after, err := f.client.Zone(ctx, zone)
	if err != nil {
		t.Fatalf("attached zone gone after delete: %v", err)
	}
	if fmt.Sprint(rrsetKeys(after)) != fmt.Sprint(rrsetKeys(before)) {
		t.Errorf("zone rrsets before %v, after %v", rrsetKeys(before), rrsetKeys(after))
	}
}

func TestBackend_weightedTCP(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	spec := f.spec("weighted.test.")
	spec.Mode = "weighted"
	spec.Targets[0].Weight, spec.Targets[1].Weight = 2, 1
	spec.HealthCheck = dnsfailover.HealthCheck{Protocol: "TCP", Port: f.backends.Port, Interval: 1, Threshold: 1}
	st, err := f.backend.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(st.Spec, Normalize(spec)) {
		t.Errorf("read back\n got %+v\nwant %+v", st.Spec, Normalize(spec))
	}
	dnsServer := f.env["HA_TEST_PDNS_DNS"]
	waitAnswer(t, dnsServer, spec.FQDN, "127.0.0.2,127.0.0.3", 10*time.Second)
	if err := f.backends.Stop(1); err != nil {
		t.Fatal(err)
	}
	waitAnswer(t, dnsServer, spec.FQDN, "127.0.0.2", 10*time.Second)
	if err := f.backend.Delete(ctx, st); err != nil {
		t.Fatal(err)
	}
}

func TestBackend_errors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	spec := f.spec("missing.test.")
	spec.CreateZone = false
	if _, err := f.backend.Apply(ctx, spec, nil); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing zone: %v", err)
	}

	key := f.env["HA_POWERDNS_API_KEY"]
	bad, _ := NewClient(Settings{APIURL: f.env["HA_POWERDNS_API_URL"], APIKey: "wrong"})
	_, err := NewBackend(bad).Apply(ctx, f.spec("x.test."), nil)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong key: %v", err)
	}
	down, _ := NewClient(Settings{APIURL: "http://127.0.0.1:1", APIKey: key, Timeout: 2 * time.Second})
	_, err = NewBackend(down).Apply(ctx, f.spec("x.test."), nil)
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("unreachable server: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), key) {
		t.Errorf("error shows the API key: %v", err)
	}

	n, err := f.backend.ServerCheckInterval(ctx)
	if err != nil || n != 1 {
		t.Errorf("ServerCheckInterval = %d, %v (the harness sets 1)", n, err)
	}
}

func rrsetKeys(z *Zone) []string {
	var out []string
	for _, rr := range z.RRSets {
		out = append(out, rr.Name+"/"+rr.Type)
	}
	sort.Strings(out)
	return out
}

// TestZoneAtReadsOneName: the read behind every apply and delete carries
// the zone's settings and only the rrsets at the name, however many others
// the zone holds; and the apply still sees a plain record there.
func TestZoneAtReadsOneName(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	zone := "many.test."
	if _, err := f.client.CreateZone(ctx, zone, []string{"ns1." + zone}, "someone"); err != nil {
		t.Fatal(err)
	}
	var others []RRSet
	for i := range 50 {
		others = append(others, RRSet{Name: fmt.Sprintf("n%d.%s", i, zone), Type: "A", TTL: 60, ChangeType: "REPLACE",
			Records: []Record{{Content: "127.0.0.9"}}})
	}
	others = append(others, RRSet{Name: "www." + zone, Type: "TXT", TTL: 60, ChangeType: "REPLACE",
		Records: []Record{{Content: `"kept"`}}})
	if err := f.client.PatchRRSets(ctx, zone, others); err != nil {
		t.Fatal(err)
	}
	z, err := f.client.ZoneAt(ctx, zone, "www."+zone)
	if err != nil {
		t.Fatal(err)
	}
	if z.Account != "someone" || z.ID == "" {
		t.Errorf("zone settings missing from the filtered read: account %q, id %q", z.Account, z.ID)
	}
	if got := rrsetKeys(z); fmt.Sprint(got) != "[www.many.test./TXT]" {
		t.Errorf("rrsets read for www: %v, want only www's TXT", got)
	}
	if _, err := f.client.ZoneAt(ctx, "absent.test.", "www.absent.test."); !errors.Is(err, ErrZoneNotFound) {
		t.Errorf("absent zone: %v", err)
	}

	// A plain A record at the name is still seen through the filtered read.
	if err := f.client.PatchRRSets(ctx, zone, []RRSet{{Name: "www." + zone, Type: "A", TTL: 60, ChangeType: "REPLACE",
		Records: []Record{{Content: "127.0.0.8"}}}}); err != nil {
		t.Fatal(err)
	}
	spec := f.spec(zone)
	spec.CreateZone = false
	if _, err := f.backend.Apply(ctx, spec, nil); err == nil || !strings.Contains(err.Error(), "shadow") {
		t.Errorf("apply over a plain A record: %v", err)
	}
}
