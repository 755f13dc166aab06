// Package dbdrill measures a database failover the way an application sees
// it: a writer commits a numbered row every few milliseconds and records
// each acknowledged commit; the leader is killed; the drill measures how
// long until commits succeed again (RTO) and then counts acknowledged rows
// missing on the new leader (lost writes).
package dbdrill

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sort"
	"time"

	"net"

	"github.com/lib/pq"
)

// Spec says what to drill.
type Spec struct {
	// Target returns the DSN to write to: the tier's VIP or HAProxy
	// (always the same), or the current leader's address when there is no
	// VIP. It is asked again after every failed commit.
	Target func(ctx context.Context) (string, error)
	// Kill takes the leader away (postgres killed, link or power cut).
	Kill     func(ctx context.Context) error
	Interval time.Duration // between commits; default 5ms
	Warmup   time.Duration // writing before the kill; default 2s
	After    time.Duration // writing after recovery; default 1s
	Timeout  time.Duration // give up when writes do not recover; default 2m
	Table    string        // default ha_drill
}

// Result is what the drill measured.
type Result struct {
	RTO        time.Duration `json:"-"`
	RTOSeconds float64       `json:"rto_seconds"`
	Acked      int           `json:"acknowledged"`
	Failed     int           `json:"failed_attempts"`
	Lost       int           `json:"lost"`
	LostIDs    []int64       `json:"lost_ids,omitempty"` // at most the first 20
	Recovered  bool          `json:"recovered"`
}

// Summary is the one-line summary.
func (r Result) Summary() string {
	if !r.Recovered {
		return fmt.Sprintf("database drill: writes did not recover; %d acknowledged before the kill", r.Acked)
	}
	return fmt.Sprintf("database drill: RTO %.1fs, %d acknowledged writes, %d lost", r.RTOSeconds, r.Acked, r.Lost)
}

type writer struct {
	spec Spec
	db   *sql.DB
	dsn  string
}

func (w *writer) close() {
	if w.db != nil {
		_ = w.db.Close()
		w.db = nil
	}
}

func (w *writer) exec(ctx context.Context, q string, args ...any) error {
	if w.db == nil {
		dsn, err := w.spec.Target(ctx)
		if err != nil {
			return err
		}
		// Every read and write gets a deadline: a leader whose power or
		// link is gone never answers, and without one a commit waits for
		// TCP to give up (minutes).
		db := sql.OpenDB(connector{dsn: dsn, dialer: deadlineDialer{timeout: 2 * time.Second}})
		db.SetMaxOpenConns(1)
		w.db, w.dsn = db, dsn
	}
	c, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := w.db.ExecContext(c, q, args...); err != nil {
		// A connection that failed once may point at the old leader.
		w.close()
		return err
	}
	return nil
}

// Run drills once. The table is created (and emptied) first.
func Run(ctx context.Context, s Spec) (Result, error) {
	if s.Target == nil || s.Kill == nil {
		return Result{}, errors.New("dbdrill: Target and Kill are required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&s.Interval, 5*time.Millisecond)
	def(&s.Warmup, 2*time.Second)
	def(&s.After, time.Second)
	def(&s.Timeout, 2*time.Minute)
	if s.Table == "" {
		s.Table = "ha_drill"
	}
	w := &writer{spec: s}
	defer w.close()
	if err := w.exec(ctx, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (n bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())", s.Table)); err != nil {
		return Result{}, fmt.Errorf("create drill table: %w", err)
	}
	if err := w.exec(ctx, "TRUNCATE "+s.Table); err != nil {
		return Result{}, fmt.Errorf("empty drill table: %w", err)
	}
	var res Result
	var acked []int64
	var n int64
	insert := "INSERT INTO " + s.Table + " (n) VALUES ($1)"
	commit := func() bool {
		n++
		if err := w.exec(ctx, insert, n); err != nil {
			res.Failed++
			return false
		}
		acked = append(acked, n)
		return true
	}
	tick := func() error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(s.Interval):
			return nil
		}
	}
	for end := time.Now().Add(s.Warmup); time.Now().Before(end); {
		commit()
		if err := tick(); err != nil {
			return res, err
		}
	}
	killed := time.Now()
	if err := s.Kill(ctx); err != nil {
		return res, fmt.Errorf("kill the leader: %w", err)
	}
	// Until a commit succeeds after the kill. A commit acknowledged right
	// after the kill by a leader not yet dead counts as before recovery
	// only if it went to the same server: so recovery is the first success
	// after at least one failure, or after the DSN changed.
	before := w.dsn
	failedSince := false
	for {
		if time.Since(killed) > s.Timeout {
			res.Acked = len(acked)
			return res, nil
		}
		ok := commit()
		if !ok {
			failedSince = true
		}
		if ok && (failedSince || w.dsn != before) {
			break
		}
		if err := tick(); err != nil {
			return res, err
		}
	}
	res.RTO = time.Since(killed)
	res.RTOSeconds = res.RTO.Seconds()
	res.Recovered = true
	for end := time.Now().Add(s.After); time.Now().Before(end); {
		commit()
		if err := tick(); err != nil {
			return res, err
		}
	}
	res.Acked = len(acked)
	have := map[int64]bool{}
	var rows *sql.Rows
	var err error
	for try := 0; try < 5; try++ {
		if w.db == nil {
			if err = w.exec(ctx, "SELECT 1"); err != nil {
				continue
			}
		}
		rows, err = w.db.QueryContext(ctx, "SELECT n FROM "+s.Table)
		if err == nil {
			break
		}
		w.close()
	}
	if err != nil {
		return res, fmt.Errorf("read back acknowledged rows: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return res, fmt.Errorf("read back acknowledged rows: %w", err)
		}
		have[v] = true
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("read back acknowledged rows: %w", err)
	}
	for _, v := range acked {
		if !have[v] {
			res.Lost++
			if len(res.LostIDs) < 20 {
				res.LostIDs = append(res.LostIDs, v)
			}
		}
	}
	sort.Slice(res.LostIDs, func(i, j int) bool { return res.LostIDs[i] < res.LostIDs[j] })
	return res, nil
}

type deadlineDialer struct{ timeout time.Duration }

func (d deadlineDialer) Dial(network, address string) (net.Conn, error) {
	return d.DialTimeout(network, address, d.timeout)
}

func (d deadlineDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	c, err := net.DialTimeout(network, address, timeout)
	if err != nil {
		return nil, err
	}
	return deadlineConn{Conn: c, timeout: d.timeout}, nil
}

// deadlineConn sets a fresh deadline before each read and write.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c deadlineConn) Read(b []byte) (int, error) {
	_ = c.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(b)
}

func (c deadlineConn) Write(b []byte) (int, error) {
	_ = c.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(b)
}

// connector opens pq connections through a dialer.
type connector struct {
	dsn    string
	dialer pq.Dialer
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return pq.DialOpen(c.dialer, c.dsn) }
func (c connector) Driver() driver.Driver                        { return &pq.Driver{} }
