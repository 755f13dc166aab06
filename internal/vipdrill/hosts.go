package vipdrill

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/keepalived"
	"github.com/ha-blueprints/terraform-provider-ha/internal/pdu"
)

// Modes of breaking the master in a VIP drill.
const (
	ModeKeepalived = "keepalived" // keepalived killed (SIGKILL, as a crash), restarted for the failback
	ModeLink       = "link"       // the host's link taken down for LinkDown, then up again
	ModePower      = "power"      // every PDU outlet feeding the host switched off over SNMP, then on
)

// Outlet is one PDU outlet feeding a host.
type Outlet struct {
	PDU    *pdu.Client
	Number int
}

// Hosts breaks and restores VIP holders over SSH, as delivery reaches them.
type Hosts struct {
	SSH     hostdeliver.Settings
	Targets map[string]hostdeliver.Target // by host name (what the probe answers)
	// Dir is keepalived's configuration directory (default /etc/keepalived).
	Dir string
	// Interface is the link ModeLink takes down (default eth0).
	Interface string
	// LinkDown is how long ModeLink keeps the link down (default 10s);
	// the host brings it up by itself, since SSH cannot reach it then.
	LinkDown time.Duration
	// Outlets feed each host (ModePower): all of them are switched off.
	Outlets map[string][]Outlet
}

func (h Hosts) run(ctx context.Context, host, cmd string) error {
	t, ok := h.Targets[host]
	if !ok {
		return fmt.Errorf("host %q answers on the VIP but is not among the drill's hosts", host)
	}
	c, err := hostdeliver.Dial(ctx, h.SSH, t)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	_, err = c.Run(ctx, cmd, nil)
	return err
}

func (h Hosts) group() keepalived.Group { return keepalived.Group{Dir: h.Dir} }

// CrashCommand is a shell command that kills keepalived as a crash does,
// from its pid files in dir (default /etc/keepalived): every process is
// stopped before any is killed. Killing the parent first would let the
// VRRP child see it die (keepalived asks for SIGTERM on its parent's
// death) and shut down gracefully, sending the priority-0 advert that
// hands the address over at once: a clean stop, not a crash.
func CrashCommand(dir string) string { return CrashCommandMarked(dir, "") }

// CrashCommandMarked is CrashCommand running mark (a shell command, e.g.
// one printing the time) right after every process is stopped, the
// moment keepalived stops acting. The pids are read with shell builtins
// so that nothing is forked between reading them and stopping them.
func CrashCommandMarked(dir, mark string) string {
	if dir == "" {
		dir = "/etc/keepalived"
	}
	q := hostdeliver.Quote(dir)
	files := fmt.Sprintf("%[1]s/keepalived.pid %[1]s/vrrp.pid %[1]s/checkers.pid", q)
	if mark != "" {
		mark += "; "
	}
	return fmt.Sprintf(`p=; for f in %s; do [ -s "$f" ] && read -r x < "$f" && p="$p $x"; done; kill -STOP $p 2>/dev/null; %skill -9 $p 2>/dev/null; rm -f %s`, files, mark, files)
}

// Break takes host out in mode.
func (h Hosts) Break(mode string) (func(ctx context.Context, host string) error, error) {
	switch mode {
	case ModeKeepalived:
		return func(ctx context.Context, host string) error {
			return h.run(ctx, host, CrashCommand(h.Dir))
		}, nil
	case ModeLink:
		return func(ctx context.Context, host string) error {
			iface := h.Interface
			if iface == "" {
				iface = "eth0"
			}
			down := h.LinkDown
			if down <= 0 {
				down = 10 * time.Second
			}
			// Detached, so that it outlives the SSH session the link drop cuts.
			cmd := fmt.Sprintf("setsid sh -c 'ip link set dev %s down; sleep %d; ip link set dev %s up' </dev/null >/dev/null 2>&1 &",
				hostdeliver.Quote(iface), int(down.Seconds()+0.5), hostdeliver.Quote(iface))
			return h.run(ctx, host, cmd)
		}, nil
	case ModePower:
		return func(ctx context.Context, host string) error {
			return h.switchOutlets(ctx, host, pdu.ImmediateOff)
		}, nil
	}
	return nil, fmt.Errorf("unknown drill mode %q (keepalived, link or power)", mode)
}

func (h Hosts) switchOutlets(ctx context.Context, host string, cmd pdu.Command) error {
	outs := h.Outlets[host]
	if len(outs) == 0 {
		return fmt.Errorf("no PDU outlet is known to feed host %q", host)
	}
	var errs []error
	for _, o := range outs {
		if _, err := o.PDU.SetOutlet(ctx, o.Number, cmd); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Restore brings host back after Break(mode): keepalived started again
// from the configuration on the host, or (link) waiting until the host's
// link is back and SSH answers.
func (h Hosts) Restore(mode string) func(ctx context.Context, host string) error {
	start := h.group().Daemon("").Reload
	if mode == ModeLink || mode == ModePower {
		return func(ctx context.Context, host string) error {
			if mode == ModePower {
				if err := h.switchOutlets(ctx, host, pdu.ImmediateOn); err != nil {
					return err
				}
			}
			var last error
			for {
				dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				if mode == ModePower {
					// Booted: keepalived starts again (a no-op where it runs).
					last = h.run(dctx, host, start)
				} else {
					last = h.run(dctx, host, "true")
				}
				cancel()
				if last == nil {
					return nil
				}
				select {
				case <-ctx.Done():
					return errors.Join(ctx.Err(), last)
				case <-time.After(500 * time.Millisecond):
				}
			}
		}
	}
	return func(ctx context.Context, host string) error { return h.run(ctx, host, start) }
}

// HTTPProbe returns a probe that GETs url (fresh connection each time)
// and takes the trimmed body as the name of the host answering.
func HTTPProbe(url string) func(ctx context.Context) (string, error) {
	client := http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return func(ctx context.Context) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return "", err
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer func() { _ = resp.Body.Close() }()
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("%s: %s", url, resp.Status)
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 256))
		return strings.TrimSpace(string(b)), err
	}
}
