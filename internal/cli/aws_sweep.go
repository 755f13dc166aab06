package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/datasweep"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/sweep"
)

// newAWSCommand is `aws …`: maintenance of what the AWS backend created.
func newAWSCommand(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "aws",
		Short: "Maintenance of AWS objects made by the provider",
	}
	cmd.AddCommand(newAWSSweepCommand(e))
	return cmd
}

func newAWSSweepCommand(e *env) *cobra.Command {
	var (
		blueprint string
		locations []string
		all       bool
		dryRun    bool
		timeout   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "sweep",
		Short: "List and delete load balancers, scaling groups and Route 53 failover objects tagged ha:blueprint",
		Long: "Finds every load balancer, target group, Auto Scaling group, launch template, owned VPC, " +
			"Route 53 health check and hosted zone tagged ha:blueprint=BLUEPRINT (any blueprint with --all) in the " +
			"locations given, prints them, and deletes them unless --dry-run. Tests use the same code to clean up.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (blueprint == "") == !all {
				return &ExitError{Code: 2, Err: errors.New("give --blueprint NAME or --all")}
			}
			if len(locations) == 0 {
				return &ExitError{Code: 2, Err: errors.New("give at least one --location")}
			}
			cfg, err := e.settings()
			if err != nil {
				return err
			}
			s := awsbase.NewSession(awsbase.Settings{
				Endpoint: cfg.AWS.Endpoint, AccessKey: cfg.AWS.AccessKey, SecretKey: cfg.AWS.SecretKey,
				Profile: cfg.AWS.Profile, MaxRetries: cfg.AWS.MaxRetries,
			})
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			left, err := sweep.Leftovers(ctx, s, locations, blueprint)
			if err != nil {
				return err
			}
			data, err := datasweep.Find(ctx, s, locations, blueprint)
			if err != nil {
				return err
			}
			for _, d := range data {
				left = append(left, d.Location+" "+strings.ReplaceAll(d.Kind, "_", " ")+" "+d.ID)
			}
			for _, l := range left {
				if _, err := fmt.Fprintln(e.stdout, l); err != nil {
					return err
				}
			}
			if dryRun || len(left) == 0 {
				note := ""
				if dryRun {
					note = ", nothing deleted (--dry-run)"
				}
				_, err := fmt.Fprintf(e.stdout, "%d object(s)%s\n", len(left), note)
				return err
			}
			// Data first: instances hold snapshots and keys hold vaults.
			if _, err := datasweep.Sweep(ctx, s, locations, blueprint); err != nil {
				return err
			}
			if err := sweep.Sweep(ctx, s, locations, blueprint); err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "%d object(s) deleted\n", len(left))
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&blueprint, "blueprint", "", "blueprint whose objects to sweep (tag ha:blueprint)")
	f.BoolVar(&all, "all", false, "sweep objects of every blueprint")
	f.StringSliceVar(&locations, "location", nil, "AWS region to sweep (repeatable)")
	f.BoolVar(&dryRun, "dry-run", false, "only list")
	f.DurationVar(&timeout, "timeout", 10*time.Minute, "give up after this long")
	return cmd
}
