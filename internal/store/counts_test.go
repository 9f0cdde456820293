package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// rawLessonStats are the per-lesson figures counted from every row: the
// deliveries, the events kept and, for the opens and clicks a rollup
// folded, the first-time columns their deliveries kept (a delivery counts
// once per kind, whichever holds it). The reference the counts must
// always equal.
func rawLessonStats(t *testing.T, db *DB, course string) map[string]*LessonStats {
	t.Helper()
	ctx := context.Background()
	sends, events := "SELECT slug, status, 0, count(*) FROM deliveries GROUP BY slug, status",
		`SELECT slug, what, machine, count(DISTINCT did) FROM (
			SELECT slug, 'event:' || kind AS what, machine, CASE WHEN delivery_id > 0 THEN delivery_id ELSE -id END AS did
			FROM events WHERE slug != ''
			UNION ALL SELECT slug, what, machine, did FROM (`+rawRolled+`) r) u GROUP BY slug, what, machine`
	var args []any
	if course != "" {
		sends = `SELECT d.slug, d.status, 0, count(*) FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id
			WHERE e.course = ? GROUP BY d.slug, d.status`
		events = `SELECT slug, what, machine, count(DISTINCT did) FROM (
			SELECT v.slug, 'event:' || v.kind AS what, v.machine, v.delivery_id AS did FROM events v
			JOIN deliveries d ON d.id = v.delivery_id JOIN enrollments e ON e.id = d.enrollment_id
			WHERE v.slug != '' AND e.course = ?1
			UNION ALL SELECT slug, what, machine, did FROM (` + rawRolled + `) r WHERE course = ?1) u GROUP BY slug, what, machine`
		args = []any{course}
	}
	out := map[string]*LessonStats{}
	for _, q := range []string{sends, events} {
		err := db.eachRow(ctx, q, func(scan func(...any) error) error {
			var slug, what string
			var machine, n int
			if err := scan(&slug, &what, &machine, &n); err != nil {
				return err
			}
			addLesson(out, slug, what, machine != 0, n)
			return nil
		}, args...)
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// rawRolled are the rows (course, slug, what, machine, did) of the opens
// and clicks folded away, one per delivery and kind.
const rawRolled = `SELECT e.course, d.slug, 'event:open' AS what, 0 AS machine, d.id AS did
		FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id WHERE d.first_open_at > 0
	UNION ALL SELECT e.course, d.slug, 'event:open', 1, d.id FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id WHERE d.first_machine_open_at > 0
	UNION ALL SELECT e.course, d.slug, 'event:click', 0, d.id FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id WHERE d.first_click_at > 0
	UNION ALL SELECT e.course, d.slug, 'event:click', 1, d.id FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id WHERE d.first_machine_click_at > 0`

// sameStats fails t unless every course's figures, and every course's
// together, equal those counted from the rows, and so do the sends per day.
func sameStats(t *testing.T, db *DB, when string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []string{"", "one", "two"} {
		got, err := db.lessonStats(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if want := rawLessonStats(t, db, c); !reflect.DeepEqual(got, want) {
			t.Errorf("%s, course %q:\n got  %s\n want %s", when, c, show(got), show(want))
		}
		from, to := now.Truncate(24*time.Hour).AddDate(0, 0, -400), now.Truncate(24*time.Hour).AddDate(0, 0, 1)
		days, err := db.SentPerDayIn(ctx, c, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if raw, _ := db.sentPerDayRows(ctx, c, from, to); !reflect.DeepEqual(days, raw) {
			t.Errorf("%s, course %q: sends per day differ from the rows' (%d days, %d days)", when, c, len(days), len(raw))
		}
	}
}

func show(m map[string]*LessonStats) string {
	s := ""
	for k, v := range m {
		s += fmt.Sprintf("%s:%+v ", k, *v)
	}
	return s
}

// historyCourses are two small courses for the generated histories of tests.
var historyCourses = []HistoryCourse{
	{Slug: "one", Lessons: []HistoryLesson{{"a", 0}, {"b", 24 * time.Hour}, {"c", 72 * time.Hour}, {"d", 30 * 24 * time.Hour}}},
	{Slug: "two", Lessons: []HistoryLesson{{"a", 0}, {"x", 48 * time.Hour}}},
}

// The stats read from the counts and the rows after their marks equal the
// stats counted from every row: before any row is summed, after all are,
// with events recorded after the mark (a second open of a lesson already
// counted counts no more), and after an erasure. With rollups: a rollup
// folds no event the counts have not summed, and after one, an open of a
// delivery whose opens were folded counts no more, read after the mark or
// summed, and an erased reader's folded opens leave the figures.
func TestCountsEqualTheRows(t *testing.T) {
	stores(t, testCountsEqualTheRows)
}

func testCountsEqualTheRows(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if err := db.BuildHistory(ctx, historyCourses, 1500, now, nil); err != nil {
		t.Fatal(err)
	}
	sameStats(t, db, "nothing summed", now)
	cutoff := now.AddDate(0, 1, 0) // every open and click is old enough
	if n, _, err := db.RollUpEvents(ctx, cutoff, time.Minute); err != nil || n != 0 {
		t.Errorf("a rollup before the counts summed anything folded %d (%v); want none", n, err)
	}
	sameStats(t, db, "a rollup before anything was summed", now)
	sumAll(t, db, &now)
	sameStats(t, db, "all summed", now)
	sub, del, slug := rolledDelivery(t, db, "d.id > 0") // the first delivery opened: its opens will be folded
	recordAt(t, db, sub, del, slug, "open", now)        // after the mark: the rollup keeps it
	if n, _, err := db.RollUpEvents(ctx, cutoff, time.Minute); err != nil || n == 0 {
		t.Fatalf("the rollup folded %d (%v); want the summed opens and clicks", n, err)
	}
	var kept int
	db.r.QueryRowContext(ctx, "SELECT count(*) FROM events WHERE delivery_id = ? AND kind = 'open'", del).Scan(&kept)
	if kept != 1 {
		t.Fatalf("%d opens of delivery %d kept, want the one after the counts' mark", kept, del)
	}
	sameStats(t, db, "rolled up, an open after the mark", now)
	for _, kind := range []string{"open", "click", "unsubscribe"} {
		recordAt(t, db, sub, del, slug, kind, now)
	}
	sameStats(t, db, "events after the mark", now)
	sumAll(t, db, &now)
	sameStats(t, db, "a folded delivery's later events summed", now)
	if err := db.Erase(ctx, sub, now); err != nil {
		t.Fatal(err)
	}
	sameStats(t, db, "erased a reader with folded opens, all summed", now)
	sub2, del2, slug2 := rolledDelivery(t, db, "d.first_click_at > 0 AND d.first_open_at > 0")
	recordAt(t, db, sub2, del2, slug2, "open", now)
	recordAt(t, db, sub2, del2, slug2, "click", now)
	sameStats(t, db, "folded deliveries' later events after the mark", now)
	if err := db.Erase(ctx, sub2, now); err != nil {
		t.Fatal(err)
	}
	sameStats(t, db, "erased a reader with folded opens and clicks, some rows after the mark", now)
	sumAll(t, db, &now)
	if err := db.Erase(ctx, sub2+1, now); err != nil {
		t.Fatal(err)
	}
	sameStats(t, db, "erased, all summed", now)
}

// sumAll moves both marks to the last rows, as housekeeping runs ten
// minutes apart do (PostgreSQL moves a mark to a candidate ten minutes
// old).
func sumAll(t testing.TB, db *DB, now *time.Time) {
	t.Helper()
	ctx := context.Background()
	for range 3 {
		*now = now.Add(11 * time.Minute)
		if err := db.AdvanceCounts(ctx, *now); err != nil {
			t.Fatal(err)
		}
	}
	var upto, maxID int64
	db.r.QueryRowContext(ctx, "SELECT upto FROM count_marks WHERE name = 'events'").Scan(&upto)
	db.r.QueryRowContext(ctx, "SELECT max(id) FROM events").Scan(&maxID)
	if upto < maxID || upto == 0 { // an erasure may have taken the last events
		t.Fatalf("events mark %d, want the last event %d", upto, maxID)
	}
}

// rolledDelivery is the reader, ID and lesson of the first delivery
// opened by a person that where picks.
func rolledDelivery(t *testing.T, db *DB, where string) (sub, del int64, slug string) {
	t.Helper()
	err := db.r.QueryRowContext(context.Background(), `SELECT d.subscriber_id, d.id, d.slug FROM deliveries d
		WHERE (d.first_open_at > 0 OR EXISTS (SELECT 1 FROM events v WHERE v.delivery_id = d.id AND v.kind = 'open' AND v.machine = 0))
		AND `+where+` ORDER BY d.id LIMIT 1`).Scan(&sub, &del, &slug)
	if err != nil {
		t.Fatal(err)
	}
	return sub, del, slug
}

// recordAt adds an event of a person to a delivery of course one.
func recordAt(t *testing.T, db *DB, sub, del int64, slug, kind string, at time.Time) {
	t.Helper()
	if _, err := db.w.ExecContext(context.Background(), `INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
		VALUES (?, ?, ?, ?, 0, '', ?, 'one')`, sub, del, slug, kind, unix(at)); err != nil {
		t.Fatal(err)
	}
}
