package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// ReaderRecord is everything held about one reader: what the admin's
// timeline shows, and what a GDPR access request is answered with.
type ReaderRecord struct {
	Subscriber    SubscriberRecord     `json:"subscriber"`
	Enrollments   []EnrollmentRecord   `json:"enrollments"`
	Confirmations []ConfirmationRecord `json:"confirmation_emails"`
	Deliveries    []DeliveryRecord     `json:"deliveries"`
	Events        []EventRecord        `json:"events"`
	Reports       []BounceReport       `json:"bounce_reports"`
}

// SubscriberRecord is the subscribers row.
type SubscriberRecord struct {
	ID             int64     `json:"id"`
	Email          string    `json:"email"`
	Name           string    `json:"name"`
	Timezone       string    `json:"timezone"`
	Status         string    `json:"status"`
	CreatedAt      time.Time `json:"created_at"`
	ConfirmedAt    time.Time `json:"confirmed_at,omitzero"`
	UnsubscribedAt time.Time `json:"unsubscribed_at,omitzero"`
}

// EnrollmentRecord is one enrollments row.
type EnrollmentRecord struct {
	ID         int64     `json:"id"`
	Course     string    `json:"course"`
	Status     string    `json:"status"`
	LastLesson string    `json:"last_lesson"`
	LastSentAt time.Time `json:"last_sent_at,omitzero"`
	NextDueAt  time.Time `json:"next_due_at,omitzero"`
	CreatedAt  time.Time `json:"created_at"`
	// Confirmed is when the reader joined the course; Completed and
	// Stopped when they finished or left it.
	Confirmed time.Time `json:"confirmed_at,omitzero"`
	Completed time.Time `json:"completed_at,omitzero"`
	Stopped   time.Time `json:"stopped_at,omitzero"`
}

// ConfirmationRecord is one double opt-in email.
type ConfirmationRecord struct {
	Course    string    `json:"course,omitempty"`
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	MessageID string    `json:"message_id"`
	LastReply string    `json:"last_reply"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at,omitzero"`
}

// DeliveryRecord is one lesson sent, with every SMTP attempt's reply.
type DeliveryRecord struct {
	ID        int64           `json:"id"`
	Course    string          `json:"course"`
	Lesson    string          `json:"lesson"`
	Status    string          `json:"status"`
	MessageID string          `json:"message_id"`
	LastReply string          `json:"last_reply"`
	CreatedAt time.Time       `json:"created_at"`
	SentAt    time.Time       `json:"sent_at,omitzero"`
	Attempts  []AttemptRecord `json:"attempts"`
}

// AttemptRecord is one SMTP reply to a delivery.
type AttemptRecord struct {
	At    time.Time `json:"at"`
	Reply string    `json:"reply"`
}

// EventRecord is one entry of the event log.
type EventRecord struct {
	Kind       string    `json:"kind"`
	Course     string    `json:"course,omitempty"`
	Lesson     string    `json:"lesson,omitempty"`
	DeliveryID int64     `json:"delivery_id,omitempty"`
	Machine    bool      `json:"machine,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	At         time.Time `json:"at"`
	// RolledUp marks the first open or click of its kind that a rollup
	// folded into daily counts (rollup.go): the ones after it that were
	// folded too are counted by day, not kept one by one.
	RolledUp bool `json:"rolled_up,omitempty"`
}

// ReaderData returns everything held about the reader with the given ID, each
// list oldest first.
func (db *DB) ReaderData(ctx context.Context, id int64) (*ReaderRecord, error) {
	s, err := db.Subscriber(ctx, id)
	if err != nil {
		return nil, err
	}
	rec := &ReaderRecord{Subscriber: SubscriberRecord{ID: s.ID, Email: s.Email, Name: s.Name, Timezone: s.Timezone,
		Status: string(s.Status), CreatedAt: s.CreatedAt, ConfirmedAt: s.ConfirmedAt, UnsubscribedAt: s.UnsubscribedAt}}
	for _, load := range []func(context.Context, *ReaderRecord) error{db.recordEnrollments, db.recordConfirmations, db.recordDeliveries, db.recordEvents, db.recordReports} {
		if err := load(ctx, rec); err != nil {
			return nil, fmt.Errorf("store: reader record %d: %w", id, err)
		}
	}
	return rec, nil
}

func (db *DB) recordEnrollments(ctx context.Context, rec *ReaderRecord) error {
	return db.eachRow(ctx, `SELECT id, course, status, last_slug, last_sent_at, next_due_at, created_at, confirmed_at, completed_at, stopped_at
		FROM enrollments WHERE subscriber_id = ? ORDER BY id`, func(scan func(...any) error) error {
		var e EnrollmentRecord
		var last, due, created, joined, completed, stopped int64
		if err := scan(&e.ID, &e.Course, &e.Status, &e.LastLesson, &last, &due, &created, &joined, &completed, &stopped); err != nil {
			return err
		}
		e.LastSentAt, e.NextDueAt, e.CreatedAt = fromUnix(last), fromUnix(due), fromUnix(created)
		e.Confirmed, e.Completed, e.Stopped = fromUnix(joined), fromUnix(completed), fromUnix(stopped)
		rec.Enrollments = append(rec.Enrollments, e)
		return nil
	}, rec.Subscriber.ID)
}

func (db *DB) recordConfirmations(ctx context.Context, rec *ReaderRecord) error {
	return db.eachRow(ctx, `SELECT course, status, attempts, message_id, last_reply, created_at, sent_at
		FROM confirmations WHERE subscriber_id = ? ORDER BY id`, func(scan func(...any) error) error {
		var c ConfirmationRecord
		var created, sent int64
		if err := scan(&c.Course, &c.Status, &c.Attempts, &c.MessageID, &c.LastReply, &created, &sent); err != nil {
			return err
		}
		c.CreatedAt, c.SentAt = fromUnix(created), fromUnix(sent)
		rec.Confirmations = append(rec.Confirmations, c)
		return nil
	}, rec.Subscriber.ID)
}

func (db *DB) recordDeliveries(ctx context.Context, rec *ReaderRecord) error {
	byID := map[int64]int{}
	err := db.eachRow(ctx, `SELECT d.id, e.course, d.slug, d.status, d.message_id, d.last_reply, d.created_at, d.sent_at
		FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id WHERE d.subscriber_id = ? ORDER BY d.id`, func(scan func(...any) error) error {
		d := DeliveryRecord{Attempts: []AttemptRecord{}}
		var created, sent int64
		if err := scan(&d.ID, &d.Course, &d.Lesson, &d.Status, &d.MessageID, &d.LastReply, &created, &sent); err != nil {
			return err
		}
		d.CreatedAt, d.SentAt = fromUnix(created), fromUnix(sent)
		byID[d.ID] = len(rec.Deliveries)
		rec.Deliveries = append(rec.Deliveries, d)
		return nil
	}, rec.Subscriber.ID)
	if err != nil {
		return err
	}
	return db.eachRow(ctx, `SELECT a.delivery_id, a.at, a.code, a.enhanced, a.text FROM attempts a
		JOIN deliveries d ON d.id = a.delivery_id WHERE d.subscriber_id = ? ORDER BY a.id`, func(scan func(...any) error) error {
		var id, at int64
		var r Reply
		if err := scan(&id, &at, &r.Code, &r.Enhanced, &r.Text); err != nil {
			return err
		}
		if i, ok := byID[id]; ok {
			d := &rec.Deliveries[i]
			d.Attempts = append(d.Attempts, AttemptRecord{At: fromUnix(at), Reply: r.String()})
		}
		return nil
	}, rec.Subscriber.ID)
}

func (db *DB) recordEvents(ctx context.Context, rec *ReaderRecord) error {
	err := db.eachRow(ctx, `SELECT kind, course, slug, delivery_id, machine, detail, at
		FROM events WHERE subscriber_id = ? ORDER BY at, id`, func(scan func(...any) error) error {
		var e EventRecord
		var at int64
		if err := scan(&e.Kind, &e.Course, &e.Lesson, &e.DeliveryID, &e.Machine, &e.Detail, &at); err != nil {
			return err
		}
		e.At = fromUnix(at)
		rec.Events = append(rec.Events, e)
		return nil
	}, rec.Subscriber.ID)
	if err != nil {
		return err
	}
	return db.recordRolledUp(ctx, rec)
}

// recordRolledUp adds, in time order, the first open and click of each
// kind that a rollup folded away, as its delivery kept them.
func (db *DB) recordRolledUp(ctx context.Context, rec *ReaderRecord) error {
	err := db.eachRow(ctx, `SELECT d.id, e.course, d.slug, d.first_open_at, d.first_machine_open_at, d.first_click_at, d.first_machine_click_at
		FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id WHERE d.subscriber_id = ?
		AND (d.first_open_at > 0 OR d.first_machine_open_at > 0 OR d.first_click_at > 0 OR d.first_machine_click_at > 0)`,
		func(scan func(...any) error) error {
			var e EventRecord
			var firsts [4]int64
			if err := scan(&e.DeliveryID, &e.Course, &e.Lesson, &firsts[0], &firsts[1], &firsts[2], &firsts[3]); err != nil {
				return err
			}
			for i, at := range firsts {
				if at > 0 {
					e.Kind, e.Machine, e.At, e.RolledUp = []string{"open", "click"}[i/2], i%2 == 1, fromUnix(at), true
					rec.Events = append(rec.Events, e)
				}
			}
			return nil
		}, rec.Subscriber.ID)
	slices.SortStableFunc(rec.Events, func(a, b EventRecord) int { return a.At.Compare(b.At) })
	return err
}

func (db *DB) recordReports(ctx context.Context, rec *ReaderRecord) error {
	var err error
	rec.Reports, err = db.ReportsOf(ctx, rec.Subscriber.ID)
	return err
}
