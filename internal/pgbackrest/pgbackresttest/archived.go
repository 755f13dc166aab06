// Package pgbackresttest holds what tests of WAL archiving share.
package pgbackresttest

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SwitchAndWaitArchived closes the current WAL segment on db (the leader)
// and waits until PostgreSQL reports it archived: every commit made before
// the call is then in the repository. It returns the segment's name.
func SwitchAndWaitArchived(ctx context.Context, db *sql.DB) (string, error) {
	var seg string
	if err := db.QueryRowContext(ctx, "SELECT pg_walfile_name(pg_switch_wal())").Scan(&seg); err != nil {
		return "", fmt.Errorf("switch WAL: %w", err)
	}
	for {
		var last sql.NullString
		if err := db.QueryRowContext(ctx, "SELECT last_archived_wal FROM pg_stat_archiver").Scan(&last); err != nil {
			return seg, fmt.Errorf("read pg_stat_archiver: %w", err)
		}
		if last.String >= seg {
			return seg, nil
		}
		select {
		case <-ctx.Done():
			return seg, fmt.Errorf("segment %s not archived (last %q): %w", seg, last.String, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}
