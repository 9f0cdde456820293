package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/webhook"
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
		changed = false // a retried transaction starts afresh
		q := "UPDATE enrollments SET status = ? WHERE subscriber_id = ? AND course = ? AND status = ?"
		args := []any{string(to), sub, course, string(from)}
		if !due.IsZero() {
			q = "UPDATE enrollments SET status = ?, next_due_at = " + db.d.greatest("next_due_at", "?") + " WHERE subscriber_id = ? AND course = ? AND status = ?"
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
		typ := map[drip.EventKind]string{drip.EventPause: webhook.EnrollmentPaused, drip.EventResume: webhook.EnrollmentResumed}[kind]
		if err := emit(ctx, tx, typ, at, EventData{subscriberID: sub, Course: course, Reason: "operator"}); err != nil {
			return err
		}
		return insertEvent(ctx, tx, drip.Event{SubscriberID: sub, Course: course, Kind: kind, Detail: "operator", At: at}, "")
	})
	if err != nil {
		return false, fmt.Errorf("store: %s: %w", kind, err)
	}
	return changed, nil
}

// MarkBounced suppresses a reader whose address does not exist.
func (db *DB) MarkBounced(ctx context.Context, id int64, detail string, at time.Time) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE subscribers SET status = 'bounced' WHERE id = ? AND status NOT IN ('bounced', 'complained')", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if err := stopEnrollments(ctx, tx, id, at); err != nil {
			return err
		}
		if err := emit(ctx, tx, webhook.SubscriberBounced, at, EventData{subscriberID: id, Reason: detail}); err != nil {
			return err
		}
		return insertEvent(ctx, tx, drip.Event{SubscriberID: id, Kind: drip.EventBounce, Detail: detail, At: at}, "")
	})
	if err != nil {
		return fmt.Errorf("store: mark bounced: %w", err)
	}
	return nil
}

const enrollmentCols = "id, subscriber_id, course, status, last_slug, last_sent_at, next_due_at, created_at, confirmed_at, completed_at, stopped_at"

func scanEnrollment(scan func(...any) error) (drip.Enrollment, error) {
	var e drip.Enrollment
	var last, due, created, joined, completed, stopped int64
	err := scan(&e.ID, &e.SubscriberID, &e.Course, &e.Status, &e.LastSlug, &last, &due, &created, &joined, &completed, &stopped)
	e.LastSentAt, e.NextDueAt, e.CreatedAt = fromUnix(last), fromUnix(due), fromUnix(created)
	e.ConfirmedAt, e.CompletedAt, e.StoppedAt = fromUnix(joined), fromUnix(completed), fromUnix(stopped)
	return e, err
}

// Enrollment returns a reader's enrollment in course.
func (db *DB) Enrollment(ctx context.Context, subscriberID int64, course string) (drip.Enrollment, error) {
	e, err := scanEnrollment(db.r.QueryRowContext(ctx, "SELECT "+enrollmentCols+" FROM enrollments WHERE subscriber_id = ? AND course = ?",
		subscriberID, course).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("store: enrollment: %w", drip.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("store: enrollment: %w", err)
	}
	return e, nil
}

// Enrollments returns every enrollment of a reader, oldest first.
func (db *DB) Enrollments(ctx context.Context, subscriberID int64) ([]drip.Enrollment, error) {
	var out []drip.Enrollment
	err := db.eachRow(ctx, "SELECT "+enrollmentCols+" FROM enrollments WHERE subscriber_id = ? ORDER BY id", func(scan func(...any) error) error {
		e, err := scanEnrollment(scan)
		out = append(out, e)
		return err
	}, subscriberID)
	if err != nil {
		return nil, fmt.Errorf("store: enrollments: %w", err)
	}
	return out, nil
}

// StopEnrollment stops a reader's running course (active or paused) for
// the operator, as the reader's own one-click unsubscribe from it would:
// their other courses go on, and a reader left with none running is
// unsubscribed. It reports whether anything changed.
func (db *DB) StopEnrollment(ctx context.Context, sub int64, course string, at time.Time) (changed bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		changed = false // a retried transaction starts afresh
		var enr int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM enrollments WHERE subscriber_id = ? AND course = ?", sub, course).Scan(&enr)
		if errors.Is(err, sql.ErrNoRows) {
			return drip.ErrNotFound
		}
		if err == nil {
			changed, err = stopCourse(ctx, tx, sub, enr, at)
		}
		if err != nil || !changed {
			return err
		}
		return insertEvent(ctx, tx, drip.Event{SubscriberID: sub, Course: course, Kind: drip.EventUnsubscribe, Detail: "operator", At: at}, "")
	})
	if err != nil {
		return false, fmt.Errorf("store: stop course: %w", err)
	}
	return changed, nil
}

// EnrollmentsOf returns the enrollments of each of the given readers,
// oldest first: one query for a page of the admin's reader list.
func (db *DB) EnrollmentsOf(ctx context.Context, ids []int64) (map[int64][]drip.Enrollment, error) {
	out := map[int64][]drip.Enrollment{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := "SELECT " + enrollmentCols + " FROM enrollments WHERE subscriber_id IN (?" + strings.Repeat(", ?", len(ids)-1) + ") ORDER BY id"
	err := db.eachRow(ctx, q, func(scan func(...any) error) error {
		e, err := scanEnrollment(scan)
		out[e.SubscriberID] = append(out[e.SubscriberID], e)
		return err
	}, args...)
	if err != nil {
		return nil, fmt.Errorf("store: enrollments: %w", err)
	}
	return out, nil
}
