package cache

import "time"

// BareMetal is what a cache on bare metal (Redis with Sentinel) needs beyond
// Spec; nil on clouds. Every host runs one Redis and one Sentinel; the
// Sentinels promote a replica when the master stops answering.
type BareMetal struct {
	// Hosts run one Redis and one Sentinel each, in placement order.
	Hosts []Host
	// Primary is the host that starts as master ("" for the placement's
	// choice). A master changed by a failover is reported in
	// Status.Master, not switched back.
	Primary string
	// Password is Redis' and Sentinel's requirepass (sensitive).
	Password string
	// Ports; 0 for the defaults (6379, 26379).
	Port, SentinelPort int
	// DownAfter is Sentinel's down-after-milliseconds: how long the master
	// may not answer before it is considered down; 0 for 5 s.
	DownAfter time.Duration
	// BaseDir holds each host's files under BaseDir/NAME/HOST (default
	// /var/lib/ha-redis).
	BaseDir string
}

// Host is one bare-metal cache host.
type Host struct {
	Name    string // inventory name
	Address string // IP the other members, clients and SSH reach
	HostKey string // pinned SSH host key; "" to use known_hosts
	// Feeds are the power feeds (UPS and PDU names) the host draws from;
	// it goes down only when all of them fail.
	Feeds []string
}
