package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// rawLessonStats are the per-lesson figures counted from every row, as
// the stats were before they were summed: the reference the counts must
// always equal.
func rawLessonStats(t *testing.T, db *DB, course string) map[string]*LessonStats {
	t.Helper()
	ctx := context.Background()
	sends, events := "SELECT slug, status, 0, count(*) FROM deliveries GROUP BY slug, status",
		`SELECT slug, 'event:' || kind, machine, count(DISTINCT CASE WHEN delivery_id > 0 THEN delivery_id ELSE -id END)
		FROM events WHERE slug != '' GROUP BY slug, kind, machine`
	var args []any
	if course != "" {
		sends = `SELECT d.slug, d.status, 0, count(*) FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id
			WHERE e.course = ? GROUP BY d.slug, d.status`
		events = `SELECT v.slug, 'event:' || v.kind, v.machine, count(DISTINCT v.delivery_id) FROM events v
			JOIN deliveries d ON d.id = v.delivery_id JOIN enrollments e ON e.id = d.enrollment_id
			WHERE v.slug != '' AND e.course = ? GROUP BY v.slug, v.kind, v.machine`
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
// counted counts no more), and after an erasure.
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
	for range 4 { // PostgreSQL moves a mark to a candidate ten minutes old
		now = now.Add(11 * time.Minute)
		if err := db.AdvanceCounts(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	var upto, maxID int64
	db.r.QueryRowContext(ctx, "SELECT upto FROM count_marks WHERE name = 'events'").Scan(&upto)
	db.r.QueryRowContext(ctx, "SELECT max(id) FROM events").Scan(&maxID)
	if upto != maxID || upto == 0 {
		t.Fatalf("events mark %d, want the last event %d", upto, maxID)
	}
	sameStats(t, db, "all summed", now)
	var sub, del int64
	var slug string
	if err := db.r.QueryRowContext(ctx, `SELECT subscriber_id, delivery_id, slug FROM events WHERE kind = 'open' AND machine = 0
		ORDER BY id LIMIT 1`).Scan(&sub, &del, &slug); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"open", "click", "unsubscribe"} {
		if _, err := db.w.ExecContext(ctx, `INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
			VALUES (?, ?, ?, ?, 0, '', ?, 'one')`, sub, del, slug, kind, unix(now)); err != nil {
			t.Fatal(err)
		}
	}
	sameStats(t, db, "events after the mark", now)
	if err := db.Erase(ctx, sub, now); err != nil {
		t.Fatal(err)
	}
	sameStats(t, db, "erased, some rows after the mark", now)
	now = now.Add(11 * time.Minute)
	for range 2 {
		if err := db.AdvanceCounts(ctx, now.Add(11*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Erase(ctx, sub+1, now); err != nil {
		t.Fatal(err)
	}
	sameStats(t, db, "erased, all summed", now)
}
