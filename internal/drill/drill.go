// Package drill runs DNS failover drills: it watches what a DNS server
// answers for a name while something breaks the primary and later restores
// it, and measures how long the answer took to move away and back.
package drill

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// ErrNoSwitch is returned (with the result) when the answer never moved
// to another target within the timeout.
var ErrNoSwitch = errors.New("the answer never switched")

// Options describe one drill.
type Options struct {
	Server  string        // HOST:PORT of the DNS server to ask
	Name    string        // name to resolve
	Type    string        // A (default) or AAAA
	Fail    string        // shell command that takes the primary down
	Restore string        // shell command that brings it back
	Timeout time.Duration // per phase (switch, failback); 60 s when zero
	Poll    time.Duration // 100 ms when zero
	// Settle is how long the first answer must stay the same before it is
	// taken as the primary (2 s when zero): a record just written is answered
	// at random until the server has probed every address once.
	Settle time.Duration

	// FailFunc and RestoreFunc, when set, run instead of the commands
	// (Go callers such as tests and benchmarks stop servers in-process).
	FailFunc    func(context.Context) error
	RestoreFunc func(context.Context) error

	// CommandOutput receives the output of the commands; discarded when nil.
	CommandOutput io.Writer
}

// Change is one moment the answer changed.
type Change struct {
	At      time.Time `json:"at"`
	Seconds float64   `json:"seconds"` // since the drill started
	Phase   string    `json:"phase"`   // baseline, fail, restore
	Answer  string    `json:"answer"`  // sorted addresses, or the DNS error
}

// Result is what a drill measured.
type Result struct {
	Server          string    `json:"server"`
	Name            string    `json:"name"`
	Type            string    `json:"type"`
	Started         time.Time `json:"started"`
	Primary         string    `json:"primary"`          // answer before the fail command
	Standby         string    `json:"standby"`          // first different answer after it
	Switched        bool      `json:"switched"`         // the answer moved to a standby
	SwitchSeconds   float64   `json:"switch_seconds"`   // fail command done → standby answered
	FailedBack      bool      `json:"failed_back"`      // the answer came back to the primary
	FailbackSeconds float64   `json:"failback_seconds"` // restore command done → primary answered
	Queries         int       `json:"queries"`
	Changes         []Change  `json:"changes"`
}

// Run performs the drill. The restore step always runs once the fail step
// has, so that a drill leaves things as it found them. The error is
// ErrNoSwitch (wrapped) when the answer never switched; the result is
// returned with every error after the baseline.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Server == "" || o.Name == "" {
		return nil, errors.New("drill: server and name are required")
	}
	if o.Type == "" {
		o.Type = "A"
	}
	qtype, ok := dns.StringToType[strings.ToUpper(o.Type)]
	if !ok || (qtype != dns.TypeA && qtype != dns.TypeAAAA) {
		return nil, fmt.Errorf("drill: type must be A or AAAA, got %q", o.Type)
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = 100 * time.Millisecond
	}
	if o.Settle <= 0 {
		o.Settle = 2 * time.Second
	}
	if o.FailFunc == nil && o.Fail == "" || o.RestoreFunc == nil && o.Restore == "" {
		return nil, errors.New("drill: a fail and a restore step are required")
	}
	w := &watcher{server: o.Server, name: dns.Fqdn(o.Name), qtype: qtype, poll: o.Poll}
	res := &Result{Server: o.Server, Name: w.name, Type: dns.TypeToString[qtype], Started: time.Now()}
	w.res = res

	// Baseline: the first real answer that holds for Settle is the primary.
	var since answer
	primary, err := w.until(ctx, "baseline", o.Timeout+o.Settle, func(a answer) bool {
		if a.key != since.key {
			since = a
		}
		return a.ok() && a.at.Sub(since.at) >= o.Settle
	})
	if err != nil {
		return res, fmt.Errorf("drill: no answer for %s from %s: %w", w.name, o.Server, err)
	}
	res.Primary = primary.key

	if err := step(ctx, o.FailFunc, o.Fail, o.CommandOutput); err != nil {
		return res, fmt.Errorf("drill: fail step: %w", err)
	}
	failDone := time.Now()
	standby, switchErr := w.until(ctx, "fail", o.Timeout, func(a answer) bool { return a.ok() && a.key != primary.key })
	if switchErr == nil {
		res.Switched = true
		res.Standby = standby.key
		res.SwitchSeconds = standby.at.Sub(failDone).Seconds()
	}

	restoreErr := step(ctx, o.RestoreFunc, o.Restore, o.CommandOutput)
	if restoreErr == nil && res.Switched {
		restoreDone := time.Now()
		back, err := w.until(ctx, "restore", o.Timeout, func(a answer) bool { return a.key == primary.key })
		if err == nil {
			res.FailedBack = true
			res.FailbackSeconds = back.at.Sub(restoreDone).Seconds()
		}
	}
	switch {
	case switchErr != nil:
		return res, fmt.Errorf("drill: %w within %s (still %s): %w", ErrNoSwitch, o.Timeout, res.Primary, errors.Join(switchErr, restoreErr))
	case restoreErr != nil:
		return res, fmt.Errorf("drill: restore step: %w", restoreErr)
	}
	return res, nil
}

func step(ctx context.Context, fn func(context.Context) error, command string, out io.Writer) error {
	if fn != nil {
		return fn(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	// A command that leaves a server running in the background keeps the
	// output pipe open; do not wait for it once the shell has exited.
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%q: %w", command, err)
	}
	return nil
}

type answer struct {
	key string // sorted addresses joined by ",", or "error: ..." / "empty (RCODE)"
	at  time.Time
}

func (a answer) ok() bool {
	return a.key != "" && !strings.HasPrefix(a.key, "error:") && !strings.HasPrefix(a.key, "empty")
}

type watcher struct {
	server string
	name   string
	qtype  uint16
	poll   time.Duration
	res    *Result
	last   string
	client dns.Client
}

// until polls every w.poll until done holds or the timeout passes,
// recording every change of answer.
func (w *watcher) until(ctx context.Context, phase string, timeout time.Duration, done func(answer) bool) (answer, error) {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(w.poll)
	defer tick.Stop()
	for {
		a := w.query(ctx)
		if a.key != w.last {
			w.last = a.key
			w.res.Changes = append(w.res.Changes, Change{At: a.at, Seconds: a.at.Sub(w.res.Started).Seconds(), Phase: phase, Answer: a.key})
		}
		if done(a) {
			return a, nil
		}
		if time.Now().After(deadline) {
			return a, fmt.Errorf("timed out after %s, last answer %s", timeout, a.key)
		}
		select {
		case <-ctx.Done():
			return a, ctx.Err()
		case <-tick.C:
		}
	}
}

func (w *watcher) query(ctx context.Context) answer {
	m := new(dns.Msg)
	m.SetQuestion(w.name, w.qtype)
	m.RecursionDesired = false
	qctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	w.res.Queries++
	r, _, err := w.client.ExchangeContext(qctx, m, w.server)
	at := time.Now()
	if err != nil {
		return answer{key: "error: " + err.Error(), at: at}
	}
	if addrs := Addresses(r); len(addrs) > 0 {
		return answer{key: strings.Join(addrs, ","), at: at}
	}
	return answer{key: "empty (" + dns.RcodeToString[r.Rcode] + ")", at: at}
}

// Addresses lists the A and AAAA addresses of an answer, sorted.
func Addresses(r *dns.Msg) []string {
	var out []string
	for _, rr := range r.Answer {
		switch v := rr.(type) {
		case *dns.A:
			out = append(out, v.A.String())
		case *dns.AAAA:
			out = append(out, v.AAAA.String())
		}
	}
	sort.Strings(out)
	return out
}

// Lookup asks server once for name and returns the sorted addresses.
func Lookup(ctx context.Context, server, name, typ string) ([]string, error) {
	qtype, ok := dns.StringToType[strings.ToUpper(typ)]
	if !ok {
		return nil, fmt.Errorf("unknown record type %q", typ)
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = false
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var c dns.Client
	r, _, err := c.ExchangeContext(ctx, m, server)
	if err != nil {
		return nil, fmt.Errorf("query %s %s at %s: %w", name, typ, server, err)
	}
	if r.Rcode != dns.RcodeSuccess {
		return nil, fmt.Errorf("query %s %s at %s: %s", name, typ, server, dns.RcodeToString[r.Rcode])
	}
	return Addresses(r), nil
}

// Summary is min/median/max of a set of seconds.
type Summary struct {
	N                int
	Min, Median, Max float64
}

// Summarize sorts a copy of xs and returns its min, median and max.
func Summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Summary{N: len(s), Min: s[0], Median: med, Max: s[len(s)-1]}
}
