package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// ErrInFlight refuses an operator's change while one of the reader's
// lessons is being sent: its delivery row holds the schedule as a lease.
var ErrInFlight = fmt.Errorf("a lesson is being sent to this reader right now: %w", drip.ErrConflict)

// SkippedReply is the last_reply of a lesson an operator skipped, beside
// its status skipped.
const SkippedReply = "skipped by operator"

// Move makes the operator's chosen lesson the reader's next one, due at
// due. The delivery engine picks the next lesson from the rows in
// deliveries alone (schedule.NextLesson: the first lesson after the last
// one received that was not received), so the choice is written in the
// same terms: plan gets the rows as they are and returns the lessons to
// mark as skipped, in course order. Each becomes a delivery row with
// status skipped and last_reply SkippedReply (a lesson awaiting retry is
// turned into one), so it is never sent and the reader's position moves
// past it (schedule.Done). Skipped is a status of its own, not failed: no
// message went out and none was refused, so the stats count it apart.
//
// Reading the rows, planning and writing happen in one transaction, so a
// dispatch pass cannot change the rows in between.
func (db *DB) Move(ctx context.Context, sub int64, course, target string, due, at time.Time, plan func([]drip.Received) ([]string, error)) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		enr, err := db.movableEnrollment(ctx, tx, sub, course)
		if err != nil {
			return err
		}
		received, err := receivedRows(ctx, tx, enr)
		if err != nil {
			return err
		}
		skip, err := plan(received)
		if err != nil {
			return err
		}
		now := unix(at)
		for _, slug := range skip {
			if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (enrollment_id, subscriber_id, slug, status, message_id, last_reply, created_at, first_attempt_at)
				VALUES (?, ?, ?, 'skipped', '', ?, ?, ?)
				ON CONFLICT (enrollment_id, slug) DO UPDATE SET status = 'skipped', last_reply = excluded.last_reply WHERE deliveries.status = 'retry'`,
				enr, sub, slug, SkippedReply, now, now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE enrollments SET next_due_at = ? WHERE id = ?", unix(due), enr); err != nil {
			return err
		}
		ev := drip.Event{SubscriberID: sub, Course: course, Kind: drip.EventNext, Detail: "operator: next lesson " + target, At: at}
		return insertEvent(ctx, tx, ev, target)
	})
	if err != nil {
		return fmt.Errorf("store: move reader %d: %w", sub, err)
	}
	return nil
}

// movableEnrollment returns the ID of a running (active or paused)
// enrollment with no lesson in flight.
func (db *DB) movableEnrollment(ctx context.Context, tx *sql.Tx, sub int64, course string) (int64, error) {
	var enr int64
	err := tx.QueryRowContext(ctx, `SELECT e.id FROM enrollments e JOIN subscribers s ON s.id = e.subscriber_id
		WHERE e.subscriber_id = ? AND e.course = ? AND e.status IN ('active', 'paused') AND s.status = 'active'`+db.d.forUpdate, sub, course).Scan(&enr)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotActive
	}
	if err != nil {
		return 0, err
	}
	flying, err := inFlight(ctx, tx, enr)
	if err != nil {
		return 0, err
	}
	if flying {
		return 0, ErrInFlight
	}
	return enr, nil
}

// inFlight reports whether a lesson of enrollment enr is being sent: a
// delivery row says so until its outcome is in. A row left by a crash is
// settled by the next claim of the reader, one tick after its lease runs
// out (startJobs): sent again, closed if its lesson was removed, or made a
// retry if the lesson waits for the reader's window. A paused reader is
// not claimed, so such a row waits for the resume.
func inFlight(ctx context.Context, tx *sql.Tx, enr int64) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM deliveries WHERE enrollment_id = ? AND status = 'sending'", enr).Scan(&n)
	return n > 0, err
}

// rowsQueryer is what both *sql.DB and *sql.Tx offer for multi-row reads.
type rowsQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func receivedRows(ctx context.Context, q rowsQueryer, enr int64) ([]drip.Received, error) {
	rows, err := q.QueryContext(ctx, `SELECT slug, status, message_id, sent_at, first_attempt_at
		FROM deliveries WHERE enrollment_id = ? ORDER BY id`, enr)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []drip.Received
	for rows.Next() {
		var r drip.Received
		var sent, first int64
		if err := rows.Scan(&r.Slug, &r.Status, &r.MessageID, &sent, &first); err != nil {
			return nil, err
		}
		r.SentAt, r.FirstAttemptAt = fromUnix(sent), fromUnix(first)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Received returns the lessons a reader's enrollment in course has had,
// in the order they were first sent; drip.ErrNotFound when not enrolled.
func (db *DB) Received(ctx context.Context, sub int64, course string) ([]drip.Received, error) {
	e, err := db.Enrollment(ctx, sub, course)
	if err != nil {
		return nil, err
	}
	out, err := receivedRows(ctx, db.r, e.ID)
	if err != nil {
		return nil, fmt.Errorf("store: received: %w", err)
	}
	return out, nil
}
