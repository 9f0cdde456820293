package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// A group of signups on PostgreSQL goes to the server in one round trip:
// the BEGIN, each signup's two statements (pgsignup.go) and the COMMIT,
// pipelined. Every wake-up of a server process sharing the cores costs
// CPU of its own, on both sides: with one statement a round trip, a
// signup cost about twice as much. The server runs what a round trip
// carries in order, so a signup's reads still begin after its inbox's
// lock is held, and see what the signup that held it committed.
// database/sql has no pipelines, so the group runs on the connection
// underneath (pgx).

// pipeSignups runs group in one transaction on a connection of the
// keyed pool and returns each signup's result. Any error abandons the
// whole group.
func (db *DB) pipeSignups(ctx context.Context, group []signupReq) ([]SignupResult, error) {
	conn, err := db.keyed.Conn(ctx)
	if err != nil {
		return nil, friendly(err)
	}
	defer conn.Close()
	var results []SignupResult
	err = conn.Raw(func(dc any) error {
		pc := dc.(rebindConn).pgConn.(*stdlib.Conn).Conn()
		results, err = db.pipeline(ctx, pc, group)
		if err == nil {
			return nil
		}
		// The connection goes back to the pool only outside a
		// transaction; if even the rollback fails, it is dropped.
		if _, rerr := pc.Exec(ctx, "ROLLBACK"); rerr != nil {
			return errors.Join(err, driver.ErrBadConn)
		}
		return err
	})
	return results, friendly(err)
}

// pipeline sends group's statements in one round trip and reads their
// answers.
func (db *DB) pipeline(ctx context.Context, c *pgx.Conn, group []signupReq) ([]SignupResult, error) {
	results := make([]SignupResult, len(group))
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	for i, req := range group {
		db.queueSignup(b, req.s, &results[i])
	}
	b.Queue("COMMIT")
	if err := c.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("store: subscribe: %w", err)
	}
	return results, nil
}

// queueSignup queues a signup's statements, which fill res when the
// batch is read.
func (db *DB) queueSignup(b *pgx.Batch, s Signup, res *SignupResult) {
	s.Email = canonicalOr(s.Email)
	key, box := EmailKey(s.Email), MailboxKey(s.Email)
	keys, until := onceArrays(s.OneUse)
	db.trace(pgInboxLock)
	b.Queue(rebind(pgInboxLock), box)
	db.trace(pgSignup)
	b.Queue(rebind(pgSignup), key, s.Course, hashKey(key), oldRuleHash(s.Email), box,
		unix(s.At.Add(-s.ConfirmWindow)), max(s.MaxPerHour, 0)-1, unix(s.At.Add(-time.Hour)),
		keys, until, unix(s.At), int64(len(s.OneUse)), s.MaxConfirmations, s.Email, s.Name, s.Timezone, SignupAgain).
		QueryRow(func(r pgx.Row) error {
			var fresh bool
			if err := r.Scan(&fresh, &res.SubscriberID, &res.Created, &res.Suppressed, &res.Held, &res.Queued); err != nil {
				return err
			}
			if !fresh {
				*res = SignupResult{Replayed: true}
			}
			return nil
		})
}

// onceArrays are a signup's one-use values as pgSignup's arrays, each
// value once: a value given twice is spent once, and the signup counts
// as replayed.
func onceArrays(uses []OneUse) ([]string, []int64) {
	keys, until := make([]string, 0, len(uses)), make([]int64, 0, len(uses))
	for _, u := range uses {
		if k := onceKey(u.Key, u.Until); !slices.Contains(keys, k) {
			keys, until = append(keys, k), append(until, unix(u.Until))
		}
	}
	return keys, until
}
