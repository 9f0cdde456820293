package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Bounce and complaint reports that arrive after the send. Each report is
// matched to the message it is about and recorded with what the policy
// did about it, in one transaction (bounce_policy.go): a crash loses
// nothing, and the same report twice is recorded once and counted once.

// The kinds of report, as package bounce classifies them.
const (
	ReportHard      = "hard"
	ReportSoft      = "soft"
	ReportComplaint = "complaint"
	ReportIgnore    = "ignore"
)

// How a report was matched to a message or reader, in order of trust.
const (
	MatchToken     = "token"
	MatchMessageID = "message-id"
	MatchRecipient = "recipient"
)

// ReportIn is one report to record, with what may match it.
type ReportIn struct {
	// Key identifies the report: the same report again has the same key
	// and is recorded once. Required.
	Key string
	// Source names the format or provider it came from ("dsn", "ses").
	Source string
	// Lesson or Confirmation is the row a verified VERP token names (at
	// most one is set). A token is trusted over everything else: a report
	// whose token names reader A never touches reader B.
	Lesson, Confirmation int64
	// BadToken says the report carried a token that does not verify: it
	// is kept, unmatched, and changes nothing.
	BadToken bool
	// MessageID is the original message's Message-ID, without brackets.
	MessageID string
	// Recipient is the failed address.
	Recipient                    string
	Status, Action, FeedbackType string
	// Kind is ReportHard, ReportSoft, ReportComplaint or ReportIgnore.
	Kind string
	// OurSending marks a failure about how we send: it never charges the
	// reader, and is an alert for the operator.
	OurSending     bool
	Diagnostic     string
	At, ReceivedAt time.Time
}

// ReportOut is what recording a report did.
type ReportOut struct {
	ID int64
	// Duplicate says the report was recorded before: nothing changed now,
	// and the rest describes the earlier recording.
	Duplicate                                bool
	SubscriberID, DeliveryID, ConfirmationID int64
	MatchedBy                                string
	// Outcome is what the policy did, in the operator's words.
	Outcome string
	// Suppressed says this report suppressed the address; Unsubscribed
	// that it also unsubscribed the reader (a complaint).
	Suppressed, Unsubscribed bool
}

// reportMatch is what a report was matched to: a reader, and the message
// when known, or why nothing.
type reportMatch struct {
	sub, delivery, confirmation int64
	slug, course, by, why       string
}

// RecordReport matches a report to the message and reader it is about,
// keeps it, and applies the policy (bounce_policy.go), all in one
// transaction. softLimit is how many soft-bounced messages in a row
// suppress an address. A report recorded before (the same Key) changes
// nothing and comes back with Duplicate set.
func (db *DB) RecordReport(ctx context.Context, in ReportIn, softLimit int) (ReportOut, error) {
	if in.Key == "" || in.Kind == "" {
		return ReportOut{}, fmt.Errorf("store: record report: a key and a kind are required")
	}
	var out ReportOut
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = db.recordReport(ctx, tx, in, softLimit)
		return err
	})
	if err != nil {
		return ReportOut{}, fmt.Errorf("store: record report: %w", err)
	}
	return out, nil
}

func (db *DB) recordReport(ctx context.Context, tx *sql.Tx, in ReportIn, softLimit int) (ReportOut, error) {
	if prior, ok, err := priorReport(ctx, tx, in.Key); err != nil || ok {
		return prior, err
	}
	m, err := matchReport(ctx, tx, in)
	if err != nil {
		return ReportOut{}, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO bounce_reports (source, report_key, subscriber_id, delivery_id, confirmation_id,
		matched_by, recipient, status, action, kind, our_sending, feedback_type, diagnostic, at, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_key) DO NOTHING RETURNING id`,
		in.Source, in.Key, m.sub, m.delivery, m.confirmation, m.by, in.Recipient, in.Status, in.Action, in.Kind,
		flag(in.OurSending), in.FeedbackType, in.Diagnostic, unix(in.At), unix(in.ReceivedAt)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		// Another instance recorded the same report a moment ago.
		prior, _, err := priorReport(ctx, tx, in.Key)
		return prior, err
	}
	if err != nil {
		return ReportOut{}, err
	}
	out, err := db.applyReport(ctx, tx, in, m, id, softLimit)
	if err != nil {
		return ReportOut{}, err
	}
	_, err = tx.ExecContext(ctx, "UPDATE bounce_reports SET outcome = ? WHERE id = ?", out.Outcome, id)
	return out, err
}

// MatchReport matches a report as RecordReport would, and records
// nothing: for a dry run. A report recorded before comes back as it was
// recorded, with Duplicate set.
func (db *DB) MatchReport(ctx context.Context, in ReportIn) (ReportOut, error) {
	if prior, ok, err := priorReport(ctx, db.r, in.Key); err != nil || ok {
		return prior, wrapErr("store: match report", err)
	}
	m, err := matchReport(ctx, db.r, in)
	if err != nil {
		return ReportOut{}, fmt.Errorf("store: match report: %w", err)
	}
	out := ReportOut{SubscriberID: m.sub, DeliveryID: m.delivery, ConfirmationID: m.confirmation, MatchedBy: m.by,
		Outcome: "dry run: nothing recorded"}
	if m.sub == 0 {
		out.Outcome = "dry run, unmatched: " + m.why
	}
	return out, nil
}

// MessageHeld reports whether the lesson delivery or the confirmation
// email a VERP token names is still held: a report about it can be
// matched.
func (db *DB) MessageHeld(ctx context.Context, lesson, confirmation int64) (bool, error) {
	q, id := "SELECT count(*) FROM deliveries WHERE id = ?", lesson
	if confirmation > 0 {
		q, id = "SELECT count(*) FROM confirmations WHERE id = ?", confirmation
	}
	var n int
	if err := db.r.QueryRowContext(ctx, q, id).Scan(&n); err != nil {
		return false, fmt.Errorf("store: message held: %w", err)
	}
	return n > 0, nil
}

// priorReport reads the report recorded under key, if there is one.
func priorReport(ctx context.Context, q queryer, key string) (ReportOut, bool, error) {
	out := ReportOut{Duplicate: true}
	err := q.QueryRowContext(ctx, `SELECT id, subscriber_id, delivery_id, confirmation_id, matched_by, outcome
		FROM bounce_reports WHERE report_key = ?`, key).Scan(&out.ID, &out.SubscriberID, &out.DeliveryID,
		&out.ConfirmationID, &out.MatchedBy, &out.Outcome)
	if errors.Is(err, sql.ErrNoRows) {
		return ReportOut{}, false, nil
	}
	return out, err == nil, err
}

// matchReport finds what a report is about: the row its verified token
// names, else the message its Message-ID names, else the reader its
// recipient names. A token that does not verify, or names a row no
// longer held, matches nothing: the report's other fields come from
// whoever sent it, and must not pick a reader instead.
func matchReport(ctx context.Context, q queryer, in ReportIn) (reportMatch, error) {
	switch {
	case in.BadToken:
		return reportMatch{why: "its return address carries a token that does not verify"}, nil
	case in.Lesson > 0:
		return byRow(ctx, q, "SELECT d.subscriber_id, d.id, d.slug, e.course FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id WHERE d.id = ?", in.Lesson, false,
			fmt.Sprintf("its token names lesson delivery %d, which is no longer held", in.Lesson))
	case in.Confirmation > 0:
		return byRow(ctx, q, "SELECT subscriber_id, id, '', course FROM confirmations WHERE id = ?", in.Confirmation, true,
			fmt.Sprintf("its token names confirmation email %d, which is no longer held", in.Confirmation))
	}
	if in.MessageID != "" {
		for _, c := range []struct {
			query string
			conf  bool
		}{
			{"SELECT d.subscriber_id, d.id, d.slug, e.course FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id WHERE d.message_id = ? ORDER BY d.id LIMIT 1", false},
			{"SELECT subscriber_id, id, '', course FROM confirmations WHERE message_id = ? ORDER BY id LIMIT 1", true},
		} {
			m, err := byRow(ctx, q, c.query, in.MessageID, c.conf, "")
			if err != nil || m.sub != 0 {
				m.by = MatchMessageID
				return m, err
			}
		}
	}
	if in.Recipient != "" {
		var sub int64
		err := q.QueryRowContext(ctx, "SELECT id FROM subscribers WHERE email_key = ?", EmailKey(in.Recipient)).Scan(&sub)
		if err == nil {
			return reportMatch{sub: sub, by: MatchRecipient}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return reportMatch{}, err
		}
	}
	return reportMatch{why: "it names no message of ours and no reader"}, nil
}

// byRow matches by one message row, or says why not (why).
func byRow(ctx context.Context, q queryer, query string, arg any, conf bool, why string) (reportMatch, error) {
	var m reportMatch
	var id int64
	err := q.QueryRowContext(ctx, query, arg).Scan(&m.sub, &id, &m.slug, &m.course)
	if errors.Is(err, sql.ErrNoRows) {
		return reportMatch{why: why}, nil
	}
	if err != nil {
		return reportMatch{}, err
	}
	if conf {
		m.confirmation = id
	} else {
		m.delivery = id
	}
	m.by = MatchToken
	return m, nil
}
