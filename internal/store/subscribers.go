package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Confirm makes a pending reader active and enrolls them in course, with the
// first lesson due at firstDue. A reader who left and signed up again picks
// up where they left off. Confirming an active reader changes nothing and
// reports already.
func (db *DB) Confirm(ctx context.Context, id int64, course string, firstDue, at time.Time) (already bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		already = false // a retried transaction starts afresh
		status, err := db.subscriberStatus(ctx, tx, id)
		if err != nil {
			return err
		}
		if status == drip.StatusActive {
			already = true
			return nil
		}
		if status != drip.StatusPending {
			return fmt.Errorf("reader is %s: %w", status, drip.ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE subscribers SET status = 'active', confirmed_at = ?, unsubscribed_at = 0 WHERE id = ?",
			unix(at), id); err != nil {
			return err
		}
		if err := enroll(ctx, tx, id, course, firstDue, at); err != nil {
			return err
		}
		if err := newEventWriter(tx).joined(ctx, id, course, "link", at); err != nil {
			return err
		}
		return insertEvent(ctx, tx, drip.Event{SubscriberID: id, Kind: drip.EventConfirm, At: at}, "")
	})
	if err != nil {
		return false, fmt.Errorf("store: confirm: %w", err)
	}
	return already, nil
}

func enroll(ctx context.Context, tx *sql.Tx, id int64, course string, due, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO enrollments (subscriber_id, course, status, next_due_at, created_at)
		VALUES (?, ?, 'active', ?, ?)
		ON CONFLICT (subscriber_id, course) DO UPDATE SET status = 'active', next_due_at = excluded.next_due_at
		WHERE enrollments.status = 'stopped'`, id, course, unix(due), unix(at))
	return err
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
