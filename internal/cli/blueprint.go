package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
)

// stockPrefix names an embedded stock blueprint instead of a file:
// `blueprint validate stock:web-active-passive`.
const stockPrefix = "stock:"

func newBlueprintCommand(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "blueprint",
		Short: "Validate, format, expand and draw HA blueprints",
		Long: "Work with blueprint files (*.ha.hcl, or *.ha.json in the JSON syntax). " +
			"FILE may also be stock:NAME for an embedded stock blueprint (" + strings.Join(blueprints.Stock(), ", ") + ").",
	}
	cmd.AddCommand(newBlueprintValidate(e), newBlueprintFmt(e), newBlueprintExpand(e), newBlueprintGraph(e))
	return cmd
}

// compileArg compiles a file or a stock:NAME blueprint.
func compileArg(arg string, opts blueprints.Options) (*blueprints.Result, hcl.Diagnostics) {
	if name, ok := strings.CutPrefix(arg, stockPrefix); ok {
		return blueprints.CompileStock(name, opts)
	}
	return blueprints.CompileFile(arg, opts)
}

// report prints diagnostics to stderr and says whether any was an error.
func (e *env) report(res *blueprints.Result, diags hcl.Diagnostics) bool {
	var files map[string]*hcl.File
	if res != nil {
		files = res.Files
	}
	_ = lang.WriteDiagnostics(e.stderr, files, diags)
	return diags.HasErrors()
}

func errBlueprint(n int) error {
	if n == 1 {
		return &ExitError{Code: 1, Err: errors.New("1 blueprint has errors")}
	}
	return &ExitError{Code: 1, Err: fmt.Errorf("%d blueprints have errors", n)}
}

func newBlueprintValidate(e *env) *cobra.Command {
	var vars []string
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check blueprints; exit 1 when any has errors (warnings are printed, exit 0)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := parseVars(vars)
			if err != nil {
				return err
			}
			bad := 0
			for _, arg := range args {
				res, diags := compileArg(arg, blueprints.Options{RawVariables: raw})
				if e.report(res, diags) {
					bad++
					continue
				}
				o := res.Objectives
				fmt.Fprintf(e.stdout, "%s: valid, %d components, worst-case RTO %s (budget %s), RPO %s (budget %s)\n",
					arg, len(res.Components), secs(o.RTO), budget(o.RTOBudget, res.Blueprint.Objectives, "rto"),
					secs(o.RPO), budget(o.RPOBudget, res.Blueprint.Objectives, "rpo"))
			}
			if bad > 0 {
				return errBlueprint(bad)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&vars, "var", nil, "set a variable, `NAME=VALUE` (repeatable)")
	return cmd
}

func secs(s int) string {
	if s < 0 {
		return "unbounded"
	}
	return fmt.Sprintf("%ds", s)
}

func budget(s int, spec *blueprints.ObjectivesSpec, name string) string {
	if spec == nil || !spec.Has(name) {
		return "none"
	}
	return fmt.Sprintf("%ds", s)
}

func newBlueprintFmt(e *env) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "fmt [-check] FILE...",
		Short: "Rewrite blueprints in canonical form; with -check, list the files that differ and exit 1",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bad, differ := 0, 0
			for _, name := range args {
				if strings.HasSuffix(name, ".json") {
					fmt.Fprintf(e.stderr, "%s: JSON syntax is not formatted, skipped\n", name)
					continue
				}
				src, err := os.ReadFile(name)
				if err != nil {
					fmt.Fprintf(e.stderr, "error: %v\n", err)
					bad++
					continue
				}
				p := lang.NewParser()
				if _, diags := p.ParseFile(name, src); diags.HasErrors() {
					_ = lang.WriteDiagnostics(e.stderr, p.Files(), diags)
					bad++
					continue
				}
				out := hclwrite.Format(src)
				if bytes.Equal(out, src) {
					continue
				}
				differ++
				if check {
					fmt.Fprintln(e.stdout, name)
					continue
				}
				st, err := os.Stat(name)
				if err != nil {
					return err
				}
				if err := os.WriteFile(name, out, st.Mode().Perm()); err != nil {
					return fmt.Errorf("write %s: %w", name, err)
				}
				fmt.Fprintln(e.stdout, name)
			}
			if bad > 0 {
				return errBlueprint(bad)
			}
			if check && differ > 0 {
				return &ExitError{Code: 1, Err: fmt.Errorf("%d file(s) need formatting: run `blueprint fmt`", differ)}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "only list files that are not formatted; exit 1 if any")
	return cmd
}

func newBlueprintExpand(e *env) *cobra.Command {
	var vars []string
	cmd := &cobra.Command{
		Use:   "expand FILE [-var NAME=VALUE]...",
		Short: "Print the components, regions and computed objectives of a blueprint as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := parseVars(vars)
			if err != nil {
				return err
			}
			res, diags := compileArg(args[0], blueprints.Options{RawVariables: raw})
			if e.report(res, diags) {
				return errBlueprint(1)
			}
			b, err := res.JSON()
			if err != nil {
				return err
			}
			_, err = e.stdout.Write(b)
			return err
		},
	}
	cmd.Flags().StringArrayVar(&vars, "var", nil, "set a variable, `NAME=VALUE` (repeatable)")
	return cmd
}

func newBlueprintGraph(e *env) *cobra.Command {
	var vars []string
	var format string
	cmd := &cobra.Command{
		Use:   "graph FILE [--format dot|mermaid]",
		Short: "Draw regions, components and dependencies as Graphviz DOT or Mermaid",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "dot" && format != "mermaid" {
				return fmt.Errorf("--format is dot or mermaid, not %q", format)
			}
			raw, err := parseVars(vars)
			if err != nil {
				return err
			}
			res, diags := compileArg(args[0], blueprints.Options{RawVariables: raw})
			if e.report(res, diags) {
				return errBlueprint(1)
			}
			out := res.DOT()
			if format == "mermaid" {
				out = res.Mermaid()
			}
			_, err = fmt.Fprint(e.stdout, out)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "dot", "output format: dot or mermaid")
	cmd.Flags().StringArrayVar(&vars, "var", nil, "set a variable, `NAME=VALUE` (repeatable)")
	return cmd
}

// parseVars reads NAME=VALUE pairs; the last value of a name wins.
func parseVars(pairs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("-var %q: want NAME=VALUE", p)
		}
		out[k] = v
	}
	return out, nil
}

var _ = sort.Strings
