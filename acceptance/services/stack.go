package services

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Names of the services, in start order.
const (
	Moto     = "moto"
	PowerDNS = "powerdns"
	NUT      = "nut"
	SNMP     = "snmp"
	GCP      = "gcp"
)

// All is every service the harness knows.
var All = []string{Moto, PowerDNS, NUT, SNMP, GCP}

// Stack is a set of started services and the environment that reaches them.
type Stack struct {
	Dir   string
	Procs []*Process
	Env   map[string]string
}

// Start starts the named services (all when none are named) with their
// files under dir. On error, whatever was started is stopped again.
func Start(ctx context.Context, dir string, names ...string) (*Stack, error) {
	if len(names) == 0 {
		names = All
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	s := &Stack{Dir: dir, Env: map[string]string{}}
	for _, n := range names {
		var procs []*Process
		var env map[string]string
		var err error
		switch n {
		case Moto:
			var p *Process
			p, env, err = startMoto(ctx, dir)
			procs = []*Process{p}
		case PowerDNS:
			var p *Process
			p, env, err = startPowerDNS(ctx, dir)
			procs = []*Process{p}
		case NUT:
			procs, env, err = startNUT(ctx, dir)
		case SNMP:
			var p *Process
			p, env, err = startSNMP(ctx, dir)
			procs = []*Process{p}
		case GCP:
			var p *Process
			p, env, err = startGCP(ctx, dir)
			procs = []*Process{p}
		default:
			err = fmt.Errorf("unknown service %q (known: %s)", n, strings.Join(All, ", "))
		}
		if err != nil {
			s.Stop()
			return nil, fmt.Errorf("start %s: %w", n, err)
		}
		s.Procs = append(s.Procs, procs...)
		for k, v := range env {
			s.Env[k] = v
		}
	}
	return s, nil
}

// Stop stops every process of the stack, last started first.
func (s *Stack) Stop() {
	for i := len(s.Procs) - 1; i >= 0; i-- {
		_ = s.Procs[i].Stop()
	}
	s.Procs = nil
}

// WriteFiles writes DIR/env (KEY=VALUE lines, sourceable by make and shells)
// and DIR/pids (NAME PID lines) for `servicesctl down`.
func (s *Stack) WriteFiles() error {
	keys := make([]string, 0, len(s.Env))
	for k := range s.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var env strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&env, "%s=%s\n", k, s.Env[k])
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "env"), []byte(env.String()), 0o600); err != nil {
		return err
	}
	var pids strings.Builder
	for _, p := range s.Procs {
		fmt.Fprintf(&pids, "%s %d\n", p.Name, p.PID)
	}
	return os.WriteFile(filepath.Join(s.Dir, "pids"), []byte(pids.String()), 0o600)
}

// ReadEnvFile reads a KEY=VALUE file written by WriteFiles.
func ReadEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s: bad line %q", path, line)
		}
		env[k] = v
	}
	return env, sc.Err()
}

// ReadPIDs reads DIR/pids.
func ReadPIDs(dir string) (map[string]int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "pids"))
	if err != nil {
		return nil, err
	}
	pids := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		pid, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, fmt.Errorf("pids file: %q: %w", line, err)
		}
		pids[f[0]] = pid
	}
	return pids, nil
}

// Down stops the processes listed in DIR/pids and removes the env and pids files.
func Down(dir string) error {
	pids, err := ReadPIDs(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for name, pid := range pids {
		if err := StopPID(pid, nil); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", name, err))
		}
	}
	_ = os.Remove(filepath.Join(dir, "env"))
	_ = os.Remove(filepath.Join(dir, "pids"))
	return errors.Join(errs...)
}

// Running reports whether DIR/pids lists processes that are all alive.
func Running(dir string) bool {
	pids, err := ReadPIDs(dir)
	if err != nil || len(pids) == 0 {
		return false
	}
	for _, pid := range pids {
		if !Alive(pid) {
			return false
		}
	}
	return true
}

// EnvFileVar names the variable pointing tests at an env file of running
// services (set by `make test`); without it each test starts its own.
const EnvFileVar = "HA_SERVICES_ENV"

// private are the services a test always gets to itself: they simulate
// hardware whose state tests change (a UPS on battery, an outlet off), and
// test packages run in parallel. The others are shared safely because tests
// use names of their own in them.
var private = map[string]bool{NUT: true, SNMP: true}

// ForTest returns the environment of running services for a test: shared
// ones from HA_SERVICES_ENV when it is set, and the rest (always NUT and
// SNMP) started for this test alone in its temp dir and stopped when it ends.
func ForTest(t testing.TB, names ...string) map[string]string {
	t.Helper()
	if len(names) == 0 {
		names = All
	}
	env := map[string]string{}
	toStart := names
	if path := os.Getenv(EnvFileVar); path != "" {
		shared, err := ReadEnvFile(path)
		if err != nil {
			t.Fatalf("read %s=%s: %v", EnvFileVar, path, err)
		}
		for k, v := range shared {
			env[k] = v
		}
		toStart = nil
		for _, n := range names {
			if private[n] {
				toStart = append(toStart, n)
			}
		}
	}
	if len(toStart) > 0 {
		s, err := Start(context.Background(), t.TempDir(), toStart...)
		if err != nil {
			t.Fatalf("start local services %v: %v", toStart, err)
		}
		t.Cleanup(s.Stop)
		for k, v := range s.Env {
			env[k] = v
		}
	}
	return env
}
