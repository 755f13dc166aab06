package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"context"

	"github.com/ha-blueprints/terraform-provider-ha/internal/dbdrill"
	"github.com/ha-blueprints/terraform-provider-ha/internal/patroni"
)

func newDrillDatabaseCommand(e *env) *cobra.Command {
	var (
		dsn, kill, user, dbname string
		apis                    []string
		asJSON                  bool
		s                       dbdrill.Spec
	)
	cmd := &cobra.Command{
		Use:   "database (--dsn DSN | --patroni HOST:PORT,...) --kill CMD",
		Short: "Measure a database failover: time until writes succeed again (RTO) and acknowledged writes lost",
		Long: `Commits a numbered row every --interval through --dsn (the tier's VIP or
HAProxy) or, without it, directly to the leader that Patroni's REST API
(--patroni) names, and records every acknowledged commit. After --warmup it runs
the --kill command ({leader} is replaced by the leader's address: for example
"ssh root@{leader} pkill -9 -x postgres"), measures until a commit succeeds
again, writes for --after more, then counts acknowledged rows missing on the
new leader. The password comes from HA_DRILL_DB_PASSWORD (never a flag).
Exits 1 when writes do not recover within --timeout or a write was lost.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dsn == "" && len(apis) == 0 {
				return &ExitError{Code: 2, Err: errors.New("set --dsn (VIP or HAProxy) or --patroni (leader direct)")}
			}
			pw := os.Getenv("HA_DRILL_DB_PASSWORD")
			leaderDSN := func(ctx context.Context) (string, error) {
				m, err := patroni.FindLeader(ctx, apis)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("host=%s port=%d user=%s password='%s' dbname=%s sslmode=disable connect_timeout=2",
					m.Host, m.Port, user, strings.ReplaceAll(pw, "'", `\'`), dbname), nil
			}
			s.Target = leaderDSN
			if dsn != "" {
				s.Target = func(context.Context) (string, error) { return dsn, nil }
			}
			s.Kill = func(ctx context.Context) error {
				c := kill
				if strings.Contains(c, "{leader}") {
					m, err := patroni.FindLeader(ctx, apis)
					if err != nil {
						return err
					}
					c = strings.ReplaceAll(c, "{leader}", m.Host)
				}
				k := exec.CommandContext(ctx, "sh", "-c", c)
				k.Stdout, k.Stderr = e.stderr, e.stderr
				return k.Run()
			}
			res, err := dbdrill.Run(cmd.Context(), s)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return err
				}
			} else if _, err := fmt.Fprintln(e.stdout, res.Summary()); err != nil {
				return err
			}
			if !res.Recovered || res.Lost > 0 {
				return &ExitError{Code: 1, Err: errors.New(res.Summary())}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dsn, "dsn", "", "connection string of the VIP or HAProxy (libpq key=value or postgres:// URL)")
	f.StringSliceVar(&apis, "patroni", nil, "Patroni REST API addresses HOST:PORT, to find the leader")
	f.StringVar(&user, "user", "postgres", "database user (with --patroni)")
	f.StringVar(&dbname, "dbname", "postgres", "database (with --patroni)")
	f.StringVar(&kill, "kill", "", "shell command that kills the leader (required)")
	f.DurationVar(&s.Interval, "interval", 5*time.Millisecond, "time between commits")
	f.DurationVar(&s.Warmup, "warmup", 2*time.Second, "writing before the kill")
	f.DurationVar(&s.After, "after", time.Second, "writing after recovery")
	f.DurationVar(&s.Timeout, "timeout", 2*time.Minute, "how long to wait for writes to recover")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	_ = cmd.MarkFlagRequired("kill")
	return cmd
}
