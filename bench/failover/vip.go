package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/drill"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/keepalived"
	"github.com/ha-blueprints/terraform-provider-ha/internal/pdu"
	"github.com/ha-blueprints/terraform-provider-ha/internal/vipdrill"
)

type vipReport struct {
	Rounds            int               `json:"rounds"`
	AdvertSeconds     int               `json:"advert_seconds"`
	VIPSwitch         drill.Summary     `json:"vip_switch_seconds"`
	VIPFailback       drill.Summary     `json:"vip_failback_seconds"`
	PowerSwitch       drill.Summary     `json:"power_switch_seconds"`
	GoalMedianSeconds float64           `json:"goal_median_seconds"`
	Results           []vipdrill.Result `json:"results"`
}

// runVIP measures VRRP failover on three namespace hosts in two racks
// (keepalived delivered over SSH, advert 1 s, priorities 254/253/237): the
// VIP drill kills the master's keepalived, the power drill switches off
// the master's PDU outlets over SNMP (the harness then powers the host
// off: link down, every process killed), each followed by a failback;
// rounds of each. Probes overlap (one every 50 ms), so a probe stuck on
// the dead holder does not hide the move.
func runVIP(ctx context.Context, rounds int, asJSON bool) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("the VIP drills need root (network namespaces); run with -vip=false to skip them")
	}
	names := []string{"r1-h01", "r1-h02", "r2-h01"}
	lab, err := nshosts.Start(ctx, nshosts.Spec{Hosts: map[string]string{"r1-h01": "", "r1-h02": "", "r2-h01": ""}})
	if err != nil {
		return err
	}
	defer func() { _ = lab.Stop() }()
	vip := lab.Prefix.Addr()
	for i := 0; i < 10; i++ {
		vip = vip.Next()
	}
	serve := func(h *nshosts.Host) error {
		if err := os.WriteFile(h.EtcDir+"/haproxy/host", []byte(h.Name), 0o644); err != nil {
			return err
		}
		_, err := h.Start("web", "/usr/bin/python3", "-m", "http.server", "--bind", "0.0.0.0", "--directory", "/etc/haproxy", "8080")
		return err
	}
	feeds := map[string][]string{"r1-h01": {"pdu-r1-a", "pdu-r1-b"}, "r1-h02": {"pdu-r1-a", "pdu-r1-b"}, "r2-h01": {"pdu-r2-a", "pdu-r2-b"}}
	g := keepalived.Group{Name: "bench-web", VIP: vip.String(), PrefixLen: lab.Prefix.Bits(), RouterID: 9, AdvertSec: 1, AuthPass: "bench"}
	keys := keepalived.HostKeys{}
	for _, n := range names {
		h := lab.Hosts[n]
		if err := serve(h); err != nil {
			return err
		}
		g.Members = append(g.Members, keepalived.Member{Name: n, Address: h.Address, Feeds: feeds[n]})
		keys[n] = h.HostKey
	}
	s := hostdeliver.Settings{PrivateKey: lab.ClientKey}
	if err := g.Deliver(ctx, s, keys, true); err != nil {
		return err
	}
	client := http.Client{Timeout: 500 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	probe := func(ctx context.Context) (string, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+vip.String()+":8080/host", nil)
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer func() { _ = resp.Body.Close() }()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	master := keepalived.Order(g.Members)[0].Name
	settle := func() error {
		deadline := time.Now().Add(30 * time.Second)
		for {
			if who, _ := probe(ctx); who == master {
				// Let the backups see the master's adverts again, then
				// pause a random part of an advert: the master's adverts
				// are in step with its takeover, which this loop just saw,
				// so without it every drill would strike right after an
				// advert (the worst case), where a real failure strikes at
				// any point between two.
				time.Sleep(2*time.Second + time.Duration(rand.Int64N(int64(time.Second))))
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("VIP did not settle on %s", master)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	restart := func(ctx context.Context, _ string) error { return g.Deliver(ctx, s, keys, false) }

	// The power drill switches off the master's two PDU outlets over SNMP
	// (snmpsim); the harness powers off a host that lost every feed, and
	// boots it (and its web server) when one is back.
	sdir, err := os.MkdirTemp("", "bench-vip-snmp-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(sdir) }()
	snmp, err := services.Start(ctx, sdir, services.SNMP)
	if err != nil {
		return err
	}
	defer snmp.Stop()
	hosts := vipdrill.Hosts{SSH: s, Targets: map[string]hostdeliver.Target{}, Outlets: map[string][]vipdrill.Outlet{}}
	power := map[string][]nshosts.Feed{}
	for i, n := range names {
		hosts.Targets[n] = hostdeliver.Target{Name: n, Address: lab.Hosts[n].Address, HostKey: keys[n]}
		for _, c := range services.PDUCommunities {
			cl := &pdu.Client{Addr: snmp.Env["HA_TEST_SNMP_ADDR"], Community: c, Timeout: time.Second}
			if _, err := cl.SetOutlet(ctx, i+1, pdu.ImmediateOn); err != nil {
				return err
			}
			hosts.Outlets[n] = append(hosts.Outlets[n], vipdrill.Outlet{PDU: cl, Number: i + 1})
			power[n] = append(power[n], outletFeed(cl, i+1))
		}
	}
	// A host loses power the moment its last outlet goes off; the harness
	// reads the outlets every 20 ms to come close to that.
	stopWatch := lab.WatchPower(power, 20*time.Millisecond, func(h *nshosts.Host) { _ = serve(h) })
	defer stopWatch()
	powerOff, err := hosts.Break(vipdrill.ModePower)
	if err != nil {
		return err
	}
	powerOn := hosts.Restore(vipdrill.ModePower)
	rep := vipReport{Rounds: rounds, AdvertSeconds: 1, GoalMedianSeconds: 3}
	var vs, vf, ps []float64
	for i := 0; i < rounds; i++ {
		if err := settle(); err != nil {
			return err
		}
		r, err := vipdrill.Run(ctx, vipdrill.Drill{Kind: "vip", VIP: vip.String(), Probe: probe, Restore: restart,
			// The switch counts from the kill itself: the host shares this
			// clock, and starting the command in the namespace can take a
			// while on a busy machine, during which keepalived still runs.
			BreakAt: func(ctx context.Context, host string) (time.Time, error) {
				out, err := lab.Hosts[host].Exec(ctx, "bash", "-c", vipdrill.CrashCommandMarked("", "echo $EPOCHREALTIME"))
				if err != nil {
					return time.Time{}, err
				}
				f, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
				if err != nil {
					return time.Time{}, fmt.Errorf("kill time %q: %w", out, err)
				}
				return time.Unix(0, int64(f*1e9)), nil
			}})
		rep.Results = append(rep.Results, r)
		if err != nil {
			return err
		}
		if !asJSON {
			fmt.Println(r.Summary())
		}
		vs, vf = append(vs, r.SwitchSeconds), append(vf, r.FailbackSecond)
		if err := settle(); err != nil {
			return err
		}
		r, err = vipdrill.Run(ctx, vipdrill.Drill{Kind: "power", VIP: vip.String(), Probe: probe,
			Break: powerOff, Restore: powerOn})
		rep.Results = append(rep.Results, r)
		if err != nil {
			return err
		}
		if !asJSON {
			fmt.Println(r.Summary())
		}
		ps = append(ps, r.SwitchSeconds)
	}
	rep.VIPSwitch, rep.VIPFailback, rep.PowerSwitch = drill.Summarize(vs), drill.Summarize(vf), drill.Summarize(ps)
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	verdict := func(m float64) string {
		if m <= rep.GoalMedianSeconds {
			return "met"
		}
		return "MISSED"
	}
	fmt.Printf(`
VRRP (keepalived, advert 1 s, unicast, 3 namespace hosts in 2 racks), %d rounds, measured from the bridge:
  vip drill (master's keepalived killed)  switch   min %5.2f  median %5.2f  max %5.2f s   (goal median <= %.0f s: %s)
                                          failback min %5.2f  median %5.2f  max %5.2f s
  power drill (master's PDU outlets off)  switch   min %5.2f  median %5.2f  max %5.2f s   (goal median <= %.0f s: %s)
  arithmetic: 3 x advert + skew (first backup, priority 253) = %.3f s after the master's last advert;
              a failure strikes at a random point between two adverts: %.3f to %.3f s after it, plus the ARP update
`, rounds, rep.VIPSwitch.Min, rep.VIPSwitch.Median, rep.VIPSwitch.Max, rep.GoalMedianSeconds, verdict(rep.VIPSwitch.Median),
		rep.VIPFailback.Min, rep.VIPFailback.Median, rep.VIPFailback.Max,
		rep.PowerSwitch.Min, rep.PowerSwitch.Median, rep.PowerSwitch.Max, rep.GoalMedianSeconds, verdict(rep.PowerSwitch.Median),
		keepalived.Detection(1).Seconds(), (keepalived.Detection(1) - time.Second).Seconds(), keepalived.Detection(1).Seconds())
	return nil
}

// outletFeed reads one PDU outlet over SNMP for nshosts.WatchPower.
func outletFeed(cl *pdu.Client, n int) nshosts.Feed {
	return func(ctx context.Context) (bool, error) {
		o, err := cl.Outlet(ctx, n)
		if err != nil {
			return false, err
		}
		return o.State == pdu.StateOff, nil
	}
}
