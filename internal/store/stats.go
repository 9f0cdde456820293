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

// CourseReaderCounts counts the readers of one course by their standing
// in it (CourseCounts).
func (db *DB) CourseReaderCounts(ctx context.Context, course string) (map[drip.Status]int, error) {
	_, readers, err := db.CourseCounts(ctx, course)
	return readers, err
}

// CourseCounts counts the readers of one course by enrollment status
// (EnrollmentCounts), and by their standing in it, in the reader
// statuses' words: pending (waiting to confirm it), active (taking it,
// paused or finished), unsubscribed (left it), bounced and complained
// (the address, whatever the course). The enrollments are counted once,
// on their index alone, and the few suppressed addresses are then moved
// to their own counts.
func (db *DB) CourseCounts(ctx context.Context, course string) (map[drip.EnrollmentStatus]int, map[drip.Status]int, error) {
	enrolled, err := db.EnrollmentCounts(ctx, course)
	if err != nil {
		return nil, nil, err
	}
	readers := map[drip.Status]int{}
	for _, s := range drip.Statuses {
		readers[s] = 0
	}
	for es, n := range enrolled {
		readers[standing(string(es))] += n
	}
	// From the suppressed addresses (subscribers_status) to their
	// enrollment in the course, never the other way round.
	err = db.eachRow(ctx, `SELECT st, es, count(*) FROM (SELECT s.status AS st,
		(SELECT e.status FROM enrollments e WHERE e.subscriber_id = s.id AND e.course = ?) AS es
		FROM subscribers s WHERE s.status IN ('bounced', 'complained')) x WHERE es IS NOT NULL GROUP BY st, es`,
		func(scan func(...any) error) error {
			var status, es string
			var n int
			if err := scan(&status, &es, &n); err != nil {
				return err
			}
			readers[standing(es)] -= n
			readers[drip.Status(status)] += n
			return nil
		}, course)
	if err != nil {
		return nil, nil, fmt.Errorf("store: course reader counts: %w", err)
	}
	return enrolled, readers, nil
}

// standing is where an enrollment status puts a reader among the reader
// statuses.
func standing(enrolled string) drip.Status {
	switch enrolled {
	case "pending":
		return drip.StatusPending
	case "stopped":
		return drip.StatusUnsubscribed
	}
	return drip.StatusActive
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
