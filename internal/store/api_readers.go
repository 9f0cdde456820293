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

// SubscriberQuery is one page of the API's list of readers: those with
// an ID above After, in ID order, at most Limit. Course keeps readers
// enrolled in that course; Status keeps those with an enrollment in that
// status (in Course, when it is set).
type SubscriberQuery struct {
	After  int64
	Limit  int
	Course string
	Status drip.EnrollmentStatus
}

// ListSubscribers returns a page of readers for the API. Paging by ID
// (a cursor), not by offset, keeps a page's cost the same however deep
// it is, and a reader added or erased meanwhile neither repeats nor skips
// another.
func (db *DB) ListSubscribers(ctx context.Context, q SubscriberQuery) ([]drip.Subscriber, error) {
	query := "SELECT " + subscriberCols + " FROM subscribers s WHERE id > ?"
	args := []any{q.After}
	if q.Course != "" || q.Status != "" {
		query += " AND EXISTS (SELECT 1 FROM enrollments e WHERE e.subscriber_id = s.id AND (? = '' OR e.course = ?) AND (? = '' OR e.status = ?))"
		args = append(args, q.Course, q.Course, string(q.Status), string(q.Status))
	}
	query += " ORDER BY id LIMIT ?"
	args = append(args, q.Limit)
	var out []drip.Subscriber
	err := db.eachRow(ctx, query, func(scan func(...any) error) error {
		s, err := scanSubscriber(scanFunc(scan))
		out = append(out, s)
		return err
	}, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list readers: %w", friendly(err))
	}
	return out, nil
}

// LeaveCourse stops one course of a reader, as the API's unsubscribe
// does: the reader's other courses go on, and a reader left with none
// running is unsubscribed (not suppressed). It reports whether anything
// changed; a course the reader is not in is drip.ErrNotFound.
func (db *DB) LeaveCourse(ctx context.Context, id int64, course, detail string, at time.Time) (changed bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		changed = false // a retried transaction starts afresh
		if _, err := db.subscriberStatus(ctx, tx, id); err != nil {
			return err
		}
		var enr int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM enrollments WHERE subscriber_id = ? AND course = ?", id, course).Scan(&enr)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("the reader is not in course %q: %w", course, drip.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if changed, err = stopCourse(ctx, tx, id, enr, at); err != nil || !changed {
			return err
		}
		if err := emit(ctx, tx, webhook.SubscriberUnsubscribed, at, EventData{subscriberID: id, Course: course, Reason: detail}); err != nil {
			return err
		}
		return insertEvent(ctx, tx, drip.Event{SubscriberID: id, Course: course, Kind: drip.EventUnsubscribe, Detail: detail, At: at}, "")
	})
	if err != nil {
		return false, fmt.Errorf("store: unsubscribe: %w", err)
	}
	return changed, nil
}

// scanFunc lets a row's scan function stand for a row.
type scanFunc func(...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }
