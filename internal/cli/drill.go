package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ha-blueprints/terraform-provider-ha/internal/drill"
)

func newDrillCommand(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "drill",
		Short: "Failover drills: break something on purpose and measure the switch",
	}
	cmd.AddCommand(newDrillDNSCommand(e))
	cmd.AddCommand(newDrillDatabaseCommand(e))
	return cmd
}

func newDrillDNSCommand(e *env) *cobra.Command {
	var o drill.Options
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "dns --server HOST:PORT --name NAME --fail CMD --restore CMD",
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
			res, err := drill.Run(cmd.Context(), o)
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
