package services

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// All services start on 127.0.0.1, answer, and stop again leaving no
// process behind; a second `up` is harmless; `down` stops exactly its PIDs.
func TestStartAllAndStop(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	names := map[string]bool{}
	for _, p := range s.Procs {
		names[p.Name] = true
		if !Alive(p.PID) {
			t.Errorf("%s (pid %d) not running", p.Name, p.PID)
		}
	}
	for _, want := range []string{"moto", "pdns", "nut-ups-a", "nut-ups-b", "nut-upsd", "snmpsim", "gcplocal"} {
		if !names[want] {
			t.Errorf("%s not started (got %v)", want, names)
		}
	}
	for _, key := range []string{"HA_AWS_ENDPOINT", "HA_POWERDNS_API_URL", "HA_TEST_PDNS_DNS", "HA_TEST_NUT_ADDR", "HA_TEST_SNMP_ADDR", "HA_GCP_COMPUTE_ENDPOINT"} {
		v := s.Env[key]
		if !strings.Contains(v, "127.0.0.1:") {
			t.Errorf("%s = %q, not on 127.0.0.1", key, v)
		}
	}
	// Each answers its own protocol.
	resp, err := http.Get(s.Env["HA_AWS_ENDPOINT"] + "/moto-api/")
	if err != nil {
		t.Errorf("AWS endpoint: %v", err)
	} else {
		_ = resp.Body.Close()
	}
	if err := tcpOpen(s.Env["HA_TEST_NUT_ADDR"])(); err != nil {
		t.Errorf("upsd: %v", err)
	}
	if err := snmpAnswers(s.Env["HA_TEST_SNMP_ADDR"], PDUCommunities[0])(); err != nil {
		t.Errorf("SNMP agent: %v", err)
	}
	c, err := net.DialTimeout("tcp", s.Env["HA_TEST_PDNS_DNS"], time.Second)
	if err != nil {
		t.Errorf("PowerDNS: %v", err)
	} else {
		_ = c.Close()
	}

	if err := s.WriteFiles(); err != nil {
		t.Fatal(err)
	}
	if !Running(dir) {
		t.Fatal("Running false with every process up")
	}
	env, err := ReadEnvFile(filepath.Join(dir, "env"))
	if err != nil || env["HA_AWS_ENDPOINT"] != s.Env["HA_AWS_ENDPOINT"] {
		t.Fatalf("env file: %v %v", env, err)
	}
	pids := append([]*Process(nil), s.Procs...)
	if err := Down(dir); err != nil {
		t.Fatal(err)
	}
	for _, p := range pids {
		if waitGone(p.PID) {
			continue
		}
		t.Errorf("%s (pid %d) still running after Down", p.Name, p.PID)
	}
	for _, f := range []string{"env", "pids"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s not removed: %v", f, err)
		}
	}
	if err := Down(dir); err != nil {
		t.Errorf("second Down: %v", err)
	}
	// Nothing else started from the directory survives (children of drivers, say).
	time.Sleep(200 * time.Millisecond)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(b), dir) {
			continue
		}
		if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && strings.Contains(string(st), ") Z ") {
			continue // a zombie of this test process, already dead
		}
		t.Errorf("process %s still runs from %s: %s", e.Name(), dir, strings.ReplaceAll(string(b), "\x00", " "))
	}
}

// waitGone waits briefly for a stopped process to be reaped.
func waitGone(pid int) bool {
	for i := 0; i < 50; i++ {
		if !Alive(pid) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func TestUnknownService(t *testing.T) {
	if _, err := Start(context.Background(), t.TempDir(), "bind9"); err == nil || !strings.Contains(err.Error(), "unknown service") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadEnvFile_badLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(p, []byte("A=1\nnot a pair\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadEnvFile(p); err == nil {
		t.Fatal("want an error")
	}
}

// Two writes in the same second still change the file's modification time
// (in whole seconds), which is what dummy-ups watches.
func TestUPSDeviceWritesAreSeen(t *testing.T) {
	dir := t.TempDir()
	var last int64
	for i, status := range []string{"OL", "OB", "OL", "OB LB"} {
		if err := UPSDevice(dir, "ups-a", status, 100, 1800, 20); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(filepath.Join(dir, "ups-a.dev"))
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && st.ModTime().Unix() <= last {
			t.Fatalf("write %d (%s) left the mtime at %d", i, status, st.ModTime().Unix())
		}
		last = st.ModTime().Unix()
	}
}
