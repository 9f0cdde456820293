package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// OneUse is a value a signup may carry that is accepted once: a captcha
// solution's challenge, a signup form's start stamp. Key names it (with a
// prefix saying what it is), Until is when it expires and its record may
// go. Until must be fixed by the value itself (signed into it), since
// the two together are what is recorded (onceKey).
type OneUse struct {
	Key   string
	Until time.Time
}

// onceKey is the recorded form of a one-use value: its expiry, zero-padded
// so that keys sort by it, then its key. The values are random, so keyed
// by themselves each spend wrote to a random page of the index, a page
// more for every signup of a group commit to write out; keyed by expiry
// first, the signups of a group land on the same few pages, and expired
// records are a range at the start of the index.
func onceKey(key string, until time.Time) string {
	return fmt.Sprintf("%012d %s", unix(until), key)
}

// onceExpired is the key below which every record expired by now.
func onceExpired(now time.Time) string {
	return fmt.Sprintf("%012d", unix(now)+1)
}

// sqlSpend records a one-use value, or takes over the record of one whose
// time has passed; it returns a row only when the value was fresh.
const sqlSpend = `INSERT INTO used_once (use_key, expires_at) VALUES (?, CAST(? AS BIGINT))
	ON CONFLICT (use_key) DO UPDATE SET expires_at = excluded.expires_at WHERE used_once.expires_at <= ?
	RETURNING 1`

// spendAll spends every value of a signup inside its transaction and
// reports whether all were fresh. A value spent here stays spent even when
// another of the same signup was not: a replayed stamp costs its captcha.
func (db *DB) spendAll(ctx context.Context, tx *sql.Tx, uses []OneUse, now time.Time) (bool, error) {
	fresh := true
	for _, u := range uses {
		var one int
		err := db.stmt(ctx, tx, sqlSpend).QueryRowContext(ctx, onceKey(u.Key, u.Until), unix(u.Until), unix(now)).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			fresh = false
		case err != nil:
			return false, err
		}
	}
	return fresh, nil
}

// Spender records one-use values in the database, so that instances
// sharing it accept each once. It satisfies captcha.Spender.
type Spender struct {
	db  *DB
	now func() time.Time
}

// Spender returns the database's one-use memory; now is the clock.
func (db *DB) Spender(now func() time.Time) *Spender {
	return &Spender{db: db, now: now}
}

// Spend records key until the given time and reports whether it was fresh
// (never spent, or its earlier record had expired).
func (s *Spender) Spend(ctx context.Context, key string, until time.Time) (bool, error) {
	var one int
	err := s.db.w.QueryRowContext(ctx, sqlSpend, onceKey(key, until), unix(until), unix(s.now())).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("store: spend: %w", friendly(err))
	}
	return true, nil
}

// formConfirmLife is how long a form confirmation's row is kept: the
// hourly cap reads the last hour, and an hour more leaves room for clocks.
const formConfirmLife = 2 * time.Hour

// sweepOneUse deletes the one-use values that have expired and the form
// confirmations the hourly cap no longer reads.
func (db *DB) sweepOneUse(ctx context.Context, now time.Time) (used, confirms int64, err error) {
	res, err := db.w.ExecContext(ctx, "DELETE FROM used_once WHERE use_key < ?", onceExpired(now))
	if err != nil {
		return 0, 0, fmt.Errorf("store: housekeeping: one-use values: %w", friendly(err))
	}
	used, _ = res.RowsAffected()
	res, err = db.w.ExecContext(ctx, "DELETE FROM form_confirms WHERE created_at <= ?", unix(now.Add(-formConfirmLife)))
	if err != nil {
		return used, 0, fmt.Errorf("store: housekeeping: form confirmations: %w", friendly(err))
	}
	confirms, _ = res.RowsAffected()
	return used, confirms, nil
}
