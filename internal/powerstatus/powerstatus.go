// Package powerstatus reads the live power state of an inventory's UPS
// units (NUT) and PDUs (SNMP) concurrently, each with its own deadline, for
// the CLI and the provider alike. A device that does not answer is a result
// with an error, never a failure of the whole read.
package powerstatus

import (
	"context"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory"
	"github.com/ha-blueprints/terraform-provider-ha/internal/nut"
	"github.com/ha-blueprints/terraform-provider-ha/internal/pdu"
	"github.com/ha-blueprints/terraform-provider-ha/internal/placement"
)

// Settings are the connection defaults (from config.NUT and config.SNMP).
type Settings struct {
	NUTTimeout    time.Duration
	NUTUsername   string
	NUTPassword   string
	SNMPTimeout   time.Duration
	SNMPCommunity string
	SNMPRetries   int
}

// UPSTarget is one UPS to read: its name and NUT address "ups@host:port".
type UPSTarget struct {
	Name    string
	Address string
}

// PDUTarget is one PDU to read.
type PDUTarget struct {
	Name      string
	Address   string
	Community string // "" for the default
}

// UPSResult is one UPS read.
type UPSResult struct {
	UPSTarget
	Status *nut.Status
	Err    error
}

// PDUResult is one PDU read.
type PDUResult struct {
	PDUTarget
	Status *pdu.Status
	Err    error
}

// Targets lists the monitored devices of an inventory (those with a nut or
// snmp address), in name order.
func Targets(inv *inventory.Inventory) ([]UPSTarget, []PDUTarget) {
	var ups []UPSTarget
	for _, n := range inv.UPSNames() {
		if a := inv.UPS[n].NUT; a != "" {
			ups = append(ups, UPSTarget{Name: n, Address: a})
		}
	}
	var pdus []PDUTarget
	for _, n := range inv.PDUNames() {
		p := inv.PDUs[n]
		if p.SNMP != "" {
			pdus = append(pdus, PDUTarget{Name: n, Address: p.SNMP, Community: p.Community})
		}
	}
	return ups, pdus
}

// ReadUPS reads every UPS concurrently; results keep the order of targets.
func ReadUPS(ctx context.Context, targets []UPSTarget, s Settings) []UPSResult {
	out := make([]UPSResult, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = UPSResult{UPSTarget: t}
			name, host, port, err := inventory.SplitNUT(t.Address)
			if err != nil {
				out[i].Err = err
				return
			}
			c := &nut.Client{Addr: joinHostPort(host, port), Timeout: s.NUTTimeout, Username: s.NUTUsername, Password: s.NUTPassword}
			out[i].Status, out[i].Err = c.Status(ctx, name)
		}()
	}
	wg.Wait()
	return out
}

// ReadPDUs reads every PDU concurrently; results keep the order of targets.
func ReadPDUs(ctx context.Context, targets []PDUTarget, s Settings) []PDUResult {
	out := make([]PDUResult, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = PDUResult{PDUTarget: t}
			host, port, err := inventory.SplitHostPort(t.Address, pdu.DefaultPort)
			if err != nil {
				out[i].Err = err
				return
			}
			community := t.Community
			if community == "" {
				community = s.SNMPCommunity
			}
			c := &pdu.Client{Addr: joinHostPort(host, port), Community: community, Timeout: s.SNMPTimeout, Retries: s.SNMPRetries}
			out[i].Status, out[i].Err = c.Status(ctx)
		}()
	}
	wg.Wait()
	return out
}

// Power turns UPS results into what placement needs; unreadable units are
// left out (unknown), so they never exclude a host.
func Power(results []UPSResult) map[string]placement.Power {
	out := map[string]placement.Power{}
	for _, r := range results {
		if r.Err != nil || r.Status == nil {
			continue
		}
		switch {
		case r.Status.LowBattery:
			out[r.Name] = placement.PowerLowBattery
		case r.Status.OnBattery:
			out[r.Name] = placement.PowerOnBattery
		case r.Status.OnLine:
			out[r.Name] = placement.PowerOnline
		}
	}
	return out
}

func joinHostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}
