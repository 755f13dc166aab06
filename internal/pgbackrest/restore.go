package pgbackrest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backupplan"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
)

// RestoreSpec says where to restore a plan's newest backup.
type RestoreSpec struct {
	Host backupplan.Host // the new host (a rebuilt site's)
	// Target is a point in time to stop at; zero recovers to the newest
	// archived WAL.
	Target time.Time
	BinDir string // PostgreSQL's binaries; default /usr/lib/postgresql/15/bin
	// DataDir is where the copy goes; default DatabaseBaseDir/STANZA/HOST/data.
	DataDir string
	// Handover leaves the recovered copy stopped, with the restore's own
	// settings (restore_command, archive_mode) reset, for a Patroni member
	// to take over; otherwise it is left running.
	Handover bool
}

// Restore rebuilds the plan's database on a new host from the repository:
// pgBackRest restores the newest backup into DatabaseBaseDir/STANZA/HOST
// (archiving off, so the copy does not write into the repository), then
// PostgreSQL replays archived WAL to the end (or Target) and is promoted.
// It returns once the copy accepts writes.
func (b *Backend) Restore(ctx context.Context, plan backupplan.Spec, r RestoreSpec) error {
	if err := Check(plan); err != nil {
		return err
	}
	l := newLayout(plan)
	if r.BinDir == "" {
		r.BinDir = "/usr/lib/postgresql/15/bin"
	}
	clients, err := b.dial(ctx, l.bm.RepoHost, r.Host)
	if err != nil {
		return err
	}
	s := &session{b: b, l: l, clients: clients}
	defer s.close()
	a, err := s.authority(ctx)
	if err != nil {
		return err
	}
	// The repository's TLS server may have been stopped (a reboot, or the
	// plan removed while its database's site was down): start it from the
	// configuration the repository host keeps.
	rd := l.repoDir()
	if !s.isRunning(ctx, l.bm.RepoHost.Name, rd+"/pgbackrest-server.pid") {
		if _, err := clients[l.bm.RepoHost.Name].Run(ctx, server(rd, l.repoConf(), nil).Reload, nil); err != nil {
			return fmt.Errorf("start the repository's TLS server on %s: %w", l.bm.RepoHost.Name, err)
		}
	}
	c := clients[r.Host.Name]
	d := l.dbDir(r.Host.Name)
	data := r.DataDir
	if data == "" {
		data = d + "/data"
	}
	q := hostdeliver.Quote
	if _, err := c.Run(ctx, fmt.Sprintf("mkdir -p %[1]s/pgbackrest-log %[1]s/pgbackrest-lock %[1]s/pgbackrest-spool && chmod 700 %[1]s", q(d)), nil); err != nil {
		return err
	}
	files, err := s.tlsFiles(ctx, a, c, d+"/pgbackrest-tls", l.dbCN(), r.Host.Address)
	if err != nil {
		return err
	}
	files = append(files, hostdeliver.File{Path: l.dbConf(r.Host.Name), Content: l.dbConfig(r.Host), Mode: 0o600})
	for _, f := range files {
		if _, err := c.WriteFile(ctx, f.Path, f.Content, f.Mode); err != nil {
			return err
		}
	}
	if _, err := c.Run(ctx, "chown -R postgres:postgres "+q(d), nil); err != nil {
		return err
	}
	if _, err := c.Run(ctx, fmt.Sprintf("mkdir -p %[1]s && chown postgres:postgres %[1]s && chmod 700 %[1]s", q(data)), nil); err != nil {
		return err
	}
	// --delta: a restore cut off half-way is finished by the next one.
	args := []string{"pgbackrest", "--config=" + l.dbConf(r.Host.Name), "--stanza=" + l.bm.Stanza, "--pg1-path=" + data, "restore", "--delta", "--archive-mode=off"}
	if !r.Target.IsZero() {
		args = append(args, "--type=time", "--target="+r.Target.UTC().Format("2006-01-02 15:04:05.000000+00"), "--target-action=promote")
	}
	if _, err := c.Run(ctx, asPostgres(d, args...), nil); err != nil {
		return fmt.Errorf("restore on %s: %w", r.Host.Name, err)
	}
	// The backup holds the old leader's settings (addresses, paths, sync
	// standbys): the copy runs with its own.
	opts := strings.Join([]string{
		"-c listen_addresses=" + r.Host.Address,
		fmt.Sprintf("-c port=%d", l.bm.PGPort),
		"-c unix_socket_directories=" + d,
		"-c hba_file=" + data + "/pg_hba.conf",
		"-c ident_file=" + data + "/pg_ident.conf",
		"-c synchronous_standby_names=",
		"-c cluster_name=" + l.bm.Stanza + "-restore",
	}, " ")
	if _, err := c.Run(ctx, asPostgres(d, r.BinDir+"/pg_ctl", "-D", data, "-l", d+"/postgresql.log", "-w", "-t", "600", "-o", opts, "start"), nil); err != nil {
		return fmt.Errorf("start the restored database on %s: %w", r.Host.Name, err)
	}
	// Recovery ends (archive replayed, promoted) when a transaction id
	// can be assigned.
	probe := asPostgres(d, r.BinDir+"/psql", "-X", "-q", "-t", "-A", "-h", d, "-p", fmt.Sprint(l.bm.PGPort), "-U", "postgres", "-d", "postgres", "-c", "SELECT txid_current()")
	if err := retry(ctx, func() error { _, err := c.Run(ctx, probe, nil); return err }); err != nil {
		return fmt.Errorf("restored database on %s did not finish recovery: %w", r.Host.Name, err)
	}
	if !r.Handover {
		return nil
	}
	// The restore wrote restore_command and archive_mode = off into
	// postgresql.auto.conf, which would outrank Patroni's settings.
	sql := asPostgres(d, r.BinDir+"/psql", "-X", "-q", "-h", d, "-p", fmt.Sprint(l.bm.PGPort), "-U", "postgres", "-d", "postgres",
		"-c", "ALTER SYSTEM RESET restore_command", "-c", "ALTER SYSTEM RESET archive_mode")
	if _, err := c.Run(ctx, sql, nil); err != nil {
		return fmt.Errorf("reset the restore's settings on %s: %w", r.Host.Name, err)
	}
	if _, err := c.Run(ctx, asPostgres(d, r.BinDir+"/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"), nil); err != nil {
		return fmt.Errorf("stop the restored database on %s: %w", r.Host.Name, err)
	}
	// The restore's own files (its configuration holds the passphrase) go
	// unless the copy lives among them.
	if !strings.HasPrefix(data, d+"/") {
		if _, err := c.Run(ctx, "rm -rf "+q(d), nil); err != nil {
			return fmt.Errorf("remove the restore's files on %s: %w", r.Host.Name, err)
		}
	}
	return nil
}

// StopRestored stops a database Restore started on host and removes it.
func (b *Backend) StopRestored(ctx context.Context, plan backupplan.Spec, host backupplan.Host, binDir string) error {
	l := newLayout(plan)
	if binDir == "" {
		binDir = "/usr/lib/postgresql/15/bin"
	}
	clients, err := b.dial(ctx, host)
	if err != nil {
		return err
	}
	defer func() { _ = clients[host.Name].Close() }()
	d := l.dbDir(host.Name)
	_, _ = clients[host.Name].Run(ctx, asPostgres(d, binDir+"/pg_ctl", "-D", d+"/data", "-m", "immediate", "stop"), nil)
	_, err = clients[host.Name].Run(ctx, "rm -rf "+hostdeliver.Quote(d), nil)
	return err
}
