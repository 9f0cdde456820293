package store

import (
	"context"
	"fmt"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// LessonStats counts what one lesson did. Opens and clicks count
// deliveries (a reader who opens twice counts once), so they read as rates
// of Sent; so do bounces (hard: Bounced, refused at send time or reported
// after it; SoftBounced) and complaints.
type LessonStats struct {
	Slug          string `json:"slug"`
	Sent          int    `json:"sent"`
	Failed        int    `json:"failed"`
	Skipped       int    `json:"skipped"` // moved past by the operator: never sent, never failed
	Bounced       int    `json:"bounced"`
	SoftBounced   int    `json:"soft_bounced"`
	Complaints    int    `json:"complaints"`
	HumanOpens    int    `json:"human_opens"`
	MachineOpens  int    `json:"machine_opens"`
	HumanClicks   int    `json:"human_clicks"`
	MachineClicks int    `json:"machine_clicks"`
	Unsubscribes  int    `json:"unsubscribes"`
}

// Stats returns per-lesson counts keyed by slug, and readers by status,
// over every course (two courses' lessons with one slug count together:
// CourseStats keeps them apart).
func (db *DB) Stats(ctx context.Context) (map[string]*LessonStats, map[drip.Status]int, error) {
	lessons, err := db.lessonStats(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	readers, err := db.ReaderCounts(ctx)
	return lessons, readers, err
}

// CourseStats returns per-lesson counts of one course keyed by slug, and
// its readers by their standing in it (CourseReaderCounts).
func (db *DB) CourseStats(ctx context.Context, course string) (map[string]*LessonStats, map[drip.Status]int, error) {
	lessons, err := db.lessonStats(ctx, course)
	if err != nil {
		return nil, nil, err
	}
	readers, err := db.CourseReaderCounts(ctx, course)
	return lessons, readers, err
}

// CourseLessonStats returns the per-lesson counts of one course keyed by
// slug, without counting its readers.
func (db *DB) CourseLessonStats(ctx context.Context, course string) (map[string]*LessonStats, error) {
	return db.lessonStats(ctx, course)
}

// lessonStats counts sends and events per lesson, of one course or, with
// course "", of all: the summed counts (counts.go) and the rows after their
// marks, read in one snapshot. A lesson's events are found through its
// delivery, so rows written before events named their course count too.
func (db *DB) lessonStats(ctx context.Context, course string) (map[string]*LessonStats, error) {
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: stats: %w", err)
	}
	defer tx.Rollback()
	dmark, emark, err := countMarks(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("store: stats: %w", err)
	}
	lessons := map[string]*LessonStats{}
	for _, q := range lessonQueries(course, dmark, emark) {
		if err := eachRowIn(ctx, tx, q.sql, func(scan func(...any) error) error {
			var slug, what string
			var machine, n int
			if err := scan(&slug, &what, &machine, &n); err != nil {
				return err
			}
			addLesson(lessons, slug, what, machine != 0, n)
			return nil
		}, q.args...); err != nil {
			return nil, fmt.Errorf("store: stats: %w", err)
		}
	}
	return lessons, nil
}

// lessonQuery is one query of lessonStats, whose rows are (slug, what,
// machine, n) as lesson_counts keeps them.
type lessonQuery struct {
	sql  string
	args []any
}

// lessonQueries read the summed counts (those an erasure took to zero
// are no history) and the deliveries and events after
// their marks, of one course or of all.
func lessonQueries(course string, dmark, emark int64) []lessonQuery {
	if course == "" {
		return []lessonQuery{
			{"SELECT slug, what, machine, sum(n) FROM lesson_counts GROUP BY slug, what, machine HAVING sum(n) != 0", nil},
			{"SELECT slug, status, 0, count(*) FROM deliveries WHERE id > ? GROUP BY slug, status", []any{dmark}},
			// Grouped by expressions, so that SQLite reads the rows after
			// the mark rather than walk events_slug for its order.
			{`SELECT v.slug || '', 'event:' || v.kind, v.machine, count(*) FROM events v WHERE v.id > ? AND v.slug != '' AND ` + firstEvent + `
				GROUP BY v.slug || '', 'event:' || v.kind, v.machine`, []any{emark}},
		}
	}
	return []lessonQuery{
		{"SELECT slug, what, machine, sum(n) FROM lesson_counts WHERE course = ? GROUP BY slug, what, machine HAVING sum(n) != 0", []any{course}},
		// The course is looked up per row (and events grouped by
		// expressions), so that the rows after the mark are what is read,
		// never the course's whole history.
		{`SELECT d.slug, d.status, 0, count(*) FROM deliveries d
			WHERE d.id > ? AND (SELECT e.course FROM enrollments e WHERE e.id = d.enrollment_id) = ? GROUP BY d.slug, d.status`,
			[]any{dmark, course}},
		{`SELECT v.slug || '', 'event:' || v.kind, v.machine, count(*) FROM events v
			WHERE v.id > ? AND v.slug != '' AND (SELECT e.course FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id
				WHERE d.id = v.delivery_id) = ? AND ` + firstEvent + `
			GROUP BY v.slug || '', 'event:' || v.kind, v.machine`, []any{emark, course}},
	}
}

// addLesson adds n of what (a delivery status, or "event:" and a kind) to
// a lesson's figures.
// Any event names a lesson with history; a delivery not yet settled does
// not.
func addLesson(lessons map[string]*LessonStats, slug, what string, machine bool, n int) {
	switch drip.DeliveryStatus(what) {
	case drip.DeliverySending, drip.DeliveryRetry:
		return
	}
	l := lessons[slug]
	if l == nil {
		l = &LessonStats{Slug: slug}
		lessons[slug] = l
	}
	switch what {
	case string(drip.DeliverySent):
		l.Sent += n
	case string(drip.DeliveryFailed):
		l.Failed += n
	case string(drip.DeliverySkipped):
		l.Skipped += n
	case "event:" + string(drip.EventOpen):
		l.HumanOpens, l.MachineOpens = pick(machine, l.HumanOpens, l.MachineOpens, n)
	case "event:" + string(drip.EventClick):
		l.HumanClicks, l.MachineClicks = pick(machine, l.HumanClicks, l.MachineClicks, n)
	case "event:" + string(drip.EventUnsubscribe):
		l.Unsubscribes += n
	case "event:" + string(drip.EventBounce):
		l.Bounced += n
	case "event:" + string(drip.EventSoftBounce):
		l.SoftBounced += n
	case "event:" + string(drip.EventComplaint):
		l.Complaints += n
	}
}

func pick(machine bool, human, mach, n int) (int, int) {
	if machine {
		return human, mach + n
	}
	return human + n, mach
}

// eachRow runs a read query and calls fn with a scanner for every row.
func (db *DB) eachRow(ctx context.Context, query string, fn func(scan func(...any) error) error, args ...any) error {
	return eachRowOf(ctx, db.r, query, fn, args...)
}

// eachRowOf runs a read query on q and calls fn with a scanner for every
// row.
func eachRowOf(ctx context.Context, q querier, query string, fn func(scan func(...any) error) error, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
