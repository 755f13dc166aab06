// Package services starts the real local services the project tests and
// demos against (a local AWS endpoint, PowerDNS, NUT upsd, an SNMP PDU agent),
// each on 127.0.0.1 and free ports, and stops exactly the processes it started.
package services

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Process is one started server.
type Process struct {
	Name string
	PID  int
	Log  string
	cmd  *exec.Cmd
	done chan struct{}
}

// start runs a server in its own process group (so `down` can stop it and
// its children, and so it outlives `servicesctl up`), logging to dir/NAME.log.
func start(dir, name string, env []string, argv ...string) (*Process, error) {
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: open log: %w", name, err)
	}
	defer func() { _ = logf.Close() }()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", name, argv[0], err)
	}
	p := &Process{Name: name, PID: cmd.Process.Pid, Log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// exited reports whether a process this harness started has ended.
func (p *Process) exited() bool {
	if p.done == nil {
		return !Alive(p.PID)
	}
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop ends the process group: SIGTERM, then SIGKILL after a grace period.
func (p *Process) Stop() error {
	return StopPID(p.PID, p.done)
}

// StopPID stops the process group led by pid. done, when not nil, closes
// when the process has been reaped by this process.
func StopPID(pid int, done <-chan struct{}) error {
	if pid <= 0 {
		return nil
	}
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if done != nil {
			select {
			case <-done:
				return nil
			case <-time.After(50 * time.Millisecond):
			}
		} else {
			if !Alive(pid) {
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill process group %d: %w", pid, err)
	}
	if done != nil {
		<-done
	}
	return nil
}

// Alive reports whether pid is a running process (zombies count as gone).
func Alive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// Field 3 of /proc/PID/stat is the state; Z is a zombie.
	for i := 0; i+2 < len(b); i++ {
		if b[i] == ')' {
			return b[i+2] != 'Z'
		}
	}
	return true
}

// FreeTCPPort asks the kernel for a free TCP port on 127.0.0.1.
func FreeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FreePort returns a port free for both TCP and UDP on 127.0.0.1 (DNS uses both).
func FreePort() (int, error) {
	for i := 0; i < 50; i++ {
		port, err := FreeTCPPort()
		if err != nil {
			return 0, err
		}
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			_ = u.Close()
			return port, nil
		}
	}
	return 0, errors.New("no port free for both TCP and UDP")
}

// waitFor polls check until it returns nil, the process dies, or the timeout passes.
func waitFor(ctx context.Context, p *Process, timeout time.Duration, check func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if last = check(); last == nil {
			return nil
		}
		if p != nil && p.exited() {
			return fmt.Errorf("%s exited before it was ready (see %s): %w", p.Name, p.Log, last)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: %w", p.Name, timeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func httpOK(url string, header map[string]string) func() error {
	return func() error {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		c := http.Client{Timeout: time.Second}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	}
}

func tcpOpen(addr string) func() error {
	return func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	}
}
