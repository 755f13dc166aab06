package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ha-blueprints/terraform-provider-ha/internal/loadtest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/picture"
)

func newDrillLoadCommand(e *env) *cobra.Command {
	var o loadtest.Options
	var asJSON bool
	var paths, svg string
	cmd := &cobra.Command{
		Use:   "load --target URL [--rate N] [--steps N] [--concurrency N] [--duration D] [--paths /a,/b]",
		Short: "Bounded load test: latency percentiles, error rate, throughput and the rate at which errors start",
		Long: `Sends GET requests to the target at a fixed rate (open loop: a request that
finds --concurrency requests in flight is not sent and counts as an error). With
--steps N the rate climbs in N equal steps up to --rate, each for --duration/N,
and the first step whose error rate passes --error-threshold is reported as the
bottleneck. Only loopback targets and the project's test hosts (HA_TEST_HOSTS)
are accepted. Prints one summary line, or JSON with every step and request;
--svg FILE draws latency over time.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if paths != "" {
				o.Paths = strings.Split(paths, ",")
			}
			res, err := loadtest.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			if svg != "" {
				if err := os.WriteFile(svg, LatencySVG(res), 0o644); err != nil {
					return err
				}
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			_, err = fmt.Fprintln(e.stdout, res.Summary())
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Target, "target", "", "base URL (http://127.0.0.1:PORT); loopback or a project test host (required)")
	f.StringVar(&paths, "paths", "/", "comma-separated paths requested in turn")
	f.Float64Var(&o.Rate, "rate", 50, "requests per second (the top rate when stepping)")
	f.IntVar(&o.Steps, "steps", 1, "climb to --rate in this many equal steps to find where errors start")
	f.IntVar(&o.Concurrency, "concurrency", 16, "requests in flight at most")
	f.DurationVar(&o.Duration, "duration", 10*time.Second, "whole test (at most 10m)")
	f.DurationVar(&o.Timeout, "request-timeout", 2*time.Second, "per request")
	f.Float64Var(&o.ErrorThreshold, "error-threshold", 0.01, "error rate (0..1) above which a step is past the bottleneck")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	f.StringVar(&svg, "svg", "", "write a latency-over-time chart to this SVG file")
	_ = cmd.MarkFlagRequired("target")
	return cmd
}

// LatencySVG is the load test's latency-over-time chart, with its rate steps marked.
func LatencySVG(r *loadtest.Result) []byte {
	pts := make([]picture.Point, 0, len(r.Samples))
	for _, s := range r.Samples {
		pts = append(pts, picture.Point{Seconds: s.Seconds, LatencyMs: s.LatencyMs, Failed: !s.OK})
	}
	var marks []picture.Mark
	if len(r.Steps) > 1 {
		for i, s := range r.Steps {
			marks = append(marks, picture.Mark{ID: fmt.Sprintf("step_%d", i+1), Seconds: r.Seconds * float64(i) / float64(len(r.Steps)), Label: fmt.Sprintf("%.0f/s", s.Rate)})
		}
	}
	return picture.LatencyChart(r.Summary(), pts, marks)
}
