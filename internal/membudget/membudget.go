// Package membudget keeps a process near a memory budget while its live
// heap is small against it, without slowing it otherwise.
//
// The Go collector lets the heap grow to twice what was live at the last
// collection (GOGC=100). In a large plan the provider's live heap is mostly
// short-lived per-request data of the plugin framework, so doubling it is
// what makes the peak. While the live heap is at most two thirds of the
// budget, the budget is a soft limit: the collector runs earlier, at most
// twice as often as it would. Past that, collecting earlier would cost more
// than the memory it saves (a refresh of a large stack, whose live heap is
// larger, took half again the CPU under a limit), so the limit is lifted for
// good and GOGC alone decides.
package membudget

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// Default is the budget of a provider process: the Go runtime's own
// accounting (heap, stacks, runtime metadata), not the mapped binary.
const Default = 96 << 20

// liveMetric is the heap that survived the last collection.
const liveMetric = "/gc/heap/live:bytes"

// Start sets a soft memory limit of budget bytes, lifted for the rest of
// the process after a collection that leaves more than two thirds of the
// budget live. It does nothing when the user set GOMEMLIMIT: their limit
// stands. It returns whether the budget is in force.
func Start(budget int64) bool {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return false
	}
	debug.SetMemoryLimit(budget)
	watch(budget)
	return true
}

// Limit is the memory limit for a live heap of live bytes: the budget
// while 1.5× the live heap fits in it, else none.
func Limit(budget int64, live uint64) int64 {
	if int64(live)+int64(live)/2 > budget {
		return math.MaxInt64
	}
	return budget
}

// tick is garbage once made; its cleanup runs after the collection that
// freed it, which is when the live heap figure is new.
type tick struct{ _ [32]byte } // not tiny-allocated, so freed on its own

func watch(budget int64) {
	t := &tick{}
	runtime.AddCleanup(t, func(budget int64) {
		sample := []metrics.Sample{{Name: liveMetric}}
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			if l := Limit(budget, sample[0].Value.Uint64()); l != budget {
				// For good: setting the limit again when the live heap
				// dips would hold a heap grown past it to the budget,
				// and the collector would run without pause.
				debug.SetMemoryLimit(l)
				return
			}
		}
		watch(budget)
	}, budget)
}
