// Package cli is the command-line face of terraform-provider-ha: the same
// binary that Terraform runs as a plugin answers `version`, `blueprint …`,
// `inventory …` and `drill …`.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/ha-blueprints/terraform-provider-ha/internal/config"
	"github.com/ha-blueprints/terraform-provider-ha/internal/version"
)

// ExitError carries a process exit code out of a command: validation that
// found errors exits 1 without being a crash.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// env is what every command shares: output streams and the loaded settings.
type env struct {
	stdout, stderr io.Writer
	configFile     string
	viper          *viper.Viper
}

// settings loads backend settings with flags bound by the command applied on top.
func (e *env) settings() (config.Config, error) {
	if e.viper == nil {
		v, err := config.NewViper(e.configFile)
		if err != nil {
			return config.Config{}, err
		}
		e.viper = v
	}
	return config.Load(e.viper)
}

// bindFlag makes a command flag the highest-precedence source of a config key.
func (e *env) bindFlag(cmd *cobra.Command, key, flag string) error {
	if e.viper == nil {
		v, err := config.NewViper(e.configFile)
		if err != nil {
			return err
		}
		e.viper = v
	}
	return e.viper.BindPFlag(key, cmd.Flags().Lookup(flag))
}

// commandFactories lists the subcommand groups; each lives in its own file.
var commandFactories = []func(*env) *cobra.Command{
	newVersionCommand,
	newConfigCommand,
	newBlueprintCommand,
	newDrillCommand,
	newInventoryCommand,
	newAWSCommand,
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:           "terraform-provider-ha",
		Short:         "Terraform provider and tools for multi-region high-availability blueprints",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&e.configFile, "config", config.DefaultFile(), "settings file (flags > HA_* environment > this file)")
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	for _, f := range commandFactories {
		root.AddCommand(f(e))
	}
	return root
}

// Execute runs the CLI with args (without the program name) and returns the
// process exit code.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	root := newRoot(e)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		var exit *ExitError
		if errors.As(err, &exit) {
			if exit.Err != nil {
				_, _ = fmt.Fprintln(stderr, "error:", exit.Err)
			}
			return exit.Code
		}
		_, _ = fmt.Fprintln(stderr, "error:", err)
		return 2
	}
	return 0
}

func newVersionCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(e.stdout, "terraform-provider-ha %s\n", version.Version)
			return err
		},
	}
}
