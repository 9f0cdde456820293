package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// APIKey is an API key as it is listed: its name, the prefix that finds
// its row, its scopes and its use, never the key itself. Only a hash of
// the key is kept (package api makes keys and hashes).
type APIKey struct {
	ID         int64
	Name       string
	Prefix     string
	Scopes     []string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// Revoked reports whether the key has been revoked.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// ErrKeyName refuses a second live key of one name.
var ErrKeyName = fmt.Errorf("a key with this name exists: revoke it or choose another name: %w", drip.ErrConflict)

const apiKeyCols = "id, name, prefix, scopes, created_at, last_used_at, revoked_at"

func scanAPIKey(scan func(...any) error, extra ...any) (APIKey, error) {
	var k APIKey
	var scopes string
	var created, used, revoked int64
	err := scan(append([]any{&k.ID, &k.Name, &k.Prefix, &scopes, &created, &used, &revoked}, extra...)...)
	k.Scopes = strings.Fields(scopes)
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = fromUnix(created), fromUnix(used), fromUnix(revoked)
	return k, err
}

// CreateAPIKey stores a new key's name, prefix, hash and scopes.
func (db *DB) CreateAPIKey(ctx context.Context, name, prefix, hash string, scopes []string, at time.Time) (APIKey, error) {
	var k APIKey
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM api_keys WHERE name = ? AND revoked_at = 0", name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrKeyName
		}
		var err error
		k, err = scanAPIKey(tx.QueryRowContext(ctx, `INSERT INTO api_keys (name, prefix, hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)
			RETURNING `+apiKeyCols, name, prefix, hash, strings.Join(scopes, " "), unix(at)).Scan)
		return err
	})
	if err != nil {
		return APIKey{}, fmt.Errorf("store: create API key: %w", err)
	}
	return k, nil
}

// APIKeys lists every key, live ones first, then newest first.
func (db *DB) APIKeys(ctx context.Context) ([]APIKey, error) {
	var out []APIKey
	err := db.eachRow(ctx, "SELECT "+apiKeyCols+" FROM api_keys ORDER BY revoked_at <> 0, id DESC", func(scan func(...any) error) error {
		k, err := scanAPIKey(scan)
		out = append(out, k)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: API keys: %w", err)
	}
	return out, nil
}

// APIKeyByPrefix returns the key with the given prefix and its hash, or
// drip.ErrNotFound.
func (db *DB) APIKeyByPrefix(ctx context.Context, prefix string) (APIKey, string, error) {
	var hash string
	k, err := scanAPIKey(db.r.QueryRowContext(ctx, "SELECT "+apiKeyCols+", hash FROM api_keys WHERE prefix = ?", prefix).Scan, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, "", fmt.Errorf("store: API key: %w", drip.ErrNotFound)
	}
	if err != nil {
		return APIKey{}, "", fmt.Errorf("store: API key: %w", friendly(err))
	}
	return k, hash, nil
}

// RevokeAPIKey revokes the live key named by its id (as text) or its
// name, and returns it. A revoked key is refused at once, by every
// instance: each request reads its key's row.
func (db *DB) RevokeAPIKey(ctx context.Context, idOrName string, at time.Time) (APIKey, error) {
	id, _ := strconv.ParseInt(idOrName, 10, 64)
	var k APIKey
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		k, err = scanAPIKey(tx.QueryRowContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE revoked_at = 0 AND (id = ? OR name = ?)
			RETURNING `+apiKeyCols, unix(at), id, idOrName).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no live API key %q: %w", idOrName, drip.ErrNotFound)
		}
		return err
	})
	if err != nil {
		return APIKey{}, fmt.Errorf("store: revoke API key: %w", err)
	}
	return k, nil
}

// TouchAPIKey records that a key was used at at, unless it was recorded
// less than every ago: a busy key costs one write a minute, not one a
// request.
func (db *DB) TouchAPIKey(ctx context.Context, id int64, at time.Time, every time.Duration) error {
	_, err := db.w.ExecContext(ctx, "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND last_used_at <= ?", unix(at), id, unix(at.Add(-every)))
	if err != nil {
		return fmt.Errorf("store: API key used: %w", friendly(err))
	}
	return nil
}
