package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// KeyDefaultCourse holds the slug of the course that rows and links made
// without a course mean (PinDefaultCourse).
const KeyDefaultCourse = "default_course"

// PinDefaultCourse returns the course that a confirmation, a signup form
// or a link without a course means, fixing it the first time it is asked:
// for a database made when dripcourse served one course, that course (the
// one its enrollments are in); for any other, fallback, the first course
// of the set at the time. Adding or renaming courses later never changes
// what an old link does.
func (db *DB) PinDefaultCourse(ctx context.Context, fallback string) (string, error) {
	if v, ok, err := db.Setting(ctx, KeyDefaultCourse); err != nil || ok {
		return v, err
	}
	slug := fallback
	err := db.r.QueryRowContext(ctx, "SELECT course FROM enrollments ORDER BY id LIMIT 1").Scan(&slug)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: default course: %w", friendly(err))
	}
	return db.InitSetting(ctx, KeyDefaultCourse, slug)
}

// SetSetting stores value under key, replacing any value there.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: set setting %s: %w", key, friendly(err))
	}
	return nil
}

// SettingsWithPrefix returns the settings whose keys start with prefix,
// by key.
func (db *DB) SettingsWithPrefix(ctx context.Context, prefix string) (map[string]string, error) {
	out := map[string]string{}
	err := db.eachRow(ctx, "SELECT key, value FROM settings WHERE substr(key, 1, ?) = ?", func(scan func(...any) error) error {
		var k, v string
		if err := scan(&k, &v); err != nil {
			return err
		}
		out[k] = v
		return nil
	}, len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("store: settings %s*: %w", prefix, err)
	}
	return out, nil
}

// DeleteSetting removes the setting under key, if there is one.
func (db *DB) DeleteSetting(ctx context.Context, key string) error {
	if _, err := db.w.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", key); err != nil {
		return fmt.Errorf("store: delete setting %s: %w", key, friendly(err))
	}
	return nil
}
