package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
	"github.com/ha-blueprints/terraform-provider-ha/internal/picture"
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
	var vars varList
	fs := newFlagSet("validate")
	fs.Var(&vars, "var", "set a variable, `NAME=VALUE` (repeatable)")
	cmd := &cobra.Command{
		Use:                "validate [-var NAME=VALUE]... FILE...",
		Short:              "Check blueprints; exit 1 when any has errors (warnings are printed, exit 0)",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			args, err := parseArgs(cmd, fs, args, 1, -1)
			if err != nil || args == nil {
				return err
			}
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
	fs := newFlagSet("fmt")
	check := fs.Bool("check", false, "only list files that are not formatted; exit 1 if any")
	cmd := &cobra.Command{
		Use:                "fmt [-check] FILE...",
		Short:              "Rewrite blueprints in canonical form; with -check, list the files that differ and exit 1",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			args, err := parseArgs(cmd, fs, args, 1, -1)
			if err != nil || args == nil {
				return err
			}
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
				if *check {
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
			if *check && differ > 0 {
				return &ExitError{Code: 1, Err: fmt.Errorf("%d file(s) need formatting: run `blueprint fmt`", differ)}
			}
			return nil
		},
	}
	return cmd
}

func newBlueprintExpand(e *env) *cobra.Command {
	var vars varList
	var lost, replace varList
	fs := newFlagSet("expand")
	fs.Var(&vars, "var", "set a variable, `NAME=VALUE` (repeatable)")
	fs.Var(&lost, "lost", "plan the recovery from losing `REGION` (repeatable)")
	fs.Var(&replace, "replace", "rebuild a lost region elsewhere, `REGION=LOCATION` (repeatable)")
	primary := fs.String("primary", "", "the `REGION` that serves after recovery (fail back to a rebuilt region)")
	cmd := &cobra.Command{
		Use:                "expand FILE [-var NAME=VALUE]... [-lost REGION]... [-replace REGION=LOCATION]... [-primary REGION]",
		Short:              "Print the components, regions and computed objectives of a blueprint as JSON",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			args, err := parseArgs(cmd, fs, args, 1, 1)
			if err != nil || args == nil {
				return err
			}
			raw, err := parseVars(vars)
			if err != nil {
				return err
			}
			rec := blueprints.Recovery{Lost: lost, Primary: *primary}
			if rec.Replacements, err = parseVars(replace); err != nil {
				return err
			}
			res, diags := compileArg(args[0], blueprints.Options{RawVariables: raw, Recovery: rec})
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
	return cmd
}

func newBlueprintGraph(e *env) *cobra.Command {
	var vars varList
	fs := newFlagSet("graph")
	fs.Var(&vars, "var", "set a variable, `NAME=VALUE` (repeatable)")
	formatFlag := fs.String("format", "dot", "output format: dot, mermaid or svg (drawn by Graphviz)")
	cmd := &cobra.Command{
		Use:                "graph FILE [--format dot|mermaid|svg] [-var NAME=VALUE]...",
		Short:              "Draw regions, components, data copies and DNS as Graphviz DOT, Mermaid or SVG",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			args, err := parseArgs(cmd, fs, args, 1, 1)
			if err != nil || args == nil {
				return err
			}
			format := *formatFlag
			if format != "dot" && format != "mermaid" && format != "svg" {
				return fmt.Errorf("--format is dot, mermaid or svg, not %q", format)
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
			switch format {
			case "mermaid":
				out = res.Mermaid()
			case "svg":
				svg, err := picture.SVG(cmd.Context(), res.Picture())
				if err != nil {
					return err
				}
				_, err = e.stdout.Write(svg)
				return err
			}
			_, err = fmt.Fprint(e.stdout, out)
			return err
		},
	}
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

// varList collects repeated -var flags.
type varList []string

func (v *varList) String() string     { return strings.Join(*v, ",") }
func (v *varList) Set(s string) error { *v = append(*v, s); return nil }

// The blueprint commands take Terraform-style single-dash flags (-check,
// -var), which cobra's flag parser does not, so they parse their own with
// the standard library; --flag works as well.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseArgs parses flags anywhere among args and checks the count of
// positional arguments (max -1: no limit). It returns nil, nil after
// printing help.
func parseArgs(cmd *cobra.Command, fs *flag.FlagSet, args []string, minArgs, maxArgs int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(cmd.OutOrStdout())
				fmt.Fprintf(cmd.OutOrStdout(), "Usage: %s\n\n%s\n\nFlags:\n", cmd.UseLine(), cmd.Short)
				fs.PrintDefaults()
				return nil, nil
			}
			return nil, fmt.Errorf("%s: %w", cmd.Name(), err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if len(pos) < minArgs || (maxArgs >= 0 && len(pos) > maxArgs) {
		want := fmt.Sprintf("%d", minArgs)
		if maxArgs < 0 {
			want = fmt.Sprintf("at least %d", minArgs)
		}
		return nil, fmt.Errorf("%s: want %s file argument(s), got %d", cmd.Name(), want, len(pos))
	}
	if pos == nil {
		pos = []string{}
	}
	return pos, nil
}
