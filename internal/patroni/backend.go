package patroni

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backupplan"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/pgbackrest"
)

func init() {
	database.Register(backend.BareMetal, func(_ context.Context, s *backend.Settings, location string) (database.Backend, error) {
		hs, err := hostdeliver.ForLocation(s, location)
		if err != nil {
			return nil, err
		}
		return &Backend{SSH: hs}, nil
	})
}

// DefaultBaseDir holds each member's files (BaseDir/CLUSTER/HOST).
const DefaultBaseDir = "/var/lib/ha-patroni"

// noArchive is archive_command until a backup plan sets one: archive_mode
// is on from bootstrap, so turning archiving on later needs no restart.
const noArchive = "/bin/true"

// Backend is the bare_metal database: a Patroni cluster (PostgreSQL, Patroni
// and etcd on each of Spec.BareMetal.Hosts), configured over SSH and managed
// through Patroni's REST API.
type Backend struct {
	SSH hostdeliver.Settings
	// Wait bounds each wait for a leader, a sync standby or a switchover
	// (default 5 min).
	Wait time.Duration
}

// ClusterFor is the Patroni cluster spec describes.
func ClusterFor(spec database.Spec) (Cluster, error) {
	bm := spec.BareMetal
	if bm == nil {
		return Cluster{}, fmt.Errorf("bare-metal database %s: no hosts given (ha_database does not take bare-metal hosts yet; the Patroni backend is driven with database.Spec.BareMetal)", spec.Name)
	}
	c := Cluster{
		Name:              Scope(spec.Name),
		Sync:              spec.HighAvailability,
		MaxLagBytes:       bm.MaxLagBytes,
		Timings:           Defaults,
		PGPort:            bm.PGPort,
		RESTPort:          bm.RESTPort,
		EtcdClientPort:    bm.EtcdClientPort,
		EtcdPeerPort:      bm.EtcdPeerPort,
		SuperuserPassword: spec.Password,
		// The replication role's password is derived from the superuser's:
		// one sensitive input, rotated together.
		ReplicationPassword: derive(spec.Password, "replication"),
		ArchiveCommand:      bm.ArchiveCommand,
	}
	if bm.RTO > 0 {
		c.Timings = TimingsFor(bm.RTO)
	}
	if c.ArchiveCommand == "" {
		c.ArchiveCommand = noArchive
	}
	v := spec.EngineVersion
	if v == "" {
		v = "15"
	}
	c.BinDir = "/usr/lib/postgresql/" + strings.SplitN(v, ".", 2)[0] + "/bin"
	for _, h := range bm.Hosts {
		dir := memberDir(bm, c.Name, h.Name)
		c.Members = append(c.Members, Member{Name: h.Name, Address: h.Address, Domains: h.Domains,
			DataDir: dir + "/data", SocketDir: dir})
	}
	c.DataDir = memberDir(bm, c.Name, "data")
	return c, nil
}

// Scope is the Patroni scope (cluster name) of a database named name: the
// backup plan's pgBackRest stanza too, and the directory its members' files
// are in.
func Scope(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	return b.String()
}

func derive(secret, purpose string) string {
	if secret == "" {
		return ""
	}
	s := sha256.Sum256([]byte(purpose + "\x00" + secret))
	return hex.EncodeToString(s[:16])
}

func memberDir(bm *database.BareMetal, cluster, host string) string {
	base := bm.BaseDir
	if base == "" {
		base = DefaultBaseDir
	}
	return path.Join(base, cluster, host)
}

// CheckSpec reports what makes spec impossible or unsafe, for plan time:
// sync mode with one host, a power domain whose loss takes out a majority
// of etcd or every copy (the error names the domain), a primary that is
// not one of the hosts.
func CheckSpec(spec database.Spec) error {
	var errs []error
	if spec.Engine != "" && spec.Engine != "postgres" {
		errs = append(errs, fmt.Errorf("engine %q: bare-metal databases are PostgreSQL (Patroni)", spec.Engine))
	}
	c, err := ClusterFor(spec)
	if err != nil {
		return err
	}
	if spec.Password == "" {
		errs = append(errs, errors.New("password is required (the postgres superuser's)"))
	}
	var members []Member
	seen := map[string]bool{}
	for _, m := range c.Members {
		members = append(members, m)
		seen[m.Name] = true
	}
	if p := spec.BareMetal.Primary; p != "" && !seen[p] {
		errs = append(errs, fmt.Errorf("primary %q is not one of the database hosts", p))
	}
	if len(members) == 0 {
		errs = append(errs, errors.New("no database hosts"))
	} else {
		errs = append(errs, CheckPlacement(members, c.Sync)...)
		// CheckPlacement already said that sync mode needs two hosts.
		if err := c.Validate(); err != nil && (!c.Sync || len(members) >= 2) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

type session struct {
	b       *Backend
	spec    database.Spec
	c       Cluster
	clients map[string]*hostdeliver.Client
}

func (b *Backend) wait() time.Duration {
	if b.Wait > 0 {
		return b.Wait
	}
	return 5 * time.Minute
}

func (b *Backend) open(ctx context.Context, spec database.Spec) (*session, error) {
	c, err := ClusterFor(spec)
	if err != nil {
		return nil, err
	}
	s := &session{b: b, spec: spec, c: c, clients: map[string]*hostdeliver.Client{}}
	var errs []error
	for _, h := range spec.BareMetal.Hosts {
		cl, err := hostdeliver.Dial(ctx, b.SSH, hostdeliver.Target{Name: h.Name, Address: h.Address, HostKey: h.HostKey})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.clients[h.Name] = cl
	}
	if len(errs) > 0 {
		s.close()
		return nil, errors.Join(errs...)
	}
	return s, nil
}

func (s *session) close() {
	for _, c := range s.clients {
		_ = c.Close()
	}
}

func (s *session) dir(host string) string { return memberDir(s.spec.BareMetal, s.c.Name, host) }

// Commands run without systemd (as on namespace hosts or hosts managed by
// hand): each daemon runs detached, its pid in DIR/NAME.pid.
func running(pid string) string {
	return fmt.Sprintf(`[ -s %[1]s ] && kill -0 "$(cat %[1]s)" 2>/dev/null`, hostdeliver.Quote(pid))
}

func stop(pid string, wait int) string {
	p := hostdeliver.Quote(pid)
	return fmt.Sprintf(`if %s; then kill "$(cat %s)"; i=0; while kill -0 "$(cat %s)" 2>/dev/null && [ $i -lt %d ]; do sleep 0.2; i=$((i+1)); done; kill -9 "$(cat %s)" 2>/dev/null; fi; rm -f %s`,
		running(pid), p, p, wait*5, p, p)
}

func (s *session) etcd(i int) hostdeliver.Daemon {
	m := s.c.Members[i]
	dir := s.dir(m.Name)
	q := hostdeliver.Quote
	var args []string
	for _, a := range s.c.EtcdArgs(i, dir+"/etcd") {
		args = append(args, q(a))
	}
	script := "#!/bin/sh\nexec etcd " + strings.Join(args, " ") + "\n"
	pid := dir + "/etcd.pid"
	start := fmt.Sprintf(`setsid nohup sh %s >>%s 2>&1 </dev/null & echo $! >%s`, q(dir+"/etcd.sh"), q(dir+"/etcd.log"), q(pid))
	return hostdeliver.Daemon{
		Name:   "etcd",
		Files:  []hostdeliver.File{{Path: dir + "/etcd.sh", Content: []byte(script), Mode: 0o700}},
		Reload: stop(pid, 10) + "; " + start,
		Stop:   stop(pid, 10),
	}
}

func (s *session) patroni(i int) (hostdeliver.Daemon, error) {
	m := s.c.Members[i]
	dir := s.dir(m.Name)
	q := hostdeliver.Quote
	conf, err := s.c.Render(i)
	if err != nil {
		return hostdeliver.Daemon{}, err
	}
	pid := dir + "/patroni.pid"
	yml := dir + "/patroni.yml"
	// Patroni runs as postgres and must read its file (written by root);
	// it and PostgreSQL need a working directory and HOME they can enter.
	reload := fmt.Sprintf(`chown postgres:postgres %[1]s && if %[2]s; then kill -HUP "$(cat %[3]s)"; else cd %[5]s || exit 1; HOME=%[5]s setsid nohup setpriv --reuid=postgres --regid=postgres --init-groups patroni %[1]s >>%[4]s 2>&1 </dev/null & echo $! >%[3]s; fi`,
		q(yml), running(pid), q(pid), q(dir+"/patroni.log"), q(dir))
	return hostdeliver.Daemon{
		Name:   "patroni",
		Files:  []hostdeliver.File{{Path: yml, Content: conf, Mode: 0o600}},
		Reload: reload,
		// Patroni stops PostgreSQL when it is stopped.
		Stop: stop(pid, 60),
	}, nil
}

func (s *session) isRunning(ctx context.Context, host, name string) bool {
	_, err := s.clients[host].Run(ctx, running(s.dir(host)+"/"+name+".pid"), nil)
	return err == nil
}

func (s *session) api(host string) *Client {
	for _, m := range s.c.Members {
		if m.Name == host {
			return NewClient(fmt.Sprintf("%s:%d", m.Address, s.restPort()))
		}
	}
	return NewClient(host)
}

func (s *session) etcdEndpoints() map[string]string {
	port := s.c.EtcdClientPort
	if port == 0 {
		port = 2379
	}
	out := map[string]string{}
	for _, m := range s.c.Members {
		out[m.Name] = fmt.Sprintf("http://%s:%d", m.Address, port)
	}
	return out
}

// writtenConfig is GET /config once the leader has written the dynamic
// configuration: a leader that took over a restored data directory writes
// it a loop after taking the lock, and answers 502 until then.
func writtenConfig(ctx context.Context, api *Client) (map[string]any, error) {
	for deadline := time.Now().Add(30 * time.Second); ; {
		got, err := api.Config(ctx)
		var ae *APIError
		if err == nil || !errors.As(err, &ae) || ae.Status != 502 || time.Now().After(deadline) {
			return got, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// restore fills member m's data directory from the pgBackRest repository
// the spec restores from, the newest backup and archived WAL.
func (s *session) restore(ctx context.Context, m Member) error {
	r := s.spec.BareMetal.RestoreFrom
	host := backupplan.Host{Name: m.Name, Address: m.Address}
	for _, h := range s.spec.BareMetal.Hosts {
		if h.Name == m.Name {
			host.HostKey = h.HostKey
		}
	}
	plan := backupplan.Spec{Meta: backend.Meta{Name: r.Stanza}, Encrypted: r.Encrypted, BareMetal: &backupplan.BareMetal{
		Stanza: r.Stanza, DBHosts: []backupplan.Host{host}, Passphrase: r.Passphrase,
		RepoHost:        backupplan.Host{Name: r.Host.Name, Address: r.Host.Address, HostKey: r.Host.HostKey},
		DatabaseBaseDir: s.spec.BareMetal.BaseDir, PGPort: s.pgPort(),
	}}
	pb := &pgbackrest.Backend{SSH: s.b.SSH}
	if err := pb.Restore(ctx, plan, pgbackrest.RestoreSpec{Host: host, DataDir: m.DataDir, BinDir: s.c.BinDir, Handover: true}); err != nil {
		return fmt.Errorf("restore %s from the pgBackRest repository on %s (stanza %s): %w", s.c.Name, r.Host.Name, r.Stanza, err)
	}
	return nil
}

func (s *session) restPort() int {
	if s.c.RESTPort == 0 {
		return 8008
	}
	return s.c.RESTPort
}

func (s *session) pgPort() int {
	if s.c.PGPort == 0 {
		return 5432
	}
	return s.c.PGPort
}

// status asks each member in turn for /cluster.
func (s *session) status(ctx context.Context) (ClusterStatus, *Client, error) {
	var errs []error
	for _, m := range s.c.Members {
		c := s.api(m.Name)
		c.HTTP.Timeout = 2 * time.Second
		st, err := c.Cluster(ctx)
		if err == nil {
			return st, c, nil
		}
		errs = append(errs, err)
	}
	return ClusterStatus{}, nil, fmt.Errorf("no Patroni member of %s answers: %w", s.c.Name, errors.Join(errs...))
}

// Apply delivers etcd and Patroni to every host (the declared primary's
// Patroni first on create, so it bootstraps the cluster), waits for a leader
// (and a sync standby in sync mode), sets the dynamic configuration through
// PATCH /config, switches over when the declared primary changed, and waits
// until the leader accepts writes.
func (b *Backend) Apply(ctx context.Context, spec database.Spec, previous *database.Status) (*database.Status, error) {
	if err := CheckSpec(spec); err != nil {
		return nil, err
	}
	s, err := b.open(ctx, spec)
	if err != nil {
		return nil, err
	}
	defer s.close()
	bm := spec.BareMetal
	for i, m := range s.c.Members {
		cl := s.clients[m.Name]
		dir := s.dir(m.Name)
		if _, err := cl.Run(ctx, fmt.Sprintf("mkdir -p %[1]s && chown postgres:postgres %[1]s && chmod 700 %[1]s", hostdeliver.Quote(dir)), nil); err != nil {
			return nil, err
		}
		if _, err := cl.Apply(ctx, s.etcd(i), !s.isRunning(ctx, m.Name, "etcd")); err != nil {
			return nil, err
		}
	}
	order := make([]int, 0, len(s.c.Members))
	for i, m := range s.c.Members {
		if m.Name == bm.Primary {
			order = append([]int{i}, order...)
		} else {
			order = append(order, i)
		}
	}
	for k, i := range order {
		m := s.c.Members[i]
		d, err := s.patroni(i)
		if err != nil {
			return nil, err
		}
		if k == 0 && previous == nil && bm.RestoreFrom != nil && !s.isRunning(ctx, m.Name, "patroni") {
			// Patroni takes over a data directory it finds filled when the
			// cluster has no initialize key yet: the restored copy leads.
			if err := s.restore(ctx, m); err != nil {
				return nil, err
			}
		}
		if _, err := s.clients[m.Name].Apply(ctx, d, !s.isRunning(ctx, m.Name, "patroni")); err != nil {
			return nil, err
		}
		if k == 0 && previous == nil {
			// The first member started bootstraps the cluster: wait for it
			// before the others, so the declared primary leads from birth.
			wctx, cancel := context.WithTimeout(ctx, b.wait())
			_, err := s.api(m.Name).WaitLeader(wctx, "")
			cancel()
			if err != nil {
				return nil, fmt.Errorf("host %s: bootstrap: %w", m.Name, err)
			}
		}
	}
	// Sync mode may be off (drift) until the PATCH below: a leader first.
	st, err := s.waitHealthy(ctx, "", false)
	if err != nil {
		return nil, err
	}
	leader := st.Leader()
	api := s.api(leader)
	got, err := writtenConfig(ctx, api)
	if err != nil {
		return nil, err
	}
	want := s.managed()
	if drift := DynamicDrift(want, got); len(drift) > 0 {
		patch := want
		if s.c.MaxLagBytes == 0 {
			patch["maximum_lag_on_failover"] = nil
		}
		if err := api.PatchConfig(ctx, patch); err != nil {
			return nil, fmt.Errorf("set dynamic configuration (%s): %w", strings.Join(drift, ", "), err)
		}
	}
	if st, err = s.waitHealthy(ctx, "", true); err != nil {
		return nil, err
	}
	leader = st.Leader()
	var warnings []string
	declaredBefore := ""
	if previous != nil && previous.Spec.BareMetal != nil {
		declaredBefore = previous.Spec.BareMetal.Primary
	}
	if bm.Primary != "" && leader != bm.Primary {
		if previous == nil || declaredBefore != bm.Primary {
			if err := s.switchover(ctx, leader, bm.Primary); err != nil {
				return nil, err
			}
			leader = bm.Primary
		} else {
			warnings = append(warnings, failoverWarning(leader, bm.Primary))
		}
	}
	if err := s.waitWritable(ctx, leader); err != nil {
		return nil, err
	}
	if err := MoveEtcdLeader(ctx, s.etcdEndpoints(), leader); err != nil {
		// Failover still works, only slower by an etcd election: a warning.
		warnings = append(warnings, "etcd's leader runs on the PostgreSQL leader's host, which adds an etcd election to a power loss there: "+err.Error())
	}
	if previous == nil || previous.Spec.Password != spec.Password || previous.Spec.Username != spec.Username {
		if err := s.setRoles(ctx, leader); err != nil {
			return nil, err
		}
	}
	out, err := b.Read(ctx, spec, previous)
	if err != nil {
		return nil, err
	}
	out.Warnings = append(warnings, out.Warnings...)
	return out, nil
}

func failoverWarning(leader, declared string) string {
	return fmt.Sprintf("the leader is %s, not the declared primary %s: Patroni failed over; no switchover back was made (declare primary = %q to accept it, or change it to switch over)", leader, declared, leader)
}

// managed is the dynamic configuration the backend owns. archive_command is
// the backup plan's unless the spec sets it.
func (s *session) managed() map[string]any {
	d := s.c.Dynamic()
	delete(d, "postgresql")
	if a := s.spec.BareMetal.ArchiveCommand; a != "" {
		d["postgresql"] = map[string]any{"parameters": map[string]any{"archive_mode": "on", "archive_command": a}}
	}
	return d
}

// waitHealthy waits until want (any member when "") leads and, in sync mode
// with a second member, a sync standby is chosen.
func (s *session) waitHealthy(ctx context.Context, want string, syncToo bool) (ClusterStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, s.b.wait())
	defer cancel()
	var last ClusterStatus
	var lastErr error
	for {
		st, _, err := s.status(ctx)
		if err == nil {
			last = st
			l := st.Leader()
			ok := l != "" && (want == "" || l == want)
			for _, m := range st.Members {
				if m.Name == l && m.State != "running" {
					ok = false
				}
			}
			if ok && (!syncToo || !s.c.Sync || len(s.c.Members) < 2 || len(st.SyncStandbys()) > 0) {
				return st, nil
			}
		} else {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			err := fmt.Errorf("cluster %s: wait for leader %q%s: %w (members: %s)", s.c.Name, want,
				map[bool]string{true: " with a sync standby", false: ""}[s.c.Sync && syncToo], ErrTimeout, describe(last))
			if lastErr != nil {
				err = fmt.Errorf("%w; last error: %w", err, lastErr)
			}
			return last, err
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func describe(st ClusterStatus) string {
	var out []string
	for _, m := range st.Members {
		out = append(out, fmt.Sprintf("%s=%s/%s", m.Name, m.Role, m.State))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, " ")
}

// switchover hands leadership to target and waits until it leads (with a
// sync standby in sync mode). Patroni refuses a target that is not a
// healthy standby; its answer is in the error.
func (s *session) switchover(ctx context.Context, leader, target string) error {
	if s.c.Sync && len(s.c.Members) > 2 {
		// In sync mode Patroni switches over to the sync standby only: make
		// every replica synchronous until the target is one, then back.
		if err := s.makeSync(ctx, leader, target); err != nil {
			return fmt.Errorf("switchover %s -> %s: %w", leader, target, err)
		}
		defer func() {
			_ = s.api(target).PatchConfig(context.WithoutCancel(ctx), map[string]any{"synchronous_node_count": nil})
		}()
	}
	var err error
	for try := 0; try < 10; try++ {
		// Right after a start Patroni may refuse ("candidate not healthy")
		// until the target streams; retry a few times.
		if err = s.api(leader).Switchover(ctx, leader, target); err == nil {
			break
		}
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status >= 500 && ae.Status != 503 {
			return fmt.Errorf("switchover %s -> %s: %w", leader, target, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	if err != nil {
		return fmt.Errorf("switchover %s -> %s: %w", leader, target, err)
	}
	if _, err := s.waitHealthy(ctx, target, true); err != nil {
		return fmt.Errorf("switchover %s -> %s: %w", leader, target, err)
	}
	return nil
}

// makeSync raises synchronous_node_count until target is a sync standby.
func (s *session) makeSync(ctx context.Context, leader, target string) error {
	if err := s.api(leader).PatchConfig(ctx, map[string]any{"synchronous_node_count": len(s.c.Members) - 1}); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.b.wait())
	defer cancel()
	for {
		if st, _, err := s.status(ctx); err == nil {
			for _, n := range st.SyncStandbys() {
				if n == target {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not become a sync standby: %w", target, ErrTimeout)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (s *session) address(host string) string {
	for _, m := range s.c.Members {
		if m.Name == host {
			return m.Address
		}
	}
	return host
}

// waitWritable waits until a transaction commits on host: it is the
// leader and, in sync mode, a standby acknowledges.
func (s *session) waitWritable(ctx context.Context, host string) error {
	ctx, cancel := context.WithTimeout(ctx, s.b.wait())
	defer cancel()
	dsn := fmt.Sprintf("host=%s port=%d user=postgres password=%s dbname=postgres sslmode=disable connect_timeout=3",
		s.address(host), s.pgPort(), pqQuote(s.spec.Password))
	var last error
	for {
		last = commitOnce(ctx, dsn)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("leader %s does not accept writes: %w", host, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func commitOnce(ctx context.Context, dsn string) error {
	conn, err := pq.NewConnector(dsn)
	if err != nil {
		return errors.New("bad connection settings")
	}
	db := sql.OpenDB(conn)
	defer func() { _ = db.Close() }()
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// txid_current assigns a transaction id: refused on a standby, and its
	// commit waits for the sync standby.
	_, err = db.ExecContext(c, "SELECT txid_current()")
	return err
}

// pqQuote quotes a libpq connection-string value.
func pqQuote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// setRoles sets the superuser's and the replication role's passwords and
// creates the application user, through psql on the leader's socket (its
// pg_hba trusts local connections), the statements on stdin.
func (s *session) setRoles(ctx context.Context, leader string) error {
	var sql strings.Builder
	fmt.Fprintf(&sql, "ALTER ROLE postgres PASSWORD %s;\n", pq.QuoteLiteral(s.c.SuperuserPassword))
	fmt.Fprintf(&sql, "ALTER ROLE replicator PASSWORD %s;\n", pq.QuoteLiteral(s.c.ReplicationPassword))
	if u := s.spec.Username; u != "" && u != "postgres" && u != "replicator" {
		fmt.Fprintf(&sql, "DO $ha$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %s) THEN CREATE ROLE %s LOGIN SUPERUSER; END IF; END$ha$;\n",
			pq.QuoteLiteral(u), pq.QuoteIdentifier(u))
		fmt.Fprintf(&sql, "ALTER ROLE %s PASSWORD %s;\n", pq.QuoteIdentifier(u), pq.QuoteLiteral(s.spec.Password))
	}
	cmd := fmt.Sprintf("cd / && setpriv --reuid=postgres --regid=postgres --init-groups %s -X -q -v ON_ERROR_STOP=1 -h %s -p %d -U postgres -d postgres -f -",
		hostdeliver.Quote(s.c.BinDir+"/psql"), hostdeliver.Quote(s.dir(leader)), s.pgPort())
	if _, err := s.clients[leader].Run(ctx, cmd, []byte(sql.String())); err != nil {
		return fmt.Errorf("set roles on %s: %w", leader, err)
	}
	return nil
}

// Read reads /cluster and /config: the leader, sync standbys, and the
// dynamic configuration as it is (sync mode, max lag, timings) so a change
// made behind Terraform's back shows in plan.
func (b *Backend) Read(ctx context.Context, spec database.Spec, previous *database.Status) (*database.Status, error) {
	c, err := ClusterFor(spec)
	if err != nil {
		return nil, fmt.Errorf("database %s: import needs the hosts (bare metal): %w", spec.Name, err)
	}
	s := &session{b: b, spec: spec, c: c}
	st, api, err := s.status(ctx)
	if err != nil {
		if gone, gerr := b.gone(ctx, s); gerr == nil && gone {
			return nil, backend.NotFound("database", spec.Name)
		}
		return nil, err
	}
	got, err := api.Config(ctx)
	if err != nil {
		return nil, err
	}
	out := &database.Status{Spec: spec, ID: spec.Location + "/" + c.Name, URI: "patroni://" + c.Name, Role: "primary"}
	bm := *spec.BareMetal
	out.Spec.BareMetal = &bm
	if previous != nil {
		out.RestoredFrom = previous.RestoredFrom
	}
	if v, ok := got["synchronous_mode"].(bool); ok {
		out.Spec.HighAvailability = v
	} else {
		out.Spec.HighAvailability = false
	}
	lag, _ := got["maximum_lag_on_failover"].(float64)
	if lag == 1048576 && bm.MaxLagBytes == 0 {
		lag = 0 // Patroni's default, not a setting
	}
	bm.MaxLagBytes = int64(lag)
	t := Timings{TTL: num(got["ttl"]), LoopWait: num(got["loop_wait"]), RetryTimeout: num(got["retry_timeout"])}
	if t != c.Timings {
		bm.RTO = t.RTO()
	}
	if spec.BareMetal.ArchiveCommand != "" {
		pgc, _ := got["postgresql"].(map[string]any)
		params, _ := pgc["parameters"].(map[string]any)
		bm.ArchiveCommand, _ = params["archive_command"].(string)
	}
	out.Leader = st.Leader()
	out.SyncStandbys = st.SyncStandbys()
	out.State = "no leader"
	for _, m := range st.Members {
		if m.Name == out.Leader {
			out.State = m.State
			out.Address, out.Port = m.Host, m.Port
			out.Endpoint = fmt.Sprintf("%s:%d", m.Host, m.Port)
		}
	}
	if out.Leader != "" && bm.Primary != "" && out.Leader != bm.Primary {
		out.Warnings = append(out.Warnings, failoverWarning(out.Leader, bm.Primary))
	}
	out.Spec.Hosts = nil
	for _, h := range bm.Hosts {
		out.Spec.Hosts = append(out.Spec.Hosts, h.Address)
	}
	return out, nil
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// gone reports whether no host holds the cluster's Patroni file.
func (b *Backend) gone(ctx context.Context, s *session) (bool, error) {
	for _, h := range s.spec.BareMetal.Hosts {
		cl, err := hostdeliver.Dial(ctx, b.SSH, hostdeliver.Target{Name: h.Name, Address: h.Address, HostKey: h.HostKey})
		if err != nil {
			return false, err
		}
		_, ok, err := cl.ReadFile(ctx, s.dir(h.Name)+"/patroni.yml")
		_ = cl.Close()
		if err != nil || ok {
			return false, err
		}
	}
	return true, nil
}

// Delete stops Patroni (which stops PostgreSQL) and etcd on every host and
// removes their files and data. Backups are the backup plan's.
func (b *Backend) Delete(ctx context.Context, status *database.Status) error {
	if status == nil {
		return nil
	}
	spec := status.Spec
	if spec.DeletionProtection {
		return fmt.Errorf("database %s has deletion_protection on: turn it off first", spec.Name)
	}
	c, err := ClusterFor(spec)
	if err != nil {
		return err
	}
	s := &session{b: b, spec: spec, c: c, clients: map[string]*hostdeliver.Client{}}
	var errs []error
	for i, h := range spec.BareMetal.Hosts {
		cl, err := hostdeliver.Dial(ctx, b.SSH, hostdeliver.Target{Name: h.Name, Address: h.Address, HostKey: h.HostKey})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.clients[h.Name] = cl
		d, err := s.patroni(i)
		if err == nil {
			err = cl.Remove(ctx, d)
		}
		if err == nil {
			err = cl.Remove(ctx, s.etcd(i))
		}
		if err == nil {
			_, err = cl.Run(ctx, "rm -rf "+hostdeliver.Quote(s.dir(h.Name)), nil)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	s.close()
	return errors.Join(errs...)
}
