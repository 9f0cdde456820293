package store

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store/pgtest"
)

// Rolling up old opens and clicks leaves every figure of the stats as it
// was, of every course and of one, though the events are gone; a reader
// who opens again later is not counted twice; the daily counts hold every
// event folded, and a second rollup folds nothing.
func TestRollupKeepsEveryFigure(t *testing.T) {
	stores(t, testRollupKeepsEveryFigure)
}

func testRollupKeepsEveryFigure(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	cutoff := t0.Add(30 * 24 * time.Hour)
	var readers []int64
	var deliveries []int64
	for i := range 6 {
		id, j := claimOne(t, db, fmt.Sprintf("r%d@example.com", i), t0, "one")
		readers, deliveries = append(readers, id), append(deliveries, j.DeliveryID)
	}
	// Sent, so that the readers can be erased.
	if _, err := db.w.ExecContext(ctx, "UPDATE deliveries SET status = 'sent', sent_at = ?", unix(t0)); err != nil {
		t.Fatal(err)
	}
	record := func(i int, kind drip.EventKind, machine bool, at time.Time, detail string) {
		t.Helper()
		e := drip.Event{SubscriberID: readers[i], DeliveryID: deliveries[i], Kind: kind, Machine: machine, At: at, Detail: detail}
		if err := db.RecordEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	old, young := t0.Add(time.Hour), cutoff.Add(time.Hour)
	record(0, drip.EventOpen, false, old, "")
	record(0, drip.EventOpen, false, old.Add(2*time.Hour), "")        // a second open, another hour
	record(0, drip.EventOpen, true, old.Add(24*time.Hour), "")        // a scanner, the next day
	record(1, drip.EventClick, false, old, "https://example.org/a")   // clicked, old
	record(1, drip.EventClick, true, old, "https://example.org/a")    // and scanned
	record(2, drip.EventOpen, false, old.Add(48*time.Hour), "")       // opened old ...
	record(3, drip.EventUnsubscribe, false, old.Add(time.Minute), "") // never folded
	record(2, drip.EventOpen, false, young, "")                       // ... and again after the cutoff
	record(4, drip.EventOpen, false, young.Add(time.Minute), "")      // young only
	record(5, drip.EventClick, false, young, "https://example.org/b") // young only
	record(0, drip.EventOpen, false, young.Add(2*time.Hour), "")      // opened again, young
	before := allStats(t, db)
	if n, _, err := db.RollUpEvents(ctx, cutoff, time.Minute); err != nil || n != 0 {
		t.Fatalf("a rollup before the counts summed the events folded %d (%v); want none", n, err)
	}
	now := young.Add(3 * time.Hour)
	sumAll(t, db, &now)
	if after := allStats(t, db); !reflect.DeepEqual(before, after) {
		t.Fatalf("the stats changed once summed:\n before %s\n after  %s", before, after)
	}
	folded, more, err := db.RollUpEvents(ctx, cutoff, time.Minute)
	if err != nil || more || folded != 6 {
		t.Fatalf("rollup: %d folded, more %t, %v; want the 6 old opens and clicks, none left", folded, more, err)
	}
	if after := allStats(t, db); !reflect.DeepEqual(before, after) {
		t.Fatalf("the stats changed with the rollup:\n before %s\n after  %s", before, after)
	}
	days, err := db.EventDays(ctx, "course")
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, d := range days {
		sum += d.Events
	}
	if sum != 6 || len(days) != 5 {
		t.Fatalf("daily counts %+v: want 6 events over 5 day, kind and client rows", days)
	}
	rec, err := db.ReaderData(ctx, readers[0])
	if err != nil {
		t.Fatal(err)
	}
	var firsts []string
	for _, e := range rec.Events {
		if e.RolledUp {
			firsts = append(firsts, fmt.Sprintf("%s %t %s", e.Kind, e.Machine, e.At.Sub(t0)))
		}
	}
	if fmt.Sprint(firsts) != "[open false 1h0m0s open true 25h0m0s]" {
		t.Fatalf("the reader's record shows the folded events as %v, want the first human and the first machine open", firsts)
	}
	if n, _, err := db.RollUpEvents(ctx, cutoff, time.Minute); err != nil || n != 0 {
		t.Fatalf("a second rollup folded %d, %v; want nothing", n, err)
	}
	// A reader whose opens were folded opens again: still one opened delivery.
	record(1, drip.EventClick, false, young.Add(time.Hour), "https://example.org/c")
	if after := allStats(t, db); !reflect.DeepEqual(before, after) {
		t.Fatalf("a later click of a rolled-up delivery changed the stats:\n before %s\n after  %s", before, after)
	}
	record(0, drip.EventOpen, true, young.Add(time.Hour), "")
	sumAll(t, db, &now)
	if after := allStats(t, db); !reflect.DeepEqual(before, after) {
		t.Fatalf("later events of rolled-up deliveries, summed, changed the stats:\n before %s\n after  %s", before, after)
	}
	var left int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM events WHERE kind IN ('open', 'click')").Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 6 {
		t.Fatalf("%d opens and clicks kept, want the 4 young ones and the 2 later ones", left)
	}
	// Erasing readers whose opens and clicks were folded takes them out.
	for _, i := range []int{0, 1} {
		if err := db.Erase(ctx, readers[i], now); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []string{"", "course"} {
		got, err := db.lessonStats(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if want := rawLessonStats(t, db, c); !reflect.DeepEqual(got, want) {
			t.Errorf("erased readers with folded events, course %q:\n got  %s\n want %s", c, show(got), show(want))
		}
		if l := got["one"]; l == nil || l.HumanOpens != 2 || l.MachineOpens != 0 || l.HumanClicks != 1 || l.MachineClicks != 0 {
			t.Errorf("after the erasures, course %q: %+v; want the 2 human opens and the 1 click of the readers kept", c, l)
		}
	}
}

// allStats is every per-lesson figure, over every course and of one,
// as text.
func allStats(t *testing.T, db *DB) string {
	t.Helper()
	ctx := context.Background()
	all, readers, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	one, courseReaders, err := db.CourseStats(ctx, "course")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%+v %v %+v %v", *all["one"], readers, *one["one"], courseReaders)
}

// BenchmarkRollupSQLite and BenchmarkRollupPostgres time a rollup of a
// history of opens and clicks: 100,000 deliveries and 300,000 events
// over 400 days, every one older than the cutoff. The figure is events
// folded a second.
func BenchmarkRollupSQLite(b *testing.B) {
	benchRollup(b, func() string { return filepath.Join(b.TempDir(), "rollup.db") })
}

func BenchmarkRollupPostgres(b *testing.B) {
	pgtest.URL(b) // skips, saying how to enable it, without a server
	benchRollup(b, func() string { return pgtest.Fresh(b) })
}

func benchRollup(b *testing.B, target func() string) {
	ctx := context.Background()
	const readers, events = 100_000 / 3, 300_000
	var folded int64
	var took time.Duration
	for range b.N {
		b.StopTimer()
		db := openAt(b, target())
		seedHistory(b, db, readers, events)
		now := t0.Add(401 * 24 * time.Hour)
		sumAll(b, db, &now) // a rollup folds only the events summed
		b.StartTimer()
		start := time.Now()
		n, more, err := db.RollUpEvents(ctx, t0.Add(401*24*time.Hour), time.Hour)
		if err != nil || more || n != events {
			b.Fatalf("rollup: %d folded, more %t, %v; want %d", n, more, err, events)
		}
		folded, took = folded+n, took+time.Since(start)
	}
	b.ReportMetric(float64(folded)/took.Seconds(), "events/s")
}

// seedHistory adds readers, each with three lessons sent, and events
// opens and clicks spread over 400 days from t0, in time order.
func seedHistory(b testing.TB, db *DB, readers, events int) {
	ctx := context.Background()
	start, span := unix(t0), int64(400*24*3600)
	for _, q := range []struct {
		sql string
		n   int
	}{
		{`INSERT INTO subscribers (email, email_key, mailbox_key, name, timezone, status, created_at)
			SELECT 'r' || i || '@x', 'r' || i || '@x', 'r' || i || '@x', '', 'UTC', 'active', 0 FROM n`, readers},
		{`INSERT INTO enrollments (subscriber_id, course, status, next_due_at, created_at)
			SELECT i, 'course', 'active', 0, 0 FROM n`, readers},
		{`INSERT INTO deliveries (enrollment_id, subscriber_id, slug, status, message_id, created_at, first_attempt_at)
			SELECT (i - 1) / 3 + 1, (i - 1) / 3 + 1, 'l' || ((i - 1) % 3), 'sent', '', 0, 0 FROM n`, 3 * readers},
		{fmt.Sprintf(`INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
			SELECT ((i - 1) %% %[1]d) / 3 + 1, (i - 1) %% %[1]d + 1, 'l' || (((i - 1) %% %[1]d) %% 3),
			CASE WHEN i %% 4 = 0 THEN 'click' ELSE 'open' END, CASE WHEN i %% 5 = 0 THEN 1 ELSE 0 END, '',
			%[2]d + CAST(i AS BIGINT) * %[3]d / %[4]d, 'course' FROM n`, 3*readers, start, span, events), events},
	} {
		if _, err := db.w.ExecContext(ctx, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "+q.sql, q.n); err != nil {
			b.Fatal(err)
		}
	}
}

// Two instances rolling up at once on PostgreSQL fold each event once:
// each batch locks the mark, so the second waits and goes on from the
// first's.
func TestRollupByTwoInstances(t *testing.T) {
	stores(t, testRollupByTwoInstances)
}

func testRollupByTwoInstances(t *testing.T) {
	postgresOnly(t, "SQLite has a single instance")
	ctx := context.Background()
	target := testTarget(t)
	one, two := openAt(t, target), openAt(t, target)
	const events = 3 * RollupBatch
	seedHistory(t, one, 300, events)
	cutoff := t0.Add(401 * 24 * time.Hour)
	now := cutoff
	sumAll(t, one, &now) // a rollup folds only the events summed
	var folded [2]int64
	errs := make(chan error, 2)
	for i, db := range []*DB{one, two} {
		go func() {
			n, _, err := db.RollUpEvents(ctx, cutoff, time.Minute)
			folded[i] = n
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var days int64
	if err := one.r.QueryRowContext(ctx, "SELECT coalesce(sum(events), 0) FROM event_days").Scan(&days); err != nil {
		t.Fatal(err)
	}
	if folded[0]+folded[1] != events || days != events {
		t.Fatalf("the instances folded %d and %d, the daily counts hold %d; want %d in all, once each", folded[0], folded[1], days, events)
	}
}
