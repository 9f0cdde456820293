package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// sendNext claims every enrollment due at at, sends each the lesson slug
// (Message-ID "<slug>.<reader>@example.com") and records it sent, with the
// next lesson due an hour later. It returns the delivery of each reader.
func sendNext(t testing.TB, db *DB, slug string, at time.Time) map[int64]int64 {
	t.Helper()
	ctx := context.Background()
	pick := func(d Due) Pick {
		return Pick{Slug: slug, MessageID: fmt.Sprintf("%s.%d@example.com", slug, d.Enrollment.SubscriberID)}
	}
	jobs, err := db.ClaimDue(ctx, at, time.Minute, 100, pick)
	if err != nil || len(jobs) == 0 {
		t.Fatalf("claim %s: %d jobs, %v", slug, len(jobs), err)
	}
	out := map[int64]int64{}
	for _, j := range jobs {
		if err := db.Record(ctx, Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: j.Subscriber.ID,
			Slug: slug, Result: drip.DeliverySent, Reply: Reply{Code: 250, Text: "OK"}, At: at, NextDue: at.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		out[j.Subscriber.ID] = j.DeliveryID
	}
	return out
}

// report is a report about a lesson delivery, by its token.
func report(key, kind string, delivery int64) ReportIn {
	return ReportIn{Key: key, Source: "dsn", Lesson: delivery, Kind: kind, Status: "5.1.1", Action: "failed",
		Diagnostic: "550 5.1.1 <ann@example.com>: user unknown", ReceivedAt: t0.Add(2 * time.Hour)}
}

func record(t testing.TB, db *DB, in ReportIn) ReportOut {
	t.Helper()
	out, err := db.RecordReport(context.Background(), in, 3)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readerStatus(t testing.TB, db *DB, id int64) drip.Status {
	t.Helper()
	s, err := db.Subscriber(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s.Status
}

func TestHardBounceSuppresses(t *testing.T) {
	stores(t, testHardBounceSuppresses)
}

// A hard bounce, matched by its token, marks the reader bounced, stops
// their course, suppresses the address (a signup again is refused), says
// so on the timeline with the raw status and diagnostic, and keeps the
// report as the reason.
func testHardBounceSuppresses(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	ann := active(t, db, "ann@example.com", t0)
	del := sendNext(t, db, "one", t0)[ann]
	out := record(t, db, report("k1", ReportHard, del))
	if !out.Suppressed || out.SubscriberID != ann || out.DeliveryID != del || out.MatchedBy != MatchToken {
		t.Fatalf("hard bounce: %+v", out)
	}
	if s := readerStatus(t, db, ann); s != drip.StatusBounced {
		t.Fatalf("reader is %s, want bounced", s)
	}
	if e, _ := db.Enrollment(ctx, ann, "course"); e.Status != drip.EnrollStopped {
		t.Errorf("enrollment %s, want stopped", e.Status)
	}
	if res, err := db.Subscribe(ctx, signup("ann@example.com", t0.Add(3*time.Hour))); err != nil || !res.Suppressed || res.Queued {
		t.Errorf("signup again: %+v, %v; want suppressed", res, err)
	}
	if ok, _ := db.Suppressed(ctx, "ANN@example.com"); !ok {
		t.Error("the address is not on the suppression list")
	}
	sup, err := db.SuppressionOf(ctx, ann)
	if err != nil || sup.Report == nil || sup.Report.ID != out.ID || sup.Report.Status != "5.1.1" {
		t.Fatalf("why suppressed: %+v, %v", sup, err)
	}
	rec, _ := db.ReaderData(ctx, ann)
	var last EventRecord
	for _, e := range rec.Events {
		if e.Kind == "bounce" {
			last = e
		}
	}
	if last.Kind != "bounce" || last.Lesson != "one" || !strings.Contains(last.Detail, "5.1.1 failed") || !strings.Contains(last.Detail, "user unknown") {
		t.Errorf("timeline's bounce event: %+v", last)
	}
	if len(rec.Reports) != 1 {
		t.Errorf("reader record holds %d reports, want 1", len(rec.Reports))
	}
}

func TestSameReportTwiceCountsOnce(t *testing.T) {
	stores(t, testSameReportTwiceCountsOnce)
}

// The same report recorded twice (a retried SMTP transaction, a provider
// resending its webhook) is kept once, counted once, and the second time
// says so.
func testSameReportTwiceCountsOnce(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	ann := active(t, db, "ann@example.com", t0)
	del := sendNext(t, db, "one", t0)[ann]
	in := report("same", ReportSoft, del)
	in.Status = "4.2.2"
	first, second := record(t, db, in), record(t, db, in)
	if first.Duplicate || !second.Duplicate || second.ID != first.ID || second.SubscriberID != ann {
		t.Fatalf("first %+v, second %+v", first, second)
	}
	if sup, _ := db.SuppressionOf(ctx, ann); sup.SoftBounces != 1 {
		t.Errorf("soft bounces %d, want 1", sup.SoftBounces)
	}
	rec, _ := db.ReaderData(ctx, ann)
	n := 0
	for _, e := range rec.Events {
		if e.Kind == string(drip.EventSoftBounce) {
			n++
		}
	}
	if n != 1 || len(rec.Reports) != 1 {
		t.Errorf("%d soft-bounce events and %d reports, want 1 each", n, len(rec.Reports))
	}
}

func TestReportMatching(t *testing.T) {
	stores(t, testReportMatching)
}

// A token is trusted over everything: a report whose token names ann's
// delivery charges ann, whatever recipient it names, and a token that
// does not verify (or names a row no longer held) matches no one, even
// with bob's address in it. Without a token, the Message-ID matches, then
// the recipient; a report that matches nothing is kept and changes
// nothing.
func testReportMatching(t *testing.T) {
	db := open(t)
	ann := active(t, db, "ann@example.com", t0)
	bob := active(t, db, "bob@example.com", t0)
	dels := sendNext(t, db, "one", t0)
	in := report("forwarded", ReportIgnore, dels[ann])
	in.Recipient = "bob@example.com"
	if out := record(t, db, in); out.SubscriberID != ann || out.MatchedBy != MatchToken {
		t.Errorf("token of ann's delivery, bob's address: %+v", out)
	}
	for key, in := range map[string]ReportIn{
		"forged": {Key: "forged", Source: "dsn", BadToken: true, Recipient: "bob@example.com", MessageID: "one.2@example.com", Kind: ReportHard},
		"gone":   {Key: "gone", Source: "dsn", Lesson: 9999, Recipient: "bob@example.com", Kind: ReportHard},
		"none":   {Key: "none", Source: "dsn", Recipient: "stranger@example.net", MessageID: "elsewhere@example.net", Kind: ReportHard},
	} {
		out := record(t, db, in)
		if out.SubscriberID != 0 || !strings.HasPrefix(out.Outcome, "unmatched") {
			t.Errorf("%s: %+v, want unmatched", key, out)
		}
	}
	if s := readerStatus(t, db, bob); s != drip.StatusActive {
		t.Fatalf("bob is %s after reports that did not match him: want active", s)
	}
	byID := record(t, db, ReportIn{Key: "mid", Source: "ses", MessageID: fmt.Sprintf("one.%d@example.com", bob), Kind: ReportIgnore})
	byAddr := record(t, db, ReportIn{Key: "addr", Source: "postmark", Recipient: "BOB@Example.com", Kind: ReportIgnore})
	if byID.DeliveryID != dels[bob] || byID.MatchedBy != MatchMessageID || byAddr.SubscriberID != bob || byAddr.MatchedBy != MatchRecipient {
		t.Errorf("by Message-ID %+v, by recipient %+v", byID, byAddr)
	}
	unmatched, err := db.RecentReports(context.Background(), ReportsUnmatched, 10)
	if err != nil || len(unmatched) != 3 {
		t.Errorf("%d unmatched reports kept (%v), want 3", len(unmatched), err)
	}
}

func TestComplaintAndOurSending(t *testing.T) {
	stores(t, testComplaintAndOurSending)
}

// A complaint unsubscribes and suppresses at once; a failure about our own
// sending, however hard, never charges the reader and is an alert; an
// auto-reply is kept on the timeline only.
func testComplaintAndOurSending(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	ann := active(t, db, "ann@example.com", t0)
	bob := active(t, db, "bob@example.com", t0)
	dels := sendNext(t, db, "one", t0)
	c := report("arf", ReportComplaint, dels[ann])
	c.Status, c.Action, c.FeedbackType = "", "complaint", "abuse"
	if out := record(t, db, c); !out.Suppressed || !out.Unsubscribed {
		t.Errorf("complaint: %+v", out)
	}
	s, _ := db.Subscriber(ctx, ann)
	if s.Status != drip.StatusComplained || s.UnsubscribedAt.IsZero() {
		t.Errorf("after a complaint: %s, unsubscribed at %v", s.Status, s.UnsubscribedAt)
	}
	ours := report("blocked", ReportHard, dels[bob])
	ours.Status, ours.OurSending = "5.7.1", true
	auto := report("vacation", ReportIgnore, dels[bob])
	for _, in := range []ReportIn{ours, auto} {
		if out := record(t, db, in); out.Suppressed {
			t.Errorf("%s: %+v", in.Key, out)
		}
	}
	if s := readerStatus(t, db, bob); s != drip.StatusActive {
		t.Fatalf("bob is %s after an alert and an auto-reply, want active", s)
	}
	alerts, _ := db.RecentReports(ctx, ReportsAlerts, 10)
	if len(alerts) != 1 || alerts[0].Status != "5.7.1" {
		t.Errorf("alerts: %+v", alerts)
	}
	stats, _, err := db.Stats(ctx)
	if err != nil || stats["one"].Complaints != 1 || stats["one"].Bounced != 0 || stats["one"].SoftBounced != 0 {
		t.Errorf("lesson stats: %+v, %v; want one complaint", stats["one"], err)
	}
	w, err := db.BounceWindowSince(ctx, t0)
	if err != nil || w.Sent != 2 || w.Complaints != 1 || w.OurSending != 1 || w.Hard != 0 {
		t.Errorf("window: %+v, %v", w, err)
	}
}

func TestSoftBouncesInARow(t *testing.T) {
	stores(t, testSoftBouncesInARow)
}

// Soft bounces are counted by the messages in a row that bounced: a
// message between them that did not bounce ends the run, reports that
// arrive out of order still count, and the limit (3 here) suppresses.
func testSoftBouncesInARow(t *testing.T) {
	db := open(t)
	ann := active(t, db, "ann@example.com", t0)
	var dels []int64
	for i := range 6 {
		dels = append(dels, sendNext(t, db, fmt.Sprintf("l%d", i), t0.Add(time.Duration(i)*time.Hour))[ann])
	}
	soft := func(i int) ReportOut {
		in := report(fmt.Sprintf("soft%d", i), ReportSoft, dels[i])
		in.Status = "4.2.2"
		return record(t, db, in)
	}
	soft(0)
	soft(1)
	// l2 was delivered: no bounce. l3 and l4 bounce, the latter first.
	if out := soft(4); out.Suppressed || !strings.Contains(out.Outcome, "1 of 3") {
		t.Fatalf("l4: %+v", out)
	}
	if out := soft(3); out.Suppressed || !strings.Contains(out.Outcome, "2 of 3") {
		t.Fatalf("l3, after a delivered l2: %+v", out)
	}
	if s := readerStatus(t, db, ann); s != drip.StatusActive {
		t.Fatalf("reader %s before the limit", s)
	}
	if out := soft(5); !out.Suppressed {
		t.Fatalf("l5, third in a row: %+v", out)
	}
	if s := readerStatus(t, db, ann); s != drip.StatusBounced {
		t.Fatalf("reader %s after 3 soft bounces in a row, want bounced", s)
	}
}

func TestConfirmationBounce(t *testing.T) {
	stores(t, testConfirmationBounce)
}

// A hard bounce of a confirmation email suppresses the pending reader and
// drops any confirmation still queued.
func testConfirmationBounce(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	res, err := db.Subscribe(ctx, signup("pending@example.com", t0))
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := db.ClaimConfirmations(ctx, t0, time.Minute, 10, func(id int64) string { return fmt.Sprintf("c%d@example.com", id) })
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %d, %v", len(jobs), err)
	}
	if err := db.RecordConfirmation(ctx, jobs[0].ID, drip.DeliverySent, Reply{Code: 250}, t0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Subscribe(ctx, signup("pending@example.com", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	out := record(t, db, ReportIn{Key: "c", Source: "dsn", Confirmation: jobs[0].ID, Kind: ReportHard, Status: "5.1.1", ReceivedAt: t0})
	if !out.Suppressed || out.ConfirmationID != jobs[0].ID || out.SubscriberID != res.SubscriberID {
		t.Fatalf("confirmation bounce: %+v", out)
	}
	if again, _ := db.ClaimConfirmations(ctx, t0.Add(2*time.Hour), time.Minute, 10, func(int64) string { return "x@example.com" }); len(again) != 0 {
		t.Errorf("%d confirmations still go out to a bounced address", len(again))
	}
}

func TestReplays(t *testing.T) {
	stores(t, testReplays)
}

// The database's replay memory takes a value once until it expires, and
// again once forgotten.
func testReplays(t *testing.T) {
	now := t0
	r := open(t).Replays(func() time.Time { return now })
	if !r.Use("tok", t0.Add(time.Minute)) || r.Use("tok", t0.Add(time.Minute)) {
		t.Fatal("a value was not taken once")
	}
	r.Forget("tok")
	if !r.Use("tok", t0.Add(time.Minute)) {
		t.Fatal("a forgotten value was refused")
	}
	now = t0.Add(2 * time.Minute)
	if !r.Use("tok", now.Add(time.Minute)) {
		t.Fatal("an expired value was refused")
	}
}
