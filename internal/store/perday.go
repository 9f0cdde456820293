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

// DuePerDay counts the active readers whose next lesson comes due on each
// UTC day up to to. Readers already due (or overdue) count on now's day:
// they go out with the next dispatch pass. It reads the enrollments_due
// index only.
func (db *DB) DuePerDay(ctx context.Context, now, to time.Time) (map[time.Time]int, error) {
	m, err := db.perDay(ctx, "SELECT "+db.d.greatest("next_due_at", "?")+" / ?, count(*) FROM enrollments WHERE status = 'active' AND next_due_at < ? GROUP BY 1",
		unix(now), day, unix(to))
	if err != nil {
		return nil, fmt.Errorf("store: due per day: %w", err)
	}
	return m, nil
}
