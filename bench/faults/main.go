// Command faults sweeps fault rates (issue 12): for each blueprint and
// rate it runs the acceptance test that applies the blueprint through
// modules/stack with that share of AWS calls throttled, failed with 500/503
// or dropped (plus 20 ms latency), and prints calls faulted, applies
// needed, wall time, objects (compared with a fault-free apply by the test)
// and objects left after destroy. The blueprints are the quickstart's
// shape, the AWS stock blueprints and the services blueprint (cache,
// object store, alerts), one at a time. The test starts its own moto;
// terraform comes from .tools/bin.
//
//	go run ./bench/faults [-rates 0,15,30,50] [-seed 1] [-blueprints quickstart,web-active-passive]
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// line is what the fault tests log per run.
var line = regexp.MustCompile(`at (\d+)% faults \(seed (-?\d+)\): (\d+) calls, (\d+) faulted \(([^)]*)\); applies (\d+); (\d+) objects; (\d+) left after destroy; ([\d.]+)s`)

func main() {
	rates := flag.String("rates", "0,15,30,50", "fault rates in percent, comma-separated")
	seed := flag.Int64("seed", 1, "fault seed")
	blueprints := flag.String("blueprints", "quickstart,web-active-active,web-active-passive,three-region-database,services", "blueprints, comma-separated")
	flag.Parse()
	fmt.Printf("%-22s %-6s %-6s %-8s %-8s %-8s %-8s %-8s %-9s %s\n", "blueprint", "rate", "seed", "calls", "faulted", "applies", "objects", "leaked", "wall", "result")
	failed := false
	for _, bp := range strings.Split(*blueprints, ",") {
		bp = strings.TrimSpace(bp)
		if !sweep(bp, *rates, *seed) {
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// sweep runs one blueprint at each rate and prints a row per rate; false
// when any run failed.
func sweep(bp, rates string, seed int64) bool {
	ok := true
	for _, r := range strings.Split(rates, ",") {
		r = strings.TrimSpace(r)
		started := time.Now()
		test := "^TestAccFaults_stockBlueprintsConverge$"
		if bp == "quickstart" {
			test = "^TestAccFaults_quickstartConverges$"
		}
		cmd := exec.Command("go", "test", "-count=1", "-timeout", "60m", "-run", test, "-v", "./acceptance/")
		cmd.Env = append(os.Environ(), "TF_ACC=1", "HA_SERVICES_ENV=", "HA_FAULT_RATE="+r+"%", fmt.Sprintf("HA_FAULT_SEED=%d", seed), "HA_FAULT_BLUEPRINTS="+bp,
			// The retry waits a user has (the tests shorten them).
			"HA_AWS_BACKOFF_UNIT=1s", "HA_GCP_BACKOFF_UNIT=1s")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		result := "ok"
		if err != nil {
			result = "FAIL (objects differ, leaked, or no convergence in two applies)"
			ok = false
		}
		// The last matching line is the faulted run (the first is the
		// fault-free reference).
		var m []string
		sc := bufio.NewScanner(&out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if mm := line.FindStringSubmatch(sc.Text()); mm != nil {
				m = mm
			}
		}
		if m == nil {
			fmt.Printf("%-22s %-6s %-6d no figures (%.0fs): %s\n", bp, r+"%", seed, time.Since(started).Seconds(), lastLines(out.String(), 15))
			ok = false
			continue
		}
		fmt.Printf("%-22s %-6s %-6s %-8s %-8s %-8s %-8s %-8s %-9s %s\n", bp, m[1]+"%", m[2], m[3], m[4], m[6], m[7], m[8], m[9]+"s", result)
	}
	return ok
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
