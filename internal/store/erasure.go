package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Erase deletes a reader and everything personal held about them (GDPR
// erasure): events, bounce and complaint reports, SMTP attempts,
// deliveries, confirmation emails, enrollments and the subscriber row. Only a hash of the address is kept,
// in suppressions, so the address is never mailed again and Subscribe
// refuses it. Counts in the stats lose this reader's share.
func (db *DB) Erase(ctx context.Context, id int64, at time.Time) error {
	// Overwrite the freed space, and afterwards empty the WAL, so the
	// erased rows do not linger in the file. (The writer pool is one
	// connection, so the pragma applies to this erasure alone.)
	if !db.d.postgres() {
		if _, err := db.w.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
			return fmt.Errorf("store: erase: %w", friendly(err))
		}
		defer db.w.ExecContext(context.WithoutCancel(ctx), "PRAGMA secure_delete = OFF")
		defer db.w.ExecContext(context.WithoutCancel(ctx), "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var email string
		err := tx.QueryRowContext(ctx, "SELECT email FROM subscribers WHERE id = ?"+db.d.forUpdate, id).Scan(&email)
		if errors.Is(err, sql.ErrNoRows) {
			return drip.ErrNotFound
		}
		if err != nil {
			return err
		}
		// A lesson in flight would be sent to the address after all, and
		// its outcome could not be recorded: wait for it. Locking the
		// enrollments first waits out a claim still being committed, so
		// the count below sees its delivery row.
		if _, err := tx.ExecContext(ctx, "SELECT id FROM enrollments WHERE subscriber_id = ?"+db.d.forUpdate, id); err != nil {
			return err
		}
		var sending int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM deliveries WHERE subscriber_id = ? AND status = 'sending'", id).Scan(&sending); err != nil {
			return err
		}
		if sending > 0 {
			return ErrInFlight
		}
		if err := db.uncount(ctx, tx, id); err != nil {
			return err
		}
		// Children first: not every table cascades (deliveries.subscriber_id
		// has no foreign key), and explicit deletes say what is erased.
		for _, q := range []string{
			"DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE subscriber_id = ?)",
			"DELETE FROM deliveries WHERE subscriber_id = ?",
			"DELETE FROM events WHERE subscriber_id = ?",
			// Webhook events not yet delivered hold the address too.
			"DELETE FROM webhook_attempts WHERE event_id IN (SELECT msg_id FROM webhook_events WHERE subscriber_id = ?)",
			"DELETE FROM webhook_deliveries WHERE event_id IN (SELECT msg_id FROM webhook_events WHERE subscriber_id = ?)",
			"DELETE FROM webhook_events WHERE subscriber_id = ?",
			"DELETE FROM bounce_reports WHERE subscriber_id = ?",
			"DELETE FROM confirmations WHERE subscriber_id = ?",
			"DELETE FROM enrollments WHERE subscriber_id = ?",
			"DELETE FROM subscribers WHERE id = ?",
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO suppressions (email_hash, reason, created_at) VALUES (?, 'erased', ?)
			ON CONFLICT (email_hash) DO NOTHING`, EmailHash(email), unix(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: erase reader %d: %w", id, err)
	}
	return nil
}

// Suppressed reports whether an address is on the suppression list.
func (db *DB) Suppressed(ctx context.Context, email string) (bool, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, sqlSuppressed, EmailHash(email), oldRuleHash(email)).Scan(&n); err != nil {
		return false, fmt.Errorf("store: suppressed: %w", err)
	}
	return n > 0, nil
}
