package store

import (
	"context"
	"fmt"
	"time"
)

const day = 24 * 60 * 60

// perDay runs a query whose rows are (unix day number, count) and returns
// the counts keyed by the start of each UTC day.
func (db *DB) perDay(ctx context.Context, query string, args ...any) (map[time.Time]int, error) {
	out := map[time.Time]int{}
	err := db.eachRow(ctx, query, func(scan func(...any) error) error {
		var d int64
		var n int
		if err := scan(&d, &n); err != nil {
			return err
		}
		out[time.Unix(d*day, 0).UTC()] = n
		return nil
	}, args...)
	return out, err
}

// SentPerDay counts the lessons sent on each UTC day from from up to to.
func (db *DB) SentPerDay(ctx context.Context, from, to time.Time) (map[time.Time]int, error) {
	return db.SentPerDayIn(ctx, "", from, to)
}

// SentPerDayIn counts the lessons of one course sent on each UTC day from
// from up to to; course "" counts every course. Whole days are read from
// the summed counts (counts.go) and the deliveries after their mark; a
// span that does not start and end at midnight UTC counts the deliveries.
func (db *DB) SentPerDayIn(ctx context.Context, course string, from, to time.Time) (map[time.Time]int, error) {
	if unix(from)%day != 0 || unix(to)%day != 0 {
		return db.sentPerDayRows(ctx, course, from, to)
	}
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: sent per day: %w", err)
	}
	defer tx.Rollback()
	dmark, _, err := countMarks(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("store: sent per day: %w", err)
	}
	out := map[time.Time]int{}
	add := func(scan func(...any) error) error {
		var d int64
		var n int
		if err := scan(&d, &n); err != nil {
			return err
		}
		out[time.Unix(d*day, 0).UTC()] += n
		return nil
	}
	if err := eachRowIn(ctx, tx, sentDaysSummed, add, unix(from)/day, unix(to)/day, course, course); err != nil {
		return nil, fmt.Errorf("store: sent per day: %w", err)
	}
	if err := eachRowIn(ctx, tx, sentDaysAfter, add, day, dmark, unix(from), unix(to), course, course); err != nil {
		return nil, fmt.Errorf("store: sent per day: %w", err)
	}
	return out, nil
}

// sentDaysSummed and sentDaysAfter read the summed sends per day of a span
// of days, and the sends after the mark: args (first day, day after the
// last, course, course) and (86400, mark, from, to, course, course). The
// rows after the mark are read by their keys: sent_at + 0 and the course
// looked up per row keep the planner off the sent_at and course indexes,
// which would read a month of history.
const (
	sentDaysSummed = "SELECT day, sum(n) FROM sent_days WHERE day >= ? AND day < ? AND (? = '' OR course = ?) GROUP BY day HAVING sum(n) != 0"
	sentDaysAfter  = `SELECT d.sent_at / ?, count(*) FROM deliveries d
		WHERE d.id > ? AND d.sent_at + 0 >= ? AND d.sent_at + 0 < ?
		AND (? = '' OR (SELECT e.course FROM enrollments e WHERE e.id = d.enrollment_id) = ?) GROUP BY 1`
)

// sentPerDayRows counts sends per day from the deliveries themselves.
func (db *DB) sentPerDayRows(ctx context.Context, course string, from, to time.Time) (map[time.Time]int, error) {
	m, err := db.perDay(ctx, `SELECT d.sent_at / ?, count(*) FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id
		WHERE d.sent_at >= ? AND d.sent_at < ? AND (? = '' OR e.course = ?) GROUP BY 1`, day, unix(from), unix(to), course, course)
	if err != nil {
		return nil, fmt.Errorf("store: sent per day: %w", err)
	}
	return m, nil
}
