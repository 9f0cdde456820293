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

// execer is what both *sql.DB and *sql.Tx offer for writes.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// flag stores a boolean as 0 or 1: an integer column reads the same in
// both dialects.
func flag(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func insertEvent(ctx context.Context, x execer, e drip.Event, slug string) error {
	_, err := x.ExecContext(ctx, `INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.SubscriberID, e.DeliveryID, slug, string(e.Kind), flag(e.Machine), e.Detail, unix(e.At), e.Course)
	return err
}

// EventRepeatWindow is how long an open or click is not recorded again:
// the same delivery, kind, destination and kind of client. Stats count
// deliveries, not fetches, and a script that fetches one pixel in a loop
// must cost reads, not rows.
const EventRepeatWindow = time.Hour

// RecordEvent appends an open or click to the event log of a delivery,
// unless it repeats one recorded within EventRepeatWindow. The lesson is
// taken from the delivery itself, and a delivery that is not the given
// reader's records nothing and returns drip.ErrNotFound, so a token can
// only ever speak for its own delivery.
func (db *DB) RecordEvent(ctx context.Context, e drip.Event) error {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE subscriber_id = ? AND at > ?
		AND delivery_id = ? AND kind = ? AND machine = ? AND detail = ?`,
		e.SubscriberID, unix(e.At.Add(-EventRepeatWindow)), e.DeliveryID, string(e.Kind), flag(e.Machine), e.Detail).Scan(&n)
	if err == nil && n > 0 {
		return nil
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var slug, course string
		err := tx.QueryRowContext(ctx, `INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
			SELECT d.subscriber_id, d.id, d.slug, ?, CAST(? AS BIGINT), ?, CAST(? AS BIGINT), e.course
			FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id WHERE d.id = ? AND d.subscriber_id = ?
			RETURNING slug, course`,
			string(e.Kind), flag(e.Machine), e.Detail, unix(e.At), e.DeliveryID, e.SubscriberID).Scan(&slug, &course)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("delivery %d: %w", e.DeliveryID, drip.ErrNotFound)
		}
		if err != nil {
			return err
		}
		typ, d := trackingEvent(e, slug)
		d.Course = course
		return emit(ctx, tx, typ, e.At, d)
	})
	if err != nil {
		return fmt.Errorf("store: record %s: %w", e.Kind, friendly(err))
	}
	return nil
}

// trackingEvent is the webhook event of an open or click: machine ones
// (scanners, privacy proxies) have types of their own, which endpoints
// hear only if they ask.
func trackingEvent(e drip.Event, slug string) (string, EventData) {
	d := EventData{subscriberID: e.SubscriberID, Lesson: slug, DeliveryID: e.DeliveryID}
	switch {
	case e.Kind == drip.EventClick && e.Machine:
		d.URL = e.Detail
		return webhook.LessonMachineClicked, d
	case e.Kind == drip.EventClick:
		d.URL = e.Detail
		return webhook.LessonClicked, d
	case e.Machine:
		return webhook.LessonMachineOpened, d
	}
	return webhook.LessonOpened, d
}

// queryer is what both *sql.DB and *sql.Tx offer for reads.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// deliverySlug returns the lesson of a delivery if it belongs to the
// reader, and "" otherwise.
func deliverySlug(ctx context.Context, q queryer, deliveryID, subscriberID int64) (string, error) {
	l, err := deliveryLesson(ctx, q, deliveryID, subscriberID)
	return l.slug, err
}

// lessonOf is a delivery as a link names it: its lesson, and the
// enrollment and course it was sent for.
type lessonOf struct {
	slug, course string
	enrollment   int64
}

// deliveryLesson finds the lesson, enrollment and course of a delivery
// if it belongs to the reader; the zero lessonOf otherwise.
func deliveryLesson(ctx context.Context, q queryer, deliveryID, subscriberID int64) (lessonOf, error) {
	var l lessonOf
	if deliveryID == 0 {
		return l, nil
	}
	err := q.QueryRowContext(ctx, `SELECT d.slug, e.course, e.id FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id
		WHERE d.id = ? AND d.subscriber_id = ?`, deliveryID, subscriberID).Scan(&l.slug, &l.course, &l.enrollment)
	if errors.Is(err, sql.ErrNoRows) {
		return lessonOf{}, nil
	}
	return l, err
}

// Events returns a reader's timeline, oldest first.
func (db *DB) Events(ctx context.Context, subscriberID int64) ([]drip.Event, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, subscriber_id, delivery_id, course, kind, machine, detail, at
		FROM events WHERE subscriber_id = ? ORDER BY at, id`, subscriberID)
	if err != nil {
		return nil, fmt.Errorf("store: events: %w", err)
	}
	defer rows.Close()
	var out []drip.Event
	for rows.Next() {
		var e drip.Event
		var at int64
		if err := rows.Scan(&e.ID, &e.SubscriberID, &e.DeliveryID, &e.Course, &e.Kind, &e.Machine, &e.Detail, &at); err != nil {
			return nil, fmt.Errorf("store: events: %w", err)
		}
		e.At = fromUnix(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Delivery returns a reader's delivery, or drip.ErrNotFound when the
// delivery is not theirs.
func (db *DB) Delivery(ctx context.Context, id, subscriberID int64) (drip.Delivery, error) {
	var d drip.Delivery
	var created, sent int64
	err := db.r.QueryRowContext(ctx, `SELECT id, enrollment_id, subscriber_id, slug, status, attempts, message_id, last_reply, created_at, sent_at
		FROM deliveries WHERE id = ? AND subscriber_id = ?`, id, subscriberID).Scan(&d.ID, &d.EnrollmentID, &d.SubscriberID,
		&d.Slug, &d.Status, &d.Attempts, &d.MessageID, &d.LastReply, &created, &sent)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("store: delivery %d: %w", id, drip.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("store: delivery %d: %w", id, err)
	}
	d.CreatedAt, d.SentAt = fromUnix(created), fromUnix(sent)
	return d, nil
}

// DeliveryEnrollment returns a reader's delivery with the enrollment it
// was sent for (and so its course), or drip.ErrNotFound when the delivery
// is not theirs.
func (db *DB) DeliveryEnrollment(ctx context.Context, id, subscriberID int64) (drip.Delivery, drip.Enrollment, error) {
	d, err := db.Delivery(ctx, id, subscriberID)
	if err != nil {
		return d, drip.Enrollment{}, err
	}
	e, err := scanEnrollment(db.r.QueryRowContext(ctx, "SELECT "+enrollmentCols+" FROM enrollments WHERE id = ?", d.EnrollmentID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return d, e, fmt.Errorf("store: delivery %d: %w", id, drip.ErrNotFound)
	}
	if err != nil {
		return d, e, fmt.Errorf("store: delivery %d: %w", id, err)
	}
	return d, e, nil
}
