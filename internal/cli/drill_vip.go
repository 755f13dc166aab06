package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/pdu"
	"github.com/ha-blueprints/terraform-provider-ha/internal/vipdrill"
)

// newDrillPowerCommand is drill vip in power mode: the master's PDU
// outlets are switched off over SNMP.
func newDrillPowerCommand(e *env) *cobra.Command {
	cmd := newDrillVIPCommand(e)
	cmd.Use = "power --vip ADDRESS --host NAME=ADDRESS... --outlet NAME=PDU/COMMUNITY/N..."
	cmd.Short = "Measure a power event: switch off the PDU outlets feeding the VIP's master, time until the VIP answers from another host"
	cmd.Long = `Like drill vip --mode power: probes the virtual IP, switches off over SNMP
every PDU outlet (--outlet) feeding the host answering, measures until the VIP
answers from another host, then switches the outlets on again and measures the
failback once the host is back (keepalived is started again over SSH).
Prints one line (or --json). Exits 1 when the VIP does not move or fail back.`
	_ = cmd.Flags().Set("mode", vipdrill.ModePower)
	cmd.Flags().Lookup("mode").DefValue = vipdrill.ModePower
	return cmd
}

func newDrillVIPCommand(e *env) *cobra.Command {
	var (
		vip, mode, probe string
		hosts, hostKeys  []string
		outlets          []string
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
  --mode keepalived  kill keepalived as a crash does (every process stopped, then
                     killed), and start it again for the failback
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
			h.Outlets = map[string][]vipdrill.Outlet{}
			for _, spec := range outlets {
				n, o, err := parseOutlet(spec, cfg.SNMP.Community)
				if err != nil {
					return &ExitError{Code: 2, Err: err}
				}
				h.Outlets[n] = append(h.Outlets[n], o)
			}
			if mode == vipdrill.ModePower && len(outlets) == 0 {
				return &ExitError{Code: 2, Err: errors.New("--mode power needs the hosts' --outlet NAME=PDU[:PORT]/COMMUNITY/N")}
			}
			brk, err := h.Break(mode)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			if probe == "" {
				probe = "http://" + vip + ":8080/host"
			}
			kind := "vip"
			if mode == vipdrill.ModePower {
				kind = "power"
			}
			d := vipdrill.Drill{Kind: kind, VIP: vip, Probe: vipdrill.HTTPProbe(probe), Break: brk, Timeout: timeout}
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
	f.StringVar(&mode, "mode", vipdrill.ModeKeepalived, "how the master is broken: keepalived, link or power")
	f.StringSliceVar(&outlets, "outlet", nil, "a PDU outlet feeding a host, NAME=PDU[:PORT]/COMMUNITY/N (repeat; --mode power); COMMUNITY empty: the snmp.community setting")
	f.StringVar(&probe, "probe", "", "URL whose body names the answering host (default http://VIP:8080/host)")
	f.StringVar(&h.Dir, "keepalived-dir", "/etc/keepalived", "keepalived's configuration and pid directory on the hosts")
	f.StringVar(&h.Interface, "interface", "eth0", "link taken down with --mode link")
	f.DurationVar(&h.LinkDown, "link-down", 10*time.Second, "how long --mode link keeps the link down")
	f.DurationVar(&timeout, "timeout", time.Minute, "per phase: how long to wait for the VIP to move (and to fail back)")
	f.BoolVar(&noBack, "no-failback", false, "leave the master broken (no failback)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// parseOutlet reads NAME=PDU[:PORT]/COMMUNITY/N.
func parseOutlet(spec, defCommunity string) (string, vipdrill.Outlet, error) {
	bad := fmt.Errorf("--outlet %q: want NAME=PDU[:PORT]/COMMUNITY/N", spec)
	n, rest, ok := strings.Cut(spec, "=")
	parts := strings.Split(rest, "/")
	if !ok || n == "" || len(parts) != 3 || parts[0] == "" {
		return "", vipdrill.Outlet{}, bad
	}
	num, err := strconv.Atoi(parts[2])
	if err != nil || num < 1 {
		return "", vipdrill.Outlet{}, bad
	}
	addr := parts[0]
	if !strings.Contains(addr, ":") {
		addr += ":161"
	}
	community := parts[1]
	if community == "" {
		community = defCommunity
	}
	return n, vipdrill.Outlet{PDU: &pdu.Client{Addr: addr, Community: community, Timeout: 2 * time.Second, Retries: 1}, Number: num}, nil
}
