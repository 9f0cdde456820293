package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Keys in the settings table used by the admin pages. Sessions are kept
// there too, one row each, so the admin needs no schema of its own.
const (
	KeyAdminPasswordHash = "admin_password_hash"
	adminSessionPrefix   = "admin_session:"
)

// Setting returns the value stored under key, and whether there is one.
func (db *DB) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := db.r.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: setting %s: %w", key, friendly(err))
	}
	return v, true, nil
}

// SetAdminPassword stores the hash of the admin password. When it replaces
// a different hash, every admin session ends: whoever knew the old
// password must log in again.
func (db *DB) SetAdminPassword(ctx context.Context, hash string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE settings.value != excluded.value`, KeyAdminPasswordHash, hash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM settings WHERE substr(key, 1, ?) = ?", len(adminSessionPrefix), adminSessionPrefix)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: set admin password: %w", err)
	}
	return nil
}

// KeySigningSecret holds the link-signing secret when instances share a
// PostgreSQL database: every instance must verify the links any of them
// signed.
const KeySigningSecret = "signing_secret"

// KeyInstancesStarted records when dripcourse first ran on a PostgreSQL
// database: from then on, migrate-store must not copy into it.
const KeyInstancesStarted = "instances_started_at"

// InitSetting stores value under key unless a value is there already, and
// returns the value in force: instances starting together agree on one.
func (db *DB) InitSetting(ctx context.Context, key, value string) (string, error) {
	if _, err := db.w.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, value); err != nil {
		return "", fmt.Errorf("store: init setting: %w", friendly(err))
	}
	v, _, err := db.Setting(ctx, key)
	return v, err
}

// InitAdminPassword stores hash only if no admin password is stored yet,
// and reports whether it did. Two processes starting at once cannot both
// believe their generated password is the one in force.
func (db *DB) InitAdminPassword(ctx context.Context, hash string) (bool, error) {
	res, err := db.w.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", KeyAdminPasswordHash, hash)
	if err != nil {
		return false, fmt.Errorf("store: init admin password: %w", friendly(err))
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

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
