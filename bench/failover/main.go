// Command failover measures DNS failover on a real PowerDNS: it starts its
// own PowerDNS (through acceptance/services) and two HTTP backends on
// 127.0.0.2 and 127.0.0.3, serves an ordered failover name at TTL 5 s with
// the fastest probe interval PowerDNS allows (lua-health-checks-interval=1,
// whole seconds), then runs the DNS drill N times and prints min/median/max
// of the switch and failback times, next to Route 53's arithmetic.
//
// With -vip (default) it then runs the VIP drill (master's keepalived
// killed) and the power drill (master powered off) on namespace hosts,
// -vip-rounds times each (see vip.go).
//
// With -db (default) it runs the database drill (Patroni leader powered
// off while a writer commits) -db-rounds times in sync and in async mode:
// RTO and lost acknowledged writes (see db.go).
//
//	go run ./bench/failover [-n 10] [-ttl 5] [-json] [-vip=false] [-vip-rounds 5] [-dns=false] [-db=false] [-db-rounds 5] [-db-rto 10s]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
	"github.com/ha-blueprints/terraform-provider-ha/internal/drill"
	"github.com/ha-blueprints/terraform-provider-ha/internal/powerdns"
)

func main() {
	n := flag.Int("n", 10, "drills to run")
	ttl := flag.Int("ttl", 5, "TTL of the failover record, seconds")
	timeout := flag.Duration("timeout", 60*time.Second, "per drill phase")
	asJSON := flag.Bool("json", false, "print the figures as JSON")
	vip := flag.Bool("vip", true, "also run the VIP and power drills on namespace hosts (root)")
	vipRounds := flag.Int("vip-rounds", 5, "rounds of each VIP drill")
	dns := flag.Bool("dns", true, "run the DNS drills")
	db := flag.Bool("db", true, "also run the database drills (Patroni) on namespace hosts (root)")
	dbRounds := flag.Int("db-rounds", 5, "rounds of the database drill per mode (sync, async)")
	dbBudget := flag.Duration("db-rto", 10*time.Second, "RTO budget Patroni's ttl and loop_wait are derived from")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *dns {
		if err := run(ctx, *n, *ttl, *timeout, *asJSON); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
	}
	if *vip {
		if err := runVIP(ctx, *vipRounds, *asJSON); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
	}
	if *db {
		if err := runDB(ctx, *dbRounds, *dbBudget, *asJSON); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
	}
}

type report struct {
	Runs              int             `json:"runs"`
	TTL               int             `json:"ttl_seconds"`
	ServerInterval    int             `json:"server_check_interval_seconds"`
	Switch            drill.Summary   `json:"switch_seconds"`
	Failback          drill.Summary   `json:"failback_seconds"`
	ClientWorstCase   float64         `json:"client_worst_case_median_seconds"` // median switch + TTL
	PowerDNSArith     int             `json:"powerdns_arithmetic_seconds"`
	Route53Arith      int             `json:"route53_default_arithmetic_seconds"`
	GoalMedianSeconds float64         `json:"goal_median_seconds"`
	Results           []*drill.Result `json:"results"`
}

func run(ctx context.Context, n, ttl int, timeout time.Duration, asJSON bool) error {
	dir, err := os.MkdirTemp("", "bench-failover-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	stack, err := services.Start(ctx, filepath.Join(dir, "services"), services.PowerDNS)
	if err != nil {
		return err
	}
	defer stack.Stop()
	env := stack.Env

	client, err := powerdns.NewClient(powerdns.Settings{APIURL: env["HA_POWERDNS_API_URL"], APIKey: env["HA_POWERDNS_API_KEY"]})
	if err != nil {
		return err
	}
	backend := powerdns.NewBackend(client)
	interval, err := backend.ServerCheckInterval(ctx)
	if err != nil {
		return fmt.Errorf("read the server's check interval: %w", err)
	}
	backends, err := drill.StartBackends("127.0.0.2", "127.0.0.3")
	if err != nil {
		return err
	}
	defer backends.Close()

	spec := dnsfailover.Spec{
		FQDN: "www.bench.test", Zone: "bench.test", CreateZone: true, TTL: ttl, Mode: "failover",
		Targets: []dnsfailover.Target{
			{Name: "primary", Addresses: []string{"127.0.0.2"}},
			{Name: "standby", Addresses: []string{"127.0.0.3"}},
		},
		// PowerDNS 4.x drops an address after one failed probe.
		HealthCheck: dnsfailover.HealthCheck{Protocol: "HTTP", Port: backends.Port, Path: "/", Interval: interval, Threshold: 1},
	}
	st, err := backend.Apply(ctx, spec, nil)
	if err != nil {
		return err
	}
	defer func() { _ = backend.Delete(context.Background(), st) }()

	rep := report{
		Runs: n, TTL: ttl, ServerInterval: interval, GoalMedianSeconds: 5,
		PowerDNSArith: dnsfailover.DetectionSeconds(spec.HealthCheck, ttl),
		Route53Arith:  dnsfailover.DetectionSeconds(dnsfailover.HealthCheck{Interval: 30, Threshold: 3}, 60),
	}
	var switches, failbacks []float64
	for i := 0; i < n; i++ {
		// Each drill starts right after the previous one saw a probe land;
		// a random pause breaks that lock-step with the server's probe clock,
		// so the runs sample every phase of it rather than the worst one.
		time.Sleep(time.Duration(rand.Int64N(int64(interval) * int64(time.Second))))
		res, err := drill.Run(ctx, drill.Options{
			Server:      env["HA_TEST_PDNS_DNS"],
			Name:        spec.FQDN,
			Timeout:     timeout,
			FailFunc:    func(context.Context) error { return backends.Stop(0) },
			RestoreFunc: func(context.Context) error { return backends.Start(0) },
		})
		if err != nil {
			return fmt.Errorf("drill %d: %w", i+1, err)
		}
		rep.Results = append(rep.Results, res)
		switches = append(switches, res.SwitchSeconds)
		failbacks = append(failbacks, res.FailbackSeconds)
		if !asJSON {
			fmt.Printf("drill %2d: switch %5.2f s  failback %5.2f s  (%s -> %s)\n", i+1, res.SwitchSeconds, res.FailbackSeconds, res.Primary, res.Standby)
		}
	}
	rep.Switch = drill.Summarize(switches)
	rep.Failback = drill.Summarize(failbacks)
	rep.ClientWorstCase = rep.Switch.Median + float64(ttl)
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	verdict := "met"
	if rep.Switch.Median > rep.GoalMedianSeconds {
		verdict = "MISSED"
	}
	fmt.Printf(`
PowerDNS (lua-health-checks-interval=%d s, one failed probe, TTL %d s), %d drills, measured at the authoritative server:
  switch    min %5.2f  median %5.2f  max %5.2f s   (goal median <= %.0f s: %s)
  failback  min %5.2f  median %5.2f  max %5.2f s
  a client behind a caching resolver: median switch + TTL = %.2f s at worst
  arithmetic (interval x threshold + TTL): %d x 1 + %d = %d s

Route 53 at its defaults, for orientation (arithmetic, not measured):
  30 s interval x 3 failures + 60 s TTL = %d s
`, interval, ttl, n,
		rep.Switch.Min, rep.Switch.Median, rep.Switch.Max, rep.GoalMedianSeconds, verdict,
		rep.Failback.Min, rep.Failback.Median, rep.Failback.Max,
		rep.ClientWorstCase,
		interval, ttl, rep.PowerDNSArith,
		rep.Route53Arith)
	return nil
}
