// Package patroni renders the configuration of a PostgreSQL cluster managed
// by Patroni with etcd as its consensus store (one Patroni and one etcd
// member per host, run without systemd), derives Patroni's timings from the
// RTO budget, checks that the hosts are spread across power domains, and
// talks to Patroni's REST API (client.go). It knows nothing of SSH or
// Terraform: hostdeliver delivers what it renders.
package patroni

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Member is one host of the cluster, in placement order.
type Member struct {
	Name    string // inventory name; Patroni's member name
	Address string // IP other members and clients reach it on
	// Domains are the power domains the host depends on, by kind ("ups",
	// "feed", "pdu") and name: no single one may take out a majority of
	// etcd or every copy of the database.
	Domains map[string]string
	// DataDir and SocketDir override the cluster's for this host (hosts
	// sharing one filesystem, as test hosts do).
	DataDir, SocketDir string
}

// Cluster is one Patroni cluster.
type Cluster struct {
	Name    string // Patroni scope, e.g. shop-dc1-db
	Members []Member
	// Sync: synchronous_mode (a commit is acknowledged once a standby has
	// it); async otherwise.
	Sync bool
	// MaxLag is maximum_lag_on_failover for async mode: a standby further
	// behind than this many bytes is not promoted. 0: Patroni's default.
	MaxLagBytes int64
	Timings     Timings
	// Ports; 0 for the defaults (5432, 8008, 2379, 2380).
	PGPort, RESTPort, EtcdClientPort, EtcdPeerPort int
	// BinDir holds the PostgreSQL binaries (default
	// /usr/lib/postgresql/15/bin); DataDir is each host's data directory
	// (default /var/lib/postgresql/15/<cluster>).
	BinDir, DataDir string
	// SuperuserPassword and ReplicationPassword are sensitive: they are
	// written into the rendered file only, never into errors.
	SuperuserPassword, ReplicationPassword string
	// ArchiveCommand and RestoreCommand (pgBackRest) turn on continuous WAL
	// archiving; "" leaves it off.
	ArchiveCommand, RestoreCommand string
}

// Timings are Patroni's leader-election settings (seconds).
type Timings struct {
	TTL, LoopWait, RetryTimeout int
}

// Defaults of Patroni (ttl 30, loop_wait 10, retry_timeout 10), which fail
// over in about 30-40 s.
var Defaults = Timings{TTL: 30, LoopWait: 10, RetryTimeout: 10}

// EtcdElection is etcd's election timeout (EtcdArgs). It counts in the
// RTO: when the powered-off host also led etcd, the new etcd leader first
// has to be elected, and it then renews every lease for a full ttl.
const EtcdElection = 2

// MinTTL is our floor for ttl. Patroni 3.0 validates no minimum; etcd
// raises a lease below 1.5 election timeouts (3 s here) to that; retry_timeout
// must stay at 2 s or more so that one slow etcd call on a busy host does
// not demote a healthy leader (loop_wait + 2 x retry_timeout <= ttl).
const MinTTL = 5

// TimingsFor derives timings that fail over within rto: the leader key
// expires at most ttl after the leader's last renewal (every loop_wait),
// etcd may first elect a leader of its own (EtcdElection), and promotion
// takes about a second; so failover takes at most ttl + loop_wait +
// EtcdElection + 1. Patroni requires loop_wait + 2*retry_timeout <= ttl;
// ttl has a floor (MinTTL) and the defaults as a ceiling.
func TimingsFor(rto time.Duration) Timings {
	budget := int(rto / time.Second)
	if budget <= 0 || budget >= Defaults.TTL+Defaults.LoopWait {
		return Defaults
	}
	loop := 1
	if budget >= 20 {
		loop = budget / 10
	}
	ttl := budget - loop - EtcdElection - 1
	if ttl < MinTTL {
		ttl = MinTTL
	}
	if ttl > Defaults.TTL {
		ttl = Defaults.TTL
	}
	retry := (ttl - loop) / 2
	if retry > Defaults.RetryTimeout {
		retry = Defaults.RetryTimeout
	}
	return Timings{TTL: ttl, LoopWait: loop, RetryTimeout: retry}
}

// RTO is the worst-case time to a new leader with these timings: the
// leader key's ttl, a loop of the leader's renewal, an etcd election, a
// second to promote.
func (t Timings) RTO() time.Duration {
	return time.Duration(t.TTL+t.LoopWait+EtcdElection+1) * time.Second
}

func (c *Cluster) defaults() {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.PGPort, 5432)
	def(&c.RESTPort, 8008)
	def(&c.EtcdClientPort, 2379)
	def(&c.EtcdPeerPort, 2380)
	if c.BinDir == "" {
		c.BinDir = "/usr/lib/postgresql/15/bin"
	}
	if c.DataDir == "" {
		c.DataDir = "/var/lib/postgresql/15/" + c.Name
	}
	if c.Timings == (Timings{}) {
		c.Timings = Defaults
	}
}

// Validate reports what Render cannot render, naming the field.
func (c Cluster) Validate() error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("cluster name is empty"))
	}
	if len(c.Members) == 0 {
		errs = append(errs, errors.New("no members"))
	}
	if c.Sync && len(c.Members) < 2 {
		errs = append(errs, fmt.Errorf("synchronous mode needs at least two hosts, %s has %d", c.Name, len(c.Members)))
	}
	seen := map[string]bool{}
	for _, m := range c.Members {
		if m.Name == "" || m.Address == "" {
			errs = append(errs, fmt.Errorf("member %q: name and address are required", m.Name))
		}
		if seen[m.Name] {
			errs = append(errs, fmt.Errorf("member %q listed twice", m.Name))
		}
		seen[m.Name] = true
	}
	t := c.Timings
	if t != (Timings{}) && t.LoopWait+2*t.RetryTimeout > t.TTL {
		errs = append(errs, fmt.Errorf("timings: loop_wait (%d) + 2 x retry_timeout (%d) must not exceed ttl (%d)", t.LoopWait, t.RetryTimeout, t.TTL))
	}
	return errors.Join(errs...)
}

// Dynamic is the part of Patroni's configuration kept in the DCS and changed
// through PATCH /config: written at bootstrap, managed afterwards through
// the REST API (a file edit would not change it).
func (c Cluster) Dynamic() map[string]any {
	c.defaults()
	d := map[string]any{
		"ttl":                     c.Timings.TTL,
		"loop_wait":               c.Timings.LoopWait,
		"retry_timeout":           c.Timings.RetryTimeout,
		"synchronous_mode":        c.Sync,
		"synchronous_mode_strict": false,
		"postgresql": map[string]any{
			"use_pg_rewind": true,
			"parameters":    c.parameters(),
		},
	}
	if c.MaxLagBytes > 0 {
		d["maximum_lag_on_failover"] = c.MaxLagBytes
	}
	if c.Sync {
		// A crashed postgres on the leader: fail over to the sync standby
		// (which has every acknowledged commit) at once instead of waiting
		// up to 300 s for a local restart. Async mode keeps the restart: a
		// promoted async standby may lack the last commits.
		d["primary_start_timeout"] = 0
	}
	return d
}

func (c Cluster) parameters() map[string]any {
	p := map[string]any{
		"wal_level":       "replica",
		"hot_standby":     "on",
		"max_wal_senders": 10,
		"wal_log_hints":   "on",
	}
	if c.ArchiveCommand != "" {
		p["archive_mode"] = "on"
		p["archive_command"] = c.ArchiveCommand
	}
	return p
}

// Render is the Patroni configuration file of member i. It is JSON, which
// is YAML too: Patroni reads it as is, and no YAML library is needed.
func (c Cluster) Render(i int) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if i < 0 || i >= len(c.Members) {
		return nil, fmt.Errorf("member %d out of range", i)
	}
	c.defaults()
	m := c.Members[i]
	dataDir, sockDir := c.DataDir, "/var/run/postgresql"
	if m.DataDir != "" {
		dataDir = m.DataDir
	}
	if m.SocketDir != "" {
		sockDir = m.SocketDir
	}
	var hosts []string
	for _, o := range c.Members {
		hosts = append(hosts, fmt.Sprintf("%s:%d", o.Address, c.EtcdClientPort))
	}
	var hba []string
	hba = append(hba, "local all all trust")
	for _, o := range c.Members {
		hba = append(hba,
			fmt.Sprintf("host replication replicator %s/32 scram-sha-256", o.Address),
			fmt.Sprintf("host all all %s/32 scram-sha-256", o.Address))
	}
	hba = append(hba, "host all all 0.0.0.0/0 scram-sha-256")
	pg := map[string]any{
		"listen":          fmt.Sprintf("%s:%d", m.Address, c.PGPort),
		"connect_address": fmt.Sprintf("%s:%d", m.Address, c.PGPort),
		"data_dir":        dataDir,
		"bin_dir":         c.BinDir,
		"pgpass":          dataDir + ".pgpass",
		"authentication": map[string]any{
			"superuser":   map[string]any{"username": "postgres", "password": c.SuperuserPassword},
			"replication": map[string]any{"username": "replicator", "password": c.ReplicationPassword},
		},
		"parameters": map[string]any{"unix_socket_directories": sockDir},
		"pg_hba":     hba,
	}
	if c.RestoreCommand != "" {
		pg["recovery_conf"] = map[string]any{"restore_command": c.RestoreCommand}
	}
	doc := map[string]any{
		"scope": c.Name,
		"name":  m.Name,
		"restapi": map[string]any{
			"listen":          fmt.Sprintf("%s:%d", m.Address, c.RESTPort),
			"connect_address": fmt.Sprintf("%s:%d", m.Address, c.RESTPort),
		},
		"etcd3": map[string]any{"hosts": hosts},
		"bootstrap": map[string]any{
			"dcs":    c.Dynamic(),
			"initdb": []any{map[string]any{"encoding": "UTF8"}, "data-checksums"},
		},
		"postgresql": pg,
		"tags":       map[string]any{"nofailover": false, "noloadbalance": false, "clonefrom": false, "nosync": false},
	}
	return json.MarshalIndent(doc, "", "  ")
}

// EtcdArgs are the command-line arguments of member i's etcd: a static
// cluster of every member, data in dataDir.
func (c Cluster) EtcdArgs(i int, dataDir string) []string {
	c.defaults()
	m := c.Members[i]
	var initial []string
	for _, o := range c.Members {
		initial = append(initial, fmt.Sprintf("%s=http://%s:%d", o.Name, o.Address, c.EtcdPeerPort))
	}
	client := fmt.Sprintf("http://%s:%d", m.Address, c.EtcdClientPort)
	peer := fmt.Sprintf("http://%s:%d", m.Address, c.EtcdPeerPort)
	return []string{
		"--name", m.Name,
		"--data-dir", dataDir,
		"--listen-client-urls", client,
		"--advertise-client-urls", client,
		"--listen-peer-urls", peer,
		"--initial-advertise-peer-urls", peer,
		"--initial-cluster", strings.Join(initial, ","),
		"--initial-cluster-token", c.Name,
		"--initial-cluster-state", "new",
		// Patroni's leader key lives ttl seconds; elections inside etcd
		// must be faster than that.
		"--heartbeat-interval", "200",
		"--election-timeout", "2000",
	}
}

// PlacementError names the power domain whose loss breaks the cluster.
type PlacementError struct {
	Kind, Domain string // "ups", "feed", "pdu" and its name
	Lost         []string
	Why          string
}

func (e *PlacementError) Error() string {
	return fmt.Sprintf("losing %s %q takes out %s (hosts %s)", e.Kind, e.Domain, e.Why, strings.Join(e.Lost, ", "))
}

// CheckPlacement reports every power domain (ups, feed, pdu) whose loss
// would take out a majority of etcd (the cluster could elect no leader) or,
// in sync mode, every copy of the database. Sync mode with one host is an
// error of its own.
func CheckPlacement(members []Member, sync bool) []error {
	var errs []error
	if sync && len(members) < 2 {
		errs = append(errs, fmt.Errorf("synchronous mode needs a standby on a second host; %d host(s) given", len(members)))
		return errs
	}
	byDomain := map[[2]string][]string{}
	for _, m := range members {
		for k, v := range m.Domains {
			if v == "" {
				continue
			}
			key := [2]string{k, v}
			byDomain[key] = append(byDomain[key], m.Name)
		}
	}
	keys := make([][2]string, 0, len(byDomain))
	for k := range byDomain {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	majority := len(members)/2 + 1
	for _, k := range keys {
		lost := byDomain[k]
		switch {
		case len(members) > 1 && len(lost) == len(members):
			errs = append(errs, &PlacementError{Kind: k[0], Domain: k[1], Lost: lost, Why: "every copy of the database and every etcd member"})
		case len(members) > 1 && len(lost) >= majority:
			errs = append(errs, &PlacementError{Kind: k[0], Domain: k[1], Lost: lost, Why: fmt.Sprintf("a majority of etcd (%d of %d)", len(lost), len(members))})
		}
	}
	return errs
}

func sortStrings(s []string) { sort.Strings(s) }
