package backupplan

// BareMetal is what a backup plan on bare metal (pgBackRest) needs beyond
// Spec; nil on clouds. The repository lives on a host of CopyToLocation (a
// site other than the database's), encrypted with Passphrase; WAL is
// archived continuously, so a restore reaches the newest archived WAL.
type BareMetal struct {
	// Stanza is the database cluster's name (the Patroni scope).
	Stanza string
	// DBHosts are the database's hosts; RepoHost holds the repository.
	DBHosts  []Host
	RepoHost Host
	// Passphrase is the repository cipher's (aes-256-cbc); sensitive,
	// written (mode 0600, user postgres) into pgBackRest's configuration on
	// the repository and database hosts, which encrypt WAL themselves.
	Passphrase string
	// PatroniAPIs are the database's Patroni REST APIs (host:port): the
	// plan sets archive_command through them.
	PatroniAPIs []string
	// BaseDir holds the repository (BaseDir/STANZA on RepoHost); default
	// /var/lib/ha-pgbackrest.
	BaseDir string
	// DatabaseBaseDir is the database backend's BaseDir (default
	// /var/lib/ha-patroni): host H's data is at DIR/STANZA/H/data.
	DatabaseBaseDir string
	PGPort          int // default 5432
	TLSPort         int // pgBackRest's TLS servers; default 8432
	// CronDir receives the schedule as a cron file on RepoHost (default
	// /etc/cron.d).
	CronDir string
}

// Host is one bare-metal host.
type Host struct {
	Name    string
	Address string
	HostKey string // pinned SSH host key; "" to use known_hosts
}
