package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The per-lesson figures and the sends per day are summed into
// lesson_counts and sent_days up to a high-water mark per table
// (count_marks): a read adds the summed rows to the rows recorded after
// the mark, so it costs O(courses x lessons + recent rows), not O(history).
// Housekeeping moves the marks on (AdvanceCounts); the dispatch path never
// writes a count. Deliveries are summed only up to the first one still
// sending or awaiting a retry, since only a settled delivery keeps its
// status; events never change once written.

// firstEvent holds for an event v that is the first of its kind, machine
// and lesson for its delivery: counting those counts deliveries, as the
// stats do (a reader who opens twice counts once). An open or click whose
// delivery kept the time of a first one a rollup folded (rollup.go) is
// not the first: the folded one was counted (a rollup folds only events
// the counts have summed), though it is no longer there to be found.
const firstEvent = `(v.delivery_id = 0 OR NOT EXISTS (SELECT 1 FROM events p WHERE p.delivery_id = v.delivery_id
	AND p.kind = v.kind AND p.machine = v.machine AND p.slug = v.slug AND p.id < v.id)
	AND (v.kind NOT IN ('open', 'click') OR NOT EXISTS (SELECT 1 FROM deliveries f WHERE f.id = v.delivery_id
		AND CASE WHEN v.kind = 'open' AND v.machine = 0 THEN f.first_open_at WHEN v.kind = 'open' THEN f.first_machine_open_at
			WHEN v.machine = 0 THEN f.first_click_at ELSE f.first_machine_click_at END > 0)))`

// rolledFirsts are the rows (course, slug, what, machine) of the opens
// and clicks a rollup folded, one per delivery and kind, as its first-time
// columns keep them; where narrows the deliveries d.
func rolledFirsts(where string) string {
	q := ""
	for i, k := range []struct{ col, what, machine string }{
		{"first_open_at", "event:open", "0"}, {"first_machine_open_at", "event:open", "1"},
		{"first_click_at", "event:click", "0"}, {"first_machine_click_at", "event:click", "1"},
	} {
		if i > 0 {
			q += " UNION ALL "
		}
		q += "SELECT coalesce(e.course, '') AS course, d.slug AS slug, '" + k.what + "' AS what, " + k.machine + ` AS machine
			FROM deliveries d LEFT JOIN enrollments e ON e.id = d.enrollment_id WHERE d.` + k.col + " > 0 AND " + where
	}
	return q
}

// sqlUncountRolled takes a reader's (?1) folded opens and clicks out of
// the counts: their events are gone, so the events' sums cannot.
var sqlUncountRolled = `INSERT INTO lesson_counts (course, slug, what, machine, n)
	SELECT course, slug, what, machine, -count(*) FROM (` + rolledFirsts("d.subscriber_id = ?1") + `) r
	GROUP BY course, slug, what, machine
	ON CONFLICT (course, slug, what, machine) DO UPDATE SET n = lesson_counts.n + excluded.n`

// countBatch bounds the rows one advance sums, so a database upgraded with
// a long history is summed over several housekeeping runs.
const countBatch = 200_000

// countLag is how old a mark's candidate must be before the mark moves to
// it. On PostgreSQL a transaction may commit an id below one already
// visible; no transaction of the store stays open for minutes. SQLite's
// single writer sees every id in order.
func (db *DB) countLag() int64 {
	if db.d.postgres() {
		return 600
	}
	return 0
}

// countSums are the statements that add (sign "") or take away (sign "-")
// the rows a where clause picks: %[1]s is the sign, %[2]s the clause on
// deliveries d or events v.
var countSums = map[string][]string{
	"deliveries": {
		`INSERT INTO lesson_counts (course, slug, what, machine, n)
		SELECT e.course, d.slug, d.status, 0, %[1]scount(*) FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id
		WHERE %[2]s GROUP BY e.course, d.slug, d.status
		ON CONFLICT (course, slug, what, machine) DO UPDATE SET n = lesson_counts.n + excluded.n`,
		`INSERT INTO sent_days (course, day, n)
		SELECT e.course, d.sent_at / 86400, %[1]scount(*) FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id
		WHERE %[2]s AND d.sent_at > 0 GROUP BY e.course, d.sent_at / 86400
		ON CONFLICT (course, day) DO UPDATE SET n = sent_days.n + excluded.n`,
	},
	"events": {
		`INSERT INTO lesson_counts (course, slug, what, machine, n)
		SELECT coalesce(e.course, ''), v.slug, 'event:' || v.kind, v.machine, %[1]scount(*) FROM events v
		LEFT JOIN deliveries d ON d.id = v.delivery_id LEFT JOIN enrollments e ON e.id = d.enrollment_id
		WHERE %[2]s AND v.slug != '' AND ` + firstEvent + `
		GROUP BY coalesce(e.course, ''), v.slug, v.kind, v.machine
		ON CONFLICT (course, slug, what, machine) DO UPDATE SET n = lesson_counts.n + excluded.n`,
	},
}

// countRange is the where clause of rows after one mark, up to another.
var countRange = map[string]string{"deliveries": "d.id > ? AND d.id <= ?", "events": "v.id > ? AND v.id <= ?"}

// AdvanceCounts sums the deliveries and events recorded since the marks
// into the counts, at most countBatch of each; housekeeping runs it.
func (db *DB) AdvanceCounts(ctx context.Context, now time.Time) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, name := range []string{"deliveries", "events"} {
			if err := db.advance(ctx, tx, name, unix(now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: counts: %w", err)
	}
	return nil
}

// advance moves one table's mark on, summing the rows it passes.
func (db *DB) advance(ctx context.Context, tx *sql.Tx, name string, now int64) error {
	var upto, cand, candAt int64
	err := tx.QueryRowContext(ctx, "SELECT upto, candidate, candidate_at FROM count_marks WHERE name = ?"+db.d.forUpdate, name).
		Scan(&upto, &cand, &candAt)
	if err != nil {
		return err
	}
	was := [3]int64{upto, cand, candAt}
	lag := db.countLag()
	if cand <= upto || lag == 0 { // caught up with the candidate: take a new one
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM "+name).Scan(&cand); err != nil {
			return err
		}
		candAt = now
	}
	if now-candAt >= lag && cand > upto {
		if upto, err = db.sumUpTo(ctx, tx, name, upto, min(cand, upto+countBatch)); err != nil {
			return err
		}
	}
	if [3]int64{upto, cand, candAt} == was {
		return nil
	}
	_, err = tx.ExecContext(ctx, "UPDATE count_marks SET upto = ?, candidate = ?, candidate_at = ? WHERE name = ?", upto, cand, candAt, name)
	return err
}

// sumUpTo sums the rows after upto up to hi (deliveries: up to the first
// unsettled one) and returns the new mark.
func (db *DB) sumUpTo(ctx context.Context, tx *sql.Tx, name string, upto, hi int64) (int64, error) {
	if name == "deliveries" {
		var open sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT min(id) FROM deliveries WHERE id > ? AND id <= ? AND status IN ('sending', 'retry')",
			upto, hi).Scan(&open); err != nil {
			return upto, err
		}
		if open.Valid {
			hi = open.Int64 - 1
		}
	}
	if hi <= upto {
		return upto, nil
	}
	for _, q := range countSums[name] {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(q, "", countRange[name]), upto, hi); err != nil {
			return upto, err
		}
	}
	return hi, nil
}

// uncount takes a reader's summed rows out of the counts, and their
// opens and clicks a rollup folded, in the transaction that erases them,
// so the figures stay those of the rows there are.
func (db *DB) uncount(ctx context.Context, tx *sql.Tx, subscriberID int64) error {
	for _, c := range []struct{ name, where string }{
		{"deliveries", "d.subscriber_id = ? AND d.id <= ?"}, {"events", "v.subscriber_id = ? AND v.id <= ?"},
	} {
		var upto int64
		if err := tx.QueryRowContext(ctx, "SELECT upto FROM count_marks WHERE name = ?"+db.d.forUpdate, c.name).Scan(&upto); err != nil {
			return err
		}
		for _, q := range countSums[c.name] {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(q, "-", c.where), subscriberID, upto); err != nil {
				return fmt.Errorf("store: uncount: %w", err)
			}
		}
	}
	// Every folded event was summed (rollUpBatch stops at the mark), so
	// each kept first time was counted once, whatever the marks are now.
	if _, err := tx.ExecContext(ctx, sqlUncountRolled, subscriberID); err != nil {
		return fmt.Errorf("store: uncount: %w", err)
	}
	return nil
}

// restartCounts empties the counts and puts their marks back at zero, to
// be summed again from the rows, starting from the opens and clicks a
// rollup folded (their events are gone): what a copy's destination needs,
// whose rows came from another database's counts.
func restartCounts(ctx context.Context, tx *sql.Tx) error {
	for _, q := range []string{"DELETE FROM lesson_counts", "DELETE FROM sent_days",
		"UPDATE count_marks SET upto = 0, candidate = 0, candidate_at = 0",
		`INSERT INTO lesson_counts (course, slug, what, machine, n)
		SELECT course, slug, what, machine, count(*) FROM (` + rolledFirsts("d.id > 0") + `) r GROUP BY course, slug, what, machine`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("restart counts: %w", err)
		}
	}
	return nil
}

// countMarks reads both marks in the read transaction tx.
func countMarks(ctx context.Context, tx *sql.Tx) (deliveries, events int64, err error) {
	rows, err := tx.QueryContext(ctx, "SELECT name, upto FROM count_marks")
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var upto int64
		if err := rows.Scan(&name, &upto); err != nil {
			return 0, 0, err
		}
		if name == "events" {
			events = upto
		} else {
			deliveries = upto
		}
	}
	return deliveries, events, rows.Err()
}

// readTx begins a read-only transaction that sees one snapshot: the
// counts and the rows after their marks must agree.
func (db *DB) readTx(ctx context.Context) (*sql.Tx, error) {
	if db.d.postgres() {
		return db.r.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	return db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // a deferred BEGIN: its snapshot is its first read's
}

// eachRowIn is eachRow inside a transaction.
func eachRowIn(ctx context.Context, tx *sql.Tx, query string, fn func(scan func(...any) error) error, args ...any) error {
	return eachRowOf(ctx, tx, query, fn, args...)
}

// CountsBehind is how many deliveries and events lie after the marks, by
// their IDs: what a read adds to the summed counts.
func (db *DB) CountsBehind(ctx context.Context) (int64, error) {
	var n int64
	err := db.r.QueryRowContext(ctx, `SELECT (SELECT coalesce(max(id), 0) FROM deliveries) - (SELECT upto FROM count_marks WHERE name = 'deliveries')
		+ (SELECT coalesce(max(id), 0) FROM events) - (SELECT upto FROM count_marks WHERE name = 'events')`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: counts: %w", err)
	}
	return n, nil
}
