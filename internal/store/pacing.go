package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

// ErrNotActive is returned by the pacing actions for a reader whose course
// is not running: unsubscribed, completed, stopped or unknown.
var ErrNotActive = fmt.Errorf("course is not running for this reader: %w", drip.ErrConflict)

// ErrCompleted is the ErrNotActive of a reader who has had every lesson:
// their old links say so.
var ErrCompleted = fmt.Errorf("course completed: %w", ErrNotActive)

// pace applies a reader's pacing request once per delivery link: a second
// press of the same link changes nothing. It acts on the course of the
// lesson whose link was used. move gets the enrollment's current next-due
// time and returns the new one.
func (db *DB) pace(ctx context.Context, kind drip.EventKind, sub, deliveryID int64, at time.Time, move func(time.Time) time.Time) (changed bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		changed = false // a retried transaction starts afresh
		var enr, due int64
		var status, course string
		err := tx.QueryRowContext(ctx, `SELECT e.id, e.next_due_at, e.status, e.course FROM enrollments e
			JOIN subscribers s ON s.id = e.subscriber_id JOIN deliveries d ON d.enrollment_id = e.id
			WHERE d.id = ? AND d.subscriber_id = ? AND s.status = 'active'`+db.d.forUpdate, deliveryID, sub).Scan(&enr, &due, &status, &course)
		if err == nil && status == string(drip.EnrollCompleted) {
			return ErrCompleted
		}
		if errors.Is(err, sql.ErrNoRows) || (err == nil && status != string(drip.EnrollActive) && status != string(drip.EnrollPaused)) {
			return ErrNotActive
		}
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM events WHERE subscriber_id = ? AND delivery_id = ? AND kind = ?",
			sub, deliveryID, string(kind)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		// A lesson in flight holds the due time as its lease; moving it
		// could send that lesson twice.
		flying, err := inFlight(ctx, tx, enr)
		if err != nil {
			return err
		}
		if flying {
			return ErrInFlight
		}
		changed = true
		next := move(fromUnix(due))
		if _, err := tx.ExecContext(ctx, "UPDATE enrollments SET next_due_at = ? WHERE id = ?", unix(next), enr); err != nil {
			return err
		}
		slug, err := deliverySlug(ctx, tx, deliveryID, sub)
		if err != nil {
			return err
		}
		if kind == drip.EventPause {
			d := EventData{subscriberID: sub, Lesson: slug, Reason: "reader", Until: &next}
			if err := emit(ctx, tx, webhook.EnrollmentPaused, at, d.inEnrollment(enr)); err != nil {
				return err
			}
		}
		return insertEvent(ctx, tx, drip.Event{SubscriberID: sub, DeliveryID: deliveryID, Course: course, Kind: kind, At: at}, slug)
	})
	if err != nil {
		return false, fmt.Errorf("store: %s: %w", kind, err)
	}
	return changed, nil
}

// SendNextNow makes the reader's next lesson due at once.
func (db *DB) SendNextNow(ctx context.Context, sub, deliveryID int64, at time.Time) (bool, error) {
	return db.pace(ctx, drip.EventNext, sub, deliveryID, at, func(time.Time) time.Time { return at })
}

// PauseFor pushes the reader's schedule back by d.
func (db *DB) PauseFor(ctx context.Context, sub, deliveryID int64, d time.Duration, at time.Time) (bool, error) {
	return db.pace(ctx, drip.EventPause, sub, deliveryID, at, func(due time.Time) time.Time {
		if due.Before(at) {
			due = at
		}
		return due.Add(d)
	})
}

// EndPause ends a reader's own pause early (their "pause a week" link
// pushed the next lesson back): the next lesson becomes due at due, when
// that is earlier than the due time the pause set. It reports whether
// anything changed. A lesson in flight holds the due time as its lease,
// so then it refuses with ErrInFlight.
func (db *DB) EndPause(ctx context.Context, sub int64, course string, due, at time.Time) (changed bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		changed = false // a retried transaction starts afresh
		var enr, next int64
		err := tx.QueryRowContext(ctx, `SELECT e.id, e.next_due_at FROM enrollments e JOIN subscribers s ON s.id = e.subscriber_id
			WHERE e.subscriber_id = ? AND e.course = ? AND e.status = 'active' AND s.status = 'active'`+db.d.forUpdate, sub, course).Scan(&enr, &next)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotActive
		}
		if err != nil {
			return err
		}
		if flying, err := inFlight(ctx, tx, enr); err != nil || flying {
			return cmp.Or(err, ErrInFlight)
		}
		if !fromUnix(next).After(due) {
			return nil
		}
		changed = true
		if _, err := tx.ExecContext(ctx, "UPDATE enrollments SET next_due_at = ? WHERE id = ?", unix(due), enr); err != nil {
			return err
		}
		if err := emit(ctx, tx, webhook.EnrollmentResumed, at, EventData{subscriberID: sub, Course: course, Reason: "operator"}); err != nil {
			return err
		}
		return insertEvent(ctx, tx, drip.Event{SubscriberID: sub, Kind: drip.EventResume, Detail: "operator", At: at}, "")
	})
	if err != nil {
		return false, fmt.Errorf("store: end pause: %w", err)
	}
	return changed, nil
}
