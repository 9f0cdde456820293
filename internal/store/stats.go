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

// lessonStats counts sends and events per lesson, of one course or, with
// course "", of all. A lesson's events are found through its delivery, so
// rows written before events named their course count too. Opens and
// clicks rolled up (rollup.go) count through the first-time columns their
// deliveries kept, together with the events still kept.
func (db *DB) lessonStats(ctx context.Context, course string) (map[string]*LessonStats, error) {
	lessons := map[string]*LessonStats{}
	get := func(slug string) *LessonStats {
		if lessons[slug] == nil {
			lessons[slug] = &LessonStats{Slug: slug}
		}
		return lessons[slug]
	}
	sends, events := "SELECT slug, status, count(*) FROM deliveries GROUP BY slug, status",
		`SELECT slug, kind, machine, count(DISTINCT did) FROM (
			SELECT slug, kind, machine, CASE WHEN delivery_id > 0 THEN delivery_id ELSE -id END AS did
			FROM events WHERE slug != ''`+rolledDeliveries("", "")+`) u GROUP BY slug, kind, machine`
	var args []any
	if course != "" {
		sends = `SELECT d.slug, d.status, count(*) FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id
			WHERE e.course = ? GROUP BY d.slug, d.status`
		inCourse := " JOIN enrollments e ON e.id = d.enrollment_id"
		events = `SELECT slug, kind, machine, count(DISTINCT did) FROM (
			SELECT v.slug, v.kind, v.machine, v.delivery_id AS did FROM events v
			JOIN deliveries d ON d.id = v.delivery_id` + inCourse + ` WHERE v.slug != '' AND e.course = ?1` +
			rolledDeliveries(inCourse, " AND e.course = ?1") + `) u GROUP BY slug, kind, machine`
		args = []any{course}
	}
	err := db.eachRow(ctx, sends, func(scan func(...any) error) error {
		var slug, status string
		var n int
		if err := scan(&slug, &status, &n); err != nil {
			return err
		}
		switch drip.DeliveryStatus(status) {
		case drip.DeliverySent:
			get(slug).Sent += n
		case drip.DeliveryFailed:
			get(slug).Failed += n
		case drip.DeliverySkipped:
			get(slug).Skipped += n
		}
		return nil
	}, args...)
	if err != nil {
		return nil, fmt.Errorf("store: stats: %w", err)
	}
	err = db.eachRow(ctx, events, func(scan func(...any) error) error {
		var slug, kind string
		var machine bool
		var n int
		if err := scan(&slug, &kind, &machine, &n); err != nil {
			return err
		}
		l := get(slug)
		switch drip.EventKind(kind) {
		case drip.EventOpen:
			l.HumanOpens, l.MachineOpens = pick(machine, l.HumanOpens, l.MachineOpens, n)
		case drip.EventClick:
			l.HumanClicks, l.MachineClicks = pick(machine, l.HumanClicks, l.MachineClicks, n)
		case drip.EventUnsubscribe:
			l.Unsubscribes += n
		case drip.EventBounce:
			l.Bounced += n
		case drip.EventSoftBounce:
			l.SoftBounced += n
		case drip.EventComplaint:
			l.Complaints += n
		}
		return nil
	}, args...)
	if err != nil {
		return nil, fmt.Errorf("store: stats: %w", err)
	}
	return lessons, nil
}

// CourseReaderCounts counts the readers of one course by their standing
// in it, in the reader statuses' words: pending (waiting to confirm it),
// active (taking it, paused or finished), unsubscribed (left it), bounced
// and complained (the address, whatever the course).
func (db *DB) CourseReaderCounts(ctx context.Context, course string) (map[drip.Status]int, error) {
	readers := map[drip.Status]int{}
	for _, s := range drip.Statuses {
		readers[s] = 0
	}
	err := db.eachRow(ctx, `SELECT CASE WHEN s.status IN ('bounced', 'complained') THEN s.status
			WHEN e.status = 'pending' THEN 'pending' WHEN e.status = 'stopped' THEN 'unsubscribed' ELSE 'active' END, count(*)
		FROM enrollments e JOIN subscribers s ON s.id = e.subscriber_id WHERE e.course = ? GROUP BY 1`, func(scan func(...any) error) error {
		var status string
		var n int
		if err := scan(&status, &n); err != nil {
			return err
		}
		readers[drip.Status(status)] += n
		return nil
	}, course)
	if err != nil {
		return nil, fmt.Errorf("store: course reader counts: %w", err)
	}
	return readers, nil
}

// rolledDeliveries is the UNION ALL that adds to an events query (slug,
// kind, machine, delivery) a row per kind of open or click a delivery had
// rolled up; join and where narrow the deliveries d. The partial index
// deliveries_rolled holds only such deliveries, so with rollups off this
// reads nothing.
func rolledDeliveries(join, where string) string {
	var q string
	for _, k := range []struct{ col, kind, machine string }{
		{"first_open_at", "open", "0"}, {"first_machine_open_at", "open", "1"},
		{"first_click_at", "click", "0"}, {"first_machine_click_at", "click", "1"},
	} {
		q += "\n\t\tUNION ALL SELECT d.slug, '" + k.kind + "', " + k.machine + ", d.id FROM deliveries d" + join +
			" WHERE d." + k.col + " > 0" + where
	}
	return q
}

func pick(machine bool, human, mach, n int) (int, int) {
	if machine {
		return human, mach + n
	}
	return human + n, mach
}

// ReaderCounts returns how many readers are in each status.
func (db *DB) ReaderCounts(ctx context.Context) (map[drip.Status]int, error) {
	readers := map[drip.Status]int{}
	for _, s := range drip.Statuses {
		readers[s] = 0
	}
	err := db.eachRow(ctx, "SELECT status, count(*) FROM subscribers GROUP BY status", func(scan func(...any) error) error {
		var status string
		var n int
		if err := scan(&status, &n); err != nil {
			return err
		}
		readers[drip.Status(status)] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: reader counts: %w", err)
	}
	return readers, nil
}

// eachRow runs a read query and calls fn with a scanner for every row.
func (db *DB) eachRow(ctx context.Context, query string, fn func(scan func(...any) error) error, args ...any) error {
	rows, err := db.r.QueryContext(ctx, query, args...)
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

// EnrollmentCounts returns how many readers of course are in each
// enrollment status: all but the pending ones started the course, and
// the completed ones finished it.
func (db *DB) EnrollmentCounts(ctx context.Context, course string) (map[drip.EnrollmentStatus]int, error) {
	counts := map[drip.EnrollmentStatus]int{}
	err := db.eachRow(ctx, "SELECT status, count(*) FROM enrollments WHERE course = ? GROUP BY status", func(scan func(...any) error) error {
		var status string
		var n int
		if err := scan(&status, &n); err != nil {
			return err
		}
		counts[drip.EnrollmentStatus(status)] = n
		return nil
	}, course)
	if err != nil {
		return nil, fmt.Errorf("store: enrollment counts: %w", err)
	}
	return counts, nil
}

// Completions counts the readers who finished a course (its last lesson
// sent), of one course or, with course "", of every course; a reader who
// finished and later left still counts, as the finish happened.
func (db *DB) Completions(ctx context.Context, course string) (int, error) {
	q, args := "SELECT count(*) FROM enrollments WHERE completed_at > 0", []any{}
	if course != "" {
		q, args = q+" AND course = ?", []any{course}
	}
	var n int
	if err := db.r.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: completions: %w", friendly(err))
	}
	return n, nil
}
