package vipdrill

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// A probe stuck on the broken holder (as a SYN into a dead link is) does
// not hide the next probes' answers: the drill sees the move, and the
// failback, and leaves no probe running.
func TestRunOverlappingProbes(t *testing.T) {
	var mu sync.Mutex
	holder := "h1"
	stuck := false
	running := 0
	probe := func(ctx context.Context) (string, error) {
		mu.Lock()
		running++
		h, s := holder, stuck
		mu.Unlock()
		defer func() { mu.Lock(); running--; mu.Unlock() }()
		if s {
			<-ctx.Done()
			return "", ctx.Err()
		}
		return h, nil
	}
	set := func(h string, s bool) { mu.Lock(); holder, stuck = h, s; mu.Unlock() }
	r, err := Run(context.Background(), Drill{
		Kind: "vip", VIP: "10.0.0.10", Probe: probe, Poll: 10 * time.Millisecond, Timeout: 5 * time.Second,
		Break: func(context.Context, string) error {
			set("h1", true)
			go func() { time.Sleep(100 * time.Millisecond); set("h2", false) }()
			return nil
		},
		Restore: func(context.Context, string) error { set("h1", false); return nil },
	})
	if err != nil || !r.Passed || r.Before != "h1" || r.After != "h2" || r.FailedBackTo != "h1" {
		t.Fatalf("Run = %+v, %v", r, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if running != 0 {
		t.Errorf("%d probes still running after Run", running)
	}
}

func TestRunNeverMoves(t *testing.T) {
	r, err := Run(context.Background(), Drill{
		Kind: "vip", VIP: "10.0.0.10", Poll: 10 * time.Millisecond, Timeout: 200 * time.Millisecond,
		Probe: func(context.Context) (string, error) { return "h1", nil },
		Break: func(context.Context, string) error { return nil },
	})
	if err == nil || r.Passed || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run = %+v, %v; want a timeout", r, err)
	}
}
