package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
	"github.com/ha-blueprints/terraform-provider-ha/internal/placement"
	"github.com/ha-blueprints/terraform-provider-ha/internal/powerstatus"
)

func newInventoryCommand(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "Check bare-metal inventories and try placements on them",
	}
	cmd.AddCommand(newInventoryValidateCommand(e), newInventoryPlaceCommand(e))
	return cmd
}

func newInventoryValidateCommand(e *env) *cobra.Command {
	var vars []string
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Validate inventories: references, outlets, power budgets and the A+B failover budget",
		Long: "Validate prints every diagnostic as FILE:LINE:COL and exits 1 when any file has an error " +
			"(warnings alone exit 0).",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := varOptions(vars)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			failed := 0
			for _, path := range args {
				p := lang.NewParser()
				inv, diags := inventory.Load(p, path, opts)
				if err := lang.WriteDiagnostics(e.stderr, p.Files(), diags); err != nil {
					return err
				}
				if diags.HasErrors() {
					failed++
					continue
				}
				_, _ = fmt.Fprintf(e.stdout, "%s: ok (%d hosts, %d PDUs, %d UPS, %s)\n", path,
					len(inv.Hosts), len(inv.PDUs), len(inv.UPS), plural(len(diags), "warning"))
			}
			if failed > 0 {
				return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d inventories have errors", failed, len(args))}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&vars, "var", nil, "set an inventory variable, NAME=VALUE (repeatable)")
	return cmd
}

type placeFlags struct {
	count            int
	spread           []string
	require          string
	tags             []string
	tolerate         []string
	minimum          int
	vars             []string
	current          []string
	excludeOnBattery bool
	json             bool
}

func newInventoryPlaceCommand(e *env) *cobra.Command {
	var f placeFlags
	cmd := &cobra.Command{
		Use:   "place FILE",
		Short: "Show which hosts an allocation would get, and its blast radius",
		Long: "Place runs the same placement as the ha_host_allocation resource. With --exclude-on-battery it " +
			"reads every UPS of the inventory over NUT first (settings from --config, HA_NUT_*). " +
			"It exits 1 when too few hosts qualify or a --tolerate check fails.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlace(cmd.Context(), e, args[0], &f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.count, "count", 0, "number of hosts to allocate (required)")
	fl.StringSliceVar(&f.spread, "spread", nil, "failure domains in priority order (default ups,feed,pdu,rack)")
	fl.StringVar(&f.require, "require", "", "requirements, e.g. cpus=16,memory=64GiB")
	fl.StringSliceVar(&f.tags, "tags", nil, "tags every host must carry")
	fl.StringSliceVar(&f.tolerate, "tolerate", nil, "domains whose single failure must leave --minimum members")
	fl.IntVar(&f.minimum, "minimum", 1, "members that must survive one failure in a --tolerate domain")
	fl.StringSliceVar(&f.current, "current", nil, "current members, to see what a change would keep")
	fl.BoolVar(&f.excludeOnBattery, "exclude-on-battery", false, "read UPS status over NUT and avoid hosts on battery")
	fl.StringArrayVar(&f.vars, "var", nil, "set an inventory variable, NAME=VALUE (repeatable)")
	fl.BoolVar(&f.json, "json", false, "print the result as JSON")
	_ = cmd.MarkFlagRequired("count")
	return cmd
}

// placeOutput is the --json shape.
type placeOutput struct {
	Members     []string                  `json:"members"`
	Replaced    []placement.Replacement   `json:"replaced,omitempty"`
	BlastRadius map[string]map[string]int `json:"blast_radius"`
	Violations  []string                  `json:"violations,omitempty"`
	Unreachable []string                  `json:"unreachable,omitempty"`
}

func runPlace(ctx context.Context, e *env, path string, f *placeFlags) error {
	opts, err := varOptions(f.vars)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	req := placement.Request{
		Count: f.count, Spread: f.spread, Tags: f.tags, Tolerate: f.tolerate,
		Minimum: f.minimum, Current: f.current, ExcludeOnBattery: f.excludeOnBattery,
	}
	if req.CPUs, req.Memory, err = ParseRequire(f.require); err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	p := lang.NewParser()
	inv, diags := inventory.Load(p, path, opts)
	if diags.HasErrors() {
		_ = lang.WriteDiagnostics(e.stderr, p.Files(), diags)
		return &ExitError{Code: 1, Err: errors.New("the inventory has errors")}
	}
	out := placeOutput{}
	if f.excludeOnBattery {
		cfg, err := e.settings()
		if err != nil {
			return err
		}
		targets, _ := powerstatus.Targets(inv)
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		res := powerstatus.ReadUPS(rctx, targets, powerstatus.Settings{NUTTimeout: cfg.NUT.Timeout, NUTUsername: cfg.NUT.Username, NUTPassword: cfg.NUT.Password})
		cancel()
		for _, r := range res {
			if r.Err != nil {
				out.Unreachable = append(out.Unreachable, fmt.Sprintf("UPS %q: %v", r.Name, r.Err))
			}
		}
		req.Power = powerstatus.Power(res)
	}
	res, err := placement.Place(inv, req)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	out.Members, out.Replaced, out.BlastRadius = res.Members, res.Replaced, res.BlastRadius
	for _, v := range res.Violations {
		out.Violations = append(out.Violations, v.String())
	}
	if f.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		writePlacement(e, inv, &out)
	}
	if len(out.Violations) > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%s", strings.Join(out.Violations, "; "))}
	}
	return nil
}

func writePlacement(e *env, inv *inventory.Inventory, out *placeOutput) {
	for _, u := range out.Unreachable {
		_, _ = fmt.Fprintf(e.stderr, "warning: unknown power status for %s\n", u)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "HOST\tRACK\tUPS\tPDU\tCPUS\tMEMORY")
	for _, m := range out.Members {
		h := inv.Hosts[m]
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%dGiB\n", m, h.Rack, strings.Join(inv.UPSes(h), "+"),
			strings.Join(inv.PDUsOf(h), "+"), h.CPUs, h.Memory>>30)
	}
	_ = tw.Flush()
	for _, r := range out.Replaced {
		_, _ = fmt.Fprintf(e.stdout, "replaced %s (%s) by %s\n", r.Host, r.Reason, r.By)
	}
	_, _ = fmt.Fprintln(e.stdout, "\nblast radius (members lost when one device fails):")
	for _, d := range placement.Domains {
		br := out.BlastRadius[d]
		devs := make([]string, 0, len(br))
		for dev := range br {
			devs = append(devs, dev)
		}
		sort.Strings(devs)
		var parts []string
		for _, dev := range devs {
			parts = append(parts, fmt.Sprintf("%s=%d", dev, br[dev]))
		}
		if len(parts) == 0 {
			parts = []string{"none"}
		}
		_, _ = fmt.Fprintf(e.stdout, "  %-5s %s\n", d, strings.Join(parts, " "))
	}
}

// ParseRequire reads "cpus=16,memory=64GiB".
func ParseRequire(s string) (cpus int, memory int64, err error) {
	if strings.TrimSpace(s) == "" {
		return 0, 0, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return 0, 0, fmt.Errorf("invalid --require %q: want KEY=VALUE pairs such as cpus=16,memory=64GiB", part)
		}
		switch k {
		case "cpus":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return 0, 0, fmt.Errorf("invalid --require cpus=%q: want a whole number", v)
			}
			cpus = n
		case "memory":
			m, err := lang.ParseSize(v)
			if err != nil {
				return 0, 0, fmt.Errorf("invalid --require memory: %w", err)
			}
			memory = m
		default:
			return 0, 0, fmt.Errorf("unknown requirement %q (known: cpus, memory)", k)
		}
	}
	return cpus, memory, nil
}

func varOptions(vars []string) (inventory.Options, error) {
	opts := inventory.Options{Vars: map[string]string{}}
	for _, v := range vars {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return opts, fmt.Errorf("invalid --var %q: want NAME=VALUE", v)
		}
		opts.Vars[k] = val
	}
	return opts, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
