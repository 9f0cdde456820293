package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Signups share transactions (groupcommit.go): SQLite has one writer, and a
// busy form would otherwise queue one commit per request. Every caller
// gets its answer only after the commit that holds its signup, so what the
// page says is already durable.

// maxSignupGroup caps how many signups share one transaction.
const maxSignupGroup = 32

var errClosed = errors.New("store: closed")

type signupReq struct {
	s    Signup
	box  string // MailboxKey(s.Email): the order of the group's address locks
	resp chan signupResp
}

type signupResp struct {
	res SignupResult
	err error
}

// signupLoops is how many groups may commit at once. SQLite has one
// writer, so one; on PostgreSQL a group waits for its round trip and its
// commit's flush, and when the load fills the groups (groupCommit),
// further groups keep the server busy meanwhile. Their groups take inbox
// locks in one order (commitSignups), so they can't deadlock.
func (db *DB) signupLoops() int {
	if db.d.postgres() {
		return 4
	}
	return 1
}

func (db *DB) startSignups() {
	db.signups = make(chan signupReq)
	db.quit = make(chan struct{})
	db.signupsDone = make(chan struct{})
	go func() {
		groupCommit(db.signups, db.quit, maxSignupGroup, db.signupLoops(), db.commitSignups)
		close(db.signupsDone)
	}()
}

func (db *DB) stopSignups() {
	if db.quit != nil {
		close(db.quit)
		<-db.signupsDone
	}
}

// Subscribe adds a pending reader, or finds the existing one, and queues a
// confirmation email when the reader still needs to confirm and the address
// is under its cap. Readers who unsubscribed start double opt-in again.
func (db *DB) Subscribe(ctx context.Context, s Signup) (SignupResult, error) {
	req := signupReq{s: s, box: MailboxKey(s.Email), resp: make(chan signupResp, 1)}
	select {
	case db.signups <- req:
	case <-db.quit:
		return SignupResult{}, errClosed
	case <-ctx.Done():
		return SignupResult{}, fmt.Errorf("store: subscribe: %w", ctx.Err())
	}
	r := <-req.resp // answered even if ctx ends: the commit may already hold it
	if r.err != nil {
		return SignupResult{}, fmt.Errorf("store: subscribe: %w", r.err)
	}
	return r.res, nil
}

// commitSignups runs a group in one transaction. If any signup fails, the
// transaction is abandoned (SQLite may already have rolled it back, for a
// full disk say) and each signup is run again in a transaction of its own,
// so one failure answers only its own request.
func (db *DB) commitSignups(group []signupReq) {
	ctx := context.Background()
	// Inbox locks (pgSpendAndLock) taken in one order by every instance
	// can't deadlock.
	slices.SortStableFunc(group, func(a, b signupReq) int { return strings.Compare(a.box, b.box) })
	results, err := db.signupGroup(ctx, group)
	for i, req := range group {
		switch {
		case err == nil:
			req.resp <- signupResp{res: results[i]}
		case len(group) > 1:
			res, err := db.signupGroup(ctx, group[i:i+1])
			req.resp <- signupResp{res: res[0], err: err}
		default:
			req.resp <- signupResp{err: err}
		}
	}
}

// signupGroup runs group in one transaction, retried as transactions
// are, and returns each signup's result: pipelined on PostgreSQL
// (pgsignup_pipe.go), one statement at a time on SQLite.
func (db *DB) signupGroup(ctx context.Context, group []signupReq) ([]SignupResult, error) {
	results := make([]SignupResult, len(group))
	if db.d.postgres() {
		for try := 1; ; try++ {
			piped, err := db.pipeSignups(ctx, group)
			if err == nil {
				return piped, nil
			}
			if try == 5 || !pgRetryable(err) {
				return results, err
			}
		}
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for i, req := range group {
			res, err := db.subscribe(ctx, tx, req.s)
			if err != nil {
				return err
			}
			results[i] = res
		}
		return nil
	})
	return results, err
}
