package membudget

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestLimit(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int64
	}{
		{0, Default},
		{40 << 20, Default},             // 60 MiB is under the budget
		{64 << 20, Default},             // exactly 1.5× = 96 MiB
		{64<<20 + 1<<10, math.MaxInt64}, // past it, no limit: GOGC alone
		{1 << 30, math.MaxInt64},
	} {
		if got := Limit(Default, c.live); got != c.want {
			t.Errorf("Limit(%d MiB live) = %d MiB, want %d MiB", c.live>>20, got>>20, c.want>>20)
		}
	}
}

// A user's GOMEMLIMIT stands: Start leaves the limit alone.
func TestStartKeepsTheUsersLimit(t *testing.T) {
	defer debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30)
	if Start(Default) {
		t.Fatal("budget started over the user's GOMEMLIMIT")
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Fatalf("limit %d, want the user's 1 GiB", got)
	}
}

// With a live heap past two thirds of the budget, the limit is lifted
// after a collection instead of holding the collector at the budget.
func TestLimitLiftedForALargeLiveHeap(t *testing.T) {
	defer debug.SetMemoryLimit(math.MaxInt64)
	if v, set := os.LookupEnv("GOMEMLIMIT"); set {
		_ = os.Unsetenv("GOMEMLIMIT")
		t.Cleanup(func() { _ = os.Setenv("GOMEMLIMIT", v) })
	}
	budget := int64(32 << 20)
	if !Start(budget) {
		t.Fatal("budget not started without GOMEMLIMIT")
	}
	if got := debug.SetMemoryLimit(-1); got != budget {
		t.Fatalf("limit after Start %d, want the budget %d", got, budget)
	}
	live := make([][]byte, 64)
	for i := range live {
		live[i] = make([]byte, 1<<20) // 64 MiB kept live
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		time.Sleep(20 * time.Millisecond) // cleanups run on their own goroutine
		if got := debug.SetMemoryLimit(-1); got == math.MaxInt64 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("limit %d MiB with 64 MiB live over a 32 MiB budget, want none", got>>20)
		}
	}
	runtime.KeepAlive(live)
}
