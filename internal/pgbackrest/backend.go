// Package pgbackrest is the bare_metal backup plan: pgBackRest with its
// repository on a host of another site (encrypted with the repository
// cipher), TLS servers between the repository and the database hosts
// (certificates from the plan's own authority), continuous WAL archiving
// set through Patroni's REST API, a cron schedule and retention; Restore
// rebuilds a database host from the repository up to the newest archived
// WAL (or a point in time).
package pgbackrest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backupplan"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
)

func init() {
	backupplan.Register(backend.BareMetal, func(_ context.Context, s *backend.Settings, location string) (backupplan.Backend, error) {
		hs, err := hostdeliver.ForLocation(s, location)
		if err != nil {
			return nil, err
		}
		return &Backend{SSH: hs}, nil
	})
}

// Defaults of the layout.
const (
	DefaultBaseDir         = "/var/lib/ha-pgbackrest"
	DefaultDatabaseBaseDir = "/var/lib/ha-patroni" // the Patroni backend's
	DefaultTLSPort         = 8432
	noArchive              = "/bin/true" // the Patroni backend's "no archiving"
	// ArchiveTimeout is PostgreSQL's archive_timeout (seconds) while the
	// plan archives: the RPO of losing the database's site.
	ArchiveTimeout = 60
)

// Backend is the bare_metal backup plan.
type Backend struct {
	SSH hostdeliver.Settings

	mu    sync.Mutex
	plans map[string]backupplan.Spec // planKey(blueprint, database) → last spec seen
}

// Check reports what makes spec unusable, for plan time.
func Check(spec backupplan.Spec) error {
	bm := spec.BareMetal
	if bm == nil {
		return fmt.Errorf("bare-metal backup plan %s: no hosts given (ha_backup_plan does not take bare-metal hosts yet; the pgBackRest backend is driven with backupplan.Spec.BareMetal)", spec.Name)
	}
	var errs []error
	if bm.Stanza == "" {
		errs = append(errs, errors.New("stanza (the database cluster's name) is empty"))
	}
	if len(bm.DBHosts) == 0 {
		errs = append(errs, errors.New("no database hosts"))
	}
	if bm.RepoHost.Address == "" {
		errs = append(errs, errors.New("no repository host"))
	}
	for _, h := range bm.DBHosts {
		if h.Name == bm.RepoHost.Name || h.Address == bm.RepoHost.Address {
			errs = append(errs, fmt.Errorf("repository host %s is a database host: backups must leave the site", h.Name))
		}
	}
	if spec.Encrypted && bm.Passphrase == "" {
		errs = append(errs, errors.New("encrypted repository needs a passphrase"))
	}
	if _, err := CronSchedule(spec.Schedule); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

var awsCron = regexp.MustCompile(`^cron\((.*)\)$`)

// CronSchedule translates the blueprint's schedule (AWS cron form
// "cron(0 3 * * ? *)", or a five-field crontab) to a crontab's five fields.
func CronSchedule(s string) (string, error) {
	if s == "" {
		return "0 3 * * *", nil
	}
	f := strings.Fields(s)
	if m := awsCron.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
		f = strings.Fields(m[1])
		if len(f) != 6 {
			return "", fmt.Errorf("schedule %q: want cron(MIN HOUR DOM MON DOW YEAR)", s)
		}
		if f[5] != "*" {
			return "", fmt.Errorf("schedule %q: a year field other than * has no crontab form", s)
		}
		f = f[:5]
		for i := range f {
			if f[i] == "?" {
				f[i] = "*"
			}
		}
	}
	if len(f) != 5 {
		return "", fmt.Errorf("schedule %q: want cron(MIN HOUR DOM MON DOW YEAR) or five crontab fields", s)
	}
	return strings.Join(f, " "), nil
}

type layout struct {
	spec backupplan.Spec
	bm   backupplan.BareMetal
}

func newLayout(spec backupplan.Spec) layout {
	l := layout{spec: spec, bm: *spec.BareMetal}
	if l.bm.BaseDir == "" {
		l.bm.BaseDir = DefaultBaseDir
	}
	if l.bm.DatabaseBaseDir == "" {
		l.bm.DatabaseBaseDir = DefaultDatabaseBaseDir
	}
	if l.bm.TLSPort == 0 {
		l.bm.TLSPort = DefaultTLSPort
	}
	if l.bm.PGPort == 0 {
		l.bm.PGPort = 5432
	}
	if l.bm.CronDir == "" {
		l.bm.CronDir = "/etc/cron.d"
	}
	return l
}

func (l layout) repoDir() string          { return path.Join(l.bm.BaseDir, l.bm.Stanza) }
func (l layout) dbDir(host string) string { return path.Join(l.bm.DatabaseBaseDir, l.bm.Stanza, host) }
func (l layout) repoConf() string         { return l.repoDir() + "/pgbackrest.conf" }
func (l layout) dbConf(host string) string {
	return l.dbDir(host) + "/pgbackrest.conf"
}
func (l layout) cronFile() string { return path.Join(l.bm.CronDir, "ha-pgbackrest-"+l.bm.Stanza) }
func (l layout) repoCN() string   { return "ha-repo-" + l.bm.Stanza }
func (l layout) dbCN() string     { return "ha-db-" + l.bm.Stanza }

// ArchiveCommand is PostgreSQL's archive_command: archive_command runs in
// the data directory, whose parent holds the host's pgbackrest.conf (one
// command for every member, each reading its own host's file).
func (l layout) ArchiveCommand() string {
	return fmt.Sprintf(`pgbackrest --config="$(pwd)/../pgbackrest.conf" --stanza=%s archive-push %%p`, l.bm.Stanza)
}

// ArchiveCommand is the archive_command spec's plan sets on the database.
func ArchiveCommand(spec backupplan.Spec) string { return newLayout(spec).ArchiveCommand() }

func (l layout) repoConfig() []byte {
	r := l.repoDir()
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("[global]")
	w("repo1-path=%s/repo", r)
	if l.spec.Encrypted {
		w("repo1-cipher-type=aes-256-cbc")
		w("repo1-cipher-pass=%s", l.bm.Passphrase)
	}
	if l.spec.RetentionDays > 0 {
		w("repo1-retention-full-type=time")
		w("repo1-retention-full=%d", l.spec.RetentionDays)
	} else {
		w("repo1-retention-full=2")
	}
	w("log-path=%s/log", r)
	w("lock-path=%s/lock", r)
	w("spool-path=%s/spool", r)
	w("log-level-file=info")
	w("log-level-console=warn")
	w("start-fast=y")
	w("archive-timeout=120")
	w("tls-server-address=%s", l.bm.RepoHost.Address)
	w("tls-server-port=%d", l.bm.TLSPort)
	w("tls-server-ca-file=%s/tls/ca.crt", r)
	w("tls-server-cert-file=%s/tls/host.crt", r)
	w("tls-server-key-file=%s/tls/host.key", r)
	w("tls-server-auth=%s=%s", l.dbCN(), l.bm.Stanza)
	w("")
	w("[%s]", l.bm.Stanza)
	for i, h := range l.bm.DBHosts {
		n := i + 1
		w("pg%d-host=%s", n, h.Address)
		w("pg%d-host-type=tls", n)
		w("pg%d-host-port=%d", n, l.bm.TLSPort)
		w("pg%d-host-ca-file=%s/tls/ca.crt", n, r)
		w("pg%d-host-cert-file=%s/tls/host.crt", n, r)
		w("pg%d-host-key-file=%s/tls/host.key", n, r)
		w("pg%d-path=%s/data", n, l.dbDir(h.Name))
		w("pg%d-port=%d", n, l.bm.PGPort)
		w("pg%d-socket-path=%s", n, l.dbDir(h.Name))
	}
	return []byte(b.String())
}

func (l layout) dbConfig(h backupplan.Host) []byte {
	d := l.dbDir(h.Name)
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("[global]")
	w("repo1-host=%s", l.bm.RepoHost.Address)
	w("repo1-host-type=tls")
	w("repo1-host-port=%d", l.bm.TLSPort)
	// The client names the repository's path to the remote server, and
	// encrypts and decrypts itself: the cipher is on both sides.
	w("repo1-path=%s/repo", l.repoDir())
	if l.spec.Encrypted {
		w("repo1-cipher-type=aes-256-cbc")
		w("repo1-cipher-pass=%s", l.bm.Passphrase)
	}
	w("repo1-host-ca-file=%s/pgbackrest-tls/ca.crt", d)
	w("repo1-host-cert-file=%s/pgbackrest-tls/host.crt", d)
	w("repo1-host-key-file=%s/pgbackrest-tls/host.key", d)
	w("log-path=%s/pgbackrest-log", d)
	w("lock-path=%s/pgbackrest-lock", d)
	w("spool-path=%s/pgbackrest-spool", d)
	w("log-level-file=info")
	w("log-level-console=warn")
	w("archive-timeout=120")
	w("tls-server-address=%s", h.Address)
	w("tls-server-port=%d", l.bm.TLSPort)
	w("tls-server-ca-file=%s/pgbackrest-tls/ca.crt", d)
	w("tls-server-cert-file=%s/pgbackrest-tls/host.crt", d)
	w("tls-server-key-file=%s/pgbackrest-tls/host.key", d)
	w("tls-server-auth=%s=%s", l.repoCN(), l.bm.Stanza)
	w("")
	w("[%s]", l.bm.Stanza)
	w("pg1-path=%s/data", d)
	w("pg1-port=%d", l.bm.PGPort)
	w("pg1-socket-path=%s", d)
	return []byte(b.String())
}

// asPostgres runs argv as the postgres user in dir.
func asPostgres(dir string, argv ...string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = hostdeliver.Quote(a)
	}
	return fmt.Sprintf("cd %s || exit 1; HOME=%s setpriv --reuid=postgres --regid=postgres --init-groups %s",
		hostdeliver.Quote(dir), hostdeliver.Quote(dir), strings.Join(q, " "))
}

func running(pid string) string {
	return fmt.Sprintf(`[ -s %[1]s ] && kill -0 "$(cat %[1]s)" 2>/dev/null`, hostdeliver.Quote(pid))
}

func stopCmd(pid string) string {
	p := hostdeliver.Quote(pid)
	return fmt.Sprintf(`if %s; then kill "$(cat %s)"; sleep 0.5; kill -9 "$(cat %s)" 2>/dev/null; fi; rm -f %s`, running(pid), p, p, p)
}

// server is pgBackRest's TLS server on a host, restarted when its
// configuration or certificate changes.
func server(dir, conf string, files []hostdeliver.File) hostdeliver.Daemon {
	pid := dir + "/pgbackrest-server.pid"
	q := hostdeliver.Quote
	start := fmt.Sprintf(`chown -R postgres:postgres %s; cd %s || exit 1; HOME=%s setsid nohup setpriv --reuid=postgres --regid=postgres --init-groups pgbackrest --config=%s server >>%s 2>&1 </dev/null & echo $! >%s`,
		q(dir), q(dir), q(dir), q(conf), q(dir+"/pgbackrest-server.log"), q(pid))
	return hostdeliver.Daemon{Name: "pgbackrest server", Files: files, Reload: stopCmd(pid) + "; " + start, Stop: stopCmd(pid)}
}

type session struct {
	b       *Backend
	l       layout
	clients map[string]*hostdeliver.Client
}

func (s *session) close() {
	for _, c := range s.clients {
		_ = c.Close()
	}
}

func (b *Backend) dial(ctx context.Context, hosts ...backupplan.Host) (map[string]*hostdeliver.Client, error) {
	out := map[string]*hostdeliver.Client{}
	var errs []error
	for _, h := range hosts {
		c, err := hostdeliver.Dial(ctx, b.SSH, hostdeliver.Target{Name: h.Name, Address: h.Address, HostKey: h.HostKey})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[h.Name] = c
	}
	if len(errs) > 0 {
		for _, c := range out {
			_ = c.Close()
		}
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// authority loads the plan's CA from the repository host, creating it on
// the first apply.
func (s *session) authority(ctx context.Context) (*ca, error) {
	c := s.clients[s.l.bm.RepoHost.Name]
	dir := s.l.repoDir() + "/tls"
	cert, ok1, err := c.ReadFile(ctx, dir+"/ca.crt")
	if err != nil {
		return nil, err
	}
	key, ok2, err := c.ReadFile(ctx, dir+"/ca.key")
	if err != nil {
		return nil, err
	}
	if ok1 && ok2 {
		return loadCA(cert, key)
	}
	a, err := newCA(s.l.bm.Stanza)
	if err != nil {
		return nil, err
	}
	if _, err := c.WriteFile(ctx, dir+"/ca.key", a.keyPEM, 0o600); err != nil {
		return nil, err
	}
	if _, err := c.WriteFile(ctx, dir+"/ca.crt", a.certPEM, 0o644); err != nil {
		return nil, err
	}
	return a, nil
}

// tlsFiles are a host's CA, certificate and key, the certificate kept when
// still valid for cn and address.
func (s *session) tlsFiles(ctx context.Context, a *ca, c *hostdeliver.Client, dir, cn, address string) ([]hostdeliver.File, error) {
	cert, ok, err := c.ReadFile(ctx, dir+"/host.crt")
	if err != nil {
		return nil, err
	}
	key, okKey, err := c.ReadFile(ctx, dir+"/host.key")
	if err != nil {
		return nil, err
	}
	if !ok || !okKey || !a.valid(cert, cn, address) {
		if cert, key, err = a.issue(cn, address); err != nil {
			return nil, err
		}
	}
	return []hostdeliver.File{
		{Path: dir + "/ca.crt", Content: a.certPEM, Mode: 0o644},
		{Path: dir + "/host.crt", Content: cert, Mode: 0o644},
		{Path: dir + "/host.key", Content: key, Mode: 0o600},
	}, nil
}

func (s *session) isRunning(ctx context.Context, host, pid string) bool {
	_, err := s.clients[host].Run(ctx, running(pid), nil)
	return err == nil
}

// deliver writes every host's configuration and certificates and
// (re)starts their TLS servers.
func (s *session) deliver(ctx context.Context) error {
	a, err := s.authority(ctx)
	if err != nil {
		return err
	}
	repo := s.l.bm.RepoHost
	rc := s.clients[repo.Name]
	rd := s.l.repoDir()
	files, err := s.tlsFiles(ctx, a, rc, rd+"/tls", s.l.repoCN(), repo.Address)
	if err != nil {
		return err
	}
	files = append(files, hostdeliver.File{Path: s.l.repoConf(), Content: s.l.repoConfig(), Mode: 0o600})
	if _, err := rc.Run(ctx, fmt.Sprintf("mkdir -p %[1]s/repo %[1]s/log %[1]s/lock %[1]s/spool", hostdeliver.Quote(rd)), nil); err != nil {
		return err
	}
	if _, err := rc.Apply(ctx, server(rd, s.l.repoConf(), files), !s.isRunning(ctx, repo.Name, rd+"/pgbackrest-server.pid")); err != nil {
		return err
	}
	// The repository's files are postgres's (the server runs as postgres).
	if _, err := rc.Run(ctx, "chown -R postgres:postgres "+hostdeliver.Quote(rd), nil); err != nil {
		return err
	}
	for _, h := range s.l.bm.DBHosts {
		if err := s.deliverDB(ctx, a, h); err != nil {
			return err
		}
	}
	return nil
}

func (s *session) deliverDB(ctx context.Context, a *ca, h backupplan.Host) error {
	c := s.clients[h.Name]
	d := s.l.dbDir(h.Name)
	files, err := s.tlsFiles(ctx, a, c, d+"/pgbackrest-tls", s.l.dbCN(), h.Address)
	if err != nil {
		return err
	}
	files = append(files, hostdeliver.File{Path: s.l.dbConf(h.Name), Content: s.l.dbConfig(h), Mode: 0o600})
	if _, err := c.Run(ctx, fmt.Sprintf("mkdir -p %[1]s/pgbackrest-log %[1]s/pgbackrest-lock %[1]s/pgbackrest-spool && chown postgres:postgres %[1]s", hostdeliver.Quote(d)), nil); err != nil {
		return err
	}
	d2 := server(d, s.l.dbConf(h.Name), files)
	// Only pgBackRest's files under the member's directory change owner.
	d2.Reload = fmt.Sprintf("chown -R postgres:postgres %[1]s/pgbackrest-tls %[1]s/pgbackrest-log %[1]s/pgbackrest-lock %[1]s/pgbackrest-spool %[1]s/pgbackrest.conf; ", hostdeliver.Quote(d)) +
		strings.Replace(d2.Reload, "chown -R postgres:postgres "+hostdeliver.Quote(d)+";", "", 1)
	_, err = c.Apply(ctx, d2, !s.isRunning(ctx, h.Name, d+"/pgbackrest-server.pid"))
	return err
}

// repo runs a pgBackRest command on the repository host as postgres.
func (s *session) repo(ctx context.Context, args ...string) ([]byte, error) {
	argv := append([]string{"pgbackrest", "--config=" + s.l.repoConf(), "--stanza=" + s.l.bm.Stanza}, args...)
	return s.clients[s.l.bm.RepoHost.Name].Run(ctx, asPostgres(s.l.repoDir(), argv...), nil)
}

// setArchiveCommand sets archive_command through the first Patroni REST API
// that answers (PATCH /config: reloaded, no restart; archive_mode is on
// from the database's bootstrap).
func setArchiveCommand(ctx context.Context, apis []string, cmd string) error {
	// archive_timeout bounds what losing the site loses when writes are few
	// (blueprints.WALArchiveInterval); 0 (off) again without archiving.
	timeout := ArchiveTimeout
	if cmd == noArchive {
		timeout = 0
	}
	body, _ := json.Marshal(map[string]any{"postgresql": map[string]any{"parameters": map[string]any{"archive_command": cmd, "archive_timeout": timeout}}})
	var errs []error
	hc := &http.Client{Timeout: 5 * time.Second}
	for _, a := range apis {
		req, err := http.NewRequestWithContext(ctx, http.MethodPatch, "http://"+a+"/config", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		_ = resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			return nil
		}
		errs = append(errs, fmt.Errorf("patroni PATCH /config on %s: HTTP %d", a, resp.StatusCode))
	}
	return fmt.Errorf("set archive_command: %w", errors.Join(errs...))
}

// retry runs f until it succeeds or about a minute passed (TLS servers
// just started, a WAL switch not yet archived).
func retry(ctx context.Context, f func() error) error {
	var err error
	for i := 0; i < 30; i++ {
		if err = f(); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(2 * time.Second):
		}
	}
	return err
}

// Apply delivers the repository and database hosts' configuration, turns
// on WAL archiving, creates the stanza, checks that WAL reaches the
// repository, installs the schedule and (StartBackupNow, on create or when
// SnapshotTrigger changes) takes a backup.
func (b *Backend) Apply(ctx context.Context, spec backupplan.Spec, previous *backupplan.Status) (*backupplan.Status, error) {
	if err := Check(spec); err != nil {
		return nil, err
	}
	l := newLayout(spec)
	clients, err := b.dial(ctx, append([]backupplan.Host{l.bm.RepoHost}, l.bm.DBHosts...)...)
	if err != nil {
		return nil, err
	}
	s := &session{b: b, l: l, clients: clients}
	defer s.close()
	if err := s.deliver(ctx); err != nil {
		return nil, err
	}
	if err := setArchiveCommand(ctx, l.bm.PatroniAPIs, l.ArchiveCommand()); err != nil {
		return nil, err
	}
	if err := retry(ctx, func() error { _, err := s.repo(ctx, "stanza-create"); return err }); err != nil {
		return nil, fmt.Errorf("stanza-create: %w", err)
	}
	// check forces a WAL switch and waits until the segment is in the
	// repository: archiving works end to end.
	if err := retry(ctx, func() error { _, err := s.repo(ctx, "check"); return err }); err != nil {
		return nil, fmt.Errorf("WAL archiving check: %w", err)
	}
	cron, _ := CronSchedule(spec.Schedule)
	line := fmt.Sprintf("# ha backup plan %s (managed by terraform-provider-ha)\n%s postgres cd %s && pgbackrest --config=%s --stanza=%s backup\n",
		spec.Name, cron, l.repoDir(), l.repoConf(), l.bm.Stanza)
	if _, err := clients[l.bm.RepoHost.Name].WriteFile(ctx, l.cronFile(), []byte(line), 0o644); err != nil {
		return nil, err
	}
	if spec.StartBackupNow && (previous == nil || previous.Spec.SnapshotTrigger != spec.SnapshotTrigger) {
		if _, err := s.repo(ctx, "backup"); err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
	}
	return b.Read(ctx, spec, previous)
}

// Info is the part of `pgbackrest info --output=json` the backend reads.
type Info struct {
	Name   string `json:"name"`
	Status struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"status"`
	Backup []struct {
		Label     string `json:"label"`
		Type      string `json:"type"`
		Timestamp struct {
			Start int64 `json:"start"`
			Stop  int64 `json:"stop"`
		} `json:"timestamp"`
		Archive struct {
			Start string `json:"start"`
			Stop  string `json:"stop"`
		} `json:"archive"`
	} `json:"backup"`
	Archive []struct {
		Min string `json:"min"`
		Max string `json:"max"`
	} `json:"archive"`
}

func (s *session) info(ctx context.Context) (Info, error) {
	out, err := s.repo(ctx, "info", "--output=json")
	if err != nil {
		return Info{}, err
	}
	var all []Info
	if err := json.Unmarshal(out, &all); err != nil || len(all) == 0 {
		return Info{}, fmt.Errorf("pgbackrest info: unexpected answer: %w", err)
	}
	return all[0], nil
}

// Read reads the repository's backups (pgbackrest info on the repository
// host); the plan is gone when its configuration is.
func (b *Backend) Read(ctx context.Context, spec backupplan.Spec, previous *backupplan.Status) (*backupplan.Status, error) {
	if spec.BareMetal == nil {
		return nil, errors.New("bare-metal backup plan: import needs the hosts")
	}
	l := newLayout(spec)
	clients, err := b.dial(ctx, l.bm.RepoHost)
	if err != nil {
		return nil, err
	}
	s := &session{b: b, l: l, clients: clients}
	defer s.close()
	conf, ok, err := clients[l.bm.RepoHost.Name].ReadFile(ctx, l.repoConf())
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, backend.NotFound("backup plan", spec.Name)
	}
	out := &backupplan.Status{Spec: spec, ID: spec.Location + "/" + l.bm.Stanza, VaultID: l.bm.RepoHost.Name + ":" + l.repoDir() + "/repo"}
	out.CopyVaultID = out.VaultID
	bm := *spec.BareMetal
	out.Spec.BareMetal = &bm
	out.Spec.Encrypted = strings.Contains(string(conf), "repo1-cipher-type=aes-256-cbc")
	in, err := s.info(ctx)
	if err != nil {
		return nil, err
	}
	if n := len(in.Backup); n > 0 {
		out.LatestRecoveryPointID = in.Backup[n-1].Label
		out.LatestSnapshotID = in.Backup[n-1].Label
		out.LatestCopyID = in.Backup[n-1].Label
	}
	if in.Status.Code != 0 && in.Status.Code != 2 { // 2: no backups yet
		out.Warnings = append(out.Warnings, fmt.Sprintf("pgBackRest stanza %s: %s", l.bm.Stanza, in.Status.Message))
	}
	b.remember(spec)
	return out, nil
}

func (b *Backend) remember(spec backupplan.Spec) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.plans == nil {
		b.plans = map[string]backupplan.Spec{}
	}
	b.plans[planKey(spec.Blueprint, spec.Database)] = spec
}

// planKey keys a plan by its blueprint too: two blueprints applied by one
// provider process may both have a database of the same component key.
func planKey(blueprint, database string) string { return blueprint + "\x00" + database }

// LatestRecoveryPoint is the newest backup of the blueprint's database in
// a plan this backend applied or read; the repository host is only known
// from a plan.
func (b *Backend) LatestRecoveryPoint(ctx context.Context, blueprint, database string) (*backupplan.RecoveryPoint, error) {
	b.mu.Lock()
	spec, ok := b.plans[planKey(blueprint, database)]
	if !ok {
		// A plan or database without a blueprint matches on the
		// database alone.
		for _, p := range b.plans {
			if p.Database == database && (blueprint == "" || p.Blueprint == "") {
				spec, ok = p, true
				break
			}
		}
	}
	b.mu.Unlock()
	if !ok {
		return nil, backend.NotFound("backup of database", database)
	}
	l := newLayout(spec)
	clients, err := b.dial(ctx, l.bm.RepoHost)
	if err != nil {
		return nil, err
	}
	s := &session{b: b, l: l, clients: clients}
	defer s.close()
	in, err := s.info(ctx)
	if err != nil {
		return nil, err
	}
	if len(in.Backup) == 0 {
		return nil, backend.NotFound("backup of database", database)
	}
	last := in.Backup[len(in.Backup)-1]
	return &backupplan.RecoveryPoint{ID: last.Label, Location: spec.CopyToLocation, Database: database,
		CreatedAt: time.Unix(last.Timestamp.Stop, 0).UTC()}, nil
}

// Delete stops archiving (archive_command back to a no-op), removes the
// schedule, the TLS servers and configuration, and (unless KeepSnapshots)
// the repository. When the database does not answer (its site lost, say)
// only the schedule goes, with a warning: the repository, its TLS server
// and configuration stay, as they may be all that is left of the database
// and a restore may be reading them. Unreachable database hosts do not
// stop the rest.
func (b *Backend) Delete(ctx context.Context, status *backupplan.Status) error {
	if status == nil || status.Spec.BareMetal == nil {
		return nil
	}
	l := newLayout(status.Spec)
	var errs []error
	lostDB := false
	if err := setArchiveCommand(ctx, l.bm.PatroniAPIs, noArchive); err != nil {
		lostDB = true
		backend.Warn(ctx, "Backup repository kept",
			fmt.Sprintf("The database of backup plan %s does not answer (%v), so its pgBackRest repository %s:%s is kept: it may be all "+
				"that is left of the database. Restore from it with `pgbackrest --stanza=%s restore`; remove it by hand once it is not needed.",
				status.Spec.Name, err, l.bm.RepoHost.Name, l.repoDir(), l.bm.Stanza))
	} else {
		for _, h := range l.bm.DBHosts {
			cs, err := b.dial(ctx, h)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			d := l.dbDir(h.Name)
			_, err = cs[h.Name].Run(ctx, stopCmd(d+"/pgbackrest-server.pid")+fmt.Sprintf("; rm -rf %[1]s/pgbackrest-tls %[1]s/pgbackrest-log %[1]s/pgbackrest-lock %[1]s/pgbackrest-spool %[1]s/pgbackrest.conf", hostdeliver.Quote(d)), nil)
			if err != nil {
				errs = append(errs, err)
			}
			_ = cs[h.Name].Close()
		}
	}
	cs, err := b.dial(ctx, l.bm.RepoHost)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	defer func() { _ = cs[l.bm.RepoHost.Name].Close() }()
	rc := cs[l.bm.RepoHost.Name]
	rd := l.repoDir()
	cmd := stopCmd(rd+"/pgbackrest-server.pid") + "; rm -f " + hostdeliver.Quote(l.cronFile())
	if lostDB {
		// A restore may be reading the repository right now (the same
		// apply rebuilds the database elsewhere): only the schedule goes.
		cmd = "rm -f " + hostdeliver.Quote(l.cronFile())
	} else if status.Spec.KeepSnapshots {
		// Keep the repository (and the key to read it); drop the rest.
		cmd += fmt.Sprintf("; rm -rf %[1]s/log %[1]s/lock %[1]s/spool", hostdeliver.Quote(rd))
	} else {
		cmd += "; rm -rf " + hostdeliver.Quote(rd)
	}
	if _, err := rc.Run(ctx, cmd, nil); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
