package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"
)

// deleteExpiredSessions removes admin sessions that ended by now. CASE,
// not AND: PostgreSQL may evaluate AND's operands in any order, and other
// settings' values are not numbers.
func deleteExpiredSessions(ctx context.Context, x execer, now time.Time) (int64, error) {
	res, err := x.ExecContext(ctx, `DELETE FROM settings
		WHERE CASE WHEN substr(key, 1, ?) = ? THEN CAST(value AS BIGINT) <= ? ELSE false END`,
		len(adminSessionPrefix), adminSessionPrefix, unix(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CreateAdminSession records a session, known by the hash of its secret
// ID, valid until expires. Expired sessions are cleared on the way.
func (db *DB) CreateAdminSession(ctx context.Context, idHash string, expires, now time.Time) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := deleteExpiredSessions(ctx, tx, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", adminSessionPrefix+idHash, strconv.FormatInt(unix(expires), 10))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: create admin session: %w", err)
	}
	return nil
}

// AdminSession reports whether the session with the given ID hash exists
// and has not expired at now.
func (db *DB) AdminSession(ctx context.Context, idHash string, now time.Time) (bool, error) {
	v, ok, err := db.Setting(ctx, adminSessionPrefix+idHash)
	if err != nil || !ok {
		return false, err
	}
	exp, err := strconv.ParseInt(v, 10, 64)
	return err == nil && exp > unix(now), nil
}

// EndAdminSession deletes a session; ending one that is gone is harmless.
func (db *DB) EndAdminSession(ctx context.Context, idHash string) error {
	if _, err := db.w.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", adminSessionPrefix+idHash); err != nil {
		return fmt.Errorf("store: end admin session: %w", friendly(err))
	}
	return nil
}
