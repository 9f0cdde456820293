package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// PauseEnrollment stops a reader's course until it is resumed: a paused
// enrollment is never claimed. It reports whether anything changed.
func (db *DB) PauseEnrollment(ctx context.Context, sub int64, course string, at time.Time) (bool, error) {
	return db.setEnrollment(ctx, sub, course, drip.EnrollActive, drip.EnrollPaused, drip.EventPause, time.Time{}, at)
}

// ResumeEnrollment restarts a paused course with the next lesson due no
// earlier than due (the reader's next send window), so a long pause never
// ends in a burst.
func (db *DB) ResumeEnrollment(ctx context.Context, sub int64, course string, due, at time.Time) (bool, error) {
	return db.setEnrollment(ctx, sub, course, drip.EnrollPaused, drip.EnrollActive, drip.EventResume, due, at)
}

func (db *DB) setEnrollment(ctx context.Context, sub int64, course string, from, to drip.EnrollmentStatus, kind drip.EventKind, due, at time.Time) (changed bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		q := "UPDATE enrollments SET status = ? WHERE subscriber_id = ? AND course = ? AND status = ?"
		args := []any{string(to), sub, course, string(from)}
		if !due.IsZero() {
			q = "UPDATE enrollments SET status = ?, next_due_at = max(next_due_at, ?) WHERE subscriber_id = ? AND course = ? AND status = ?"
			args = []any{string(to), unix(due), sub, course, string(from)}
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		changed = true
		return insertEvent(ctx, tx, drip.Event{SubscriberID: sub, Kind: kind, Detail: "operator", At: at}, "")
	})
	if err != nil {
		return false, fmt.Errorf("store: %s: %w", kind, err)
	}
	return changed, nil
}
