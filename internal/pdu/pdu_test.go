package pdu

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
)

// Against the real snmpsimd with the APC rPDU profile: identity, loads and
// outlets come from the recorded OIDs; an outlet goes off and on again.
func TestAgainstSnmpsim(t *testing.T) {
	env := services.ForTest(t, services.SNMP)
	ctx := context.Background()
	a := &Client{Addr: env["HA_TEST_SNMP_ADDR"], Community: "pdu-a", Timeout: 2 * time.Second}
	b := &Client{Addr: env["HA_TEST_SNMP_ADDR"], Community: "pdu-b", Timeout: 2 * time.Second}

	s, err := a.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := strconv.Atoi(env["HA_TEST_SNMP_OUTLETS"])
	if s.Name != "pdu-a" || s.Model != "AP8941" || s.RatingAmps != 32 || len(s.Outlets) != want {
		t.Fatalf("status %+v", s)
	}
	// The phase total, then its two banks.
	if len(s.Loads) != 3 || s.Loads[0].Amps != 4.0 || s.Loads[0].State != "normal" || s.Loads[0].Phase != 1 || s.Loads[0].Bank != 0 ||
		s.Loads[1].Bank != 1 || s.Loads[2].Bank != 2 || s.Loads[1].Amps+s.Loads[2].Amps != 4.0 {
		t.Fatalf("loads %+v", s.Loads)
	}
	if sb, err := b.Status(ctx); err != nil || sb.Loads[0].Amps != 5.0 {
		t.Fatalf("pdu-b loads %+v, %v", sb, err)
	}
	for _, o := range s.Outlets {
		if o.State != StateOn || o.Name == "" {
			t.Fatalf("outlet %+v", o)
		}
	}

	o, err := a.SetOutlet(ctx, 3, ImmediateOff)
	if err != nil || o.State != StateOff {
		t.Fatalf("off: %+v, %v", o, err)
	}
	if o, err := a.Outlet(ctx, 3); err != nil || o.State != StateOff {
		t.Fatalf("read back: %+v, %v", o, err)
	}
	// Other outlets are untouched. (The simulator's writecache is keyed by
	// OID alone, so pdu-b's outlet 3 would show the change too; a real PDU
	// is its own agent.)
	if o, err := a.Outlet(ctx, 2); err != nil || o.State != StateOn {
		t.Fatalf("outlet 2: %+v, %v", o, err)
	}
	if o, err := a.SetOutlet(ctx, 3, ImmediateOn); err != nil || o.State != StateOn {
		t.Fatalf("on: %+v, %v", o, err)
	}
	if o, err := a.SetOutlet(ctx, 4, ImmediateReboot); err != nil || o.State != StateOn {
		t.Fatalf("reboot: %+v, %v", o, err)
	}
	if _, err := a.Outlet(ctx, want+1); !errors.Is(err, ErrNoSuchOutlet) {
		t.Fatalf("outlet beyond the PDU: %v", err)
	}
	bad := &Client{Addr: env["HA_TEST_SNMP_ADDR"], Community: "nope", Timeout: 300 * time.Millisecond}
	if _, err := bad.Status(ctx); err == nil {
		t.Fatal("wrong community answered")
	}
}

// Nothing listening: the request times out instead of hanging.
func TestUnreachable(t *testing.T) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }() // bound but silent
	start := time.Now()
	_, err = (&Client{Addr: c.LocalAddr().String(), Timeout: 200 * time.Millisecond}).Status(context.Background())
	if err == nil {
		t.Fatal("no error from a silent agent")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
}

func TestBadAddress(t *testing.T) {
	for _, a := range []string{"", "h:0", "h:x", "[::1]:99999"} {
		if _, err := (&Client{Addr: a, Timeout: 100 * time.Millisecond}).connect(context.Background()); err == nil {
			t.Errorf("address %q accepted", a)
		}
	}
	g, err := (&Client{Addr: "[::1]:1161"}).connect(context.Background())
	if err != nil || g.Target != "::1" || g.Port != 1161 {
		t.Fatalf("IPv6: %+v %v", g, err)
	}
	_ = g.Conn.Close()
}
