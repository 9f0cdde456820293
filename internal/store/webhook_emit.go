package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/dripcourse/dripcourse/internal/webhook"
)

// Webhook events are written by the change they report, in its own
// transaction (a transactional outbox): a crash can neither lose an event
// nor report a change that was rolled back. On SQLite the outcomes of
// sends reach the database through the journal (journal.go), and their
// lesson.sent events are written by the transaction that applies them,
// the one that also stores the journal's progress: a replay after a crash
// applies each outcome, and so writes each event, exactly once.
//
// An event is written only when an active endpoint subscribes to its
// type, so that without webhooks a change pays one small read per
// transaction and writes nothing.

// EventData is the data of a webhook event, as receivers get it.
type EventData struct {
	Subscriber *EventReader `json:"subscriber,omitempty"`
	Course     string       `json:"course,omitempty"`
	Lesson     string       `json:"lesson,omitempty"`
	DeliveryID int64        `json:"delivery_id,omitempty"`
	URL        string       `json:"url,omitempty"`
	// Reason says what led to the change: "link", "one-click",
	// "operator", "api", a bounce's reply, and the like.
	Reason string `json:"reason,omitempty"`
	// Until is the end of a reader's own pause.
	Until *time.Time `json:"until,omitempty"`

	subscriberID int64 // whose event: the reader is read in the transaction
	enrollmentID int64 // when set, Course is read from it
}

// EventReader is the reader an event is about.
type EventReader struct {
	ID       int64  `json:"id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Timezone string `json:"timezone"`
	Status   string `json:"status"`
}

// about starts the data of an event about reader sub.
func about(sub int64) EventData { return EventData{subscriberID: sub} }

// inEnrollment names the enrollment whose course the event is about.
func (d EventData) inEnrollment(id int64) EventData {
	d.enrollmentID = id
	return d
}

// eventWriter writes the webhook events of one transaction. It reads
// which event types any active endpoint wants once, at its first event.
type eventWriter struct {
	tx    *sql.Tx
	types map[string]bool
	// stmt, when set, gives the statements below prepared once: the
	// SQLite outcome writer sets it, since there every lesson sent may
	// write an event, and parsing their SQL each time was a third of
	// what an event cost.
	stmt func(query string) *sql.Stmt
}

// The statements an event runs, in the order it runs them.
const (
	sqlEventReader     = "SELECT id, email, name, timezone, status FROM subscribers WHERE id = ?"
	sqlEventCourse     = "SELECT course FROM enrollments WHERE id = ?"
	sqlInsertEvent     = "INSERT INTO webhook_events (msg_id, type, subscriber_id, body, created_at) VALUES (?, ?, ?, ?, ?)"
	sqlInsertDeliverTo = `INSERT INTO webhook_deliveries (event_id, endpoint_id, state, next_at, since)
		SELECT CAST(? AS TEXT), s.endpoint_id, 'pending', CAST(? AS BIGINT), CAST(? AS BIGINT) FROM webhook_subscriptions s
		JOIN webhook_endpoints e ON e.id = s.endpoint_id WHERE s.event_type = ? AND e.status = 'active'`
)

// eventStatements are prepared with the hot statements (stmts.go).
var eventStatements = []string{sqlEventReader, sqlEventCourse, sqlInsertEvent, sqlInsertDeliverTo}

func (ew *eventWriter) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if ew.stmt != nil {
		return ew.stmt(q).QueryRowContext(ctx, args...)
	}
	return ew.tx.QueryRowContext(ctx, q, args...)
}

func (ew *eventWriter) exec(ctx context.Context, q string, args ...any) error {
	var err error
	if ew.stmt != nil {
		_, err = ew.stmt(q).ExecContext(ctx, args...)
	} else {
		_, err = ew.tx.ExecContext(ctx, q, args...)
	}
	return err
}

func newEventWriter(tx *sql.Tx) *eventWriter { return &eventWriter{tx: tx} }

// emit writes one event in tx, when it is wanted.
func emit(ctx context.Context, tx *sql.Tx, typ string, at time.Time, d EventData) error {
	return newEventWriter(tx).emit(ctx, typ, at, d)
}

func (ew *eventWriter) wanted(ctx context.Context, typ string) (bool, error) {
	if ew.types == nil {
		ew.types = map[string]bool{}
		rows, err := ew.tx.QueryContext(ctx, `SELECT DISTINCT s.event_type FROM webhook_subscriptions s
			JOIN webhook_endpoints e ON e.id = s.endpoint_id WHERE e.status = 'active'`)
		if err != nil {
			return false, err
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				return false, err
			}
			ew.types[t] = true
		}
		if err := rows.Err(); err != nil {
			return false, err
		}
	}
	return ew.types[typ], nil
}

// emit writes an event of type typ at at, with data d completed from the
// rows it names, if any active endpoint wants that type.
func (ew *eventWriter) emit(ctx context.Context, typ string, at time.Time, d EventData) error {
	if ok, err := ew.wanted(ctx, typ); err != nil || !ok {
		return err
	}
	if err := ew.fill(ctx, &d); err != nil {
		return err
	}
	body, err := webhook.Payload(typ, at, d)
	if err != nil {
		return err
	}
	_, err = ew.insert(ctx, typ, d.subscriberID, at, body)
	return err
}

// fill reads the reader and the course the event names.
func (ew *eventWriter) fill(ctx context.Context, d *EventData) error {
	if d.subscriberID != 0 {
		r := &EventReader{}
		err := ew.queryRow(ctx, sqlEventReader, d.subscriberID).Scan(&r.ID, &r.Email, &r.Name, &r.Timezone, &r.Status)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil {
			d.Subscriber = r
		}
	}
	if d.enrollmentID != 0 && d.Course == "" {
		err := ew.queryRow(ctx, sqlEventCourse, d.enrollmentID).Scan(&d.Course)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return nil
}

// insert writes the event and a pending delivery, due at once, to each
// active endpoint subscribed to its type.
func (ew *eventWriter) insert(ctx context.Context, typ string, sub int64, at time.Time, body []byte) (string, error) {
	id := webhook.NewMessageID()
	if err := ew.exec(ctx, sqlInsertEvent, id, typ, sub, string(body), unix(at)); err != nil {
		return "", err
	}
	err := ew.exec(ctx, sqlInsertDeliverTo, id, unix(at), unix(at), typ)
	return id, err
}

// joined writes the events of a reader who starts a course: first
// subscriber.confirmed when the address was confirmed by it (confirmed),
// then enrollment.started. how says by which way ("link", "import",
// "api").
func (ew *eventWriter) joined(ctx context.Context, sub int64, course, how string, confirmed bool, at time.Time) error {
	d := EventData{subscriberID: sub, Course: course, Reason: how}
	if confirmed {
		if err := ew.emit(ctx, webhook.SubscriberConfirmed, at, d); err != nil {
			return err
		}
	}
	return ew.emit(ctx, webhook.EnrollmentStarted, at, d)
}

// emitReport writes the webhook event of a bounce or complaint report
// that suppressed the address (the policy in bounce_policy.go):
// subscriber.complained for a complaint, subscriber.bounced for a hard
// bounce or a run of soft ones. A report that changed nothing tells
// receivers nothing.
func emitReport(ctx context.Context, tx *sql.Tx, in ReportIn, m reportMatch, out ReportOut) error {
	if !out.Suppressed {
		return nil
	}
	typ := webhook.SubscriberBounced
	if in.Kind == ReportComplaint {
		typ = webhook.SubscriberComplained
	}
	d := EventData{subscriberID: m.sub, Course: m.course, Lesson: m.slug, DeliveryID: m.delivery,
		Reason: firstNonEmpty(in.Diagnostic, in.Status, in.FeedbackType, in.Source)}
	return emit(ctx, tx, typ, reportTime(in), d)
}
