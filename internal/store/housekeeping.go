package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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
	// Unconfirmed is how many signups that were never confirmed went,
	// with their addresses and events.
	Unconfirmed int64
	// Replays counts expired one-use values of webhook requests.
	Replays int64
	// OneUse counts expired captcha solutions and form stamps, and
	// FormConfirms the form confirmations the hourly cap no longer reads.
	OneUse, FormConfirms int64
	// Answers is how many remembered API answers expired; WebhookEvents
	// how many webhook events aged out, with their deliveries and attempts.
	Answers       int64
	WebhookEvents int64
}

// UnconfirmedLife is how long a signup that was never confirmed is kept
// after its last confirmation email was asked for. Anyone may type any
// address into the form, so until it is confirmed an address is a
// stranger's, kept only while its confirmation link (7 days) can matter.
const UnconfirmedLife = 30 * 24 * time.Hour

// Housekeep deletes what nothing reads any more: request counts from
// windows that ended before the previous one (given the longest window in
// use), admin sessions that have expired, signups never confirmed within
// UnconfirmedLife (with their bounce reports), the one-use values of
// webhook requests and of signup forms that have expired, and the form
// confirmations the hourly cap no longer reads; and it folds the tallies'
// deltas (FoldTallies) and sums the deliveries and events recorded since
// into the stats' counts (AdvanceCounts). Run it periodically, by one
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
	if s.Unconfirmed, err = db.deleteUnconfirmed(ctx, now.Add(-UnconfirmedLife)); err != nil {
		return s, fmt.Errorf("store: housekeeping: unconfirmed signups: %w", friendly(err))
	}
	if res, err = db.w.ExecContext(ctx, "DELETE FROM webhook_replays WHERE expires_at <= ?", unix(now)); err != nil {
		return s, fmt.Errorf("store: housekeeping: webhook replays: %w", friendly(err))
	}
	s.Replays, _ = res.RowsAffected()
	if s.OneUse, s.FormConfirms, err = db.sweepOneUse(ctx, now); err != nil {
		return s, err
	}
	if err := db.sweepAPI(ctx, now, &s); err != nil {
		return s, fmt.Errorf("store: housekeeping: %w", friendly(err))
	}
	if err := db.FoldTallies(ctx); err != nil {
		return s, fmt.Errorf("store: housekeeping: %w", err)
	}
	return s, db.AdvanceCounts(ctx, now)
}

// unconfirmedBatch bounds one sweep's transaction; a form flooded with
// signups is emptied over several sweeps.
const unconfirmedBatch = 1000

// deleteUnconfirmed deletes readers who signed up before cutoff, never
// confirmed any course, and asked for no confirmation email since: their
// events, confirmation emails, waiting enrollments and the subscriber row.
// A reader who confirmed once (and left, and signed up again) has history
// and stays; so does one whose confirmation email is being sent. A
// confirmed reader's enrollment that has waited that long for the
// confirmation of another course goes too.
func (db *DB) deleteUnconfirmed(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		ids, err := queryIDs(ctx, tx, `SELECT s.id FROM subscribers s
			WHERE s.status = 'pending' AND s.confirmed_at = 0 AND s.created_at <= ?
			AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.subscriber_id = s.id AND e.status != 'pending')
			AND NOT EXISTS (SELECT 1 FROM confirmations c WHERE c.subscriber_id = s.id AND (c.created_at > ? OR c.status = 'sending'))
			ORDER BY s.id LIMIT ?`, unix(cutoff), unix(cutoff), unconfirmedBatch)
		if err != nil {
			return err
		}
		if err := deleteWaiting(ctx, tx, cutoff); err != nil || len(ids) == 0 {
			return err
		}
		in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"
		for _, q := range []string{"DELETE FROM events WHERE subscriber_id IN ", "DELETE FROM bounce_reports WHERE subscriber_id IN ",
			"DELETE FROM webhook_events WHERE subscriber_id IN ", "DELETE FROM confirmations WHERE subscriber_id IN ",
			"DELETE FROM enrollments WHERE subscriber_id IN ", "DELETE FROM subscribers WHERE id IN "} {
			if _, err := tx.ExecContext(ctx, q+in, ids...); err != nil {
				return err
			}
		}
		n = int64(len(ids))
		return nil
	})
	return n, err
}

// deleteWaiting deletes the pending enrollments of confirmed readers that
// were asked for before cutoff, have no lessons, and whose course had no
// confirmation email asked for since: they would never start.
func deleteWaiting(ctx context.Context, tx *sql.Tx, cutoff time.Time) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM enrollments WHERE id IN (SELECT e.id FROM enrollments e
		JOIN subscribers s ON s.id = e.subscriber_id
		WHERE e.status = 'pending' AND e.created_at <= ? AND s.status != 'pending'
		AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.enrollment_id = e.id)
		AND NOT EXISTS (SELECT 1 FROM confirmations c WHERE c.subscriber_id = e.subscriber_id AND c.course = e.course
			AND (c.created_at > ? OR c.status = 'sending'))
		ORDER BY e.id LIMIT ?)`, unix(cutoff), unix(cutoff), unconfirmedBatch)
	return err
}

// queryIDs runs a query of one integer column.
func queryIDs(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]any, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
