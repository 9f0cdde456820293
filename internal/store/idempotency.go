package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Idempotent is what BeginIdempotent found for a key.
type Idempotent struct {
	// Started: this request holds the key and runs; it must end with
	// FinishIdempotent or AbandonIdempotent. Otherwise the key is
	// another request's: Status 0 while that one still runs, else its
	// answer, to replay.
	Started     bool
	RequestHash string
	Status      int
	ContentType string
	Body        []byte
}

// BeginIdempotent takes the Idempotency-Key idem of API key keyID for a
// request whose method, path and body hash to hash, or returns what holds
// it: a request still running, or the answer of an earlier one (the
// caller compares hashes: the same key with another request is refused).
// A key lives for life; a running request holds it at most for lock, so
// that a crashed one does not block its retries.
func (db *DB) BeginIdempotent(ctx context.Context, keyID int64, idem, hash string, now time.Time, lock, life time.Duration) (Idempotent, error) {
	var out Idempotent
	err := db.tx(ctx, func(tx *sql.Tx) error {
		out = Idempotent{} // a retried transaction starts afresh
		res, err := tx.ExecContext(ctx, `INSERT INTO api_idempotency (key_id, idem_key, request_hash, locked_until, expires_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (key_id, idem_key) DO UPDATE SET request_hash = excluded.request_hash, status = 0, content_type = '', body = '',
				locked_until = excluded.locked_until, expires_at = excluded.expires_at
			WHERE api_idempotency.expires_at <= ? OR (api_idempotency.status = 0 AND api_idempotency.locked_until <= ?)`,
			keyID, idem, hash, unix(now.Add(lock)), unix(now.Add(life)), unix(now), unix(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			out = Idempotent{Started: true, RequestHash: hash}
			return nil
		}
		var body string
		err = tx.QueryRowContext(ctx, "SELECT request_hash, status, content_type, body FROM api_idempotency WHERE key_id = ? AND idem_key = ?",
			keyID, idem).Scan(&out.RequestHash, &out.Status, &out.ContentType, &body)
		out.Body = []byte(body)
		return err
	})
	if err != nil {
		return Idempotent{}, fmt.Errorf("store: idempotency key: %w", err)
	}
	return out, nil
}

// FinishIdempotent keeps the answer of the request that holds the key.
func (db *DB) FinishIdempotent(ctx context.Context, keyID int64, idem string, status int, contentType string, body []byte) error {
	_, err := db.w.ExecContext(ctx, "UPDATE api_idempotency SET status = ?, content_type = ?, body = ? WHERE key_id = ? AND idem_key = ? AND status = 0",
		status, contentType, string(body), keyID, idem)
	if err != nil {
		return fmt.Errorf("store: idempotency key: %w", friendly(err))
	}
	return nil
}

// AbandonIdempotent frees a key whose request ended without an answer
// worth replaying (a server error): a retry runs again.
func (db *DB) AbandonIdempotent(ctx context.Context, keyID int64, idem string) error {
	_, err := db.w.ExecContext(ctx, "DELETE FROM api_idempotency WHERE key_id = ? AND idem_key = ? AND status = 0", keyID, idem)
	if err != nil {
		return fmt.Errorf("store: idempotency key: %w", friendly(err))
	}
	return nil
}
