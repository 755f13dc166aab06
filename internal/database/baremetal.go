package database

import "time"

// BareMetal is what a database on bare metal (a Patroni cluster) needs
// beyond Spec; nil on clouds. HighAvailability is Patroni's
// synchronous_mode: a commit is acknowledged once a standby has it.
type BareMetal struct {
	// Hosts run one PostgreSQL, Patroni and etcd member each, in
	// placement order. Fixed after create (etcd's membership is static).
	Hosts []Host
	// Primary is the declared leader's host name ("" for Patroni's
	// choice). Changing it performs a switchover; a leader changed by a
	// failover is reported in Status.Leader, not switched back.
	Primary string
	// MaxLagBytes is maximum_lag_on_failover for async mode: a standby
	// further behind is not promoted. 0 for Patroni's default.
	MaxLagBytes int64
	// RTO is the recovery-time budget Patroni's ttl and loop_wait are
	// derived from; 0 for Patroni's defaults (ttl 30 s).
	RTO time.Duration
	// BaseDir holds each member's files under BaseDir/NAME/HOST
	// (default /var/lib/ha-patroni).
	BaseDir string
	// ArchiveCommand, when set, is PostgreSQL's archive_command (WAL
	// archiving). "" leaves it to whoever manages it (the backup plan).
	ArchiveCommand string
	// Ports; 0 for the defaults (5432, 8008, 2379, 2380).
	PGPort, RESTPort, EtcdClientPort, EtcdPeerPort int
	// RestoreFrom, on create, fills the first member's data directory from
	// a pgBackRest repository before Patroni starts there (disaster
	// recovery: the newest backup and archived WAL of a database whose site
	// was lost); the others then clone the restored leader. nil creates an
	// empty cluster.
	RestoreFrom *Repository
}

// Repository is a pgBackRest repository a database is restored from.
type Repository struct {
	Stanza     string // the lost database's (its Patroni scope)
	Host       Host   // the repository's host
	Encrypted  bool
	Passphrase string // the repository cipher's; sensitive
}

// Host is one bare-metal database host.
type Host struct {
	Name    string // inventory name; Patroni's member name
	Address string // IP the other members, clients and SSH reach
	HostKey string // pinned SSH host key; "" to use known_hosts
	// Domains are the power domains the host depends on by kind ("ups",
	// "feed", "pdu"): none may take out a majority of etcd.
	Domains map[string]string
}
