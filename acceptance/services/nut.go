package services

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// NUTUnits are the UPS units the harness simulates, one dummy-ups driver each.
var NUTUnits = []string{"ups-a", "ups-b"}

// UPSDevice writes the state a dummy-ups driver serves for one unit; tests
// call it to switch a unit to battery ("OB") and back ("OL").
func UPSDevice(dir, unit, status string, charge, runtime, load int) error {
	// dummy-ups hands upsd each value as it reads it, so a client can read
	// the file half applied: the status comes last, so that whoever waits
	// for it to change sees the other values already changed.
	body := fmt.Sprintf(`device.mfr: HA Blueprints
device.model: Simulated
ups.mfr: HA Blueprints
ups.model: Simulated
battery.charge: %d
battery.runtime: %d
ups.load: %d
ups.realpower.nominal: 9000
input.voltage: 230
output.voltage: 230
ups.status: %s
`, charge, runtime, load, status)
	// Write then rename, so the driver never reads half a file.
	path := filepath.Join(dir, unit+".dev")
	var prev time.Time
	if st, err := os.Stat(path); err == nil {
		prev = st.ModTime()
	}
	tmp := filepath.Join(dir, "."+unit+".dev.tmp")
	if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	// dummy-ups re-reads the file when its modification time changes, in
	// whole seconds: a second write within the same second as the one
	// before would go unnoticed, so move the time past it.
	if now := time.Now(); !prev.IsZero() && now.Unix() <= prev.Unix() {
		next := time.Unix(prev.Unix()+1, 0)
		return os.Chtimes(path, next, next)
	}
	return nil
}

// NUTServer is an upsd with one dummy-ups driver per unit of NUTUnits.
type NUTServer struct {
	Addr string // host:port upsd listens on
	Dir  string // where UPSDevice writes the units' state
	// procs are the drivers and upsd, stopped by Stop.
	procs []*Process
}

// StartNUT starts upsd listening on listenIP (127.0.0.1, or an address of
// the namespace-host bridge so that hosts can reach it) and a free port,
// with NUTUnits on line. Callers always Stop it.
func StartNUT(ctx context.Context, dir, listenIP string) (*NUTServer, error) {
	procs, env, err := startNUTOn(ctx, dir, listenIP)
	if err != nil {
		return nil, err
	}
	return &NUTServer{Addr: env["HA_TEST_NUT_ADDR"], Dir: env["HA_TEST_NUT_DIR"], procs: procs}, nil
}

// Stop stops upsd and the drivers.
func (n *NUTServer) Stop() error {
	var errs []error
	for i := len(n.procs) - 1; i >= 0; i-- {
		errs = append(errs, n.procs[i].Stop())
	}
	return errors.Join(errs...)
}

// startNUT starts one dummy-ups driver per unit and upsd in front of them.
func startNUT(ctx context.Context, dir string) ([]*Process, map[string]string, error) {
	return startNUTOn(ctx, dir, "127.0.0.1")
}

func startNUTOn(ctx context.Context, dir, listenIP string) ([]*Process, map[string]string, error) {
	ndir := filepath.Join(dir, "nut")
	state := filepath.Join(ndir, "state")
	if err := os.MkdirAll(state, 0o755); err != nil {
		return nil, nil, err
	}
	port, err := FreeTCPPort()
	if err != nil {
		return nil, nil, err
	}
	var upsConf strings.Builder
	for _, u := range NUTUnits {
		if err := UPSDevice(ndir, u, "OL", 100, 1800, 23); err != nil {
			return nil, nil, err
		}
		// dummy-once re-reads the file whenever its modification time changes;
		// upsd reports a change about a second after UPSDevice (measured in
		// internal/nut's tests), quicker and steadier than dummy-loop's cycles.
		fmt.Fprintf(&upsConf, "[%s]\n  driver = dummy-ups\n  port = %s\n  mode = dummy-once\n  desc = \"simulated %s\"\n", u, filepath.Join(ndir, u+".dev"), u)
	}
	files := map[string]string{
		"nut.conf":   "MODE=standalone\n",
		"ups.conf":   upsConf.String(),
		"upsd.conf":  fmt.Sprintf("LISTEN %s %d\nSTATEPATH %s\n", listenIP, port, state),
		"upsd.users": "[monitor]\n  password = monitor\n  upsmon secondary\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(ndir, name), []byte(body), 0o640); err != nil {
			return nil, nil, err
		}
	}
	env := []string{"NUT_CONFPATH=" + ndir, "NUT_STATEPATH=" + state}
	var procs []*Process
	stopAll := func() {
		for _, p := range procs {
			_ = p.Stop()
		}
	}
	for _, u := range NUTUnits {
		p, err := start(dir, "nut-"+u, env, "/lib/nut/dummy-ups", "-a", u, "-u", "root", "-F")
		if err != nil {
			stopAll()
			return nil, nil, err
		}
		procs = append(procs, p)
		sock := filepath.Join(state, "dummy-ups-"+u)
		if err := waitFor(ctx, p, 15*time.Second, func() error { _, err := os.Stat(sock); return err }); err != nil {
			stopAll()
			return nil, nil, err
		}
	}
	upsd, err := start(dir, "nut-upsd", env, "/lib/nut/upsd", "-u", "root", "-F")
	if err != nil {
		stopAll()
		return nil, nil, err
	}
	procs = append(procs, upsd)
	addr := net.JoinHostPort(listenIP, strconv.Itoa(port))
	if err := waitFor(ctx, upsd, 15*time.Second, tcpOpen(addr)); err != nil {
		stopAll()
		return nil, nil, err
	}
	// upsd answers "WAIT" until each driver has delivered its first data;
	// tests should see the units as they are, so wait for that too.
	for _, u := range NUTUnits {
		if err := waitFor(ctx, upsd, 15*time.Second, upsReady(addr, u)); err != nil {
			stopAll()
			return nil, nil, err
		}
	}
	return procs, map[string]string{
		"HA_TEST_NUT_ADDR": addr,
		"HA_TEST_NUT_UPS":  strings.Join(NUTUnits, ","),
		"HA_TEST_NUT_DIR":  ndir,
	}, nil
}

// upsReady asks upsd for a unit's status and succeeds once it is real data
// rather than an error or WAIT.
func upsReady(addr, unit string) func() error {
	return func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return err
		}
		defer func() { _ = c.Close() }()
		_ = c.SetDeadline(time.Now().Add(time.Second))
		if _, err := fmt.Fprintf(c, "GET VAR %s ups.status\n", unit); err != nil {
			return err
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "VAR ") || strings.Contains(line, "WAIT") {
			return fmt.Errorf("%s not ready: %s", unit, strings.TrimSpace(line))
		}
		return nil
	}
}
