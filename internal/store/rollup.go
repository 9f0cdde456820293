package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"
)

// Rolling up old opens and clicks. Each fetch of a tracking pixel or a
// tracked link is an event row, so the events table grows with every
// reader's every open, forever. After a retention period (the caller's
// cutoff) housekeeping folds open and click events into daily counts per
// course, lesson, kind and kind of client (event_days) and deletes them.
// The stats count deliveries opened or clicked, not fetches: before its
// events go, each delivery keeps the time of the first event of each
// kind folded away (deliveries.first_open_at and its three siblings), and
// the stats' counts (counts.go) hold the folded events, and those columns
// keep a later event of the same kind from counting its delivery again,
// so every figure is the same after a rollup as before.
//
// Events are rolled up in id order from a high-water mark kept in the
// settings table (keyRolledThrough), never past the events the stats'
// counts have summed (count_marks), a batch per transaction: the mark's
// row is locked for the batch, so of several instances one rolls up a
// batch and the others wait for it and go on from its mark. An open or
// click that is still young stops the batch: events are appended in time
// order, so everything after it is young too (one recorded out of order
// waits for the next rollup past it).

// keyRolledThrough holds the largest event id a rollup has passed over.
const keyRolledThrough = "events_rolled_through"

// RollupBatch is how many events one rollup transaction reads: a few
// thousand rows deleted and a few thousand deliveries marked, committed
// in well under a second, so dispatch and signups wait little behind it.
const RollupBatch = 5000

// rollable are the event kinds a rollup folds: the tracked ones, which
// come in any number per delivery. Every other kind is kept, whatever
// its age.
const rollable = "v.kind IN ('open', 'click') AND v.delivery_id > 0 AND v.at < ?3"

// RollUpEvents folds open and click events recorded before cutoff into
// daily counts, a batch per transaction, until none is left or budget
// has passed, and returns how many it folded and whether any may be left.
func (db *DB) RollUpEvents(ctx context.Context, cutoff time.Time, budget time.Duration) (folded int64, more bool, err error) {
	stop := time.Now().Add(budget)
	for {
		n, full, err := db.rollUpBatch(ctx, cutoff)
		folded += n
		if err != nil {
			return folded, true, fmt.Errorf("store: roll up events: %w", friendly(err))
		}
		if !full {
			return folded, false, nil
		}
		if time.Now().After(stop) || ctx.Err() != nil {
			return folded, true, nil
		}
	}
}

// rollUpBatch folds the rollable events among the next RollupBatch after
// the mark. full says the batch was full and nothing young stopped it:
// there may be more.
func (db *DB) rollUpBatch(ctx context.Context, cutoff time.Time) (n int64, full bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		n, full = 0, false // a retried transaction starts afresh
		mark, err := lockMark(ctx, db, tx)
		if err != nil {
			return err
		}
		counted, err := countedEvents(ctx, db, tx)
		if err != nil {
			return err
		}
		var upto int64
		if upto, full, err = rollUpTo(ctx, tx, mark, counted, cutoff); err != nil || upto == mark {
			return err
		}
		if n, err = foldEvents(ctx, tx, mark, upto, cutoff); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE settings SET value = ? WHERE key = ?", strconv.FormatInt(upto, 10), keyRolledThrough)
		return err
	})
	return n, full, err
}

// lockMark reads the high-water mark, locking its row for the
// transaction (made the first time).
func lockMark(ctx context.Context, db *DB, tx *sql.Tx) (int64, error) {
	if _, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, '0') ON CONFLICT (key) DO NOTHING", keyRolledThrough); err != nil {
		return 0, err
	}
	var v string
	if err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?"+db.d.forUpdate, keyRolledThrough).Scan(&v); err != nil {
		return 0, err
	}
	mark, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("the rollup's mark %q: %w", v, err)
	}
	return mark, nil
}

// countedEvents reads the mark up to which the stats' counts have summed
// the events (counts.go), locking it for the transaction: an event is
// folded only once it is counted, so its delivery's first-time column
// stands for an event the counts hold, and an erasure's uncount (which
// locks the mark too) sees the batch whole or not at all.
func countedEvents(ctx context.Context, db *DB, tx *sql.Tx) (int64, error) {
	var upto int64
	err := tx.QueryRowContext(ctx, "SELECT upto FROM count_marks WHERE name = 'events'"+db.d.forUpdate).Scan(&upto)
	return upto, err
}

// rollUpTo reads the next RollupBatch events after mark, up to counted,
// in id order, and returns the id the batch may roll up through: the last
// one read, or the one before the first open or click not older than
// cutoff.
func rollUpTo(ctx context.Context, tx *sql.Tx, mark, counted int64, cutoff time.Time) (upto int64, full bool, err error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, kind, at FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?", mark, counted, RollupBatch)
	if err != nil {
		return 0, false, err
	}
	defer rows.Close()
	upto, read, young := mark, 0, unix(cutoff)
	for rows.Next() {
		var id, at int64
		var kind string
		if err := rows.Scan(&id, &kind, &at); err != nil {
			return 0, false, err
		}
		if (kind == "open" || kind == "click") && at >= young {
			return upto, false, rows.Err()
		}
		upto, read = id, read+1
	}
	return upto, read == RollupBatch, rows.Err()
}

// foldFirstsSQL keeps, on each delivery, the first time of each kind of
// event folded, over the rollable events with ids in (?1, ?2] recorded
// before ?3.
func foldFirstsSQL() string {
	return `UPDATE deliveries SET
		first_open_at = ` + earliest("first_open_at", "r.o") + `,
		first_machine_open_at = ` + earliest("first_machine_open_at", "r.mo") + `,
		first_click_at = ` + earliest("first_click_at", "r.c") + `,
		first_machine_click_at = ` + earliest("first_machine_click_at", "r.mc") + `
		FROM (SELECT v.delivery_id,
			coalesce(min(CASE WHEN v.kind = 'open' AND v.machine = 0 THEN v.at END), 0) AS o,
			coalesce(min(CASE WHEN v.kind = 'open' AND v.machine != 0 THEN v.at END), 0) AS mo,
			coalesce(min(CASE WHEN v.kind = 'click' AND v.machine = 0 THEN v.at END), 0) AS c,
			coalesce(min(CASE WHEN v.kind = 'click' AND v.machine != 0 THEN v.at END), 0) AS mc
			FROM events v WHERE v.id > ?1 AND v.id <= ?2 AND ` + rollable + ` GROUP BY v.delivery_id) r
		WHERE deliveries.id = r.delivery_id`
}

// The other two steps of a fold, over the same events.
const (
	// The course is the delivery's, as the stats find it; an event whose
	// delivery is gone keeps the course it names.
	sqlFoldDays = `INSERT INTO event_days (day, course, slug, kind, machine, events)
		SELECT v.at - v.at % 86400, coalesce(e.course, v.course), v.slug, v.kind, v.machine, count(*)
		FROM events v LEFT JOIN deliveries d ON d.id = v.delivery_id LEFT JOIN enrollments e ON e.id = d.enrollment_id
		WHERE v.id > ?1 AND v.id <= ?2 AND ` + rollable + `
		GROUP BY v.at - v.at % 86400, coalesce(e.course, v.course), v.slug, v.kind, v.machine
		ON CONFLICT (day, course, slug, kind, machine) DO UPDATE SET events = event_days.events + excluded.events`
	sqlFoldDelete = "DELETE FROM events WHERE id IN (SELECT v.id FROM events v WHERE v.id > ?1 AND v.id <= ?2 AND " + rollable + ")"
)

// earliest is the SQL of a first-time column updated with a time t that
// is 0 when there is none.
func earliest(col, t string) string {
	return "CASE WHEN " + t + " > 0 AND (deliveries." + col + " = 0 OR " + t + " < deliveries." + col + ") THEN " + t + " ELSE deliveries." + col + " END"
}

// foldEvents folds the rollable events in (mark, upto] and returns how
// many it deleted.
func foldEvents(ctx context.Context, tx *sql.Tx, mark, upto int64, cutoff time.Time) (int64, error) {
	args := []any{mark, upto, unix(cutoff)}
	for _, q := range []string{foldFirstsSQL(), sqlFoldDays} {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return 0, err
		}
	}
	res, err := tx.ExecContext(ctx, sqlFoldDelete, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// EventDay is one day's count of one kind of event of one lesson, after
// a rollup.
type EventDay struct {
	Day     time.Time `json:"day"`
	Course  string    `json:"course"`
	Lesson  string    `json:"lesson"`
	Kind    string    `json:"kind"`
	Machine bool      `json:"machine"`
	Events  int64     `json:"events"`
}

// EventDays returns the daily counts of a course's rolled-up events,
// oldest first.
func (db *DB) EventDays(ctx context.Context, course string) ([]EventDay, error) {
	var out []EventDay
	err := db.eachRow(ctx, `SELECT day, course, slug, kind, machine, events FROM event_days WHERE course = ?
		ORDER BY day, slug, kind, machine`, func(scan func(...any) error) error {
		var d EventDay
		var day int64
		if err := scan(&day, &d.Course, &d.Lesson, &d.Kind, &d.Machine, &d.Events); err != nil {
			return err
		}
		d.Day = fromUnix(day)
		out = append(out, d)
		return nil
	}, course)
	if err != nil {
		return nil, fmt.Errorf("store: event days: %w", err)
	}
	return out, nil
}
