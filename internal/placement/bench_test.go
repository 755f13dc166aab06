package placement

import (
	"fmt"
	"math/rand"
	"testing"
)

// BenchmarkPlace prints placement time for three inventory sizes, up to
// 10,000 hosts in 500 racks (goal: well under a second per placement).
func BenchmarkPlace(b *testing.B) {
	for _, size := range []struct{ hosts, racks, count int }{
		{100, 5, 10},
		{1000, 50, 100},
		{10000, 500, 500},
	} {
		inv := genInventory(rand.New(rand.NewSource(1)), size.racks, size.hosts, 4)
		b.Run(fmt.Sprintf("hosts=%d/racks=%d/count=%d", size.hosts, size.racks, size.count), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Place(inv, Request{Count: size.count}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
