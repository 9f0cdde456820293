package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Confirm confirms the reader's address for course: a pending reader
// becomes active, and their enrollment in course (pending, or none for a
// confirmation queued before there were several courses) starts, first
// lesson due at firstDue. A reader who left the course and signed up for
// it again picks up where they left off. It reports already when the
// course had been started before, or the link has nothing left to do.
func (db *DB) Confirm(ctx context.Context, id int64, course string, firstDue, at time.Time) (already bool, err error) {
	return db.ConfirmVia(ctx, id, course, "", firstDue, at)
}

// ConfirmVia is Confirm, saying on the reader's timeline and in webhook
// events how the address was confirmed ("api"); "" is the reader's link.
func (db *DB) ConfirmVia(ctx context.Context, id int64, course, via string, firstDue, at time.Time) (already bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		already = false // a retried transaction starts afresh
		status, err := db.subscriberStatus(ctx, tx, id)
		if err != nil {
			return err
		}
		if status != drip.StatusPending && status != drip.StatusActive {
			return fmt.Errorf("reader is %s: %w", status, drip.ErrConflict)
		}
		enrolled, err := enrollmentStatus(ctx, tx, id, course)
		if err != nil {
			return err
		}
		switch {
		case enrolled == drip.EnrollPending, enrolled == "" && status == drip.StatusPending:
		case enrolled == drip.EnrollStopped:
			return fmt.Errorf("the reader left this course: %w", drip.ErrConflict)
		default:
			already = true
			return nil
		}
		return db.join(ctx, tx, id, course, drip.EventConfirm, via, firstDue, at)
	})
	if err != nil {
		return false, fmt.Errorf("store: confirm: %w", err)
	}
	return already, nil
}

// Enroll starts course for a reader who asked for it with their own
// signed link (the "start the next course" button), which proves the
// address: no confirmation email. A reader who had left every course
// comes back; one who asked never to be emailed again, or whose address
// bounced or complained, is refused with drip.ErrConflict. It reports
// already when the reader has, or had, that course running.
func (db *DB) Enroll(ctx context.Context, id int64, course string, firstDue, at time.Time) (already bool, err error) {
	return db.EnrollVia(ctx, id, course, "link", firstDue, at)
}

// EnrollVia is Enroll for a reader whose consent was taken elsewhere,
// saying how on the timeline and in webhook events ("api").
func (db *DB) EnrollVia(ctx context.Context, id int64, course, via string, firstDue, at time.Time) (already bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		already = false // a retried transaction starts afresh
		status, err := db.subscriberStatus(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := db.enrollable(ctx, tx, id, status); err != nil {
			return err
		}
		enrolled, err := enrollmentStatus(ctx, tx, id, course)
		if err != nil {
			return err
		}
		if enrolled != "" && enrolled != drip.EnrollPending && enrolled != drip.EnrollStopped {
			already = true
			return nil
		}
		return db.join(ctx, tx, id, course, drip.EventEnroll, via, firstDue, at)
	})
	if err != nil {
		return false, fmt.Errorf("store: enroll: %w", err)
	}
	return already, nil
}

// enrollable refuses a reader whom no course may be started for.
func (db *DB) enrollable(ctx context.Context, tx *sql.Tx, id int64, status drip.Status) error {
	if status.Suppressed() || status == drip.StatusPending {
		return fmt.Errorf("reader is %s: %w", status, drip.ErrConflict)
	}
	var email string
	if err := tx.QueryRowContext(ctx, "SELECT email FROM subscribers WHERE id = ?", id).Scan(&email); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, sqlSuppressed, EmailHash(email), oldRuleHash(email)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("the reader asked never to be emailed again: %w", drip.ErrConflict)
	}
	return nil
}

// join makes the reader active and starts their enrollment in course,
// recording kind.
func (db *DB) join(ctx context.Context, tx *sql.Tx, id int64, course string, kind drip.EventKind, detail string, due, at time.Time) error {
	// The reader's first confirmation is subscriber.confirmed; a later
	// course of a confirmed reader only starts an enrollment.
	var first bool
	if err := tx.QueryRowContext(ctx, "SELECT confirmed_at = 0 FROM subscribers WHERE id = ?", id).Scan(&first); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE subscribers SET status = 'active', unsubscribed_at = 0,
		confirmed_at = CASE WHEN confirmed_at = 0 THEN ? ELSE confirmed_at END WHERE id = ? AND status != 'active'`, unix(at), id); err != nil {
		return err
	}
	if err := enroll(ctx, tx, id, course, due, at); err != nil {
		return err
	}
	how := cmp.Or(detail, "link")
	if err := newEventWriter(tx).joined(ctx, id, course, how, kind == drip.EventConfirm && first, at); err != nil {
		return err
	}
	return insertEvent(ctx, tx, drip.Event{SubscriberID: id, Course: course, Kind: kind, Detail: detail, At: at}, "")
}

// enroll starts a reader's enrollment in course, new or waiting (pending),
// or one they had left, which picks up where it stopped.
func enroll(ctx context.Context, tx *sql.Tx, id int64, course string, due, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO enrollments (subscriber_id, course, status, next_due_at, created_at, confirmed_at)
		VALUES (?, ?, 'active', ?, ?, ?)
		ON CONFLICT (subscriber_id, course) DO UPDATE SET status = 'active', next_due_at = excluded.next_due_at,
			confirmed_at = excluded.confirmed_at, stopped_at = 0
		WHERE enrollments.status IN ('pending', 'stopped')`, id, course, unix(due), unix(at), unix(at))
	return err
}

// enrollmentStatus reads a reader's status in course in tx (the caller
// holds the reader's row: subscriberStatus); "" when they have no
// enrollment in it.
func enrollmentStatus(ctx context.Context, tx *sql.Tx, id int64, course string) (drip.EnrollmentStatus, error) {
	var st drip.EnrollmentStatus
	err := tx.QueryRowContext(ctx, "SELECT status FROM enrollments WHERE subscriber_id = ? AND course = ?", id, course).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return st, err
}

// subscriberStatus reads a reader's status in tx, locking the row that tx
// is about to change.
func (db *DB) subscriberStatus(ctx context.Context, tx *sql.Tx, id int64) (drip.Status, error) {
	return readStatus(ctx, tx, "SELECT status FROM subscribers WHERE id = ?"+db.d.forUpdate, id)
}

func readStatus(ctx context.Context, q queryer, query string, id int64) (drip.Status, error) {
	var status drip.Status
	err := q.QueryRowContext(ctx, query, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", drip.ErrNotFound
	}
	return status, err
}

// subscribed reports whether a reader in status s still gets mail.
func subscribed(s drip.Status) bool { return s == drip.StatusActive || s == drip.StatusPending }

const subscriberCols = "id, email, name, timezone, status, created_at, confirmed_at, unsubscribed_at"

func scanSubscriber(row interface{ Scan(...any) error }) (drip.Subscriber, error) {
	var s drip.Subscriber
	var created, confirmed, unsub int64
	err := row.Scan(&s.ID, &s.Email, &s.Name, &s.Timezone, &s.Status, &created, &confirmed, &unsub)
	if errors.Is(err, sql.ErrNoRows) {
		return s, drip.ErrNotFound
	}
	s.CreatedAt, s.ConfirmedAt, s.UnsubscribedAt = fromUnix(created), fromUnix(confirmed), fromUnix(unsub)
	return s, err
}

// Subscriber returns the reader with the given ID.
func (db *DB) Subscriber(ctx context.Context, id int64) (drip.Subscriber, error) {
	s, err := scanSubscriber(db.r.QueryRowContext(ctx, "SELECT "+subscriberCols+" FROM subscribers WHERE id = ?", id))
	if err != nil {
		return s, fmt.Errorf("store: subscriber %d: %w", id, err)
	}
	return s, nil
}

// SubscriberByEmail returns the reader with the given address, in any case.
func (db *DB) SubscriberByEmail(ctx context.Context, email string) (drip.Subscriber, error) {
	s, err := scanSubscriber(db.r.QueryRowContext(ctx, "SELECT "+subscriberCols+" FROM subscribers WHERE email_key = ?", EmailKey(email)))
	if err != nil {
		return s, fmt.Errorf("store: subscriber: %w", err)
	}
	return s, nil
}
