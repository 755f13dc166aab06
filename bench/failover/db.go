package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/dbdrill"
	"github.com/ha-blueprints/terraform-provider-ha/internal/drill"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/patroni"
)

type dbModeReport struct {
	Mode      string           `json:"mode"`
	RTO       drill.Summary    `json:"rto_seconds"`
	Lost      []int            `json:"lost_per_round"`
	LostTotal int              `json:"lost_total"`
	Results   []dbdrill.Result `json:"results"`
}

type dbReport struct {
	Rounds            int            `json:"rounds"`
	RTOBudgetSeconds  float64        `json:"rto_budget_seconds"`
	TTL               int            `json:"ttl_seconds"`
	LoopWait          int            `json:"loop_wait_seconds"`
	GoalMedianSeconds float64        `json:"goal_median_seconds"`
	Modes             []dbModeReport `json:"modes"`
}

// runDB measures PostgreSQL failover with Patroni on three namespace hosts
// (feeds A, B and a dual-fed host; the bare_metal database backend over
// SSH, timings from the RTO budget): a writer commits a numbered row every
// 5 ms to the leader, the leader's host is powered off, and the drill
// measures until commits succeed again and counts acknowledged rows lost.
// The host is powered on and rejoined (an apply) between rounds. Rounds in
// sync mode, then in async mode.
func runDB(ctx context.Context, rounds int, budget time.Duration, asJSON bool) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("the database drills need root (network namespaces); run with -db=false to skip them")
	}
	for _, b := range []string{"patroni", "etcd", "/usr/lib/postgresql/15/bin/postgres"} {
		if _, err := exec.LookPath(b); err != nil {
			return fmt.Errorf("%s not installed (scripts/install-deps.sh installs it)", b)
		}
	}
	names := []string{"db-a1", "db-b1", "db-ab"}
	lab, err := nshosts.Start(ctx, nshosts.Spec{Hosts: map[string]string{"db-a1": "", "db-b1": "", "db-ab": ""}})
	if err != nil {
		return err
	}
	defer func() { _ = lab.Stop() }()
	base, err := os.MkdirTemp("", "bench-db-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(base) }()
	if err := os.Chmod(base, 0o755); err != nil {
		return err
	}
	feeds := map[string]string{"db-a1": "A", "db-b1": "B", "db-ab": ""}
	var hosts []database.Host
	for _, n := range names {
		hosts = append(hosts, database.Host{Name: n, Address: lab.Hosts[n].Address, HostKey: lab.Hosts[n].HostKey,
			Domains: map[string]string{"feed": feeds[n]}})
	}
	const pw = "bench-pw"
	b := &patroni.Backend{SSH: hostdeliver.Settings{PrivateKey: lab.ClientKey}, Wait: 3 * time.Minute}
	t := patroni.TimingsFor(budget)
	rep := dbReport{Rounds: rounds, RTOBudgetSeconds: budget.Seconds(), TTL: t.TTL, LoopWait: t.LoopWait, GoalMedianSeconds: 10}
	var apis []string
	for _, n := range names {
		apis = append(apis, lab.Hosts[n].Address+":8008")
	}
	target := func(ctx context.Context) (string, error) {
		m, err := patroni.FindLeader(ctx, apis)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("host=%s port=%d user=postgres password=%s dbname=postgres sslmode=disable connect_timeout=2", m.Host, m.Port, pw), nil
	}
	var st *database.Status
	for _, sync := range []bool{true, false} {
		spec := database.Spec{Meta: backend.Meta{Name: "bench-db", Location: "dc1"}, Engine: "postgres", HighAvailability: sync,
			Password: pw, BareMetal: &database.BareMetal{Hosts: hosts, RTO: budget, BaseDir: base, MaxLagBytes: 16 << 20}}
		if st, err = b.Apply(ctx, spec, st); err != nil {
			return err
		}
		if err := allStreaming(ctx, apis); err != nil {
			return err
		}
		mode := dbModeReport{Mode: map[bool]string{true: "sync", false: "async"}[sync]}
		var rtos []float64
		for i := 0; i < rounds; i++ {
			leader := st.Leader
			res, err := dbdrill.Run(ctx, dbdrill.Spec{Target: target, Kill: func(ctx context.Context) error {
				return lab.Hosts[leader].PowerOff(ctx)
			}})
			if err != nil {
				return err
			}
			if !asJSON {
				fmt.Printf("%s mode, round %d, leader %s powered off: %s\n", mode.Mode, i+1, leader, res.Summary())
			}
			mode.Results = append(mode.Results, res)
			mode.Lost = append(mode.Lost, res.Lost)
			mode.LostTotal += res.Lost
			rtos = append(rtos, res.RTOSeconds)
			if err := lab.Hosts[leader].PowerOn(ctx); err != nil {
				return err
			}
			// The host is back without its daemons: an apply starts them
			// and the old leader rejoins as a standby.
			if st, err = b.Apply(ctx, spec, st); err != nil {
				return fmt.Errorf("rejoin %s: %w", leader, err)
			}
			if err := allStreaming(ctx, apis); err != nil {
				return fmt.Errorf("rejoin %s: %w", leader, err)
			}
		}
		mode.RTO = drill.Summarize(rtos)
		rep.Modes = append(rep.Modes, mode)
	}
	_ = b.Delete(ctx, st)
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Printf("\nPostgreSQL + Patroni (etcd on each host), 3 namespace hosts, RTO budget %s -> ttl %d s, loop_wait %d s; leader powered off, %d rounds per mode:\n",
		budget, t.TTL, t.LoopWait, rounds)
	for _, m := range rep.Modes {
		verdict := "met"
		if m.RTO.Median > rep.GoalMedianSeconds || (m.Mode == "sync" && m.LostTotal > 0) {
			verdict = "MISSED"
		}
		fmt.Printf("  %-5s RTO min %5.2f  median %5.2f  max %5.2f s   lost acknowledged writes per round %v   (goal median <= %.0f s%s: %s)\n",
			m.Mode, m.RTO.Min, m.RTO.Median, m.RTO.Max, m.Lost, rep.GoalMedianSeconds, map[bool]string{true: ", 0 lost", false: ""}[m.Mode == "sync"], verdict)
	}
	fmt.Printf("  anchor: Patroni's defaults (ttl 30 s, loop_wait 10 s) fail over in about 30-40 s\n")
	return nil
}

// allStreaming waits until every member runs and every replica streams
// (a rejoined host has finished pg_rewind): each round starts from a whole
// cluster.
func allStreaming(ctx context.Context, apis []string) error {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		ok := false
		if m, err := patroni.FindLeader(ctx, apis); err == nil {
			st, err := patroni.NewClient(fmt.Sprintf("%s:8008", m.Host)).Cluster(ctx)
			if err == nil && len(st.Members) == len(apis) {
				ok = true
				for _, mm := range st.Members {
					if mm.State != "running" && mm.State != "streaming" {
						ok = false
					}
					if _, numeric := mm.Lag.(float64); mm.Role != "leader" && !numeric {
						ok = false
					}
				}
			}
		}
		if ok {
			time.Sleep(2 * time.Second) // a loop_wait for the leader to see the replicas
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster not whole again within 3 minutes")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
