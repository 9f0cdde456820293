package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// leaseEnd is when a claim taken at now runs out, as stored: whole
// seconds, so Release can recognise its own lease in the row.
func leaseEnd(now time.Time, lease time.Duration) time.Time {
	return fromUnix(unix(now.Add(lease)))
}

// Release hands back a lesson claimed but not sent (on shutdown, or when
// our own mail setup failed):
// the enrollment is due again at due instead of when its lease runs out,
// and a delivery row made by this claim goes, so nothing looks in flight.
// A row that predates the claim stays: it may stand for a message sent
// just before a crash, and its Message-ID must go with any repeat. A claim
// whose lease has run out and been retaken by another sender releases
// nothing: the work is no longer this claim's.
func (db *DB) Release(ctx context.Context, j Job, due time.Time) error {
	reused, was := false, drip.DeliverySending
	for _, r := range j.Received {
		if r.Slug == j.Slug {
			reused, was = true, r.Status
		}
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var leased int64
		err := tx.QueryRowContext(ctx, "SELECT next_due_at FROM enrollments WHERE id = ?"+db.d.forUpdate, j.Enrollment.ID).Scan(&leased)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // erased
		}
		if err != nil {
			return err
		}
		// Pausing or stopping a reader leaves next_due_at alone, so it
		// still tells whose claim this is, whatever the status.
		if !j.LeaseUntil.IsZero() && leased != unix(j.LeaseUntil) {
			return nil // retaken by another sender
		}
		if !reused {
			if _, err := tx.ExecContext(ctx, "DELETE FROM deliveries WHERE id = ? AND attempts = 0", j.DeliveryID); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, "UPDATE deliveries SET status = ? WHERE id = ? AND status = 'sending'", string(was), j.DeliveryID); err != nil {
			return err // a retry goes back to waiting as a retry, not as a send in flight
		}
		_, err = tx.ExecContext(ctx, "UPDATE enrollments SET next_due_at = ? WHERE id = ? AND status = 'active'", unix(due), j.Enrollment.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: release: %w", err)
	}
	return nil
}
