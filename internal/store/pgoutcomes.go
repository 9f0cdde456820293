package store

import (
	"context"
	"database/sql"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

// On PostgreSQL a group of outcomes is recorded by one statement, whatever
// its size: the attempts, the deliveries and the enrollments are each
// written from the same arrays (unnest), and the statement commits on its
// own. Three statements per outcome in a transaction of their own had
// cost five round trips, each a wake-up of a server process sharing the
// cores, for every message sent. SQLite keeps its per-outcome statements:
// they are calls into the same process, and its journal groups them.

// pgRecordOutcomes writes a group of outcomes. A retry only moves the
// reader's due time, and only while the reader is active; a sent or
// finally failed lesson moves the reader past it; the last lesson
// completes the enrollment, with the time and a complete event naming the
// course, unless it was paused or stopped meanwhile (outcomeWriter and
// markComplete do the same one statement at a time). The enrollment's old
// values are not visible after the update, so the event goes in for the
// rows this statement has just completed: completed, at this outcome's
// time, by a last lesson.
const pgRecordOutcomes = `WITH o AS (
	SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[],
		?::bigint[], ?::bigint[], ?::bigint[], ?::text[])
		AS o(delivery, enrollment, slug, result, code, enhanced, text, reply, at, sent_at, next_due, status)
), attempt AS (
	INSERT INTO attempts (delivery_id, at, code, enhanced, text) SELECT delivery, at, code, enhanced, text FROM o
), delivery AS (
	UPDATE deliveries d SET status = o.result, attempts = d.attempts + 1, last_reply = o.reply, sent_at = o.sent_at
	FROM o WHERE d.id = o.delivery
), moved AS (
	UPDATE enrollments e SET
		last_slug = CASE WHEN o.result = 'retry' THEN e.last_slug ELSE o.slug END,
		last_sent_at = CASE WHEN o.result = 'retry' THEN e.last_sent_at ELSE o.at END,
		next_due_at = o.next_due,
		status = CASE WHEN o.result <> 'retry' AND e.status = 'active' THEN o.status ELSE e.status END,
		completed_at = CASE WHEN o.result <> 'retry' AND o.status = 'completed' AND e.completed_at = 0
			AND e.status IN ('active', 'completed') THEN o.at ELSE e.completed_at END
	FROM o WHERE e.id = o.enrollment AND (o.result <> 'retry' OR e.status = 'active')
	RETURNING e.subscriber_id, e.course, e.status, e.completed_at, o.delivery, o.slug, o.at, o.result, o.status AS goal
)
INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
	SELECT subscriber_id, delivery, slug, 'complete', 0, '', at, course FROM moved
	WHERE result <> 'retry' AND goal = 'completed' AND status = 'completed' AND completed_at = at`

// outcomeArrays are a group's outcomes as pgRecordOutcomes's arguments.
type outcomeArrays struct {
	delivery, enrollment, code, at, sentAt, nextDue []int64
	slug, result, enhanced, text, reply, status     []string
}

// newOutcomeArrays lays outs out as columns.
func newOutcomeArrays(outs []Outcome) *outcomeArrays {
	n := len(outs)
	a := &outcomeArrays{delivery: make([]int64, 0, n), enrollment: make([]int64, 0, n), code: make([]int64, 0, n),
		at: make([]int64, 0, n), sentAt: make([]int64, 0, n), nextDue: make([]int64, 0, n),
		slug: make([]string, 0, n), result: make([]string, 0, n), enhanced: make([]string, 0, n),
		text: make([]string, 0, n), reply: make([]string, 0, n), status: make([]string, 0, n)}
	for _, o := range outs {
		a.add(o)
	}
	return a
}

// add appends o to each column, with what it means for the enrollment.
func (a *outcomeArrays) add(o Outcome) {
	at, sentAt, status := unix(o.At), int64(0), "active"
	if o.Result == drip.DeliverySent {
		sentAt = at
	}
	if o.Complete {
		status = "completed"
	}
	a.delivery, a.enrollment = append(a.delivery, o.DeliveryID), append(a.enrollment, o.EnrollmentID)
	a.slug, a.result = append(a.slug, o.Slug), append(a.result, string(o.Result))
	a.code, a.enhanced = append(a.code, int64(o.Reply.Code)), append(a.enhanced, o.Reply.Enhanced)
	a.text, a.reply = append(a.text, o.Reply.Text), append(a.reply, o.Reply.String())
	a.at, a.sentAt = append(a.at, at), append(a.sentAt, sentAt)
	a.nextDue, a.status = append(a.nextDue, unix(o.NextDue)), append(a.status, status)
}

// args are the columns in pgRecordOutcomes's order.
func (a *outcomeArrays) args() []any {
	return []any{a.delivery, a.enrollment, a.slug, a.result, a.code, a.enhanced, a.text, a.reply,
		a.at, a.sentAt, a.nextDue, a.status}
}

// recordSet records outs on PostgreSQL: with the one statement, committed
// on its own, when no reader bounced; otherwise in a transaction with
// what a bounce does to the reader.
func (db *DB) recordSet(ctx context.Context, outs []Outcome) error {
	rounds := distinctRounds(outs)
	hooked, err := db.webhooksWanted(ctx)
	if err != nil {
		return friendly(err)
	}
	if len(rounds) == 1 && !anyBounce(outs) && !hooked {
		_, err := db.bulk.ExecContext(ctx, pgRecordOutcomes, newOutcomeArrays(outs).args()...)
		return friendly(err)
	}
	return db.bulkTx(ctx, func(tx *sql.Tx) error { return recordSetTx(ctx, tx, outs, hooked) })
}

// recordSetTx records outs inside tx, with the webhook events they make
// when hooked and what a bounce does to its reader.
func recordSetTx(ctx context.Context, tx *sql.Tx, outs []Outcome, hooked bool) error {
	for _, round := range distinctRounds(outs) {
		if _, err := tx.ExecContext(ctx, pgRecordOutcomes, newOutcomeArrays(round).args()...); err != nil {
			return err
		}
	}
	if !hooked && !anyBounce(outs) {
		return nil
	}
	w := &outcomeWriter{tx: tx, hooks: newEventWriter(tx)}
	for _, o := range outs {
		if err := w.events(ctx, o); err != nil {
			return err
		}
		if o.Bounce {
			if err := recordBounce(ctx, tx, w.hooks, o); err != nil {
				return err
			}
		}
	}
	return nil
}

// webhooksWanted reports whether any active webhook endpoint is
// subscribed to an event a sent lesson makes; then the outcomes are
// recorded in a transaction that writes those events too (the outbox).
// The event writer reads the subscriptions again inside it.
func (db *DB) webhooksWanted(ctx context.Context) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM webhook_subscriptions s JOIN webhook_endpoints e ON e.id = s.endpoint_id
		WHERE e.status = 'active' AND s.event_type IN (?, ?, ?)`, webhook.LessonSent, webhook.EnrollmentCompleted, webhook.SubscriberBounced).Scan(&n)
	return n > 0, err
}

// distinctRounds splits outs into groups in which no delivery and no
// enrollment comes twice, in their order: one statement updates a row
// once, however many of its input rows name it. One pass never has two
// outcomes of one reader waiting at once, so nearly always this is outs.
func distinctRounds(outs []Outcome) [][]Outcome {
	var rounds [][]Outcome
	seenD, seenE := map[int64]bool{}, map[int64]bool{}
	start := 0
	for i, o := range outs {
		if seenD[o.DeliveryID] || seenE[o.EnrollmentID] {
			rounds = append(rounds, outs[start:i])
			start = i
			clear(seenD)
			clear(seenE)
		}
		seenD[o.DeliveryID], seenE[o.EnrollmentID] = true, true
	}
	return append(rounds, outs[start:])
}

// anyBounce reports whether any of outs bounced.
func anyBounce(outs []Outcome) bool {
	for _, o := range outs {
		if o.Bounce {
			return true
		}
	}
	return false
}
