package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Replays remembers the one-use values of signed webhook requests (a
// Mailgun token, a generic request's signature) in the database, so that
// instances sharing it refuse a replayed request together. It satisfies
// the bounce provider package's Replays.
type Replays struct {
	db  *DB
	now func() time.Time
	// Failed, when set, is told of a database error; the request is then
	// refused, and its sender tries again later.
	Failed func(error)
}

// Replays returns the database's replay memory; now is the clock.
func (db *DB) Replays(now func() time.Time) *Replays {
	return &Replays{db: db, now: now}
}

// Use records key until expires and reports whether it was new (or its
// earlier use had expired).
func (r *Replays) Use(key string, expires time.Time) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var one int
	err := r.db.w.QueryRowContext(ctx, `INSERT INTO webhook_replays (replay_key, expires_at) VALUES (?, ?)
		ON CONFLICT (replay_key) DO UPDATE SET expires_at = excluded.expires_at WHERE webhook_replays.expires_at <= ?
		RETURNING 1`, key, unix(expires), unix(r.now())).Scan(&one)
	if err != nil && !errors.Is(err, sql.ErrNoRows) && r.Failed != nil {
		r.Failed(friendly(err))
	}
	return err == nil
}

// Forget drops key, for a request whose reports were not recorded.
func (r *Replays) Forget(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := r.db.w.ExecContext(ctx, "DELETE FROM webhook_replays WHERE replay_key = ?", key); err != nil && r.Failed != nil {
		r.Failed(friendly(err))
	}
}
