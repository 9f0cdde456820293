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

// Unsubscribe stops all mail to a reader at once, attributing the event to
// the lesson whose link was used (deliveryID 0 for none; a delivery of
// another reader is ignored). It reports whether anything changed;
// repeating it is harmless, and costs only a read: mail providers repeat
// one-click POSTs, and they must not queue for the single writer.
func (db *DB) Unsubscribe(ctx context.Context, id, deliveryID int64, detail string, at time.Time) (changed bool, err error) {
	event, err := db.Leave(ctx, id, deliveryID, detail, at)
	return event != 0, err
}

// Leave is Unsubscribe, returning the ID of the unsubscribe event it
// recorded, or 0 when the reader had already left. Only that event can be
// undone (Resubscribe), so only the request that unsubscribed can offer
// the undo.
func (db *DB) Leave(ctx context.Context, id, deliveryID int64, detail string, at time.Time) (event int64, err error) {
	if now, err := readStatus(ctx, db.r, "SELECT status FROM subscribers WHERE id = ?", id); err == nil && !subscribed(now) {
		return 0, nil
	}
	fromLink := deliveryID
	err = db.tx(ctx, func(tx *sql.Tx) error {
		event, deliveryID = 0, fromLink // a retried transaction starts afresh
		status, err := db.subscriberStatus(ctx, tx, id)
		if err != nil {
			return err
		}
		if !subscribed(status) {
			return nil
		}
		slug, err := deliverySlug(ctx, tx, deliveryID, id)
		if err != nil {
			return err
		}
		if slug == "" {
			deliveryID = 0
		}
		if _, err := tx.ExecContext(ctx, "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ? WHERE id = ?", unix(at), id); err != nil {
			return err
		}
		if err := stopEnrollments(ctx, tx, id); err != nil {
			return err
		}
		if err := emit(ctx, tx, webhook.SubscriberUnsubscribed, at, EventData{subscriberID: id, Lesson: slug, DeliveryID: deliveryID, Reason: detail}); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at)
			VALUES (?, ?, ?, 'unsubscribe', 0, ?, ?) RETURNING id`, id, deliveryID, slug, detail, unix(at)).Scan(&event)
	})
	if err != nil {
		return 0, fmt.Errorf("store: unsubscribe: %w", err)
	}
	return event, nil
}

func stopEnrollments(ctx context.Context, tx *sql.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, "UPDATE enrollments SET status = 'stopped' WHERE subscriber_id = ? AND status IN ('active', 'paused')", id)
	return err
}

// Resubscribe undoes the unsubscribe recorded as event (Leave's answer):
// the reader is active again and their course resumes where it stopped,
// with the next lesson due at nextDue. Any other event, an unsubscribe
// since undone and repeated, or one by the operator (a complaint, a
// request by email) is refused with drip.ErrConflict.
func (db *DB) Resubscribe(ctx context.Context, id, event int64, nextDue, at time.Time) (changed bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		changed = false // a retried transaction starts afresh
		status, err := db.subscriberStatus(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := undoable(ctx, tx, id, event); err != nil || status != drip.StatusUnsubscribed {
			return err
		}
		changed = true
		if _, err := tx.ExecContext(ctx, "UPDATE subscribers SET status = 'active', unsubscribed_at = 0 WHERE id = ?", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE enrollments SET status = 'active', next_due_at = ? WHERE subscriber_id = ? AND status = 'stopped'",
			unix(nextDue), id); err != nil {
			return err
		}
		if err := emit(ctx, tx, webhook.EnrollmentResumed, at, EventData{subscriberID: id, Reason: "resubscribed"}); err != nil {
			return err
		}
		return insertEvent(ctx, tx, drip.Event{SubscriberID: id, Kind: drip.EventResubscribe, At: at}, "")
	})
	if err != nil {
		return false, fmt.Errorf("store: resubscribe: %w", err)
	}
	return changed, nil
}

// undoable checks that event is the reader's latest unsubscribe, and the
// reader's own.
func undoable(ctx context.Context, tx *sql.Tx, id, event int64) error {
	var latest int64
	var detail string
	err := tx.QueryRowContext(ctx, "SELECT id, detail FROM events WHERE subscriber_id = ? AND kind = 'unsubscribe' ORDER BY id DESC LIMIT 1", id).Scan(&latest, &detail)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	switch {
	case latest == 0 || latest != event:
		return fmt.Errorf("not the reader's latest unsubscribe: %w", drip.ErrConflict)
	case detail == "operator":
		// An operator's unsubscribe is final: the reader's own undo
		// link cannot reverse it.
		return fmt.Errorf("unsubscribed by the operator: %w", drip.ErrConflict)
	}
	return nil
}
