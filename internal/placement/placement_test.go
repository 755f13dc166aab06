package placement

import (
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory"
)

// genInventory builds a random site: upsN UPS units with one feed each,
// racks with two PDUs on different feeds (when there are two), and hosts
// that are dual-corded, single-corded, or both PSUs on one PDU.
func genInventory(rng *rand.Rand, racks, hosts, upsN int) *inventory.Inventory {
	inv := &inventory.Inventory{
		Sites: []*inventory.Site{{Name: "s1"}},
		Racks: map[string]*inventory.Rack{}, UPS: map[string]*inventory.UPS{}, Feeds: map[string]*inventory.Feed{},
		PDUs: map[string]*inventory.PDU{}, Hosts: map[string]*inventory.Host{},
	}
	for u := 0; u < upsN; u++ {
		name := fmt.Sprintf("ups-%d", u)
		inv.UPS[name] = &inventory.UPS{Name: name, Site: "s1", CapacityVA: 1e6, CapacityWatts: 9e5}
		inv.Feeds["feed-"+name] = &inventory.Feed{Name: "feed-" + name, Site: "s1", UPS: name}
	}
	for r := 0; r < racks; r++ {
		rack := fmt.Sprintf("r%03d", r)
		inv.Racks[rack] = &inventory.Rack{Name: rack, Site: "s1"}
		for side := 0; side < 2; side++ {
			u := fmt.Sprintf("ups-%d", (r+side)%upsN)
			p := fmt.Sprintf("%s-p%d", rack, side)
			inv.PDUs[p] = &inventory.PDU{Name: p, Site: "s1", Rack: rack, Feed: "feed-" + u, UPS: u, MaxAmps: 32, Voltage: 230, Outlets: 1 << 20}
		}
	}
	for i := 0; i < hosts; i++ {
		addHost(rng, inv, fmt.Sprintf("h%05d", i), racks)
	}
	return inv
}

func addHost(rng *rand.Rand, inv *inventory.Inventory, name string, racks int) {
	rack := fmt.Sprintf("r%03d", rng.Intn(racks))
	h := &inventory.Host{
		Name: name, Site: "s1", Rack: rack,
		CPUs: []int{8, 16, 32, 64}[rng.Intn(4)], Memory: int64(16+rng.Intn(4)*48) << 30, Watts: 300,
	}
	if rng.Intn(3) == 0 {
		h.Tags = []string{"ssd"}
	}
	switch rng.Intn(3) {
	case 0:
		h.PSUs = []*inventory.PSU{{Name: "1", PDU: rack + "-p0"}, {Name: "2", PDU: rack + "-p1"}}
	case 1:
		h.PSUs = []*inventory.PSU{{Name: "1", PDU: rack + "-p" + fmt.Sprint(rng.Intn(2))}}
	default:
		h.PSUs = []*inventory.PSU{{Name: "1", PDU: rack + "-p0"}, {Name: "2", PDU: rack + "-p0"}}
	}
	inv.Hosts[name] = h
}

func randomRequest(rng *rand.Rand) Request {
	spreads := [][]string{nil, {Rack}, {UPS, Rack}, {PDU, UPS}, {Feed}}
	r := Request{Count: 1 + rng.Intn(12), Spread: spreads[rng.Intn(len(spreads))]}
	if rng.Intn(3) == 0 {
		r.CPUs = 16
	}
	if rng.Intn(4) == 0 {
		r.Tags = []string{"ssd"}
	}
	return r
}

// Adding hosts to the inventory never moves existing members; growing the
// count by one keeps every member and adds exactly one.
func TestStabilityProperty(t *testing.T) {
	for seed := int64(0); seed < 300; seed++ {
		rng := rand.New(rand.NewSource(seed))
		racks := 1 + rng.Intn(8)
		inv := genInventory(rng, racks, 5+rng.Intn(60), 1+rng.Intn(3))
		req := randomRequest(rng)
		first, err := Place(inv, req)
		var short *ShortageError
		if errors.As(err, &short) {
			continue
		}
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if len(first.Members) != req.Count {
			t.Fatalf("seed %d: %d members, want %d", seed, len(first.Members), req.Count)
		}
		again, _ := Place(inv, req)
		if !reflect.DeepEqual(first.Members, again.Members) {
			t.Fatalf("seed %d: not deterministic: %v then %v", seed, first.Members, again.Members)
		}

		for i := 0; i < 1+rng.Intn(5); i++ {
			addHost(rng, inv, fmt.Sprintf("new%02d", i), racks)
		}
		req.Current = first.Members
		after, err := Place(inv, req)
		if err != nil {
			t.Fatalf("seed %d after adding hosts: %v", seed, err)
		}
		if !reflect.DeepEqual(after.Members, first.Members) {
			t.Fatalf("seed %d: adding hosts moved members: %v → %v", seed, first.Members, after.Members)
		}

		req.Count++
		grown, err := Place(inv, req)
		if errors.As(err, &short) {
			continue
		}
		if err != nil {
			t.Fatalf("seed %d grow: %v", seed, err)
		}
		if !slices.Equal(grown.Members[:len(first.Members)], first.Members) || len(grown.Added) != 1 {
			t.Fatalf("seed %d: growing by one moved members: %v → %v", seed, first.Members, grown.Members)
		}
	}
}

// A member that leaves the inventory is replaced with a reason; the others stay.
func TestReplacementProperty(t *testing.T) {
	for seed := int64(0); seed < 200; seed++ {
		rng := rand.New(rand.NewSource(seed))
		racks := 1 + rng.Intn(6)
		inv := genInventory(rng, racks, 20+rng.Intn(40), 2)
		req := Request{Count: 2 + rng.Intn(6)}
		first, err := Place(inv, req)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		gone := first.Members[rng.Intn(len(first.Members))]
		delete(inv.Hosts, gone)
		req.Current = first.Members
		next, err := Place(inv, req)
		var short *ShortageError
		if errors.As(err, &short) {
			continue
		}
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		want := slices.DeleteFunc(slices.Clone(first.Members), func(s string) bool { return s == gone })
		if !slices.Equal(next.Members[:len(want)], want) {
			t.Fatalf("seed %d: survivors moved: %v → %v", seed, first.Members, next.Members)
		}
		if len(next.Replaced) != 1 || next.Replaced[0].Host != gone || next.Replaced[0].Reason != "left the inventory" || next.Replaced[0].By != next.Members[len(next.Members)-1] {
			t.Fatalf("seed %d: replaced = %+v, members %v", seed, next.Replaced, next.Members)
		}
	}
}

// Greedy spread: no device of the first spread domain holds two more
// members than another device that still had a qualifying host left.
func TestSpreadProperty(t *testing.T) {
	for seed := int64(0); seed < 300; seed++ {
		rng := rand.New(rand.NewSource(seed))
		inv := genInventory(rng, 1+rng.Intn(10), 10+rng.Intn(80), 1+rng.Intn(4))
		dom := []string{Rack, UPS, PDU, Feed}[rng.Intn(4)]
		req := Request{Count: 1 + rng.Intn(15), Spread: []string{dom}}
		res, err := Place(inv, req)
		var short *ShortageError
		if errors.As(err, &short) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		br := res.BlastRadius[dom]
		member := map[string]bool{}
		for _, m := range res.Members {
			member[m] = true
		}
		maxCount := 0
		for _, n := range br {
			maxCount = max(maxCount, n)
		}
		// Any device with an unused host that only it downs had at most maxCount-2 members: contradiction.
		for _, name := range inv.HostNames() {
			if member[name] {
				continue
			}
			for _, dev := range Kills(inv, inv.Hosts[name], dom) {
				if br[dev] < maxCount-1 {
					t.Fatalf("seed %d: %s %q has %d members while another has %d, yet host %s was free; members %v",
						seed, dom, dev, br[dev], maxCount, name, res.Members)
				}
			}
			// A host that no single device downs was free while a device holds two or more: it should have been taken.
			if len(Kills(inv, inv.Hosts[name], dom)) == 0 && maxCount > 1 {
				t.Fatalf("seed %d: host %s survives any %s failure but was skipped for a device with %d members", seed, name, dom, maxCount)
			}
		}
	}
}

func TestTolerateNamesDevice(t *testing.T) {
	inv := genInventory(rand.New(rand.NewSource(1)), 2, 0, 2)
	// Three single-corded hosts on r000-p0 (ups-0), one on r001-p0 (ups-1).
	for i, pdu := range []string{"r000-p0", "r000-p0", "r000-p0", "r001-p0"} {
		name := fmt.Sprintf("h%d", i)
		inv.Hosts[name] = &inventory.Host{Name: name, Site: "s1", Rack: pdu[:4], CPUs: 4, Memory: 1, Watts: 1, PSUs: []*inventory.PSU{{Name: "1", PDU: pdu}}}
	}
	res, err := Place(inv, Request{Count: 3, Tolerate: []string{UPS}, Minimum: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.BlastRadius[UPS]; !reflect.DeepEqual(got, map[string]int{"ups-0": 2, "ups-1": 1}) {
		t.Fatalf("blast radius %v, members %v", got, res.Members)
	}
	if len(res.Violations) != 1 {
		t.Fatalf("violations %v", res.Violations)
	}
	msg := res.Violations[0].String()
	if !strings.Contains(msg, `losing UPS "ups-0" would take down 2 of the members (h0, h1), leaving 1, fewer than the minimum of 2`) {
		t.Fatalf("violation %q", msg)
	}
	if res, _ := Place(inv, Request{Count: 3, Tolerate: []string{UPS}, Minimum: 1}); len(res.Violations) != 0 {
		t.Fatalf("minimum 1: %v", res.Violations)
	}
}

func TestExcludeOnBattery(t *testing.T) {
	inv := genInventory(rand.New(rand.NewSource(2)), 2, 0, 2)
	hosts := map[string][]string{"a1": {"r000-p0"}, "a2": {"r001-p1"}, "b1": {"r000-p1"}, "ab": {"r000-p0", "r000-p1"}}
	for name, pdus := range hosts {
		h := &inventory.Host{Name: name, Site: "s1", Rack: pdus[0][:4], CPUs: 4, Memory: 1, Watts: 1}
		for i, p := range pdus {
			h.PSUs = append(h.PSUs, &inventory.PSU{Name: fmt.Sprint(i), PDU: p})
		}
		inv.Hosts[name] = h
	}
	power := map[string]Power{"ups-0": PowerOnBattery, "ups-1": PowerOnline}
	res, err := Place(inv, Request{Count: 2, Power: power, ExcludeOnBattery: true})
	if err != nil {
		t.Fatal(err)
	}
	// a1 and a2 hang off ups-0 only; ab keeps ups-1.
	if got := strings.Join(res.Members, ","); got != "b1,ab" && got != "ab,b1" {
		t.Fatalf("members %v", res.Members)
	}
	_, err = Place(inv, Request{Count: 3, Power: power, ExcludeOnBattery: true})
	if err == nil || err.Error() != "need 3 hosts but only 2 qualify (2 on battery power)" {
		t.Fatalf("err = %v", err)
	}
	// Unknown power excludes nothing.
	if _, err := Place(inv, Request{Count: 4, ExcludeOnBattery: true}); err != nil {
		t.Fatal(err)
	}
	// Members already placed stay while their UPS is on battery.
	res, err = Place(inv, Request{Count: 2, Current: []string{"a1", "a2"}, Power: power, ExcludeOnBattery: true})
	if err != nil || strings.Join(res.Members, ",") != "a1,a2" {
		t.Fatalf("members %v, %v", res, err)
	}
}

func TestTakenAndShrink(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	inv := genInventory(rng, 4, 30, 2)
	first, err := Place(inv, Request{Count: 5})
	if err != nil {
		t.Fatal(err)
	}
	other, err := Place(inv, Request{Count: 5, Taken: map[string]string{first.Members[0]: "web", first.Members[1]: "web", first.Members[2]: "web", first.Members[3]: "web", first.Members[4]: "web"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range other.Members {
		if slices.Contains(first.Members, m) {
			t.Fatalf("double booking: %s in %v and %v", m, first.Members, other.Members)
		}
	}
	shrunk, err := Place(inv, Request{Count: 3, Current: first.Members})
	if err != nil || !slices.Equal(shrunk.Members, first.Members[:3]) || !slices.Equal(shrunk.Released, first.Members[3:]) {
		t.Fatalf("shrink: %+v %v", shrunk, err)
	}
	taken, err := Place(inv, Request{Count: 5, Current: first.Members, Taken: map[string]string{first.Members[1]: "db"}})
	if err != nil || taken.Replaced[0].Reason != `allocated to "db"` || slices.Contains(taken.Members, first.Members[1]) {
		t.Fatalf("taken: %+v %v", taken, err)
	}
	if _, err := Place(inv, Request{Count: 1, Spread: []string{"zone"}}); err == nil || !strings.Contains(err.Error(), `unknown failure domain "zone"`) {
		t.Fatalf("bad domain: %v", err)
	}
}

// PlaceShared (index kept between calls) answers exactly as Place, call
// after call on the same inventory, whatever the request.
func TestPlaceSharedMatchesPlace(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	inv := genInventory(rng, 6, 60, 2)
	taken := map[string]string{}
	for i := 0; i < 12; i++ {
		req := Request{Count: 1 + rng.Intn(4), Taken: map[string]string{}}
		for h, a := range taken {
			req.Taken[h] = a
		}
		if i%3 == 1 {
			req.Spread = []string{Rack, PDU}
		}
		want, werr := Place(inv, req)
		got, gerr := PlaceShared(inv, req)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("call %d: Place error %v, PlaceShared error %v", i, werr, gerr)
		}
		if werr != nil {
			continue
		}
		if !slices.Equal(got.Members, want.Members) || !reflect.DeepEqual(got.BlastRadius, want.BlastRadius) {
			t.Fatalf("call %d: PlaceShared %v, Place %v", i, got.Members, want.Members)
		}
		for _, m := range got.Members {
			taken[m] = fmt.Sprint("a", i)
		}
	}
}
