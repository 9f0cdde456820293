package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// sendOne claims a reader's enrollment and records slug as sent.
func sendOne(t *testing.T, db *DB, slug string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	jobs, err := db.ClaimDue(ctx, at, time.Minute, 10, pickFirst(slug))
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %d jobs, %v", len(jobs), err)
	}
	j := jobs[0]
	if err := db.Record(ctx, Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: j.Subscriber.ID,
		Slug: slug, Result: drip.DeliverySent, Reply: Reply{Code: 250, Text: "OK"}, At: at, NextDue: at}); err != nil {
		t.Fatal(err)
	}
}

func TestEraseLeavesOnlySuppression(t *testing.T) {
	stores(t, testEraseLeavesOnlySuppression)
}

func testEraseLeavesOnlySuppression(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	id := active(t, db, "Gone@Example.com", t0)
	sendOne(t, db, "one", t0)
	if _, err := db.RecordReport(ctx, ReportIn{Key: "r", Source: "dsn", Recipient: "gone@example.com", Kind: ReportIgnore,
		Diagnostic: "out of office", ReceivedAt: t0}, 5); err != nil {
		t.Fatal(err)
	}
	if err := db.Erase(ctx, id, t0); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"subscribers", "enrollments", "deliveries", "attempts", "events", "confirmations", "bounce_reports"} {
		var n int
		if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows left (%v), want 0", table, n, err)
		}
	}
	if ok, err := db.Suppressed(ctx, "gone@example.COM"); err != nil || !ok {
		t.Fatalf("suppressed = %v, %v; want true", ok, err)
	}
	res, err := db.Subscribe(ctx, signup("gone@example.com", t0))
	if err != nil || !res.Suppressed || res.Created || res.Queued {
		t.Fatalf("signup after erasure: %+v, %v; want suppressed, nothing created", res, err)
	}
	if err := db.Erase(ctx, id, t0); !errors.Is(err, drip.ErrNotFound) {
		t.Fatalf("second erase: %v, want ErrNotFound", err)
	}
}

func TestReadersSearchAndFilter(t *testing.T) {
	stores(t, testReadersSearchAndFilter)
}

func testReadersSearchAndFilter(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	active(t, db, "Alice@Example.com", t0)
	db.Subscribe(ctx, signup("bob@example.org", t0))
	db.Subscribe(ctx, signup("a_l%ice@other.net", t0))
	cases := []struct {
		name   string
		q      ReaderQuery
		emails []string
		total  int
	}{
		{"all, newest first", ReaderQuery{Limit: 10}, []string{"a_l%ice@other.net", "bob@example.org", "Alice@Example.com"}, 3},
		{"prefix, any case", ReaderQuery{Search: "ALI", Limit: 10}, []string{"Alice@Example.com"}, 1},
		{"the start only", ReaderQuery{Search: "example", Limit: 10}, nil, 0},
		{"wildcards are literal", ReaderQuery{Search: "a_l%", Limit: 10}, []string{"a_l%ice@other.net"}, 1},
		{"a whole address", ReaderQuery{Search: "bob@example.org", Limit: 10}, []string{"bob@example.org"}, 1},
		{"status", ReaderQuery{Status: drip.StatusPending, Limit: 10}, []string{"a_l%ice@other.net", "bob@example.org"}, 2},
		{"page two", ReaderQuery{Offset: 2, Limit: 2}, []string{"Alice@Example.com"}, 3},
		{"the page after a reader", ReaderQuery{Before: 3, Limit: 1}, []string{"bob@example.org"}, 3},
		{"the page before a reader", ReaderQuery{After: 1, Limit: 1}, []string{"bob@example.org"}, 3},
		{"the last page", ReaderQuery{After: 0, Before: 2, Limit: 2}, []string{"Alice@Example.com"}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, total, err := db.Readers(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.Email)
			}
			if total != c.total || len(got) != len(c.emails) {
				t.Fatalf("got %v (total %d), want %v (total %d)", got, total, c.emails, c.total)
			}
			for i := range got {
				if got[i] != c.emails[i] {
					t.Fatalf("got %v, want %v", got, c.emails)
				}
			}
		})
	}
}

func TestMoveSkipsLessons(t *testing.T) {
	stores(t, testMoveSkipsLessons)
}

func testMoveSkipsLessons(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	id := active(t, db, "sam@example.com", t0)
	sendOne(t, db, "one", t0)
	due := t0.Add(time.Hour)
	err := db.Move(ctx, id, "course", "four", due, t0, func(got []drip.Received) ([]string, error) {
		if len(got) != 1 || got[0].Slug != "one" {
			t.Errorf("plan got %+v, want lesson one", got)
		}
		return []string{"two", "three"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := db.Received(ctx, id, "course")
	if err != nil || len(rec) != 3 || rec[1].Slug != "two" || rec[1].Status != drip.DeliverySkipped || rec[2].Status != drip.DeliverySkipped {
		t.Fatalf("received after move: %+v, %v; want two and three skipped", rec, err)
	}
	// Skipped lessons are counted apart: no message went, none failed.
	lessons, _, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := lessons["two"]; s == nil || s.Skipped != 1 || s.Failed != 0 || s.Sent != 0 {
		t.Fatalf("stats of a skipped lesson: %+v, want 1 skipped, 0 failed", s)
	}
	e, _ := db.Enrollment(ctx, id, "course")
	if !e.NextDueAt.Equal(due) {
		t.Fatalf("next due %v, want %v", e.NextDueAt, due)
	}
	if _, err := db.ClaimDue(ctx, due, time.Minute, 10, pickFirst("four")); err != nil {
		t.Fatal(err)
	}
	err = db.Move(ctx, id, "course", "five", due, t0, func([]drip.Received) ([]string, error) { return nil, nil })
	if !errors.Is(err, ErrInFlight) {
		t.Fatalf("move while a lesson is in flight: %v, want ErrInFlight", err)
	}
}

func TestImportReader(t *testing.T) {
	stores(t, testImportReader)
}

func testImportReader(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	in := Import{Email: "New@Example.com", Name: "New", Timezone: "Asia/Tokyo", Confirmed: true, Course: "course", FirstDue: t0, At: t0}
	if out, st, err := db.ImportReader(ctx, in); err != nil || out != ImportAdded || st != drip.StatusActive {
		t.Fatalf("confirmed import: %v %v %v", out, st, err)
	}
	if e, err := db.Enrollment(ctx, mustID(t, db, "new@example.com"), "course"); err != nil || e.Status != drip.EnrollActive {
		t.Fatalf("confirmed import not enrolled: %+v %v", e, err)
	}
	if out, st, err := db.ImportReader(ctx, in); err != nil || out != ImportExists || st != drip.StatusActive {
		t.Fatalf("second import: %v %v %v; want exists", out, st, err)
	}
	pending := Import{Email: "p@example.com", At: t0}
	if out, st, err := db.ImportReader(ctx, pending); err != nil || out != ImportAdded || st != drip.StatusPending {
		t.Fatalf("pending import: %v %v %v", out, st, err)
	}
	jobs, err := db.ClaimConfirmations(ctx, t0, time.Minute, 10, func(int64) string { return "c@x" })
	if err != nil || len(jobs) != 1 {
		t.Fatalf("pending import queued %d confirmations (%v), want 1", len(jobs), err)
	}
	db.Erase(ctx, mustID(t, db, "p@example.com"), t0)
	if out, _, err := db.ImportReader(ctx, pending); err != nil || out != ImportSuppressed {
		t.Fatalf("import of an erased address: %v %v; want suppressed", out, err)
	}
}

func mustID(t *testing.T, db *DB, email string) int64 {
	t.Helper()
	s, err := db.SubscriberByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}

func TestPerDayCounts(t *testing.T) {
	stores(t, testPerDayCounts)
}

func testPerDayCounts(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	active(t, db, "a@example.com", t0)
	active(t, db, "b@example.com", t0.Add(48*time.Hour))
	sendOne(t, db, "one", t0)
	today := t0.Truncate(24 * time.Hour)
	sent, err := db.SentPerDay(ctx, today.Add(-24*time.Hour), today.Add(24*time.Hour))
	if err != nil || sent[today] != 1 || len(sent) != 1 {
		t.Fatalf("sent per day %v, %v", sent, err)
	}
}

// TestDashboardQueriesUseIndexes keeps the dashboard's per-day counts off
// full table scans: they read one index range each.
func TestDashboardQueriesUseIndexes(t *testing.T) {
	stores(t, testDashboardQueriesUseIndexes)
}

func testDashboardQueriesUseIndexes(t *testing.T) {
	sqliteOnly(t)
	db := open(t)
	for name, q := range map[string]string{
		"sent per day": "SELECT sent_at / 86400, count(*) FROM deliveries WHERE sent_at >= 1 AND sent_at < 2 GROUP BY 1",
	} {
		rows, err := db.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			rows.Scan(&id, &parent, &unused, &detail)
			plan = append(plan, detail)
		}
		rows.Close()
		if text := strings.Join(plan, "; "); !strings.Contains(text, "USING COVERING INDEX") {
			t.Errorf("%s: %s; want a covering index search", name, text)
		}
	}
}

// TestErasedIDsAreNeverReused: signed links name readers and deliveries by
// ID, so after an erasure a new reader must never get the old IDs.
func TestErasedIDsAreNeverReused(t *testing.T) {
	stores(t, testErasedIDsAreNeverReused)
}

func testErasedIDsAreNeverReused(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	id := active(t, db, "gone@example.com", t0)
	jobs, _ := db.ClaimDue(ctx, t0, time.Minute, 10, pickFirst("one"))
	if err := db.Erase(ctx, id, t0); !errors.Is(err, ErrInFlight) {
		t.Fatalf("erasing a reader with a lesson in flight: %v, want ErrInFlight", err)
	}
	j := jobs[0]
	db.Record(ctx, Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: id, Slug: "one",
		Result: drip.DeliverySent, At: t0, NextDue: t0.Add(time.Hour)})
	if err := db.Erase(ctx, id, t0); err != nil {
		t.Fatal(err)
	}
	id2 := active(t, db, "new@example.com", t0)
	jobs2, _ := db.ClaimDue(ctx, t0.Add(time.Hour), time.Minute, 10, pickFirst("one"))
	if id2 == id || len(jobs2) != 1 || jobs2[0].DeliveryID == jobs[0].DeliveryID {
		t.Fatalf("IDs reused after erasure: reader %d -> %d", id, id2)
	}
}
