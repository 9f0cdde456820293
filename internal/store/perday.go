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
// It reads the deliveries_sent_at index only.
func (db *DB) SentPerDay(ctx context.Context, from, to time.Time) (map[time.Time]int, error) {
	m, err := db.perDay(ctx, "SELECT sent_at / ?, count(*) FROM deliveries WHERE sent_at >= ? AND sent_at < ? GROUP BY 1",
		day, unix(from), unix(to))
	if err != nil {
		return nil, fmt.Errorf("store: sent per day: %w", err)
	}
	return m, nil
}

// SentPerDayIn counts the lessons of one course sent on each UTC day from
// from up to to; course "" counts every course (SentPerDay).
func (db *DB) SentPerDayIn(ctx context.Context, course string, from, to time.Time) (map[time.Time]int, error) {
	if course == "" {
		return db.SentPerDay(ctx, from, to)
	}
	m, err := db.perDay(ctx, `SELECT d.sent_at / ?, count(*) FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id
		WHERE d.sent_at >= ? AND d.sent_at < ? AND e.course = ? GROUP BY 1`, day, unix(from), unix(to), course)
	if err != nil {
		return nil, fmt.Errorf("store: sent per day: %w", err)
	}
	return m, nil
}
