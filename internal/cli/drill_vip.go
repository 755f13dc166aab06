package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/vipdrill"
)

func newDrillVIPCommand(e *env) *cobra.Command {
	var (
		vip, mode, probe string
		hosts, hostKeys  []string
		asJSON, noBack   bool
		h                vipdrill.Hosts
		timeout          time.Duration
	)
	cmd := &cobra.Command{
		Use:   "vip --vip ADDRESS --host NAME=ADDRESS... [--mode keepalived|link]",
		Short: "Measure a virtual IP failover: break the master, time until the VIP answers from another host, fail back",
		Long: `Probes the virtual IP (--probe, default http://VIP:8080/host, whose body names
the host answering) until it answers, then breaks that host over SSH (the
bare_metal settings: ssh_private_key, known_hosts, or --host-key pins):
  --mode keepalived  kill -9 keepalived (a crash), and start it again for the failback
  --mode link        take the host's --interface down for --link-down; it comes
                     back by itself (SSH cannot reach it meanwhile)
and measures until the VIP answers from another host, then the failback.
Prints one line (or --json). Exits 1 when the VIP does not move or fail back.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if vip == "" || len(hosts) == 0 {
				return &ExitError{Code: 2, Err: errors.New("set --vip and at least one --host NAME=ADDRESS")}
			}
			cfg, err := e.settings()
			if err != nil {
				return err
			}
			h.SSH, err = hostdeliver.FromBackend(backend.BareMetalSettings{SSHUser: cfg.BareMetal.SSHUser,
				SSHPrivateKey: cfg.BareMetal.SSHPrivateKey, SSHKnownHosts: cfg.BareMetal.KnownHosts})
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			keys := map[string]string{}
			for _, kv := range hostKeys {
				n, k, ok := strings.Cut(kv, "=")
				if !ok {
					return &ExitError{Code: 2, Err: fmt.Errorf("--host-key %q: want NAME=\"ssh-ed25519 AAAA...\"", kv)}
				}
				keys[n] = k
			}
			h.Targets = map[string]hostdeliver.Target{}
			for _, kv := range hosts {
				n, a, ok := strings.Cut(kv, "=")
				if !ok || n == "" || a == "" {
					return &ExitError{Code: 2, Err: fmt.Errorf("--host %q: want NAME=ADDRESS", kv)}
				}
				h.Targets[n] = hostdeliver.Target{Name: n, Address: a, HostKey: keys[n]}
			}
			brk, err := h.Break(mode)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			if probe == "" {
				probe = "http://" + vip + ":8080/host"
			}
			d := vipdrill.Drill{Kind: "vip", VIP: vip, Probe: vipdrill.HTTPProbe(probe), Break: brk, Timeout: timeout}
			if !noBack {
				d.Restore = h.Restore(mode)
			}
			res, derr := vipdrill.Run(cmd.Context(), d)
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else if _, err := fmt.Fprintln(e.stdout, res.Summary()); err != nil {
				return err
			}
			if derr != nil {
				return &ExitError{Code: 1, Err: derr}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&vip, "vip", "", "the virtual IP (required)")
	f.StringSliceVar(&hosts, "host", nil, "a VIP holder as NAME=ADDRESS, NAME as the probe answers it (repeat; required)")
	f.StringSliceVar(&hostKeys, "host-key", nil, "pinned SSH host key as NAME=KEY (repeat); known_hosts otherwise")
	f.StringVar(&mode, "mode", vipdrill.ModeKeepalived, "how the master is broken: keepalived or link")
	f.StringVar(&probe, "probe", "", "URL whose body names the answering host (default http://VIP:8080/host)")
	f.StringVar(&h.Dir, "keepalived-dir", "/etc/keepalived", "keepalived's configuration and pid directory on the hosts")
	f.StringVar(&h.Interface, "interface", "eth0", "link taken down with --mode link")
	f.DurationVar(&h.LinkDown, "link-down", 10*time.Second, "how long --mode link keeps the link down")
	f.DurationVar(&timeout, "timeout", time.Minute, "per phase: how long to wait for the VIP to move (and to fail back)")
	f.BoolVar(&noBack, "no-failback", false, "leave the master broken (no failback)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
