// Package nut is a client of the Network UPS Tools network protocol (upsd,
// TCP port 3493): LIST VAR and GET VAR, with a deadline on every exchange,
// and the reading of a UPS's status flags, charge, runtime and load.
package nut

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds one exchange when Client.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// Client talks to one upsd.
type Client struct {
	Addr     string // host:port
	Timeout  time.Duration
	Username string
	Password string
}

// Error is an ERR reply from upsd, such as UNKNOWN-UPS or VAR-NOT-SUPPORTED.
type Error struct {
	Code string
}

func (e *Error) Error() string { return "upsd: ERR " + e.Code }

// IsUnknownUPS reports whether err says the UPS does not exist on the server.
func IsUnknownUPS(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == "UNKNOWN-UPS"
}

// Conn is one open session with upsd.
type Conn struct {
	c       net.Conn
	r       *bufio.Reader
	timeout time.Duration
	ctx     context.Context
}

// Dial connects and, when the client has a username, logs in.
func (c *Client) Dial(ctx context.Context) (*Conn, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return nil, fmt.Errorf("connect to upsd %s: %w", c.Addr, err)
	}
	conn := &Conn{c: nc, r: bufio.NewReader(nc), timeout: timeout, ctx: ctx}
	if c.Username != "" {
		if _, err := conn.command("USERNAME " + quote(c.Username)); err != nil {
			_ = nc.Close()
			return nil, fmt.Errorf("upsd %s: login: %w", c.Addr, err)
		}
		if _, err := conn.command("PASSWORD " + quote(c.Password)); err != nil {
			_ = nc.Close()
			return nil, fmt.Errorf("upsd %s: login: %w", c.Addr, err)
		}
	}
	return conn, nil
}

// Close says LOGOUT and closes the connection.
func (c *Conn) Close() error {
	_ = c.c.SetDeadline(time.Now().Add(c.timeout))
	_, _ = c.c.Write([]byte("LOGOUT\n"))
	return c.c.Close()
}

// deadline is the earlier of the per-exchange timeout and the context's.
func (c *Conn) deadline() time.Time {
	d := time.Now().Add(c.timeout)
	if cd, ok := c.ctx.Deadline(); ok && cd.Before(d) {
		return cd
	}
	return d
}

// command sends one line and returns the first reply line.
func (c *Conn) command(line string) (string, error) {
	if err := c.ctx.Err(); err != nil {
		return "", err
	}
	if err := c.c.SetDeadline(c.deadline()); err != nil {
		return "", err
	}
	if _, err := c.c.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	return c.readLine()
}

func (c *Conn) readLine() (string, error) {
	s, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	s = strings.TrimRight(s, "\r\n")
	if code, ok := strings.CutPrefix(s, "ERR "); ok {
		return "", &Error{Code: strings.Fields(code + " ")[0]}
	}
	return s, nil
}

// GetVar returns one variable of a UPS ("GET VAR ups ups.status").
func (c *Conn) GetVar(ups, name string) (string, error) {
	line, err := c.command("GET VAR " + ups + " " + name)
	if err != nil {
		return "", fmt.Errorf("GET VAR %s %s: %w", ups, name, err)
	}
	f, err := splitWords(line)
	if err != nil || len(f) != 4 || f[0] != "VAR" || f[1] != ups || f[2] != name {
		return "", fmt.Errorf("GET VAR %s %s: unexpected reply %q", ups, name, line)
	}
	return f[3], nil
}

// ListVars returns every variable of a UPS ("LIST VAR ups").
func (c *Conn) ListVars(ups string) (map[string]string, error) {
	line, err := c.command("LIST VAR " + ups)
	if err != nil {
		return nil, fmt.Errorf("LIST VAR %s: %w", ups, err)
	}
	if line != "BEGIN LIST VAR "+ups {
		return nil, fmt.Errorf("LIST VAR %s: unexpected reply %q", ups, line)
	}
	vars := map[string]string{}
	for {
		line, err := c.readLine()
		if err != nil {
			return nil, fmt.Errorf("LIST VAR %s: %w", ups, err)
		}
		if line == "END LIST VAR "+ups {
			return vars, nil
		}
		f, err := splitWords(line)
		if err != nil || len(f) != 4 || f[0] != "VAR" || f[1] != ups {
			return nil, fmt.Errorf("LIST VAR %s: unexpected line %q", ups, line)
		}
		vars[f[2]] = f[3]
		if len(vars) > 10000 {
			return nil, fmt.Errorf("LIST VAR %s: too many variables", ups)
		}
	}
}

// Status is what a UPS reports about its power.
type Status struct {
	UPS        string
	Flags      []string // ups.status split: OL, OB, LB, CHRG, RB, …
	Charge     float64  // battery.charge, percent; -1 when not reported
	Runtime    float64  // battery.runtime, seconds; -1 when not reported
	Load       float64  // ups.load, percent; -1 when not reported
	Vars       map[string]string
	OnLine     bool
	OnBattery  bool
	LowBattery bool
}

// Has reports whether flag is among the status flags.
func (s *Status) Has(flag string) bool {
	for _, f := range s.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// ParseStatus reads a Status from a UPS's variables.
func ParseStatus(ups string, vars map[string]string) *Status {
	s := &Status{UPS: ups, Vars: vars, Flags: strings.Fields(vars["ups.status"])}
	num := func(k string) float64 {
		v, err := strconv.ParseFloat(strings.TrimSpace(vars[k]), 64)
		if err != nil {
			return -1
		}
		return v
	}
	s.Charge, s.Runtime, s.Load = num("battery.charge"), num("battery.runtime"), num("ups.load")
	s.OnLine, s.OnBattery, s.LowBattery = s.Has("OL"), s.Has("OB"), s.Has("LB")
	return s
}

// Status reads one UPS's variables and status over a fresh connection.
func (c *Client) Status(ctx context.Context, ups string) (*Status, error) {
	conn, err := c.Dial(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = conn.Close() }()
	vars, err := conn.ListVars(ups)
	if err != nil {
		return nil, fmt.Errorf("upsd %s: %w", c.Addr, err)
	}
	if _, ok := vars["ups.status"]; !ok {
		return nil, fmt.Errorf("upsd %s: UPS %q reports no ups.status", c.Addr, ups)
	}
	return ParseStatus(ups, vars), nil
}

// splitWords splits a reply line into words, honouring "double quotes" and
// backslash escapes as upsd writes them.
func splitWords(line string) ([]string, error) {
	var out []string
	i := 0
	for i < len(line) {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i == len(line) {
			break
		}
		var b strings.Builder
		if line[i] == '"' {
			i++
			closed := false
			for i < len(line) {
				ch := line[i]
				if ch == '\\' && i+1 < len(line) {
					b.WriteByte(line[i+1])
					i += 2
					continue
				}
				if ch == '"' {
					i++
					closed = true
					break
				}
				b.WriteByte(ch)
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated quote in %q", line)
			}
		} else {
			for i < len(line) && line[i] != ' ' {
				b.WriteByte(line[i])
				i++
			}
		}
		out = append(out, b.String())
	}
	return out, nil
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", "")
	return `"` + r.Replace(s) + `"`
}
