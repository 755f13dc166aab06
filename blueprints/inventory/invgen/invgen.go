// Package invgen writes synthetic, valid inventories of any size in the
// inventory language: dual-corded hosts (one PSU on an A-side and one on a
// B-side PDU of their rack), racks grouped into rows behind an A/B pair of
// UPS units with one feed each. Benchmarks and scale tests use it; the
// output is deterministic for a given Size.
package invgen

import (
	"bytes"
	"fmt"
	"strconv"
)

// Size says how large an inventory to write.
type Size struct {
	Hosts int // total hosts, spread evenly over the racks
	Racks int // racks (at least 1)
	// RacksPerRow is how many racks share one A/B UPS pair (default 25).
	RacksPerRow int
	// Sites splits the rows over this many sites (default 1).
	Sites int
}

// Generate returns the HCL text of an inventory of the given size. Every
// budget holds, including the A+B failover budget, so it validates clean.
func Generate(s Size) []byte {
	if s.Racks < 1 {
		s.Racks = 1
	}
	if s.RacksPerRow < 1 {
		s.RacksPerRow = 25
	}
	if s.Sites < 1 {
		s.Sites = 1
	}
	perRack := (s.Hosts + s.Racks - 1) / s.Racks
	if perRack < 1 {
		perRack = 1
	}
	rows := (s.Racks + s.RacksPerRow - 1) / s.RacksPerRow
	const hostWatts = 350
	// A PDU carries its whole rack when the other side fails; a UPS carries
	// its whole row when its twin fails. Size both with headroom.
	rackWatts := float64(perRack * hostWatts)
	amps := int(rackWatts/(230*0.8)) + 4
	upsVA := int(rackWatts*float64(s.RacksPerRow)/0.9) + 10000
	var b bytes.Buffer
	b.Grow(s.Hosts*280 + s.Racks*400)
	host, rack := 0, 0
	for site := 0; site < s.Sites; site++ {
		fmt.Fprintf(&b, "site \"site%d\" {\n", site)
		for row := site; row < rows; row += s.Sites {
			for _, side := range []string{"a", "b"} {
				fmt.Fprintf(&b, "  ups \"ups-%d-%s\" {\n    capacity_va = %d\n  }\n", row, side, upsVA)
				fmt.Fprintf(&b, "  feed \"feed-%d-%s\" {\n    ups = \"ups-%d-%s\"\n  }\n", row, side, row, side)
			}
			for r := row * s.RacksPerRow; r < (row+1)*s.RacksPerRow && r < s.Racks; r++ {
				rack++
				for _, side := range []string{"a", "b"} {
					fmt.Fprintf(&b, "  pdu \"pdu-%d-%s\" {\n    rack     = \"rack-%d\"\n    feed     = \"feed-%d-%s\"\n    max_amps = %d\n    outlets  = %d\n  }\n",
						r, side, r, row, side, amps, perRack)
				}
				for i := 0; i < perRack && host < s.Hosts; i++ {
					writeHost(&b, host, r, i+1)
					host++
				}
			}
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

func writeHost(b *bytes.Buffer, n, rack, outlet int) {
	cpus := []int{16, 32, 64}[n%3]
	mem := []string{"64GiB", "128GiB", "256GiB"}[n%3]
	tag := []string{"ssd", "hdd", "gpu", "ssd"}[n%4]
	o := strconv.Itoa(outlet)
	r := strconv.Itoa(rack)
	b.WriteString("  host \"host-" + strconv.Itoa(n) + "\" {\n")
	b.WriteString("    rack    = \"rack-" + r + "\"\n")
	b.WriteString("    address = \"10." + strconv.Itoa(n>>16&255) + "." + strconv.Itoa(n>>8&255) + "." + strconv.Itoa(n&255) + "\"\n")
	b.WriteString("    cpus    = " + strconv.Itoa(cpus) + "\n")
	b.WriteString("    memory  = \"" + mem + "\"\n")
	b.WriteString("    watts   = 350\n")
	b.WriteString("    tags    = [\"" + tag + "\"]\n")
	b.WriteString("    psu \"a\" {\n      pdu    = \"pdu-" + r + "-a\"\n      outlet = " + o + "\n    }\n")
	b.WriteString("    psu \"b\" {\n      pdu    = \"pdu-" + r + "-b\"\n      outlet = " + o + "\n    }\n")
	b.WriteString("  }\n")
}
