package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// BounceReport is one kept report, as the operator sees it.
type BounceReport struct {
	ID             int64     `json:"id"`
	Source         string    `json:"source"`
	SubscriberID   int64     `json:"reader,omitempty"`
	DeliveryID     int64     `json:"delivery,omitempty"`
	ConfirmationID int64     `json:"confirmation,omitempty"`
	MatchedBy      string    `json:"matched_by,omitempty"`
	Recipient      string    `json:"recipient"`
	Status         string    `json:"status"`
	Action         string    `json:"action"`
	Kind           string    `json:"kind"`
	OurSending     bool      `json:"our_sending,omitempty"`
	FeedbackType   string    `json:"feedback_type,omitempty"`
	Diagnostic     string    `json:"diagnostic"`
	Outcome        string    `json:"outcome"`
	At             time.Time `json:"at,omitzero"`
	ReceivedAt     time.Time `json:"received_at"`
}

const reportCols = `id, source, subscriber_id, delivery_id, confirmation_id, matched_by, recipient, status, action, kind,
	our_sending, feedback_type, diagnostic, outcome, at, received_at`

func scanReport(scan func(...any) error) (BounceReport, error) {
	var r BounceReport
	var at, received int64
	err := scan(&r.ID, &r.Source, &r.SubscriberID, &r.DeliveryID, &r.ConfirmationID, &r.MatchedBy, &r.Recipient, &r.Status,
		&r.Action, &r.Kind, &r.OurSending, &r.FeedbackType, &r.Diagnostic, &r.Outcome, &at, &received)
	r.At, r.ReceivedAt = fromUnix(at), fromUnix(received)
	return r, err
}

// ReportFilter picks reports for RecentReports.
type ReportFilter string

// The filters of RecentReports.
const (
	ReportsAll       ReportFilter = ""
	ReportsAlerts    ReportFilter = "alerts"    // about our own sending
	ReportsUnmatched ReportFilter = "unmatched" // matched no reader
)

// RecentReports returns up to limit reports, newest first.
func (db *DB) RecentReports(ctx context.Context, f ReportFilter, limit int) ([]BounceReport, error) {
	where := map[ReportFilter]string{ReportsAll: "", ReportsAlerts: " WHERE our_sending = 1", ReportsUnmatched: " WHERE subscriber_id = 0"}[f]
	return db.reports(ctx, "SELECT "+reportCols+" FROM bounce_reports"+where+" ORDER BY id DESC LIMIT ?", limit)
}

// ReportsOf returns a reader's reports, oldest first.
func (db *DB) ReportsOf(ctx context.Context, sub int64) ([]BounceReport, error) {
	return db.reports(ctx, "SELECT "+reportCols+" FROM bounce_reports WHERE subscriber_id = ? ORDER BY id", sub)
}

func (db *DB) reports(ctx context.Context, query string, args ...any) ([]BounceReport, error) {
	out := []BounceReport{}
	err := db.eachRow(ctx, query, func(scan func(...any) error) error {
		r, err := scanReport(scan)
		out = append(out, r)
		return err
	}, args...)
	if err != nil {
		return nil, fmt.Errorf("store: bounce reports: %w", err)
	}
	return out, nil
}

// Suppression says why a reader's address is suppressed: the report that
// did it, with the reader's soft bounces in a row as last counted. Report
// is nil when no report did (a refusal at send time, or an erasure).
type Suppression struct {
	Status      drip.Status
	SoftBounces int
	Report      *BounceReport
}

// SuppressionOf returns why the reader's address is suppressed, or the
// reader's soft-bounce count when it is not.
func (db *DB) SuppressionOf(ctx context.Context, sub int64) (Suppression, error) {
	var s Suppression
	var by int64
	err := db.r.QueryRowContext(ctx, "SELECT status, soft_bounces, suppressed_by FROM subscribers WHERE id = ?", sub).Scan(&s.Status, &s.SoftBounces, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("store: suppression of reader %d: %w", sub, drip.ErrNotFound)
	}
	if err != nil || by == 0 || !s.Status.Suppressed() {
		return s, wrapErr("store: suppression", err)
	}
	r, err := scanReport(db.r.QueryRowContext(ctx, "SELECT "+reportCols+" FROM bounce_reports WHERE id = ?", by).Scan)
	if err == nil {
		s.Report = &r
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return s, wrapErr("store: suppression", err)
}

func wrapErr(prefix string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

// BounceWindow counts, over a window of time, the messages sent and the
// reports received about them, each message once per kind: the figures
// mail providers judge a sender by.
type BounceWindow struct {
	Since      time.Time `json:"since"`
	Sent       int       `json:"sent"`
	Hard       int       `json:"hard_bounces"`
	Soft       int       `json:"soft_bounces"`
	Complaints int       `json:"complaints"`
	// OurSending counts reports about our own sending (alerts), Unmatched
	// those that matched no reader.
	OurSending int `json:"our_sending"`
	Unmatched  int `json:"unmatched"`
}

// BounceWindowSince counts lessons and confirmation emails sent since
// since, and the matched reports received since then by kind (failures
// about our own sending apart), each message or reader once.
func (db *DB) BounceWindowSince(ctx context.Context, since time.Time) (BounceWindow, error) {
	w := BounceWindow{Since: since}
	s := unix(since)
	err := db.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM deliveries WHERE sent_at >= ?)
		+ (SELECT count(*) FROM confirmations WHERE sent_at >= ?)`, s, s).Scan(&w.Sent)
	if err != nil {
		return w, fmt.Errorf("store: bounce window: %w", err)
	}
	err = db.eachRow(ctx, `SELECT kind, our_sending, subscriber_id = 0, count(DISTINCT CASE
		WHEN delivery_id > 0 THEN 'd' || delivery_id WHEN confirmation_id > 0 THEN 'c' || confirmation_id
		WHEN subscriber_id > 0 THEN 's' || subscriber_id ELSE 'r' || id END)
		FROM bounce_reports WHERE received_at >= ? GROUP BY kind, our_sending, subscriber_id = 0`, func(scan func(...any) error) error {
		var kind string
		var ours, unmatched bool
		var n int
		if err := scan(&kind, &ours, &unmatched, &n); err != nil {
			return err
		}
		w.count(kind, ours, unmatched, n)
		return nil
	}, s)
	if err != nil {
		return w, fmt.Errorf("store: bounce window: %w", err)
	}
	return w, nil
}

func (w *BounceWindow) count(kind string, ours, unmatched bool, n int) {
	switch {
	case ours:
		w.OurSending += n
	case unmatched:
		w.Unmatched += n
	case kind == ReportHard:
		w.Hard += n
	case kind == ReportSoft:
		w.Soft += n
	case kind == ReportComplaint:
		w.Complaints += n
	}
}
