package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SeedDue adds n confirmed readers enrolled in course with their first
// lesson due at due, in one transaction. It is for benchmarks and load
// tests, which need many readers fast; email(i) names reader i.
func (db *DB) SeedDue(ctx context.Context, course string, n int, due time.Time, email func(int) string) error {
	return db.SeedDueIn(ctx, []string{course}, n, due, email)
}

// SeedDueIn is SeedDue with the readers spread over courses in turn:
// reader i is enrolled in courses[i % len(courses)].
func (db *DB) SeedDueIn(ctx context.Context, courses []string, n int, due time.Time, email func(int) string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		sub, err := tx.PrepareContext(ctx, `INSERT INTO subscribers (email, email_key, mailbox_key, timezone, status, created_at, confirmed_at)
			VALUES (?, ?, ?, 'UTC', 'active', ?, ?) RETURNING id`)
		if err != nil {
			return err
		}
		defer sub.Close()
		enr, err := tx.PrepareContext(ctx, `INSERT INTO enrollments (subscriber_id, course, status, next_due_at, created_at)
			VALUES (?, ?, 'active', ?, ?)`)
		if err != nil {
			return err
		}
		defer enr.Close()
		at := unix(due)
		for i := range n {
			e := email(i)
			var id int64
			if err := sub.QueryRowContext(ctx, e, EmailKey(e), MailboxKey(e), at, at).Scan(&id); err != nil {
				return err
			}
			if _, err := enr.ExecContext(ctx, id, courses[i%len(courses)], at, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: seed: %w", err)
	}
	if db.d.postgres() {
		// Planner statistics, as autovacuum keeps them on a database in
		// use: without them a claim sorts every due row to find the first.
		if _, err := db.w.ExecContext(ctx, "ANALYZE"); err != nil {
			return fmt.Errorf("store: seed: analyze: %w", err)
		}
	}
	return nil
}
