// Package haproxy renders the HAProxy configuration of a bare-metal load
// balancer from the cloud-neutral spec (internal/loadbalancer): one frontend
// per listener bound to the virtual address, the tier's hosts as servers
// with health checks. HAProxy runs in master-worker mode, so a reload
// (SIGUSR2 to the master) starts new workers while the old ones finish
// their established connections.
package haproxy

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/loadbalancer"
)

// Server is one backend host.
type Server struct {
	Name    string
	Address string
	Port    int // 0: the health check's port
}

// Config is one balancer on one host.
type Config struct {
	Spec    loadbalancer.Spec // Name, Layer, Listeners, HealthCheck, VirtualAddress
	Servers []Server
	Dir     string // configuration and pid files; default /etc/haproxy
}

func (c Config) dir() string {
	if c.Dir == "" {
		return "/etc/haproxy"
	}
	return c.Dir
}

// ConfigPath is where haproxy.cfg goes.
func (c Config) ConfigPath() string { return c.dir() + "/haproxy.cfg" }

// Validate checks what Render needs.
func (c Config) Validate() error {
	var errs []error
	s := c.Spec
	if _, err := netip.ParseAddr(s.VirtualAddress); err != nil {
		errs = append(errs, fmt.Errorf("virtual address %q: %w", s.VirtualAddress, err))
	}
	if len(s.Listeners) == 0 {
		errs = append(errs, errors.New("no listener"))
	}
	if len(c.Servers) == 0 {
		errs = append(errs, errors.New("no backend host"))
	}
	if s.HealthCheck.Port <= 0 {
		errs = append(errs, errors.New("health_check.port: the port the hosts serve on"))
	}
	if strings.ContainsAny(s.HealthCheck.Path, " \n\"") {
		errs = append(errs, fmt.Errorf("health_check.path %q: no spaces or quotes", s.HealthCheck.Path))
	}
	return errors.Join(errs...)
}

// Render returns haproxy.cfg.
func (c Config) Render() (string, error) {
	if err := c.Validate(); err != nil {
		return "", err
	}
	s := c.Spec
	hc := s.HealthCheck
	mode := "http"
	if s.Layer == 4 {
		mode = "tcp"
	}
	inter, fall, rise := max(hc.Interval, 1), max(hc.UnhealthyThreshold, 1), max(hc.HealthyThreshold, 1)
	timeout := max(hc.Timeout, 1)
	var b strings.Builder
	fmt.Fprintf(&b, "# Managed by terraform-provider-ha (%s); edits are shown as drift and replaced on apply.\n", s.Name)
	fmt.Fprintf(&b, "global\n  master-worker\n  pidfile %s/haproxy.pid\n  stats socket %s/admin.sock mode 600 level admin expose-fd listeners\n\n", c.dir(), c.dir())
	fmt.Fprintf(&b, "defaults\n  mode %s\n  timeout connect %ds\n  timeout client 60s\n  timeout server 60s\n", mode, timeout)
	if mode == "http" {
		b.WriteString("  option forwardfor\n")
	}
	b.WriteString("\n")
	backend := "be_" + sanitize(s.Name)
	for _, l := range s.Listeners {
		// transparent (IP_TRANSPARENT): the address is bound before this host holds the VIP,
		// so a backup's HAProxy is ready the moment VRRP moves it here.
		fmt.Fprintf(&b, "frontend fe_%s_%d\n  bind %s:%d transparent\n  default_backend %s\n\n", sanitize(s.Name), l.Port, s.VirtualAddress, l.Port, backend)
	}
	fmt.Fprintf(&b, "backend %s\n  balance roundrobin\n", backend)
	switch strings.ToUpper(hc.Protocol) {
	case "HTTP", "HTTPS":
		path := hc.Path
		if path == "" {
			path = "/"
		}
		fmt.Fprintf(&b, "  option httpchk GET %s\n", path)
		if m := hc.Matcher; m != "" {
			if lo, hi, ok := strings.Cut(m, "-"); ok {
				fmt.Fprintf(&b, "  http-check expect rstatus ^(%s)$\n", statusRange(lo, hi))
			} else {
				fmt.Fprintf(&b, "  http-check expect status %s\n", m)
			}
		}
	}
	fmt.Fprintf(&b, "  timeout check %ds\n  default-server inter %ds fall %d rise %d\n", timeout, inter, fall, rise)
	for _, sv := range c.Servers {
		port := sv.Port
		if port == 0 {
			port = hc.Port
		}
		fmt.Fprintf(&b, "  server %s %s:%d check\n", sanitize(sv.Name), sv.Address, port)
	}
	return b.String(), nil
}

// statusRange turns "200-299" into an alternation of the codes' prefixes
// HAProxy's rstatus regex can match ("2[0-9][0-9]" for a whole hundred).
func statusRange(lo, hi string) string {
	if len(lo) == 3 && len(hi) == 3 && lo[0] == hi[0] && lo[1:] == "00" && hi[1:] == "99" {
		return lo[:1] + "[0-9][0-9]"
	}
	return lo + "|" + hi
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

// Daemon is what hostdeliver applies: check with `haproxy -c`, reload the
// master-worker with SIGUSR2 (established connections finish on the old
// workers), or start it.
func (c Config) Daemon(cfg string) hostdeliver.Daemon {
	conf := hostdeliver.Quote(c.ConfigPath())
	pid := hostdeliver.Quote(c.dir() + "/haproxy.pid")
	running := fmt.Sprintf("[ -s %s ] && kill -0 \"$(cat %s)\" 2>/dev/null", pid, pid)
	return hostdeliver.Daemon{
		Name:   "haproxy",
		Files:  []hostdeliver.File{{Path: c.ConfigPath(), Content: []byte(cfg), Mode: 0o644}},
		Check:  fmt.Sprintf("haproxy -c -q -f %s", conf),
		Reload: fmt.Sprintf("if %s; then kill -USR2 \"$(cat %s)\"; else haproxy -W -D -f %s -p %s </dev/null >/dev/null 2>&1; fi", running, pid, conf, pid),
		Stop: fmt.Sprintf("if %s; then p=\"$(cat %s)\"; kill \"$p\"; i=0; while kill -0 \"$p\" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; fi; rm -f %s",
			running, pid, pid),
	}
}

// Running is a shell test that succeeds when HAProxy runs on the host.
func (c Config) Running() string {
	pid := hostdeliver.Quote(c.dir() + "/haproxy.pid")
	return fmt.Sprintf("[ -s %s ] && kill -0 \"$(cat %s)\" 2>/dev/null", pid, pid)
}
