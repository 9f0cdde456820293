package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// HistoryLesson is one lesson of a generated history: its slug and when it
// is sent, counted from the moment its reader confirmed.
type HistoryLesson struct {
	Slug  string
	After time.Duration
}

// HistoryCourse is one course of a generated history, lessons in order.
type HistoryCourse struct {
	Slug    string
	Lessons []HistoryLesson
}

// HistoryStep is one step of BuildHistory and how long it took.
type HistoryStep struct {
	Name string
	Rows int64
	Took time.Duration
}

// historyYear is the span of signup dates a generated history covers.
const historyYear = 365 * day

// BuildHistory fills an empty database with n readers who signed up over
// the year before now, spread over courses in turn, and the year of
// deliveries, attempts and events they would have: most finished the
// course, some are mid-course, paused, unsubscribed, bounced or complained;
// about two opens and half a click per lesson sent, some by machines. It is
// the benchmark's: the rows are made by set-based statements inside the
// database (INSERT ... SELECT over a generated series), so a million
// readers take minutes. The mix is deterministic: the same n gives the
// same rows. It calls step after each step.
func (db *DB) BuildHistory(ctx context.Context, courses []HistoryCourse, n int, now time.Time, step func(HistoryStep)) error {
	if n < 1 || len(courses) == 0 {
		return fmt.Errorf("store: history: want at least one reader and one course")
	}
	var existing int
	if err := db.w.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM subscribers LIMIT 1) x").Scan(&existing); err != nil {
		return fmt.Errorf("store: history: %w", err)
	}
	if existing > 0 {
		return fmt.Errorf("store: history: the database already has readers; build a history into an empty one")
	}
	conn, err := db.w.Conn(ctx) // temporary tables belong to one connection
	if err != nil {
		return fmt.Errorf("store: history: %w", err)
	}
	defer conn.Close()
	g := &historyGen{db: db, conn: conn, step: step}
	if err := g.plan(ctx, courses, n, now); err != nil {
		return fmt.Errorf("store: history: %w", err)
	}
	for _, s := range historySteps(db.d.postgres()) {
		if err := g.run(ctx, s.name, s.query, s.args(n, now)...); err != nil {
			return fmt.Errorf("store: history: %s: %w", s.name, err)
		}
	}
	return nil
}

// historyGen runs the steps of one BuildHistory on one connection.
type historyGen struct {
	db   *DB
	conn *sql.Conn
	step func(HistoryStep)
}

// run executes one step in a transaction of its own and reports it.
func (g *historyGen) run(ctx context.Context, name, query string, args ...any) error {
	start := time.Now()
	tx, err := g.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if g.db.d.postgres() {
		// The benchmark's bulk load: a crash loses the whole build anyway.
		if _, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
			return err
		}
	}
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	rows, _ := res.RowsAffected()
	if g.step != nil {
		g.step(HistoryStep{Name: name, Rows: rows, Took: time.Since(start)})
	}
	return nil
}

// plan creates the temporary tables the steps read: the courses, their
// lessons with their times, and one row per reader to be made.
func (g *historyGen) plan(ctx context.Context, courses []HistoryCourse, n int, now time.Time) error {
	for _, q := range []string{
		"CREATE TEMPORARY TABLE bench_courses (idx BIGINT PRIMARY KEY, course TEXT NOT NULL, total BIGINT NOT NULL)",
		"CREATE TEMPORARY TABLE bench_lessons (course TEXT NOT NULL, ord BIGINT NOT NULL, slug TEXT NOT NULL, off BIGINT NOT NULL, PRIMARY KEY (course, ord))",
		`CREATE TEMPORARY TABLE bench_readers (i BIGINT PRIMARY KEY, course TEXT NOT NULL, h BIGINT NOT NULL, at BIGINT NOT NULL,
			kmax BIGINT NOT NULL, total BIGINT NOT NULL, state TEXT NOT NULL DEFAULT '', k BIGINT NOT NULL DEFAULT 0,
			last_slug TEXT NOT NULL DEFAULT '', last_at BIGINT NOT NULL DEFAULT 0, next_at BIGINT NOT NULL DEFAULT 0)`,
	} {
		if _, err := g.conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	for i, c := range courses {
		if _, err := g.conn.ExecContext(ctx, "INSERT INTO bench_courses (idx, course, total) VALUES (?, ?, ?)", i, c.Slug, len(c.Lessons)); err != nil {
			return err
		}
		for j, l := range c.Lessons {
			if _, err := g.conn.ExecContext(ctx, "INSERT INTO bench_lessons (course, ord, slug, off) VALUES (?, ?, ?, ?)",
				c.Slug, j+1, l.Slug, int64(l.After/time.Second)); err != nil {
				return err
			}
		}
	}
	return g.run(ctx, "plan", historyPlan, n, unix(now)-historyYear, historyYear, n, len(courses))
}

// historyPlan makes a row per reader: course in turn, a signup time spread
// over the year, h a pseudo-random 0..999 that picks their fate, and kmax
// the lessons due by now. Readers confirm ten minutes after they sign up.
const historyPlan = `WITH RECURSIVE n(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < ?)
INSERT INTO bench_readers (i, course, h, at, kmax, total)
SELECT n.i, c.course, (n.i * 2654435761) % 1000, ? + (n.i - 1) * ? / ? + (n.i * 7919) % 3600,
	0, c.total
FROM n JOIN bench_courses c ON c.idx = n.i % ?`

// historyStep is one set-based statement of the build.
type historyStep struct {
	name  string
	query string
	args  func(n int, now time.Time) []any
}

func noArgs(int, time.Time) []any { return nil }

func nowArg(_ int, now time.Time) []any { return []any{unix(now)} }

// historySteps are the build's statements in order. Times: a lesson goes
// out at its reader's confirmation plus its offset; fates by h: under 30
// never confirmed, under 80 unsubscribed, under 95 bounced, under 98
// complained, under 120 paused mid-course, the rest finished or taking it.
func historySteps(postgres bool) []historyStep {
	steps := []historyStep{
		{"due", `UPDATE bench_readers SET kmax = (SELECT count(*) FROM bench_lessons l
			WHERE l.course = bench_readers.course AND bench_readers.at + 600 + l.off <= ?)`, nowArg},
		{"fates", `UPDATE bench_readers SET state = CASE WHEN h < 30 THEN 'pending' WHEN kmax = 0 THEN 'active'
			WHEN h < 80 THEN 'unsubscribed' WHEN h < 95 THEN 'bounced' WHEN h < 98 THEN 'complained'
			WHEN h < 120 AND kmax < total THEN 'paused' WHEN kmax = total THEN 'completed' ELSE 'active' END`, noArgs},
		{"progress", `UPDATE bench_readers SET k = CASE WHEN state = 'pending' THEN 0 WHEN state IN ('active', 'paused', 'completed') THEN kmax
			WHEN 1 + h % total < kmax THEN 1 + h % total ELSE kmax END`, noArgs},
		{"times", `UPDATE bench_readers SET
			last_slug = coalesce((SELECT slug FROM bench_lessons l WHERE l.course = bench_readers.course AND l.ord = bench_readers.k), ''),
			last_at = coalesce((SELECT at + 600 + off FROM bench_lessons l WHERE l.course = bench_readers.course AND l.ord = bench_readers.k), 0),
			next_at = coalesce((SELECT at + 600 + off FROM bench_lessons l WHERE l.course = bench_readers.course AND l.ord = bench_readers.k + 1), 0)`, noArgs},
		{"subscribers", historySubscribers, noArgs},
		{"enrollments", historyEnrollments, noArgs},
		{"deliveries", historyDeliveries, noArgs},
		{"attempts", historyAttempts, noArgs},
		{"retried attempts", historyRetries, noArgs},
		{"signup events", historySignups, noArgs},
		{"open and click events", historyOpens, noArgs},
		{"leaving events", historyLeaving, noArgs},
	}
	if postgres {
		// Planner statistics, as autovacuum keeps them on a database in use.
		steps = append(steps,
			historyStep{"sequences", `SELECT setval(pg_get_serial_sequence('subscribers', 'id'), (SELECT max(id) FROM subscribers)),
				setval(pg_get_serial_sequence('enrollments', 'id'), (SELECT max(id) FROM enrollments))`, noArgs},
			historyStep{"analyze", "ANALYZE", noArgs})
	}
	return steps
}

const historySubscribers = `INSERT INTO subscribers (id, email, email_key, mailbox_key, name, timezone, status, created_at, confirmed_at, unsubscribed_at)
SELECT i, e, e, e, nm, CASE i % 4 WHEN 0 THEN 'UTC' WHEN 1 THEN 'Europe/Berlin' WHEN 2 THEN 'America/New_York' ELSE 'Asia/Tokyo' END,
	CASE WHEN state IN ('completed', 'paused') THEN 'active' ELSE state END, at,
	CASE WHEN state = 'pending' THEN 0 ELSE at + 600 END, CASE WHEN state = 'unsubscribed' THEN last_at + 3600 ELSE 0 END
FROM (SELECT r.*, nm || '.' || i || '@' || CASE i % 3 WHEN 0 THEN 'example.com' WHEN 1 THEN 'example.org' ELSE 'mail.example.net' END AS e
	FROM (SELECT bench_readers.*, CASE i % 8 WHEN 0 THEN 'alex' WHEN 1 THEN 'sam' WHEN 2 THEN 'robin' WHEN 3 THEN 'kim'
		WHEN 4 THEN 'jo' WHEN 5 THEN 'maria' WHEN 6 THEN 'noor' ELSE 'li' END AS nm FROM bench_readers) r) x
ORDER BY i`

const historyEnrollments = `INSERT INTO enrollments (id, subscriber_id, course, status, last_slug, last_sent_at, next_due_at, created_at,
	confirmed_at, completed_at, stopped_at)
SELECT i, i, course, CASE WHEN state IN ('pending', 'active', 'paused', 'completed') THEN state ELSE 'stopped' END, last_slug, last_at,
	CASE WHEN state IN ('active', 'paused') THEN next_at WHEN state = 'pending' THEN at ELSE 0 END, at,
	CASE WHEN state = 'pending' THEN 0 ELSE at + 600 END, CASE WHEN state = 'completed' THEN last_at ELSE 0 END,
	CASE WHEN state IN ('unsubscribed', 'bounced', 'complained') THEN last_at + 3600 ELSE 0 END
FROM bench_readers ORDER BY i`

// historyDeliveries: one in two hundred lessons failed for good.
const historyDeliveries = `INSERT INTO deliveries (enrollment_id, subscriber_id, slug, status, attempts, message_id, last_reply,
	created_at, first_attempt_at, sent_at)
SELECT r.i, r.i, l.slug, CASE WHEN (r.i * 7 + l.ord * 13) % 200 = 0 THEN 'failed' ELSE 'sent' END,
	CASE WHEN (r.i * 11 + l.ord) % 33 = 0 THEN 2 ELSE 1 END, '<' || r.i || '.' || l.ord || '@bench.example>',
	CASE WHEN (r.i * 7 + l.ord * 13) % 200 = 0 THEN '550 5.1.1 mailbox unavailable' ELSE '250 2.0.0 Ok: queued' END,
	r.at + 600 + l.off, r.at + 600 + l.off, CASE WHEN (r.i * 7 + l.ord * 13) % 200 = 0 THEN 0 ELSE r.at + 602 + l.off END
FROM bench_readers r JOIN bench_lessons l ON l.course = r.course AND l.ord <= r.k
ORDER BY r.i, l.ord`

const historyAttempts = `INSERT INTO attempts (delivery_id, at, code, enhanced, text)
SELECT id, first_attempt_at + 2, CASE WHEN status = 'failed' THEN 550 ELSE 250 END,
	CASE WHEN status = 'failed' THEN '5.1.1' ELSE '2.0.0' END, CASE WHEN status = 'failed' THEN 'mailbox unavailable' ELSE 'Ok: queued' END
FROM deliveries ORDER BY id`

const historyRetries = `INSERT INTO attempts (delivery_id, at, code, enhanced, text)
SELECT id, first_attempt_at - 900, 421, '4.7.0', 'try again later' FROM deliveries WHERE attempts = 2 ORDER BY id`

const historySignups = `INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
SELECT i, 0, '', 'signup', 0, '', at, course FROM bench_readers
UNION ALL SELECT i, 0, '', 'confirm', 0, '', at + 600, course FROM bench_readers WHERE state != 'pending'`

// historyOpens: per sent lesson, 0 to 4 opens (two on average; all of a
// lesson's by a machine one time in seven, as mail privacy proxies do), and
// two clicks one time in four (a link scanner's one time in ten).
const historyOpens = `WITH m(j) AS (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4),
	d AS (SELECT id, enrollment_id, subscriber_id, slug, sent_at, (id * 2654435761) % 1000003 AS g FROM deliveries WHERE status = 'sent')
INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
SELECT d.subscriber_id, d.id, d.slug, 'open', CASE WHEN d.g % 7 = 0 THEN 1 ELSE 0 END, '', d.sent_at + m.j * (600 + d.g % 7200), r.course
FROM d JOIN m ON m.j <= d.g % 5 JOIN bench_readers r ON r.i = d.enrollment_id
UNION ALL
SELECT d.subscriber_id, d.id, d.slug, 'click', CASE WHEN (d.g / 3) % 10 = 0 THEN 1 ELSE 0 END, 'https://example.com/read-more',
	d.sent_at + m.j * (900 + d.g % 7200), r.course
FROM d JOIN m ON m.j <= 2 AND (d.g / 5) % 4 = 0 JOIN bench_readers r ON r.i = d.enrollment_id`

// historyLeaving: the unsubscribe, bounce or complaint of those who left,
// on their last lesson.
const historyLeaving = `INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
SELECT r.i, d.id, d.slug, CASE r.state WHEN 'unsubscribed' THEN 'unsubscribe' WHEN 'bounced' THEN 'bounce' ELSE 'complaint' END,
	0, '', r.last_at + 3600, r.course
FROM bench_readers r JOIN deliveries d ON d.enrollment_id = r.i AND d.slug = r.last_slug
WHERE r.state IN ('unsubscribed', 'bounced', 'complained')`
