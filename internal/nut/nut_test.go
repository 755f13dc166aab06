package nut

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
)

func TestSplitWords(t *testing.T) {
	got, err := splitWords(`VAR ups-a device.mfr "HA \"Blue\\prints\""`)
	if err != nil || len(got) != 4 || got[3] != `HA "Blue\prints"` {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := splitWords(`VAR u x "open`); err == nil {
		t.Fatal("unterminated quote accepted")
	}
}

// Against the real upsd with two dummy-ups units: read both, switch ups-a to
// battery and see the flags follow.
func TestStatusAgainstUpsd(t *testing.T) {
	env := services.ForTest(t, services.NUT)
	c := &Client{Addr: env["HA_TEST_NUT_ADDR"], Timeout: 2 * time.Second}
	ctx := context.Background()

	s, err := c.Status(ctx, "ups-a")
	if err != nil {
		t.Fatal(err)
	}
	if !s.OnLine || s.OnBattery || s.Charge != 100 || s.Runtime != 1800 || s.Load != 23 {
		t.Fatalf("ups-a initially: %+v", s)
	}
	conn, err := c.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v, err := conn.GetVar("ups-b", "device.model")
	_ = conn.Close()
	if err != nil || v != "Simulated" {
		t.Fatalf("GET VAR ups-b ups.model = %q, %v", v, err)
	}

	if err := services.UPSDevice(env["HA_TEST_NUT_DIR"], "ups-a", "OB LB", 12, 90, 61); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	deadline := start.Add(20 * time.Second)
	for {
		s, err = c.Status(ctx, "ups-a")
		// dummy-ups hands upsd one value at a time: wait for all of them.
		if err == nil && s.OnBattery && s.Charge == 12 && s.Runtime == 90 && s.Load == 61 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ups-a never went on battery: %+v, %v", s, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("dummy-ups picked up the change after %s", time.Since(start).Round(10*time.Millisecond))
	if !s.LowBattery || s.OnLine || s.Charge != 12 || s.Runtime != 90 || s.Load != 61 {
		t.Fatalf("ups-a on battery: %+v", s)
	}
	if b, err := c.Status(ctx, "ups-b"); err != nil || !b.OnLine {
		t.Fatalf("ups-b: %+v, %v", b, err)
	}

	_, err = c.Status(ctx, "ups-z")
	if !IsUnknownUPS(err) {
		t.Fatalf("unknown UPS: %v", err)
	}
}

// A server that accepts but never answers trips the timeout.
func TestTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer func() { _ = c.Close() }()
		}
	}()
	c := &Client{Addr: l.Addr().String(), Timeout: 200 * time.Millisecond}
	start := time.Now()
	_, err = c.Status(context.Background(), "ups-a")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("want a timeout, got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
}
