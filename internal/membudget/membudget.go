// Package membudget keeps a process near a memory budget without slowing
// it when it stays under the budget.
//
// The Go collector lets the heap grow to twice what was live at the last
// collection (GOGC=100). In a large plan the provider's live heap is mostly
// short-lived per-request data of the plugin framework, so doubling it is
// what makes the peak. Under the budget nothing changes; past it the
// collector runs earlier, and the limit then follows the live heap at 1.5×
// so a live heap larger than the budget never makes the collector run
// without pause.
package membudget

import (
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

// Start sets a soft memory limit of budget bytes, raised after every
// collection to 1.5× the live heap when that is more. It does nothing when
// the user set GOMEMLIMIT: their limit stands. It returns whether the
// budget is in force.
func Start(budget int64) bool {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return false
	}
	debug.SetMemoryLimit(budget)
	watch(budget)
	return true
}

// Limit is the memory limit for a live heap of live bytes.
func Limit(budget int64, live uint64) int64 {
	if l := int64(live) + int64(live)/2; l > budget {
		return l
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
			debug.SetMemoryLimit(Limit(budget, sample[0].Value.Uint64()))
		}
		watch(budget)
	}, budget)
}
