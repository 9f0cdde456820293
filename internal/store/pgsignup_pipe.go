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

// A group of signups on PostgreSQL is pipelined: each round trip to the
// server carries the writes of one signup with the reads of the next,
// the first also the BEGIN and the last the COMMIT, so a group of n
// signups costs n+1 round trips instead of 3n+2. Every wake-up of a
// server process sharing the cores costs CPU of its own, on both sides:
// one statement a round trip, signups cost about a third more. The
// server runs what a round trip carries in order, so a signup's reads
// still begin after its inbox's lock is held, and see what the signup
// that held it committed. database/sql has no pipelines, so the group
// runs on the connection underneath (pgx).

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

// pipeline sends group's statements, a round trip per signup and one
// more, and reads their answers.
func (db *DB) pipeline(ctx context.Context, c *pgx.Conn, group []signupReq) ([]SignupResult, error) {
	results := make([]SignupResult, len(group))
	facts := make([]pipedFacts, len(group))
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	for i := 0; i <= len(group); i++ {
		if i > 0 {
			db.queueWrite(b, &facts[i-1], &results[i-1])
		}
		if i < len(group) {
			db.queueReads(b, group[i], &facts[i])
		} else {
			b.Queue("COMMIT")
		}
		if err := c.SendBatch(ctx, b).Close(); err != nil {
			return nil, fmt.Errorf("store: subscribe: %w", err)
		}
		b = &pgx.Batch{}
	}
	return results, nil
}

// pipedFacts is what a signup's reads found: whether its one-use values
// were fresh, and the facts its writes are decided by.
type pipedFacts struct {
	s        Signup // with its address in canonical form
	key, box string
	lock     string
	fresh    int
	f        signupFacts
}

// queueReads queues a signup's first two statements (pgSpendAndLock,
// pgSignupFacts), which fill pf when the batch is read.
func (db *DB) queueReads(b *pgx.Batch, req signupReq, pf *pipedFacts) {
	pf.s = req.s
	s := &pf.s
	s.Email = canonicalOr(s.Email)
	pf.key, pf.box = EmailKey(s.Email), MailboxKey(s.Email)
	keys, until := onceArrays(s.OneUse)
	db.trace(pgSpendAndLock)
	b.Queue(rebind(pgSpendAndLock), keys, until, unix(s.At), pf.box).QueryRow(func(r pgx.Row) error {
		return r.Scan(&pf.lock, &pf.fresh)
	})
	db.trace(pgSignupFacts)
	f := &pf.f
	b.Queue(rebind(pgSignupFacts), pf.key, s.Course, hashKey(pf.key), oldRuleHash(s.Email), pf.box,
		unix(s.At.Add(-s.ConfirmWindow)), max(s.MaxPerHour, 0)-1, unix(s.At.Add(-time.Hour))).QueryRow(func(r pgx.Row) error {
		return r.Scan(&f.id, &f.status, &f.enrolled, &f.suppressed, &f.recentToInbox, &f.hourFull)
	})
}

// queueWrite queues a signup's writes (pgSignupWrites), decided by what
// its reads found, and fills res; a signup whose one-use values were
// spent before writes nothing.
func (db *DB) queueWrite(b *pgx.Batch, pf *pipedFacts, res *SignupResult) {
	s := &pf.s
	if pf.fresh != len(s.OneUse) {
		*res = SignupResult{Replayed: true}
		return
	}
	var queue bool
	*res, queue = decideSignup(pf.f, *s)
	detail := ""
	if pf.f.id != 0 {
		detail = SignupAgain
	}
	enroll := !res.Suppressed && s.Course != ""
	db.trace(pgSignupWrites)
	b.Queue(rebind(pgSignupWrites), s.Email, pf.key, pf.box, s.Name, s.Timezone, unix(s.At),
		pf.f.suppressed == 0, detail, s.Course, enroll, queue).QueryRow(func(r pgx.Row) error {
		err := r.Scan(&res.SubscriberID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // suppressed: no row written
		}
		return err
	})
}

// onceArrays are a signup's one-use values as pgSpendAndLock's arrays,
// each value once: a value given twice is spent once, and the signup
// counts as replayed.
func onceArrays(uses []OneUse) ([]string, []int64) {
	keys, until := make([]string, 0, len(uses)), make([]int64, 0, len(uses))
	for _, u := range uses {
		if k := onceKey(u.Key, u.Until); !slices.Contains(keys, k) {
			keys, until = append(keys, k), append(until, unix(u.Until))
		}
	}
	return keys, until
}
