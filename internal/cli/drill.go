package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ha-blueprints/terraform-provider-ha/internal/drill"
	"github.com/ha-blueprints/terraform-provider-ha/internal/loadtest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/picture"
)

// loadDuring is a load test running while a drill does.
type loadDuring struct {
	cancel context.CancelFunc
	done   chan *loadtest.Result
}

func startLoad(ctx context.Context, target string, rate float64) (*loadDuring, error) {
	if _, err := loadtest.CheckTarget(target); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	l := &loadDuring{cancel: cancel, done: make(chan *loadtest.Result, 1)}
	go func() {
		res, _ := loadtest.Run(ctx, loadtest.Options{Target: target, Rate: rate, Duration: 10 * time.Minute, Concurrency: 32, Timeout: time.Second})
		l.done <- res
	}()
	return l, nil
}

func (l *loadDuring) stop() *loadtest.Result {
	l.cancel()
	return <-l.done
}

// TimelineSVG draws a DNS drill: when the answer changed (the fail and
// restore commands' phases), and the users' requests and errors when a
// load ran during it.
func TimelineSVG(r *drill.Result, users *loadtest.Result) []byte {
	var marks []picture.Mark
	for i, c := range r.Changes {
		marks = append(marks, picture.Mark{ID: fmt.Sprintf("change_%d", i+1), Seconds: c.Seconds, Label: c.Phase + ": " + c.Answer})
	}
	var pts []picture.Point
	if users != nil {
		offset := users.Started.Sub(r.Started).Seconds()
		for _, s := range users.Samples {
			if t := s.Seconds + offset; t >= 0 {
				pts = append(pts, picture.Point{Seconds: t, LatencyMs: s.LatencyMs, Failed: !s.OK})
			}
		}
	}
	title := fmt.Sprintf("DNS drill of %s: switch %.2fs, failback %.2fs", r.Name, r.SwitchSeconds, r.FailbackSeconds)
	return picture.Timeline(title, marks, pts)
}

func newDrillCommand(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "drill",
		Short: "Failover drills: break something on purpose and measure the switch",
	}
	cmd.AddCommand(newDrillDNSCommand(e), newDrillLoadCommand(e), newDrillDatabaseCommand(e), newDrillVIPCommand(e), newDrillPowerCommand(e))
	return cmd
}

func newDrillDNSCommand(e *env) *cobra.Command {
	var o drill.Options
	var asJSON bool
	var loadTarget, svg string
	var loadRate float64
	cmd := &cobra.Command{
		Use:   "dns --server HOST:PORT --name NAME --fail CMD --restore CMD [--load URL] [--svg FILE]",
		Short: "Measure how long a DNS failover name takes to switch away from a failed primary and back",
		Long: `Asks the DNS server for NAME every 100 ms. The first answer is the primary.
Then runs the --fail command (for example, stop the primary's web server), waits
until the answer moves to another target (detection-to-switch time), runs the
--restore command and waits until the primary answers again (failback time).
Every change of answer is printed with its time. Exits 1 when the answer never
switches within --timeout.

Ask the authoritative server (PowerDNS) to measure detection; ask a resolver to
include its caching (up to the record's TTL more).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.CommandOutput = e.stderr
			var load *loadDuring
			if loadTarget != "" {
				var err error
				if load, err = startLoad(cmd.Context(), loadTarget, loadRate); err != nil {
					return err
				}
			}
			res, err := drill.Run(cmd.Context(), o)
			var users *loadtest.Result
			if load != nil {
				users = load.stop()
				if users != nil {
					fmt.Fprintln(e.stderr, "during the drill: "+users.Summary())
				}
			}
			if res != nil && svg != "" {
				if werr := os.WriteFile(svg, TimelineSVG(res, users), 0o644); werr != nil {
					return werr
				}
			}
			if res != nil {
				if asJSON {
					enc := json.NewEncoder(e.stdout)
					enc.SetIndent("", "  ")
					if jerr := enc.Encode(res); jerr != nil {
						return jerr
					}
				} else if werr := printDrill(e.stdout, res); werr != nil {
					return werr
				}
			}
			if errors.Is(err, drill.ErrNoSwitch) {
				return &ExitError{Code: 1, Err: err}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Server, "server", "", "DNS server to ask, HOST:PORT (required)")
	f.StringVar(&o.Name, "name", "", "name to resolve (required)")
	f.StringVar(&o.Type, "type", "A", "record type: A or AAAA")
	f.StringVar(&o.Fail, "fail", "", "shell command that takes the primary down (required)")
	f.StringVar(&o.Restore, "restore", "", "shell command that brings the primary back (required)")
	f.DurationVar(&o.Timeout, "timeout", 60*time.Second, "how long to wait for the switch, and again for the failback")
	f.DurationVar(&o.Poll, "poll", 100*time.Millisecond, "time between queries")
	f.DurationVar(&o.Settle, "settle", 2*time.Second, "how long the first answer must hold before it counts as the primary")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	f.StringVar(&loadTarget, "load", "", "also send load to this URL (loopback or a project test host) during the drill, to show what users saw")
	f.Float64Var(&loadRate, "load-rate", 20, "requests per second of --load")
	f.StringVar(&svg, "svg", "", "write the drill's timeline (and, with --load, the requests and errors) to this SVG file")
	for _, name := range []string{"server", "name", "fail", "restore"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func printDrill(w io.Writer, r *drill.Result) error {
	var err error
	p := func(format string, a ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, a...)
		}
	}
	p("DNS drill of %s %s at %s (%d queries)\n", r.Name, r.Type, r.Server, r.Queries)
	p("  primary answer:  %s\n", r.Primary)
	if r.Switched {
		p("  standby answer:  %s\n", r.Standby)
		p("  switch:          %.2f s after the fail command\n", r.SwitchSeconds)
	} else {
		p("  switch:          NEVER (the answer stayed on the primary)\n")
	}
	if r.FailedBack {
		p("  failback:        %.2f s after the restore command\n", r.FailbackSeconds)
	} else if r.Switched {
		p("  failback:        NEVER (the primary did not come back)\n")
	}
	p("  answer changes:\n")
	for _, c := range r.Changes {
		p("    %s  +%7.3fs  %-8s %s\n", c.At.UTC().Format("15:04:05.000"), c.Seconds, c.Phase, c.Answer)
	}
	return err
}
