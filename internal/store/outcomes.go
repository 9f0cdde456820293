package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

// Outcome is the result of one send attempt, with the schedule that follows
// from it.
type Outcome struct {
	DeliveryID   int64
	EnrollmentID int64
	SubscriberID int64
	Slug         string
	Result       drip.DeliveryStatus // sent, retry or failed
	Reply        Reply
	At           time.Time
	NextDue      time.Time // the next lesson's due time, or the retry time
	Complete     bool      // that was the last lesson
	Bounce       bool      // the address does not exist: suppress the reader
	// LeaseUntil is the end of the claim the send was made under. It is
	// not written to the journal: Journal.Settle uses it to apply the
	// outcome before a claim could take the lesson again.
	LeaseUntil time.Time `json:"-"`
}

// Record commits a batch of outcomes in one transaction (on PostgreSQL,
// one statement: pgoutcomes.go). The delivery engine calls it before
// sending anything more on the connection that produced them, so a crash
// can repeat at most the messages in flight.
func (db *DB) Record(ctx context.Context, outs ...Outcome) error {
	if len(outs) == 0 {
		return nil
	}
	if db.d.postgres() {
		if err := db.recordSet(ctx, outs); err != nil {
			return fmt.Errorf("store: record outcome: %w", err)
		}
		return nil
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		w := db.outcomeWriter(ctx, tx)
		for _, o := range outs {
			if err := w.record(ctx, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: record outcome: %w", err)
	}
	return nil
}

// outcomeWriter records outcomes in one transaction. Its statements are
// bound to the transaction once, however many outcomes it records:
// binding them for each outcome was 2% of a dispatch pass's CPU.
type outcomeWriter struct {
	tx                                *sql.Tx
	attempt, delivery, retry, advance *sql.Stmt
	hooks                             *eventWriter // webhook events, in the same transaction
}

func (db *DB) outcomeWriter(ctx context.Context, tx *sql.Tx) *outcomeWriter {
	return &outcomeWriter{tx: tx, attempt: db.stmt(ctx, tx, sqlInsertAttempt), delivery: db.stmt(ctx, tx, sqlUpdateDelivery),
		retry: db.stmt(ctx, tx, sqlRetryEnroll), advance: db.stmt(ctx, tx, sqlAdvanceEnroll),
		hooks: &eventWriter{tx: tx, stmt: db.boundOnce(ctx, tx)}}
}

// boundOnce returns hot statements bound to tx, binding each on its
// first use only.
func (db *DB) boundOnce(ctx context.Context, tx *sql.Tx) func(string) *sql.Stmt {
	bound := map[string]*sql.Stmt{}
	return func(q string) *sql.Stmt {
		st, ok := bound[q]
		if !ok {
			st = db.stmt(ctx, tx, q)
			bound[q] = st
		}
		return st
	}
}

func (w *outcomeWriter) record(ctx context.Context, o Outcome) error {
	at := unix(o.At)
	if _, err := w.attempt.ExecContext(ctx, o.DeliveryID, at, o.Reply.Code, o.Reply.Enhanced, o.Reply.Text); err != nil {
		return err
	}
	sentAt := int64(0)
	if o.Result == drip.DeliverySent {
		sentAt = at
	}
	if _, err := w.delivery.ExecContext(ctx, string(o.Result), o.Reply.String(), sentAt, o.DeliveryID); err != nil {
		return err
	}
	if err := w.moveOn(ctx, o); err != nil {
		return err
	}
	if err := w.events(ctx, o); err != nil {
		return err
	}
	if !o.Bounce {
		return nil
	}
	return recordBounce(ctx, w.tx, w.hooks, o)
}

// recordBounce does what a bounce does to the reader, once the outcome
// itself is written: suppressed, their courses stopped, the reply kept.
func recordBounce(ctx context.Context, tx *sql.Tx, hooks *eventWriter, o Outcome) error {
	if _, err := tx.ExecContext(ctx, "UPDATE subscribers SET status = 'bounced' WHERE id = ?", o.SubscriberID); err != nil {
		return err
	}
	if err := stopEnrollments(ctx, tx, o.SubscriberID, o.At); err != nil {
		return err
	}
	d := EventData{subscriberID: o.SubscriberID, Lesson: o.Slug, DeliveryID: o.DeliveryID, Reason: o.Reply.String()}
	if err := hooks.emit(ctx, webhook.SubscriberBounced, o.At, d.inEnrollment(o.EnrollmentID)); err != nil {
		return err
	}
	ev := drip.Event{SubscriberID: o.SubscriberID, DeliveryID: o.DeliveryID, Kind: drip.EventBounce, Detail: o.Reply.String(), At: o.At}
	return insertEvent(ctx, tx, ev, o.Slug)
}

// events writes the webhook events of an outcome: lesson.sent for a
// lesson sent, and enrollment.completed once the last lesson is done.
func (w *outcomeWriter) events(ctx context.Context, o Outcome) error {
	d := EventData{subscriberID: o.SubscriberID, Lesson: o.Slug, DeliveryID: o.DeliveryID}.inEnrollment(o.EnrollmentID)
	if o.Result == drip.DeliverySent {
		if err := w.hooks.emit(ctx, webhook.LessonSent, o.At, d); err != nil {
			return err
		}
	}
	if !o.Complete || o.Result == drip.DeliveryRetry {
		return nil
	}
	d.Lesson, d.DeliveryID = "", 0
	return w.hooks.emit(ctx, webhook.EnrollmentCompleted, o.At, d)
}

// moveOn moves the enrollment on after an attempt. A retry only moves the
// due time; a sent or finally failed lesson moves the reader past it.
func (w *outcomeWriter) moveOn(ctx context.Context, o Outcome) error {
	if o.Result == drip.DeliveryRetry {
		_, err := w.retry.ExecContext(ctx, unix(o.NextDue), o.EnrollmentID)
		return err
	}
	status := "active"
	if o.Complete {
		status = "completed"
	}
	if _, err := w.advance.ExecContext(ctx, o.Slug, unix(o.At), unix(o.NextDue), status, o.EnrollmentID); err != nil || !o.Complete {
		return err
	}
	return markComplete(ctx, w.tx, o.EnrollmentID, o.DeliveryID, o.Slug, o.At)
}

// markComplete ends an enrollment that has had its last lesson: completed,
// with the time, and a complete event that names the course, once. An
// enrollment paused or stopped meanwhile is left as it is.
func markComplete(ctx context.Context, tx *sql.Tx, enrollment, delivery int64, slug string, at time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE enrollments SET status = 'completed', completed_at = ?
		WHERE id = ? AND completed_at = 0 AND status IN ('active', 'completed')`, unix(at), enrollment)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
		SELECT subscriber_id, CAST(? AS BIGINT), ?, 'complete', 0, '', CAST(? AS BIGINT), course FROM enrollments WHERE id = ?`,
		delivery, slug, unix(at), enrollment)
	return err
}
