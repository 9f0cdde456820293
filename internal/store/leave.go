package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

// Unsubscribe stops a reader's mail as Leave does, and reports whether
// anything changed.
func (db *DB) Unsubscribe(ctx context.Context, id, deliveryID int64, detail string, at time.Time) (changed bool, err error) {
	event, err := db.Leave(ctx, id, deliveryID, detail, at)
	return event != 0, err
}

// Leave stops the course whose lesson's link was used (RFC 8058 one-click
// and the unsubscribe page's first button): that enrollment is stopped and
// the reader's other courses go on. A reader left with no course running
// is unsubscribed, but not suppressed: signing up again later works. A
// link that names no lesson of the reader (deliveryID 0: a link made
// before there were several courses, or for the reader as a whole) stops
// everything, as LeaveAll does without the suppression.
//
// It returns the ID of the unsubscribe event it recorded, or 0 when there
// was nothing left to stop. Only that event can be undone (Resubscribe), so
// only the request that unsubscribed can offer the undo. Repeating it is
// harmless, and costs only a read: mail providers repeat one-click POSTs,
// and they must not queue for the single writer.
func (db *DB) Leave(ctx context.Context, id, deliveryID int64, detail string, at time.Time) (event int64, err error) {
	l, err := deliveryLesson(ctx, db.r, deliveryID, id)
	if err != nil {
		return 0, fmt.Errorf("store: unsubscribe: %w", friendly(err))
	}
	if l.enrollment == 0 {
		return db.leave(ctx, id, 0, detail, at, false)
	}
	if st, err := readEnrollStatus(ctx, db.r, l.enrollment); err == nil && !running(st) {
		return 0, nil
	}
	return db.leave(ctx, id, deliveryID, detail, at, false)
}

// LeaveAll stops every course of the reader and suppresses the address, so
// that nothing is ever sent to it again, whatever is signed up for it
// later, until the operator lifts the suppression (LiftSuppression). The
// event is attributed to the lesson whose link was used, if it is the
// reader's. Like Leave, it returns the event, or 0 when the address was
// suppressed already.
func (db *DB) LeaveAll(ctx context.Context, id, deliveryID int64, detail string, at time.Time) (event int64, err error) {
	return db.leave(ctx, id, deliveryID, detail, at, true)
}

// leave stops what the link names in one transaction: with deliveryID, its
// course (unless all); without, every course.
func (db *DB) leave(ctx context.Context, id, deliveryID int64, detail string, at time.Time, all bool) (event int64, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		event = 0 // a retried transaction starts afresh
		status, err := db.subscriberStatus(ctx, tx, id)
		if err != nil {
			return err
		}
		l, err := deliveryLesson(ctx, tx, deliveryID, id)
		if err != nil {
			return err
		}
		ev := drip.Event{SubscriberID: id, DeliveryID: l.enrollmentDelivery(deliveryID), Kind: drip.EventUnsubscribe, Detail: detail, At: at}
		var stopped bool
		switch {
		case all:
			stopped, err = db.suppressReader(ctx, tx, id, status, at)
		case l.enrollment != 0:
			ev.Course = l.course
			stopped, err = stopCourse(ctx, tx, id, l.enrollment, at)
		default:
			stopped = subscribed(status)
			err = leaveReader(ctx, tx, id, status, at)
		}
		if err != nil || !stopped {
			return err
		}
		d := EventData{subscriberID: id, Course: ev.Course, Lesson: l.slug, DeliveryID: ev.DeliveryID, Reason: detail}
		if err := emit(ctx, tx, webhook.SubscriberUnsubscribed, at, d); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
			VALUES (?, ?, ?, 'unsubscribe', 0, ?, ?, ?) RETURNING id`, id, ev.DeliveryID, l.slug, detail, unix(at), ev.Course).Scan(&event)
	})
	if err != nil {
		return 0, fmt.Errorf("store: unsubscribe: %w", err)
	}
	return event, nil
}

// enrollmentDelivery is the delivery an event is attributed to: the one
// the link named, when it is the reader's.
func (l lessonOf) enrollmentDelivery(deliveryID int64) int64 {
	if l.enrollment == 0 {
		return 0
	}
	return deliveryID
}

// stopCourse stops one enrollment, and leaves the reader unsubscribed
// when no course of theirs is still running or waiting.
func stopCourse(ctx context.Context, tx *sql.Tx, id, enrollment int64, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, "UPDATE enrollments SET status = 'stopped', stopped_at = ? WHERE id = ? AND status IN ('active', 'paused')",
		unix(at), enrollment)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ? WHERE id = ? AND status = 'active'
		AND NOT EXISTS (SELECT 1 FROM enrollments WHERE subscriber_id = ? AND status IN ('active', 'paused', 'pending'))`, unix(at), id, id)
	return true, err
}

// leaveReader stops every course of a reader who still gets mail, and
// marks them unsubscribed.
func leaveReader(ctx context.Context, tx *sql.Tx, id int64, status drip.Status, at time.Time) error {
	if !subscribed(status) {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ? WHERE id = ?", unix(at), id); err != nil {
		return err
	}
	return stopEnrollments(ctx, tx, id, at)
}

// suppressReader stops everything for the reader and puts the address on
// the suppression list. It reports whether anything changed.
func (db *DB) suppressReader(ctx context.Context, tx *sql.Tx, id int64, status drip.Status, at time.Time) (bool, error) {
	if err := leaveReader(ctx, tx, id, status, at); err != nil {
		return false, err
	}
	var email string
	if err := tx.QueryRowContext(ctx, "SELECT email FROM subscribers WHERE id = ?", id).Scan(&email); err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO suppressions (email_hash, reason, created_at) VALUES (?, ?, ?)
		ON CONFLICT (email_hash) DO NOTHING`, EmailHash(email), SuppressedByReader, unix(at))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0 || subscribed(status), nil
}

// SuppressedByReader is the reason of a suppression the reader asked for
// ("stop every course and never email me again").
const SuppressedByReader = "unsubscribed"

// LiftSuppression takes an address off the suppression list, when the
// reader put it there (LeaveAll): a signup for it works again. An erased
// address stays suppressed. It reports whether anything changed.
func (db *DB) LiftSuppression(ctx context.Context, email string) (bool, error) {
	res, err := db.w.ExecContext(ctx, "DELETE FROM suppressions WHERE email_hash = ? AND reason = ?", EmailHash(email), SuppressedByReader)
	if err != nil {
		return false, fmt.Errorf("store: lift suppression: %w", friendly(err))
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// stopEnrollments stops every running or waiting course of a reader.
func stopEnrollments(ctx context.Context, tx *sql.Tx, id int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, "UPDATE enrollments SET status = 'stopped', stopped_at = ? WHERE subscriber_id = ? AND status IN ('active', 'paused', 'pending')",
		unix(at), id)
	return err
}

// running reports whether an enrollment in status st still sends lessons.
func running(st drip.EnrollmentStatus) bool {
	return st == drip.EnrollActive || st == drip.EnrollPaused
}

func readEnrollStatus(ctx context.Context, q queryer, enrollment int64) (drip.EnrollmentStatus, error) {
	var st drip.EnrollmentStatus
	err := q.QueryRowContext(ctx, "SELECT status FROM enrollments WHERE id = ?", enrollment).Scan(&st)
	return st, err
}

// Resubscribe undoes the unsubscribe recorded as event (Leave's or
// LeaveAll's answer): what it stopped runs again, each course's next
// lesson due at nextDue(course), the reader is active again, and a
// suppression it made is lifted. Any other event, an unsubscribe since undone and repeated, or
// one by the operator (a complaint, a request by email) is refused with
// drip.ErrConflict.
func (db *DB) Resubscribe(ctx context.Context, id, event int64, nextDue func(course string) time.Time, at time.Time) (changed bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		changed = false // a retried transaction starts afresh
		status, err := db.subscriberStatus(ctx, tx, id)
		if err != nil {
			return err
		}
		ev, err := undoable(ctx, tx, id, event)
		if err != nil || (status != drip.StatusActive && status != drip.StatusUnsubscribed) {
			return err // a bounce or complaint since is not undone
		}
		n, err := restart(ctx, tx, id, ev, nextDue)
		if err != nil {
			return err
		}
		lifted, err := db.liftIn(ctx, tx, id)
		if err != nil || (n == 0 && !lifted) {
			return err
		}
		changed = true
		if _, err := tx.ExecContext(ctx, "UPDATE subscribers SET status = 'active', unsubscribed_at = 0 WHERE id = ? AND status = 'unsubscribed'", id); err != nil {
			return err
		}
		if err := emit(ctx, tx, webhook.EnrollmentResumed, at, EventData{subscriberID: id, Course: ev.Course, Reason: "resubscribed"}); err != nil {
			return err
		}
		return insertEvent(ctx, tx, drip.Event{SubscriberID: id, Course: ev.Course, Kind: drip.EventResubscribe, At: at}, "")
	})
	if err != nil {
		return false, fmt.Errorf("store: resubscribe: %w", err)
	}
	return changed, nil
}

// restart runs again the enrollments that unsubscribe ev stopped (those
// stopped at its time, or before stop times were kept), and counts them.
func restart(ctx context.Context, tx *sql.Tx, id int64, ev drip.Event, nextDue func(string) time.Time) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, course FROM enrollments
		WHERE subscriber_id = ? AND status = 'stopped' AND stopped_at IN (0, ?) AND (? = '' OR course = ?)`, id, unix(ev.At), ev.Course, ev.Course)
	if err != nil {
		return 0, err
	}
	type stopped struct {
		id     int64
		course string
	}
	var all []stopped
	for rows.Next() {
		var e stopped
		if err := rows.Scan(&e.id, &e.course); err != nil {
			rows.Close()
			return 0, err
		}
		all = append(all, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, e := range all {
		if _, err := tx.ExecContext(ctx, "UPDATE enrollments SET status = 'active', stopped_at = 0, next_due_at = ? WHERE id = ?",
			unix(nextDue(e.course)), e.id); err != nil {
			return 0, err
		}
	}
	return len(all), nil
}

// liftIn lifts, in tx, a suppression the reader made.
func (db *DB) liftIn(ctx context.Context, tx *sql.Tx, id int64) (bool, error) {
	var email string
	if err := tx.QueryRowContext(ctx, "SELECT email FROM subscribers WHERE id = ?", id).Scan(&email); err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM suppressions WHERE email_hash = ? AND reason = ?", EmailHash(email), SuppressedByReader)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// undoable checks that event is the reader's latest unsubscribe, and the
// reader's own, and returns it.
func undoable(ctx context.Context, tx *sql.Tx, id, event int64) (drip.Event, error) {
	var ev drip.Event
	var at int64
	err := tx.QueryRowContext(ctx, "SELECT id, detail, course, at FROM events WHERE subscriber_id = ? AND kind = 'unsubscribe' ORDER BY id DESC LIMIT 1", id).
		Scan(&ev.ID, &ev.Detail, &ev.Course, &at)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return ev, err
	}
	ev.At = fromUnix(at)
	switch {
	case ev.ID == 0 || ev.ID != event:
		return ev, fmt.Errorf("not the reader's latest unsubscribe: %w", drip.ErrConflict)
	case ev.Detail == "operator":
		// An operator's unsubscribe is final: the reader's own undo
		// link cannot reverse it.
		return ev, fmt.Errorf("unsubscribed by the operator: %w", drip.ErrConflict)
	}
	return ev, nil
}
