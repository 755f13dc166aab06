// Package pdu reads and switches APC switched rack PDUs over SNMP v2c
// (PowerNet MIB, rPDU branch 1.3.6.1.4.1.318.1.1.12): identity, load per
// bank or phase, outlet states, and outlet on/off/reboot through
// rPDUOutletControlOutletCommand.
package pdu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gosnmp/gosnmp"
)

// OIDs of the PowerNet MIB used here.
const (
	oidRPDU           = "1.3.6.1.4.1.318.1.1.12"
	OIDIdentName      = oidRPDU + ".1.1.0"
	OIDIdentModel     = oidRPDU + ".1.5.0"
	OIDIdentRating    = oidRPDU + ".1.7.0"  // rPDUIdentDeviceRating, amps
	OIDIdentOutlets   = oidRPDU + ".1.8.0"  // rPDUIdentDeviceNumOutlets
	OIDIdentPhases    = oidRPDU + ".1.9.0"  // rPDUIdentDeviceNumPhases
	OIDIdentWatts     = oidRPDU + ".1.16.0" // rPDUIdentDevicePowerWatts
	OIDLoadStatus     = oidRPDU + ".2.3.1.1"
	OIDOutletControl  = oidRPDU + ".3.3.1.1"
	OIDOutletCommand  = OIDOutletControl + ".4" // rPDUOutletControlOutletCommand.N
	OIDOutletName     = OIDOutletControl + ".2" // rPDUOutletControlOutletName.N
	DefaultPort       = 161
	DefaultTimeout    = 5 * time.Second
	DefaultCommunity  = "public"
	maxOutletsPerWalk = 4096
)

// Command is a value of rPDUOutletControlOutletCommand.
type Command int

// Outlet commands; reading the same OID returns immediateOn or immediateOff
// for the outlet's state.
const (
	ImmediateOn     Command = 1
	ImmediateOff    Command = 2
	ImmediateReboot Command = 3
	OutletUnknown   Command = 4
)

// Outlet states as reported.
const (
	StateOn      = "on"
	StateOff     = "off"
	StateUnknown = "unknown"
)

// ErrNoSuchOutlet is returned for an outlet the PDU does not have.
var ErrNoSuchOutlet = errors.New("no such outlet")

// Client talks to one PDU.
type Client struct {
	Addr      string // host[:port]
	Community string
	Timeout   time.Duration
	Retries   int
}

// Load is one row of rPDULoadStatusTable: a phase or a bank.
type Load struct {
	Index int
	Amps  float64 // rPDULoadStatusLoad is in tenths of amps
	State string  // normal, low, near_overload, overload
	Phase int
	Bank  int // 0 for a phase total
}

// Outlet is one outlet.
type Outlet struct {
	Number int
	Name   string
	State  string
}

// Status is a PDU's identity, loads and outlets.
type Status struct {
	Name       string
	Model      string
	RatingAmps int
	Phases     int
	Watts      int
	Loads      []Load
	Outlets    []Outlet
}

func (c *Client) connect(ctx context.Context) (*gosnmp.GoSNMP, error) {
	host, port := strings.Trim(c.Addr, "[]"), uint16(DefaultPort)
	if h, p, err := net.SplitHostPort(c.Addr); err == nil {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("invalid PDU address %q", c.Addr)
		}
		host, port = h, uint16(n)
	}
	if host == "" {
		return nil, fmt.Errorf("invalid PDU address %q", c.Addr)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	community := c.Community
	if community == "" {
		community = DefaultCommunity
	}
	g := &gosnmp.GoSNMP{
		Target: host, Port: port, Community: community, Version: gosnmp.Version2c,
		Timeout: timeout, Retries: max(c.Retries, 0), Context: ctx, MaxOids: gosnmp.MaxOids,
		MaxRepetitions: 32,
	}
	if err := g.Connect(); err != nil {
		return nil, fmt.Errorf("connect to PDU %s: %w", c.Addr, err)
	}
	return g, nil
}

// Status reads identity, loads and every outlet.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	g, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = g.Conn.Close() }()
	r, err := g.Get([]string{OIDIdentName, OIDIdentModel, OIDIdentRating, OIDIdentOutlets, OIDIdentPhases, OIDIdentWatts})
	if err != nil {
		return nil, fmt.Errorf("PDU %s: read identity: %w", c.Addr, err)
	}
	s := &Status{}
	for _, v := range r.Variables {
		switch strings.TrimPrefix(v.Name, ".") {
		case OIDIdentName:
			s.Name = str(v)
		case OIDIdentModel:
			s.Model = str(v)
		case OIDIdentRating:
			s.RatingAmps = num(v)
		case OIDIdentPhases:
			s.Phases = num(v)
		case OIDIdentWatts:
			s.Watts = num(v)
		}
	}
	if s.Name == "" && s.Model == "" {
		return nil, fmt.Errorf("PDU %s: no rPDU identity; not an APC switched rack PDU, or the wrong community", c.Addr)
	}
	loads, err := walk(g, OIDLoadStatus)
	if err != nil {
		return nil, fmt.Errorf("PDU %s: read load: %w", c.Addr, err)
	}
	rows := map[int]*Load{}
	for col, cells := range loads {
		for idx, v := range cells {
			l := rows[idx]
			if l == nil {
				l = &Load{Index: idx}
				rows[idx] = l
			}
			switch col {
			case 2:
				l.Amps = float64(num(v)) / 10
			case 3:
				l.State = loadState(num(v))
			case 4:
				l.Phase = num(v)
			case 5:
				l.Bank = num(v)
			}
		}
	}
	for _, idx := range sortedKeys(rows) {
		s.Loads = append(s.Loads, *rows[idx])
	}
	outlets, err := walk(g, OIDOutletControl)
	if err != nil {
		return nil, fmt.Errorf("PDU %s: read outlets: %w", c.Addr, err)
	}
	for _, idx := range sortedKeys(outlets[4]) {
		s.Outlets = append(s.Outlets, Outlet{Number: idx, Name: str(outlets[2][idx]), State: outletState(num(outlets[4][idx]))})
	}
	return s, nil
}

// Outlet reads one outlet.
func (c *Client) Outlet(ctx context.Context, n int) (*Outlet, error) {
	g, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = g.Conn.Close() }()
	return readOutlet(g, c.Addr, n)
}

func readOutlet(g *gosnmp.GoSNMP, addr string, n int) (*Outlet, error) {
	cmd, name := fmt.Sprintf("%s.%d", OIDOutletCommand, n), fmt.Sprintf("%s.%d", OIDOutletName, n)
	r, err := g.Get([]string{cmd, name})
	if err != nil {
		return nil, fmt.Errorf("PDU %s: read outlet %d: %w", addr, n, err)
	}
	o := &Outlet{Number: n}
	for _, v := range r.Variables {
		if v.Type == gosnmp.NoSuchObject || v.Type == gosnmp.NoSuchInstance || v.Type == gosnmp.EndOfMibView {
			return nil, fmt.Errorf("PDU %s: outlet %d: %w", addr, n, ErrNoSuchOutlet)
		}
		switch strings.TrimPrefix(v.Name, ".") {
		case cmd:
			o.State = outletState(num(v))
		case name:
			o.Name = str(v)
		}
	}
	return o, nil
}

// SetOutlet sends a command to one outlet and reads the outlet back.
func (c *Client) SetOutlet(ctx context.Context, n int, cmd Command) (*Outlet, error) {
	if cmd != ImmediateOn && cmd != ImmediateOff && cmd != ImmediateReboot {
		return nil, fmt.Errorf("unsupported outlet command %d", cmd)
	}
	g, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = g.Conn.Close() }()
	// Check first that the outlet exists: a SET to a missing instance on
	// some agents creates nothing and says little.
	if _, err := readOutlet(g, c.Addr, n); err != nil {
		return nil, err
	}
	pdu := gosnmp.SnmpPDU{Name: fmt.Sprintf("%s.%d", OIDOutletCommand, n), Type: gosnmp.Integer, Value: int(cmd)}
	r, err := g.Set([]gosnmp.SnmpPDU{pdu})
	if err != nil {
		return nil, fmt.Errorf("PDU %s: set outlet %d: %w", c.Addr, n, err)
	}
	if r.Error != gosnmp.NoError {
		return nil, fmt.Errorf("PDU %s: set outlet %d: agent says %s", c.Addr, n, r.Error)
	}
	return readOutlet(g, c.Addr, n)
}

// walk returns a table as column → row index → value.
func walk(g *gosnmp.GoSNMP, table string) (map[int]map[int]gosnmp.SnmpPDU, error) {
	vars, err := g.BulkWalkAll(table)
	if err != nil {
		return nil, err
	}
	out := map[int]map[int]gosnmp.SnmpPDU{}
	for i, v := range vars {
		if i > maxOutletsPerWalk*8 {
			return nil, fmt.Errorf("table %s too large", table)
		}
		rest := strings.TrimPrefix(strings.TrimPrefix(v.Name, "."), table+".")
		colStr, idxStr, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		col, err1 := strconv.Atoi(colStr)
		idx, err2 := strconv.Atoi(idxStr)
		if err1 != nil || err2 != nil {
			continue
		}
		if out[col] == nil {
			out[col] = map[int]gosnmp.SnmpPDU{}
		}
		out[col][idx] = v
	}
	return out, nil
}

func str(v gosnmp.SnmpPDU) string {
	if b, ok := v.Value.([]byte); ok {
		return string(b)
	}
	if s, ok := v.Value.(string); ok {
		return s
	}
	return ""
}

func num(v gosnmp.SnmpPDU) int {
	switch v.Type {
	case gosnmp.Integer, gosnmp.Gauge32, gosnmp.Counter32, gosnmp.Uinteger32, gosnmp.TimeTicks, gosnmp.Counter64:
		return int(gosnmp.ToBigInt(v.Value).Int64())
	}
	return 0
}

// outletState maps rPDUOutletControlOutletCommand as read: immediateOn (1),
// immediateOff (2); a reboot in progress (3, 7) ends with the outlet on.
func outletState(n int) string {
	switch n {
	case 1, 3, 7:
		return StateOn
	case 2:
		return StateOff
	}
	return StateUnknown
}

func loadState(n int) string {
	switch n {
	case 1:
		return "normal"
	case 2:
		return "low"
	case 3:
		return "near_overload"
	case 4:
		return "overload"
	}
	return "unknown"
}

func sortedKeys[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
