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
