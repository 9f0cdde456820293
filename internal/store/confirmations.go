package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// ConfirmJob is a confirmation email claimed for sending.
type ConfirmJob struct {
	ID         int64
	Subscriber drip.Subscriber
	// Course is the slug of the course to confirm; "" for the default
	// course (a confirmation queued before there were several).
	Course     string
	MessageID  string
	Attempts   int
	CreatedAt  time.Time
	LeaseUntil time.Time // past it, another sender may take this email
}

// ClaimConfirmations leases up to limit confirmation emails that are due at
// now. Each keeps its Message-ID across attempts; newID makes one for a row
// that has none yet. A confirmation with nothing left to confirm (Wanted)
// is dropped rather than sent.
func (db *DB) ClaimConfirmations(ctx context.Context, now time.Time, lease time.Duration, limit int, newID func(int64) string) ([]ConfirmJob, error) {
	var jobs []ConfirmJob
	err := db.tx(ctx, func(tx *sql.Tx) error {
		jobs = nil // a retried transaction starts afresh
		rows, err := tx.QueryContext(ctx, `UPDATE confirmations SET status = 'sending', due_at = ?
			WHERE id IN (SELECT id FROM confirmations WHERE status IN ('queued', 'sending') AND due_at <= ? ORDER BY due_at LIMIT ?`+db.d.skipLocked+`)
			RETURNING id, subscriber_id, message_id, attempts, created_at, course`, unix(now.Add(lease)), unix(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var j ConfirmJob
			var created int64
			if err := rows.Scan(&j.ID, &j.Subscriber.ID, &j.MessageID, &j.Attempts, &created, &j.Course); err != nil {
				return err
			}
			j.CreatedAt, j.LeaseUntil = fromUnix(created), leaseEnd(now, lease)
			jobs = append(jobs, j)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		jobs, err = fillConfirmJobs(ctx, tx, jobs, newID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim confirmations: %w", err)
	}
	return jobs, nil
}

func fillConfirmJobs(ctx context.Context, tx *sql.Tx, jobs []ConfirmJob, newID func(int64) string) ([]ConfirmJob, error) {
	kept := jobs[:0]
	for _, j := range jobs {
		s, err := scanSubscriber(tx.QueryRowContext(ctx, "SELECT "+subscriberCols+" FROM subscribers WHERE id = ?", j.Subscriber.ID))
		if err != nil {
			return nil, err
		}
		want, err := wanted(ctx, tx, s, j.Course)
		if err != nil {
			return nil, err
		}
		if !want {
			if _, err := tx.ExecContext(ctx, "UPDATE confirmations SET status = 'dropped' WHERE id = ?", j.ID); err != nil {
				return nil, err
			}
			continue
		}
		j.Subscriber = s
		if j.MessageID == "" {
			j.MessageID = newID(j.ID)
			if _, err := tx.ExecContext(ctx, "UPDATE confirmations SET message_id = ? WHERE id = ?", j.MessageID, j.ID); err != nil {
				return nil, err
			}
		}
		kept = append(kept, j)
	}
	return kept, nil
}

// Wanted reports whether a confirmation of course for reader s still has
// something to confirm: the reader's enrollment in it waits (pending), and
// the address is neither suppressed nor gone. A confirmation queued before
// there were several courses (course "") is wanted while the reader is
// pending.
func (db *DB) Wanted(ctx context.Context, s drip.Subscriber, course string) (bool, error) {
	want, err := wanted(ctx, db.r, s, course)
	if err != nil {
		return false, fmt.Errorf("store: confirmation wanted: %w", err)
	}
	return want, nil
}

func wanted(ctx context.Context, q queryer, s drip.Subscriber, course string) (bool, error) {
	if s.Status != drip.StatusPending && s.Status != drip.StatusActive {
		return false, nil
	}
	if course == "" {
		return s.Status == drip.StatusPending, nil
	}
	var st drip.EnrollmentStatus
	err := q.QueryRowContext(ctx, "SELECT status FROM enrollments WHERE subscriber_id = ? AND course = ?", s.ID, course).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return st == drip.EnrollPending, err
}

// RequeueConfirmation puts a claimed confirmation back in the queue, due
// at due, without counting an attempt: it was not sent, or our own setup
// failed before the server could take it. A claim whose lease has run out
// and been retaken by another sender requeues nothing.
func (db *DB) RequeueConfirmation(ctx context.Context, j ConfirmJob, due time.Time) error {
	_, err := db.w.ExecContext(ctx, "UPDATE confirmations SET status = 'queued', due_at = ? WHERE id = ? AND status = 'sending' AND due_at = ?",
		unix(due), j.ID, unix(j.LeaseUntil))
	if err != nil {
		return fmt.Errorf("store: requeue confirmation: %w", friendly(err))
	}
	return nil
}

// RecordConfirmation stores the outcome of one confirmation attempt. A
// retry puts the row back in the queue at retryAt.
func (db *DB) RecordConfirmation(ctx context.Context, id int64, result drip.DeliveryStatus, reply Reply, at, retryAt time.Time) error {
	status := string(result)
	if result == drip.DeliveryRetry {
		status = "queued"
	}
	_, err := db.w.ExecContext(ctx, `UPDATE confirmations SET status = ?, attempts = attempts + 1, last_reply = ?,
		due_at = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?`,
		status, reply.String(), unix(retryAt), status, unix(at), id)
	if err != nil {
		return fmt.Errorf("store: record confirmation: %w", friendly(err))
	}
	return nil
}
