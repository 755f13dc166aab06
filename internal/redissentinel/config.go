// Package redissentinel is the bare-metal cache backend: Redis with Sentinel
// on the cache's hosts (Debian redis-server and redis-sentinel), one of each
// per host, configured over SSH (internal/hostdeliver) without systemd.
//
// Each host gets managed files under BaseDir/NAME/HOST: redis.conf,
// sentinel.conf, an auth file and ctl.sh, which starts and stops both
// daemons through pid files. Redis and Sentinel rewrite their own
// configuration on a failover, so they run from copies (*.run.conf) made at
// start; the managed files stay as delivered, so a hand edit shows as drift.
// At start ctl.sh asks the other Sentinels for the current master (the
// answer of the newest configuration epoch), so a restarted host rejoins
// as a replica of whoever was promoted meanwhile.
package redissentinel

import (
	"errors"
	"fmt"
	"net/netip"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
)

// DefaultBaseDir holds each host's files (BaseDir/NAME/HOST).
const DefaultBaseDir = "/var/lib/ha-redis"

// Defaults of Group's zero values.
const (
	DefaultPort         = 6379
	DefaultSentinelPort = 26379
	DefaultDownAfter    = 5 * time.Second
)

// Member is one host of the group.
type Member struct {
	Name    string
	Address string
	Feeds   []string
}

// Group is one Redis replication group watched by its Sentinels.
type Group struct {
	Name         string // physical name; the Sentinels' master name
	Members      []Member
	Primary      string // initial master; "" for Order's first
	Password     string
	Port         int
	SentinelPort int
	DownAfter    time.Duration
	BaseDir      string
}

func (g Group) port() int {
	if g.Port == 0 {
		return DefaultPort
	}
	return g.Port
}

func (g Group) sentinelPort() int {
	if g.SentinelPort == 0 {
		return DefaultSentinelPort
	}
	return g.SentinelPort
}

func (g Group) downAfter() time.Duration {
	if g.DownAfter == 0 {
		return DefaultDownAfter
	}
	return g.DownAfter
}

// Quorum is the number of Sentinels that must agree the master is down: a
// majority, which is also what a failover needs to elect its leader.
func (g Group) Quorum() int { return len(g.Members)/2 + 1 }

// FailoverTimeout is Sentinel's failover-timeout: twice the detection time,
// at least 10 s (it also spaces retries of a failed failover).
func (g Group) FailoverTimeout() time.Duration {
	return max(2*g.downAfter(), 10*time.Second)
}

// Sentinel's election and promotion after the master is declared down:
// odown needs the other Sentinels' answers (once per second), the leader
// election waits up to a second of random delay, and the promoted replica
// is confirmed on Sentinel's next 1 s INFO poll. Planned at 3 s.
const electionAndPromotion = 3 * time.Second

// FailoverTime is the planned worst case from the master's last answer to
// a promoted replica: down-after-milliseconds plus election and promotion.
func (g Group) FailoverTime() time.Duration { return g.downAfter() + electionAndPromotion }

// DownAfterFor is the down-after-milliseconds that fits a recovery budget
// (the budget less election and promotion), at least 1 s and at most 30 s.
func DownAfterFor(budget time.Duration) time.Duration {
	d := budget - electionAndPromotion
	return min(max(d, time.Second), 30*time.Second).Truncate(100 * time.Millisecond)
}

// Order puts members so that each next one shares as few power feeds as
// possible with those before it (greedy; placement order breaks ties): the
// master and its first replica do not go down with one UPS or PDU.
func Order(ms []Member) []Member {
	left := append([]Member(nil), ms...)
	var out []Member
	used := map[string]bool{}
	for len(left) > 0 {
		pick, best := 0, -1
		for i, m := range left {
			n := 0
			for _, f := range m.Feeds {
				if used[f] {
					n++
				}
			}
			if best < 0 || n < best {
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

// priority is the host's replica-priority: 10 for the first in Order, 20
// for the next, ...; never 0 (which means never promoted).
func (g Group) priority(host string) int {
	for i, m := range Order(g.Members) {
		if m.Name == host {
			return 10 * (i + 1)
		}
	}
	return 100
}

// Master is the host that starts as master: Primary, else Order's first.
func (g Group) Master() string {
	if g.Primary != "" {
		return g.Primary
	}
	if o := Order(g.Members); len(o) > 0 {
		return o[0].Name
	}
	return ""
}

// Validate checks the group before rendering: three hosts at least (a
// Sentinel majority must survive losing one), addresses, a known primary,
// a password, and that no single power feed takes down a majority of the
// Sentinels (a host goes down only when every feed it draws from fails).
func (g Group) Validate() error {
	var errs []error
	if len(g.Members) < 3 {
		errs = append(errs, fmt.Errorf("a Redis group with Sentinel needs at least 3 hosts (a majority of Sentinels must survive losing one), got %d", len(g.Members)))
	}
	if g.Password == "" {
		errs = append(errs, errors.New("password is required"))
	}
	if strings.ContainsAny(g.Password, "\"'\\\n\r \t") {
		errs = append(errs, errors.New("password: no quotes, backslashes or white space"))
	}
	seen := map[string]bool{}
	for _, m := range g.Members {
		if _, err := netip.ParseAddr(m.Address); err != nil {
			errs = append(errs, fmt.Errorf("host %s: address %q: %w", m.Name, m.Address, err))
		}
		if seen[m.Name] {
			errs = append(errs, fmt.Errorf("host %s is listed twice", m.Name))
		}
		seen[m.Name] = true
	}
	if g.Primary != "" && !seen[g.Primary] {
		errs = append(errs, fmt.Errorf("primary %q is not one of the cache hosts", g.Primary))
	}
	if g.downAfter() < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("down-after %s: at least 100 ms", g.downAfter()))
	}
	errs = append(errs, g.checkFeeds()...)
	return errors.Join(errs...)
}

func (g Group) checkFeeds() []error {
	onlyOn := map[string][]string{} // feed → hosts that depend on it alone
	for _, m := range g.Members {
		uniq := map[string]bool{}
		for _, f := range m.Feeds {
			uniq[f] = true
		}
		if len(uniq) == 1 {
			onlyOn[m.Feeds[0]] = append(onlyOn[m.Feeds[0]], m.Name)
		}
	}
	feeds := make([]string, 0, len(onlyOn))
	for f := range onlyOn {
		feeds = append(feeds, f)
	}
	sort.Strings(feeds)
	var errs []error
	for _, f := range feeds {
		if hs := onlyOn[f]; len(g.Members) >= 3 && len(hs) >= g.Quorum() {
			errs = append(errs, fmt.Errorf("power feed %s alone feeds %s: losing it takes down a majority of the Sentinels (%d of %d), so no failover could happen; spread the hosts over feeds",
				f, strings.Join(hs, ", "), len(hs), len(g.Members)))
		}
	}
	return errs
}

func (g Group) baseDir() string {
	if g.BaseDir == "" {
		return DefaultBaseDir
	}
	return g.BaseDir
}

// Dir is host's directory.
func (g Group) Dir(host string) string { return path.Join(g.baseDir(), g.Name, host) }

// Files are one host's managed files.
func (g Group) Files(host string) ([]hostdeliver.File, error) {
	var self *Member
	for i := range g.Members {
		if g.Members[i].Name == host {
			self = &g.Members[i]
		}
	}
	if self == nil {
		return nil, fmt.Errorf("host %s is not in cache %s", host, g.Name)
	}
	d := g.Dir(host)
	return []hostdeliver.File{
		{Path: d + "/redis.conf", Content: []byte(g.redisConf(*self)), Mode: 0o600},
		{Path: d + "/sentinel.conf", Content: []byte(g.sentinelConf(*self)), Mode: 0o600},
		{Path: d + "/auth", Content: []byte(g.Password), Mode: 0o600},
		{Path: d + "/ctl.sh", Content: []byte(g.ctl(*self)), Mode: 0o700},
	}, nil
}

func header(name string) string {
	return fmt.Sprintf("# Managed by terraform-provider-ha (%s); edits are shown as drift and replaced on apply.\n", name)
}

func (g Group) redisConf(self Member) string {
	d := g.Dir(self.Name)
	var b strings.Builder
	b.WriteString(header(g.Name))
	fmt.Fprintf(&b, "bind %s\nport %d\nprotected-mode yes\n", self.Address, g.port())
	fmt.Fprintf(&b, "daemonize yes\npidfile %s/redis.pid\nlogfile %s/redis.log\ndir %s/data\n", d, d, d)
	fmt.Fprintf(&b, "requirepass %s\nmasterauth %s\n", g.Password, g.Password)
	// Sessions survive a restart of one host from its snapshot; the
	// others hold them in memory meanwhile.
	b.WriteString("save 60 1000\nappendonly no\n")
	// A replica without a master for more than 10 s still answers reads
	// (stale sessions beat signed-out users) but is never left writable.
	b.WriteString("replica-serve-stale-data yes\nreplica-read-only yes\n")
	// A master cut off from every replica stops taking writes that a
	// promotion elsewhere would discard.
	fmt.Fprintf(&b, "min-replicas-to-write 1\nmin-replicas-max-lag %d\n", max(int(g.downAfter().Seconds()), 1)+1)
	// Sentinel promotes the replica with the lowest priority: the order
	// that spreads power feeds, so the first replica is in another rack.
	fmt.Fprintf(&b, "replica-priority %d\n", g.priority(self.Name))
	// The role (replicaof) is added by ctl.sh at start from the Sentinels.
	return b.String()
}

func (g Group) sentinelConf(self Member) string {
	d := g.Dir(self.Name)
	var master Member
	for _, m := range g.Members {
		if m.Name == g.Master() {
			master = m
		}
	}
	var b strings.Builder
	b.WriteString(header(g.Name))
	fmt.Fprintf(&b, "bind %s\nport %d\nprotected-mode yes\n", self.Address, g.sentinelPort())
	fmt.Fprintf(&b, "daemonize yes\npidfile %s/sentinel.pid\nlogfile %s/sentinel.log\ndir %s\n", d, d, d)
	fmt.Fprintf(&b, "requirepass %s\nsentinel sentinel-pass %s\n", g.Password, g.Password)
	fmt.Fprintf(&b, "sentinel announce-ip %s\n", self.Address)
	// ctl.sh replaces the address with the current master's at start.
	fmt.Fprintf(&b, "sentinel monitor %s %s %d %d\n", g.Name, master.Address, g.port(), g.Quorum())
	fmt.Fprintf(&b, "sentinel auth-pass %s %s\n", g.Name, g.Password)
	fmt.Fprintf(&b, "sentinel down-after-milliseconds %s %d\n", g.Name, g.downAfter().Milliseconds())
	fmt.Fprintf(&b, "sentinel failover-timeout %s %d\n", g.Name, g.FailoverTimeout().Milliseconds())
	fmt.Fprintf(&b, "sentinel parallel-syncs %s 1\n", g.Name)
	return b.String()
}

// ctl is the host's control script: start (what does not run), restart,
// stop and running, for both daemons, through their pid files; master
// prints the master a start would follow.
func (g Group) ctl(self Member) string {
	var peers []string
	var master Member
	for _, m := range g.Members {
		if m.Name != self.Name {
			peers = append(peers, m.Address)
		}
		if m.Name == g.Master() {
			master = m
		}
	}
	q := hostdeliver.Quote
	return fmt.Sprintf(`#!/bin/sh
%s# Starts and stops this host's Redis and Sentinel through their pid files.
set -u
D=%s
NAME=%s
REDISCLI_AUTH="$(cat "$D/auth")"
export REDISCLI_AUTH
running() { [ -s "$D/$1.pid" ] && kill -0 "$(cat "$D/$1.pid")" 2>/dev/null; }
stop() {
  if running "$1"; then
    p="$(cat "$D/$1.pid")"; kill "$p"; i=0
    while [ -e "$D/$1.pid" ] && kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
    [ -e "$D/$1.pid" ] && kill -9 "$p" 2>/dev/null
  fi
  rm -f "$D/$1.pid"
}
# The current master as the other Sentinels know it, else the declared one.
# A Sentinel that missed a failover still names the old master: the answer
# with the newest configuration epoch wins, as among the Sentinels.
current() {
  best=""; top=-1
  for s in %s; do
    v="$(timeout 2 redis-cli -h "$s" -p %d --raw sentinel master "$NAME" 2>/dev/null |
      awk 'NR %% 2 == 1 { k = $0; next } k == "ip" { ip = $0 } k == "port" { p = $0 } k == "config-epoch" { e = $0 }
        END { if (ip ~ /[.:]/ && p ~ /^[0-9]+$/ && e ~ /^[0-9]+$/) print e, ip, p }')"
    [ -n "$v" ] || continue
    set -- $v
    if [ "$1" -gt "$top" ]; then top="$1"; best="$2 $3"; fi
  done
  if [ -n "$best" ]; then echo "$best"; else echo "%s %d"; fi
}
waitpid() {
  i=0; while ! running "$1" && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  running "$1" || { echo "$1 did not start:" >&2; tail -n 5 "$D/$1.log" >&2; exit 1; }
}
start() {
  set -- $(current); ma="$1"; mp="$2"
  mkdir -p "$D/data"
  if ! running redis; then
    cp "$D/redis.conf" "$D/redis.run.conf"
    [ "$ma" = %s ] || echo "replicaof $ma $mp" >> "$D/redis.run.conf"
    redis-server "$D/redis.run.conf"; waitpid redis
  fi
  if ! running sentinel; then
    sed "s/^sentinel monitor $NAME .*/sentinel monitor $NAME $ma $mp %d/" "$D/sentinel.conf" > "$D/sentinel.run.conf"
    redis-sentinel "$D/sentinel.run.conf"; waitpid sentinel
  fi
}
case "${1:-}" in
  start) start ;;
  restart) stop sentinel; stop redis; start ;;
  stop) stop sentinel; stop redis; rm -f "$D/redis.run.conf" "$D/sentinel.run.conf" ;;
  running) running redis && running sentinel ;;
  master) current ;;
  *) echo "usage: $0 start|restart|stop|running|master" >&2; exit 2 ;;
esac
`, header(g.Name), q(g.Dir(self.Name)), q(g.Name), strings.Join(peers, " "), g.sentinelPort(), master.Address, g.port(), q(self.Address), g.Quorum())
}
