package store

import (
	"context"
	"fmt"
	"time"
)

// Exclusive runs fn unless another instance is running the job called
// name, and reports whether it ran; fn's error is returned as it is.
//
// On PostgreSQL it holds a transaction-scoped advisory lock while fn runs:
// PostgreSQL releases it when the transaction ends, or when the instance's
// connection dies with it, so a crashed instance never leaves the job
// locked. This is the one place a transaction stays open while other work
// happens; it writes nothing and holds one pooled connection. SQLite has a
// single instance, so there fn just runs.
func (db *DB) Exclusive(ctx context.Context, name string, fn func(context.Context) error) (ran bool, err error) {
	if !db.d.postgres() {
		return true, fn(ctx)
	}
	// The lock's transaction must not end with ctx: database/sql would
	// roll it back on a goroutine of its own, and the lock could outlive
	// this call, so that a caller's next attempt found it still held.
	lctx := context.WithoutCancel(ctx)
	tx, err := db.w.BeginTx(lctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: lock %s: %w", name, friendly(err))
	}
	defer tx.Rollback() // releases the lock; fn's writes are not in tx
	var got bool
	// The two-key form keeps these locks apart from the migration lock,
	// which uses the one-key form with the same first half. Advisory
	// locks belong to the whole database, so the second half names the
	// schema too: deployments in two schemas of one database (or two
	// test suites) must not hold each other's jobs up.
	err = tx.QueryRowContext(lctx, "SELECT pg_try_advisory_xact_lock(CAST(? AS INTEGER), hashtext(current_schema() || '/' || ?))",
		pgLockKey, name).Scan(&got)
	if err != nil {
		return false, fmt.Errorf("store: lock %s: %w", name, friendly(err))
	}
	if !got {
		return false, nil
	}
	return true, fn(ctx)
}

// Swept counts what Housekeep deleted.
type Swept struct {
	RateWindows   int64
	AdminSessions int64
}

// Housekeep deletes what nothing reads any more: request counts from
// windows that ended before the previous one (given the longest window in
// use), and admin sessions that have expired. Run it periodically, by one
// instance at a time (Exclusive).
func (db *DB) Housekeep(ctx context.Context, now time.Time, longestWindow time.Duration) (Swept, error) {
	var s Swept
	// A window is read while it is the current or the previous one.
	res, err := db.w.ExecContext(ctx, "DELETE FROM rate_hits WHERE window_start <= ?", now.Add(-2*longestWindow).UnixMilli())
	if err != nil {
		return s, fmt.Errorf("store: housekeeping: rate counts: %w", friendly(err))
	}
	s.RateWindows, _ = res.RowsAffected()
	if s.AdminSessions, err = deleteExpiredSessions(ctx, db.w, now); err != nil {
		return s, fmt.Errorf("store: housekeeping: admin sessions: %w", friendly(err))
	}
	return s, nil
}
