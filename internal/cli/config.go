package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ha-blueprints/terraform-provider-ha/internal/config"
)

// sensitiveKeys are never printed in clear.
var sensitiveKeys = map[string]bool{
	"aws.access_key": true, "aws.secret_key": true, "gcp.credentials": true, "bare_metal.ssh_private_key": true,
	"powerdns.api_key": true, "nut.password": true, "snmp.community": true,
}

// newConfigCommand shows the effective settings, so users can see which
// source won: flags > HA_* environment > config file > defaults.
func newConfigCommand(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the effective backend settings (secrets redacted)",
		Args:  cobra.NoArgs,
	}
	show := &cobra.Command{
		Use:   "show",
		Short: "Print every setting with its effective value",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, key := range config.Keys() {
				flag := flagName(key)
				if cmd.Flags().Changed(flag) {
					if err := e.bindFlag(cmd, key, flag); err != nil {
						return err
					}
				}
			}
			cfg, err := e.settings()
			if err != nil {
				return err
			}
			if errs := cfg.Validate(); len(errs) > 0 {
				var msgs []string
				for _, fe := range errs {
					msgs = append(msgs, fe.Error())
				}
				return &ExitError{Code: 1, Err: fmt.Errorf("invalid settings:\n  %s", strings.Join(msgs, "\n  "))}
			}
			for _, key := range config.Keys() {
				val := fmt.Sprint(e.viper.Get(key))
				if sensitiveKeys[key] && val != "" {
					val = "(sensitive)"
				}
				if _, err := fmt.Fprintf(e.stdout, "%-20s %-24s %s\n", key, config.EnvName(key), val); err != nil {
					return err
				}
			}
			return nil
		},
	}
	for _, key := range config.Keys() {
		show.Flags().String(flagName(key), "", "override "+key)
	}
	cmd.AddCommand(show)
	return cmd
}

// flagName is a key's flag: aws.max_retries → --aws-max-retries.
func flagName(key string) string {
	return strings.NewReplacer(".", "-", "_", "-").Replace(key)
}
