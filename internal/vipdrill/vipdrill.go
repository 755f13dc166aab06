// Package vipdrill measures a virtual IP's failover: it probes the address
// until it answers, breaks the host answering (a stopped keepalived, a
// link taken down, a host losing its power feeds), and measures until the
// address answers from another host; then it restores the host and
// measures the failback. Probing and breaking are functions, so the same
// drill serves namespace test hosts and real ones.
package vipdrill

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Drill says how to probe and what to break.
type Drill struct {
	Kind string // "vip" or "power"
	VIP  string
	// Probe returns the name of the host answering on the VIP.
	Probe func(ctx context.Context) (string, error)
	// Break takes the named host out (kill keepalived, link down, power off).
	Break func(ctx context.Context, host string) error
	// BreakAt, when set, is used instead of Break and also returns when
	// the failure happened, where the breaker can tell more closely than
	// "some time after Break was called" (a timestamp taken next to the
	// kill on a host sharing the drill's clock). The switch is measured
	// from then; a time outside the call is ignored.
	BreakAt func(ctx context.Context, host string) (time.Time, error)
	// Restore brings it back; nil skips the failback.
	Restore func(ctx context.Context, host string) error
	Poll    time.Duration // probe start interval (probes overlap); default 50ms
	Timeout time.Duration // per phase; default 60s
}

// Result is one drill's outcome.
type Result struct {
	Kind           string  `json:"kind"`
	VIP            string  `json:"vip"`
	Before         string  `json:"before"`
	After          string  `json:"after"`
	SwitchSeconds  float64 `json:"switch_seconds"`
	FailedBackTo   string  `json:"failed_back_to,omitempty"`
	FailbackSecond float64 `json:"failback_seconds,omitempty"`
	Passed         bool    `json:"passed"`
	Error          string  `json:"error,omitempty"`
}

// JSON is the result as one JSON object.
func (r Result) JSON() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// Summary is the result on one line.
func (r Result) Summary() string {
	if !r.Passed {
		return fmt.Sprintf("drill %s %s: FAILED: %s", r.Kind, r.VIP, r.Error)
	}
	s := fmt.Sprintf("drill %s %s: %s -> %s in %.2fs", r.Kind, r.VIP, r.Before, r.After, r.SwitchSeconds)
	if r.FailedBackTo != "" {
		s += fmt.Sprintf(", failback to %s in %.2fs", r.FailedBackTo, r.FailbackSecond)
	}
	return s
}

// Run performs the drill. The error is also in Result.Error.
func Run(ctx context.Context, d Drill) (Result, error) {
	r := Result{Kind: d.Kind, VIP: d.VIP}
	fail := func(err error) (Result, error) {
		r.Error = err.Error()
		return r, err
	}
	if d.Poll == 0 {
		d.Poll = 50 * time.Millisecond
	}
	if d.Timeout == 0 {
		d.Timeout = 60 * time.Second
	}
	before, err := until(ctx, d, func(h string) bool { return h != "" })
	if err != nil {
		return fail(fmt.Errorf("VIP %s never answered before the drill: %w", d.VIP, err))
	}
	r.Before = before
	start := time.Now()
	if d.BreakAt != nil {
		at, err := d.BreakAt(ctx, before)
		if err != nil {
			return fail(fmt.Errorf("break %s: %w", before, err))
		}
		if at.After(start) && at.Before(time.Now()) {
			start = at
		}
	} else if err := d.Break(ctx, before); err != nil {
		return fail(fmt.Errorf("break %s: %w", before, err))
	}
	after, err := until(ctx, d, func(h string) bool { return h != "" && h != before })
	if err != nil {
		return fail(fmt.Errorf("VIP %s did not move off %s: %w", d.VIP, before, err))
	}
	r.After, r.SwitchSeconds = after, time.Since(start).Seconds()
	if d.Restore != nil {
		start = time.Now()
		if err := d.Restore(ctx, before); err != nil {
			return fail(fmt.Errorf("restore %s: %w", before, err))
		}
		back, err := until(ctx, d, func(h string) bool { return h == before })
		if err != nil {
			return fail(fmt.Errorf("VIP %s did not fail back to %s: %w", d.VIP, before, err))
		}
		r.FailedBackTo, r.FailbackSecond = back, time.Since(start).Seconds()
	}
	r.Passed = true
	return r, nil
}

// until probes every Poll, each probe on its own with up to a second to
// answer, and returns the first answer ok accepts. Probes overlap: one
// stuck on the old holder (a SYN into a dead link waits for its
// retransmit) does not delay the next, so the answer is seen within Poll
// of the VIP moving rather than a probe timeout later.
func until(ctx context.Context, d Drill, ok func(string) bool) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	type answer struct {
		host string
		err  error
	}
	answers := make(chan answer, 64)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	tick := time.NewTicker(d.Poll)
	defer tick.Stop()
	probe := func() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, pcancel := context.WithTimeout(ctx, time.Second)
			h, err := d.Probe(pctx)
			pcancel()
			select {
			case answers <- answer{h, err}:
			case <-ctx.Done():
			}
		}()
	}
	probe()
	var last error
	for {
		select {
		case a := <-answers:
			if a.err == nil && ok(a.host) {
				return a.host, nil
			}
			if a.err != nil {
				last = a.err
			} else {
				last = fmt.Errorf("answered by %q", a.host)
			}
		case <-tick.C:
			probe()
		case <-ctx.Done():
			return "", errors.Join(ctx.Err(), last)
		}
	}
}
