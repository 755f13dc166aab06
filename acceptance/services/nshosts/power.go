package nshosts

import (
	"context"
	"sync"
	"time"
)

// Feed reports whether one power feed of a host (a PDU outlet its power
// supply is plugged into) is off; callers read it from the PDU, e.g. over
// SNMP with internal/pdu (not imported here: pdu's tests use this package).
type Feed func(ctx context.Context) (off bool, err error)

// WatchPower makes the PDUs' outlets real to the hosts: every interval it
// reads each host's feeds and powers the host off when every
// feed is off, on again (then runs onBoot, e.g. to start its services)
// when one is back. An outlet that cannot be read counts as on, so an
// agent hiccup never kills a host. stop ends the watch and waits for it.
func (l *Lab) WatchPower(feeds map[string][]Feed, interval time.Duration, onBoot func(h *Host)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			for name, fs := range feeds {
				h := l.Hosts[name]
				if h == nil || len(fs) == 0 {
					continue
				}
				live := false
				for _, f := range fs {
					rctx, rcancel := context.WithTimeout(ctx, time.Second)
					off, err := f(rctx)
					rcancel()
					if err != nil || !off {
						live = true
						break
					}
				}
				switch {
				case !live && h.Powered():
					_ = h.PowerOff(ctx)
				case live && !h.Powered():
					if h.PowerOn(ctx) == nil && onBoot != nil {
						onBoot(h)
					}
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(interval):
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}
