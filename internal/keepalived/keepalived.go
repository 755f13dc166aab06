// Package keepalived renders the keepalived configuration of one VRRP group
// (a virtual IP over a tier's hosts) and the commands that run it without
// systemd. It knows nothing of SSH or Terraform: hostdeliver delivers what
// it renders.
package keepalived

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
)

// Member is one host of the group, in placement order.
type Member struct {
	Name    string
	Address string
	// Feeds are the power feeds the host draws from (UPS and PDU names):
	// the master and the first backup should share none.
	Feeds []string
}

// Group is one VRRP group.
type Group struct {
	Name        string // physical name, e.g. shop-dc1-web
	VIP         string // the virtual address
	PrefixLen   int    // of the site network, e.g. 24
	Interface   string // default eth0
	RouterID    int    // virtual_router_id, 1..255
	Members     []Member
	AdvertSec   int    // advert interval in seconds, 1..255
	AuthPass    string // up to 8 characters (VRRPv2 PASS authentication)
	CheckScript string // health check of the tier's service; "" for none
	// Dir holds the configuration and pid files on every host; default
	// /etc/keepalived.
	Dir string
}

// Priorities follow placement order (Order). VRRP's master-down interval
// is 3 adverts plus a skew of (256 - priority) / 256 adverts, so the first
// backup gets a high priority (253, just under the master's 254): it takes
// over 3.012 adverts after the master's last one (with 250/240/... it was
// 3.06). Further backups step down by backupStep, so each fires a clear
// 62 ms (per second of advert) after the one before it: one rank apart
// (4 ms) a busy host's scheduling could let the second backup win the race
// and the first take the address from it again a moment later, a second
// move. 255 is reserved for the address owner, which a keepalived VIP is
// never.
const (
	topPriority = 254
	backupStep  = 16
)

// priority of the member at rank i (0 = master) of Order.
func priority(i int) int {
	if i == 0 {
		return topPriority
	}
	if p := topPriority - 1 - backupStep*(i-1); p > 1 {
		return p
	}
	return 1
}

// Skew is how much later than 3 missed adverts a backup of priority prio
// declares the master dead.
func Skew(prio, advertSec int) time.Duration {
	return time.Duration(256-prio) * time.Duration(advertSec) * time.Second / 256
}

// Order puts members so that each next one shares as few power feeds as
// possible with those before it (greedy; placement order breaks ties): the
// master and its first backup do not go down with one UPS or PDU. Racks
// fed by the same two UPSes still differ in their PDUs, so the other rack
// wins over the same rack.
func Order(ms []Member) []Member {
	left := append([]Member(nil), ms...)
	var out []Member
	used := map[string]bool{}
	for len(left) > 0 {
		pick, best := 0, -1
		for i, m := range left {
			if n := overlap(m.Feeds, used); best < 0 || n < best {
				pick, best = i, n
			}
		}
		m := left[pick]
		out = append(out, m)
		for _, f := range m.Feeds {
			used[f] = true
		}
		left = append(left[:pick], left[pick+1:]...)
	}
	return out
}

func overlap(feeds []string, used map[string]bool) int {
	n := 0
	for _, f := range feeds {
		if used[f] {
			n++
		}
	}
	return n
}

// SharedFeeds returns the feeds the master and first backup share (after
// Order); none means a single power failure cannot take both.
func SharedFeeds(ms []Member) []string {
	o := Order(ms)
	if len(o) < 2 {
		return nil
	}
	a := map[string]bool{}
	for _, f := range o[0].Feeds {
		a[f] = true
	}
	var out []string
	for _, f := range o[1].Feeds {
		if a[f] {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// AdvertFor is the longest advert interval whose Detection fits a budget.
func AdvertFor(budget time.Duration) int {
	a := 255
	for a > 1 && Detection(a) > budget {
		a--
	}
	return a
}

// Detection is the worst-case time for the first backup to take over
// after the master's last advert: 3 adverts plus its skew
// ((256 - 253) / 256 adverts). A failure lands at a random point between
// two adverts, so the time from the failure is up to one advert shorter.
func Detection(advertSec int) time.Duration {
	return 3*time.Duration(advertSec)*time.Second + Skew(priority(1), advertSec)
}

// DetectionSeconds is Detection rounded up to whole seconds (what the RTO
// budget counts; the blueprint compiler computes the same).
func DetectionSeconds(advertSec int) int {
	d := Detection(advertSec)
	return int((d + time.Second - 1) / time.Second)
}

// Validate checks the group before rendering.
func (g Group) Validate() error {
	var errs []error
	if _, err := netip.ParseAddr(g.VIP); err != nil {
		errs = append(errs, fmt.Errorf("vip %q: %w", g.VIP, err))
	}
	if len(g.Members) < 2 {
		errs = append(errs, fmt.Errorf("a virtual IP needs at least 2 hosts, got %d", len(g.Members)))
	}
	if g.RouterID < 1 || g.RouterID > 255 {
		errs = append(errs, fmt.Errorf("virtual_router_id %d: want 1..255", g.RouterID))
	}
	if g.AdvertSec < 1 || g.AdvertSec > 255 {
		errs = append(errs, fmt.Errorf("advert interval %d s: want 1..255", g.AdvertSec))
	}
	if len(g.AuthPass) > 8 {
		errs = append(errs, errors.New("authentication password: at most 8 characters (VRRPv2)"))
	}
	if strings.ContainsAny(g.CheckScript, "\"\n") {
		errs = append(errs, errors.New("health check command: no double quotes or newlines"))
	}
	for _, m := range g.Members {
		if _, err := netip.ParseAddr(m.Address); err != nil {
			errs = append(errs, fmt.Errorf("host %s: address %q: %w", m.Name, m.Address, err))
		}
	}
	return errors.Join(errs...)
}

func (g Group) dir() string {
	if g.Dir == "" {
		return "/etc/keepalived"
	}
	return g.Dir
}

func (g Group) iface() string {
	if g.Interface == "" {
		return "eth0"
	}
	return g.Interface
}

// ConfigPath is where the configuration goes on every host.
func (g Group) ConfigPath() string { return g.dir() + "/keepalived.conf" }

// Render returns every member's configuration, keyed by host name.
func (g Group) Render() (map[string]string, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	ordered := Order(g.Members)
	out := map[string]string{}
	for i, m := range ordered {
		out[m.Name] = g.render(m, priority(i), ordered)
	}
	return out, nil
}

// Priorities returns each member's VRRP priority (the master's is highest).
func (g Group) Priorities() map[string]int {
	out := map[string]int{}
	for i, m := range Order(g.Members) {
		out[m.Name] = priority(i)
	}
	return out
}

func (g Group) render(self Member, prio int, all []Member) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Managed by terraform-provider-ha (%s); edits are shown as drift and replaced on apply.\n", g.Name)
	fmt.Fprintf(&b, "global_defs {\n  router_id %s\n  script_user root\n  enable_script_security\n}\n\n", self.Name)
	if g.CheckScript != "" {
		// fall 2 / rise 2 at the advert interval: a sick master gives up
		// the address within two checks.
		fmt.Fprintf(&b, "vrrp_script chk_service {\n  script \"%s\"\n  interval %d\n  timeout %d\n  fall 2\n  rise 2\n}\n\n", g.CheckScript, g.AdvertSec, g.AdvertSec)
	}
	fmt.Fprintf(&b, "vrrp_instance %s {\n", instanceName(g.Name))
	fmt.Fprintf(&b, "  state BACKUP\n  interface %s\n  virtual_router_id %d\n  priority %d\n  advert_int %d\n", g.iface(), g.RouterID, prio, g.AdvertSec)
	fmt.Fprintf(&b, "  unicast_src_ip %s\n  unicast_peer {\n", self.Address)
	for _, m := range all {
		if m.Name != self.Name {
			fmt.Fprintf(&b, "    %s\n", m.Address)
		}
	}
	b.WriteString("  }\n")
	if g.AuthPass != "" {
		fmt.Fprintf(&b, "  authentication {\n    auth_type PASS\n    auth_pass %s\n  }\n", g.AuthPass)
	}
	fmt.Fprintf(&b, "  virtual_ipaddress {\n    %s/%d dev %s\n  }\n", g.VIP, g.PrefixLen, g.iface())
	if g.CheckScript != "" {
		b.WriteString("  track_script {\n    chk_service\n  }\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func instanceName(name string) string {
	r := strings.NewReplacer("-", "_", ".", "_")
	return "VI_" + r.Replace(name)
}

// Daemon is what hostdeliver applies on one host: the configuration, a
// check with keepalived's own checker, and reload/stop through pid files
// (no systemd needed): HUP the running daemon, or start it.
func (g Group) Daemon(config string) hostdeliver.Daemon {
	d := g.dir()
	conf := hostdeliver.Quote(g.ConfigPath())
	pid := hostdeliver.Quote(d + "/keepalived.pid")
	vpid := hostdeliver.Quote(d + "/vrrp.pid")
	cpid := hostdeliver.Quote(d + "/checkers.pid")
	running := fmt.Sprintf("[ -s %s ] && kill -0 \"$(cat %s)\" 2>/dev/null", pid, pid)
	return hostdeliver.Daemon{
		Name:  "keepalived",
		Files: []hostdeliver.File{{Path: g.ConfigPath(), Content: []byte(config), Mode: 0o600}},
		Check: fmt.Sprintf("keepalived -t -f %s", conf),
		Reload: fmt.Sprintf("if %s; then kill -HUP \"$(cat %s)\"; else keepalived -f %s -p %s -r %s -c %s </dev/null >/dev/null 2>&1; fi",
			running, pid, conf, pid, vpid, cpid),
		Stop: fmt.Sprintf("if %s; then p=\"$(cat %s)\"; kill \"$p\"; i=0; while kill -0 \"$p\" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; fi; rm -f %s %s %s",
			running, pid, pid, vpid, cpid),
	}
}

// Running is a shell test that succeeds when keepalived runs on the host.
func (g Group) Running() string {
	pid := hostdeliver.Quote(g.dir() + "/keepalived.pid")
	return fmt.Sprintf("[ -s %s ] && kill -0 \"$(cat %s)\" 2>/dev/null", pid, pid)
}

// HostKeys maps member names to pinned host keys ("" uses known_hosts).
type HostKeys map[string]string

func (g Group) dialAll(ctx context.Context, s hostdeliver.Settings, keys HostKeys) (map[string]*hostdeliver.Client, error) {
	cs := map[string]*hostdeliver.Client{}
	var errs []error
	for _, m := range g.Members {
		c, err := hostdeliver.Dial(ctx, s, hostdeliver.Target{Name: m.Name, Address: m.Address, HostKey: keys[m.Name]})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cs[m.Name] = c
	}
	if len(errs) > 0 {
		closeAll(cs)
		return nil, errors.Join(errs...)
	}
	return cs, nil
}

func closeAll(cs map[string]*hostdeliver.Client) {
	for _, c := range cs {
		_ = c.Close()
	}
}

// Deliver writes every member's configuration and reloads keepalived where
// it changed (or does not run). Every host is connected to first, so an
// unreachable host or a refused key changes nothing anywhere. When a later
// step fails on one host, the hosts configured by this call are cleaned
// again when clean is set (a create), so no half-built group is left.
func (g Group) Deliver(ctx context.Context, s hostdeliver.Settings, keys HostKeys, clean bool) error {
	confs, err := g.Render()
	if err != nil {
		return err
	}
	cs, err := g.dialAll(ctx, s, keys)
	if err != nil {
		return err
	}
	defer closeAll(cs)
	var done []string
	for _, m := range Order(g.Members) {
		c := cs[m.Name]
		_, running := c.Run(ctx, g.Running(), nil)
		if _, err := c.Apply(ctx, g.Daemon(confs[m.Name]), running != nil); err != nil {
			if clean {
				for _, n := range done {
					_ = cs[n].Remove(ctx, g.Daemon(confs[n]))
				}
			}
			return err
		}
		done = append(done, m.Name)
	}
	return nil
}

// ReadBack returns what each member holds at ConfigPath ("" when missing).
func (g Group) ReadBack(ctx context.Context, s hostdeliver.Settings, keys HostKeys) (map[string]string, error) {
	cs, err := g.dialAll(ctx, s, keys)
	if err != nil {
		return nil, err
	}
	defer closeAll(cs)
	out := map[string]string{}
	for n, c := range cs {
		b, _, err := c.ReadFile(ctx, g.ConfigPath())
		if err != nil {
			return nil, err
		}
		out[n] = string(b)
	}
	return out, nil
}

// Remove stops keepalived and removes its configuration on every member.
func (g Group) Remove(ctx context.Context, s hostdeliver.Settings, keys HostKeys) error {
	cs, err := g.dialAll(ctx, s, keys)
	if err != nil {
		return err
	}
	defer closeAll(cs)
	var errs []error
	for _, c := range cs {
		if err := c.Remove(ctx, g.Daemon("")); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RouterIDFor derives a stable virtual_router_id (1..255) from a name.
func RouterIDFor(name string) int {
	h := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint32(name[i])) * 16777619
	}
	return int(h%255) + 1
}
