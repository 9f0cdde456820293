package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// The policy, applied to a matched report inside RecordReport's
// transaction:
//
//   - a failure about our own sending (OurSending) never charges the
//     reader: it is kept as an operator alert;
//   - a hard bounce marks the reader bounced and suppresses the address:
//     no mail of any kind again, every enrollment stopped;
//   - a complaint unsubscribes the reader from everything and suppresses
//     the address at once;
//   - a soft bounce is counted, and the address is suppressed once
//     softLimit of the reader's messages in a row have soft-bounced
//     (softRun);
//   - anything else (an auto-reply, a delay, a delivery notice) is kept on
//     the timeline only.
//
// Every report becomes an event on the reader's timeline with its status,
// action and diagnostic, and what was done.
func (db *DB) applyReport(ctx context.Context, tx *sql.Tx, in ReportIn, m reportMatch, id int64, softLimit int) (ReportOut, error) {
	out := ReportOut{ID: id, SubscriberID: m.sub, DeliveryID: m.delivery, ConfirmationID: m.confirmation, MatchedBy: m.by}
	if m.sub == 0 {
		out.Outcome = "unmatched, nothing changed: " + m.why
		return out, nil
	}
	r, err := db.lockReader(ctx, tx, m.sub)
	if err != nil {
		return out, err
	}
	kind := drip.EventReport
	switch {
	case in.OurSending:
		out.Outcome = "not charged to the reader: the failure is about our own sending (an operator alert)"
	case in.Kind == ReportHard:
		kind = drip.EventBounce
		out.Suppressed, err = r.suppress(ctx, tx, drip.StatusBounced, id, reportTime(in))
		out.Outcome = suppressedWords(out.Suppressed, "hard bounce: address suppressed", r.status)
	case in.Kind == ReportComplaint:
		kind = drip.EventComplaint
		out.Suppressed, err = r.suppress(ctx, tx, drip.StatusComplained, id, reportTime(in))
		out.Unsubscribed = out.Suppressed
		out.Outcome = suppressedWords(out.Suppressed, "complaint: unsubscribed from everything and address suppressed", r.status)
	case in.Kind == ReportSoft:
		kind = drip.EventSoftBounce
		out.Suppressed, out.Outcome, err = r.softBounce(ctx, tx, m, id, softLimit, reportTime(in))
	default:
		out.Outcome = "kept: not a failure (" + firstNonEmpty(in.Action, in.Source) + ")"
	}
	if err != nil {
		return out, err
	}
	if err := emitReport(ctx, tx, in, m, out); err != nil {
		return out, err
	}
	ev := drip.Event{SubscriberID: m.sub, DeliveryID: m.delivery, Kind: kind, Detail: reportDetail(in, out), At: reportTime(in), Course: m.course}
	return out, insertEvent(ctx, tx, ev, m.slug)
}

// reportTime is when a report's event happened: when the report says, or
// else when it arrived.
func reportTime(in ReportIn) time.Time {
	if in.At.IsZero() {
		return in.ReceivedAt
	}
	return in.At
}

// reportDetail is the timeline's words for a report: the raw status,
// action and diagnostic, where it came from, and what was done.
func reportDetail(in ReportIn, out ReportOut) string {
	var b strings.Builder
	for _, s := range []string{in.Status, in.Action, in.FeedbackType} {
		if s != "" {
			b.WriteString(s + " ")
		}
	}
	fmt.Fprintf(&b, "(%s, matched by %s)", in.Source, out.MatchedBy)
	if in.Diagnostic != "" {
		b.WriteString(": " + in.Diagnostic)
	}
	b.WriteString(" | " + out.Outcome)
	return b.String()
}

func suppressedWords(changed bool, done string, was drip.Status) string {
	if changed {
		return done
	}
	return "address already suppressed (" + string(was) + ")"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// lockedReader is a reader whose row RecordReport's transaction holds.
type lockedReader struct {
	id     int64
	email  string
	status drip.Status
}

func (db *DB) lockReader(ctx context.Context, tx *sql.Tx, id int64) (*lockedReader, error) {
	r := &lockedReader{id: id}
	err := tx.QueryRowContext(ctx, "SELECT email, status FROM subscribers WHERE id = ?"+db.d.forUpdate, id).Scan(&r.email, &r.status)
	return r, err
}

// suppress moves the reader to status (bounced or complained) unless the
// address is suppressed already, which a complaint overrides only over a
// bounce: it stops every enrollment and queued confirmation, records the
// report that did it, and adds the address to the suppression list, which
// outlives an erasure. It reports whether anything changed.
func (r *lockedReader) suppress(ctx context.Context, tx *sql.Tx, status drip.Status, report int64, at time.Time) (bool, error) {
	if r.status == drip.StatusComplained || r.status == status {
		return false, nil
	}
	unsubscribed := "unsubscribed_at"
	if status == drip.StatusComplained {
		unsubscribed = "CASE WHEN unsubscribed_at = 0 THEN CAST(? AS BIGINT) ELSE unsubscribed_at END"
	}
	args := []any{string(status), report}
	if status == drip.StatusComplained {
		args = append(args, unix(at))
	}
	args = append(args, r.id)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"UPDATE subscribers SET status = ?, suppressed_by = ?, unsubscribed_at = " + unsubscribed + " WHERE id = ?", args},
		{"UPDATE confirmations SET status = 'dropped' WHERE subscriber_id = ? AND status = 'queued'", []any{r.id}},
		{"INSERT INTO suppressions (email_hash, reason, created_at) VALUES (?, ?, ?) ON CONFLICT (email_hash) DO NOTHING",
			[]any{EmailHash(r.email), string(status), unix(at)}},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			return false, err
		}
	}
	return true, stopEnrollments(ctx, tx, r.id, at)
}

// softBounce counts a soft bounce: the run of soft-bounced messages it
// belongs to is counted afresh (softRun) and kept on the reader, and a run
// of softLimit suppresses the address. A report matched by its recipient
// alone names no message, so it cannot be placed in a run: it is kept and
// not counted.
func (r *lockedReader) softBounce(ctx context.Context, tx *sql.Tx, m reportMatch, report int64, softLimit int, at time.Time) (bool, string, error) {
	if m.delivery == 0 && m.confirmation == 0 {
		return false, fmt.Sprintf("soft bounce kept, not counted toward the limit of %d: it names none of our messages", softLimit), nil
	}
	run, err := softRun(ctx, tx, r.id, m)
	if err != nil {
		return false, "", err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE subscribers SET soft_bounces = ? WHERE id = ?", run, r.id); err != nil {
		return false, "", err
	}
	if run < softLimit {
		return false, fmt.Sprintf("soft bounce %d of %d in a row", run, softLimit), nil
	}
	changed, err := r.suppress(ctx, tx, drip.StatusBounced, report, at)
	words := fmt.Sprintf("%d soft bounces in a row (the limit is %d): address suppressed", run, softLimit)
	return changed, suppressedWords(changed, words, r.status), err
}

// sentMessage is one of a reader's messages, in the order they were sent.
type sentMessage struct {
	conf    bool
	id, at  int64
	bounced bool
}

// softRun counts the reader's messages in a row, in the order they were
// sent, that soft-bounced (not for our own sending), around the one m
// names. A message sent between them that did not bounce ends the run:
// it was delivered. Counting the run afresh each time means that reports
// arriving out of order, or late, still count right.
func softRun(ctx context.Context, tx *sql.Tx, sub int64, m reportMatch) (int, error) {
	msgs, err := sentMessages(ctx, tx, sub, m)
	if err != nil {
		return 0, err
	}
	at := slices.IndexFunc(msgs, func(s sentMessage) bool {
		return s.conf == (m.confirmation != 0) && s.id == max(m.delivery, m.confirmation)
	})
	if at < 0 {
		return 1, nil
	}
	run := 1
	for i := at - 1; i >= 0 && msgs[i].bounced; i-- {
		run++
	}
	for i := at + 1; i < len(msgs) && msgs[i].bounced; i++ {
		run++
	}
	return run, nil
}

// sentMessages lists a reader's lessons and confirmation emails that were
// sent (and the one m names, sent or not) in sending order, each marked
// when a soft bounce not about our sending names it.
func sentMessages(ctx context.Context, tx *sql.Tx, sub int64, m reportMatch) ([]sentMessage, error) {
	bounced := map[[2]int64]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT delivery_id, confirmation_id FROM bounce_reports
		WHERE subscriber_id = ? AND kind = 'soft' AND our_sending = 0`, sub)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var d, c int64
		if err := rows.Scan(&d, &c); err != nil {
			rows.Close()
			return nil, err
		}
		bounced[[2]int64{d, c}] = true
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT 0, id, CASE WHEN sent_at > 0 THEN sent_at ELSE created_at END FROM deliveries
		WHERE subscriber_id = ? AND (sent_at > 0 OR id = ?)
		UNION ALL SELECT 1, id, CASE WHEN sent_at > 0 THEN sent_at ELSE created_at END FROM confirmations
		WHERE subscriber_id = ? AND (sent_at > 0 OR id = ?)`, sub, m.delivery, sub, m.confirmation)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var msgs []sentMessage
	for rows.Next() {
		var s sentMessage
		if err := rows.Scan(&s.conf, &s.id, &s.at); err != nil {
			return nil, err
		}
		key := [2]int64{s.id, 0}
		if s.conf {
			key = [2]int64{0, s.id}
		}
		s.bounced = bounced[key]
		msgs = append(msgs, s)
	}
	// A reader's confirmation email comes before their lessons.
	slices.SortFunc(msgs, func(a, b sentMessage) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(flag(b.conf), flag(a.conf)), cmp.Compare(a.id, b.id))
	})
	return msgs, rows.Err()
}
