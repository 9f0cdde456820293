package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// The hot write statements, prepared once on the writer connection at
// Open, so that recording an outcome does not parse SQL every time. They
// must be prepared before any transaction: the writer pool has a single
// connection, and a transaction holds it.
const (
	sqlInsertAttempt  = "INSERT INTO attempts (delivery_id, at, code, enhanced, text) VALUES (?, ?, ?, ?, ?)"
	sqlUpdateDelivery = "UPDATE deliveries SET status = ?, attempts = attempts + 1, last_reply = ?, sent_at = ? WHERE id = ?"
	sqlRetryEnroll    = "UPDATE enrollments SET next_due_at = ? WHERE id = ? AND status = 'active'"
	sqlAdvanceEnroll  = `UPDATE enrollments SET last_slug = ?, last_sent_at = ?, next_due_at = ?,
		status = CASE WHEN status = 'active' THEN ? ELSE status END WHERE id = ?`
)

// The signup path's statements. Every signup runs all of them, in this
// order, whatever the address's state: each write is an INSERT ... SELECT
// whose WHERE decides whether a row goes in, so a known address costs
// the same work as a new one, and the time a signup takes tells nothing
// (subscribe in subscribers.go).
const (
	sqlFindSubscriber = "SELECT id, status FROM subscribers WHERE email_key = ?"
	sqlFindEnrollment = `SELECT coalesce((SELECT e.status FROM enrollments e JOIN subscribers s ON s.id = e.subscriber_id
		WHERE s.email_key = ? AND e.course = ?), '')`
	sqlSuppressed     = "SELECT count(*) FROM suppressions WHERE email_hash = ? OR (old_rule = 1 AND email_hash = ?)"
	sqlRecentConfirms = `SELECT count(*) FROM confirmations c JOIN subscribers s ON s.id = c.subscriber_id
		WHERE s.mailbox_key = ? AND c.created_at > ?`
	// The hourly cap is full when the cap-th newest confirmation was
	// queued within the hour: two lookups by id, however many there were.
	// (Ids follow queueing order; an id an erasure freed reads as room for
	// one more.)
	sqlHourFull = `SELECT count(*) FROM form_confirms
		WHERE id = (SELECT coalesce(max(id), 0) FROM form_confirms) - ? AND created_at > ?`
	// A known reader's row is written too: a pending or returning reader
	// gets the name and timezone just typed, an active one keeps theirs.
	sqlUpsertSubscriber = `INSERT INTO subscribers (email, email_key, mailbox_key, name, timezone, status, created_at)
		SELECT ?, ?, ?, ?, ?, 'pending', CAST(? AS BIGINT) WHERE ?
		ON CONFLICT (email_key) DO UPDATE SET
			name = CASE WHEN subscribers.status IN ('pending', 'unsubscribed') THEN excluded.name ELSE subscribers.name END,
			timezone = CASE WHEN subscribers.status IN ('pending', 'unsubscribed') THEN excluded.timezone ELSE subscribers.timezone END,
			status = CASE WHEN subscribers.status = 'unsubscribed' THEN 'pending' ELSE subscribers.status END,
			mailbox_key = excluded.mailbox_key
		RETURNING id`
	sqlSignupEvent = `INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
		SELECT CAST(? AS BIGINT), 0, '', 'signup', 0, ?, CAST(? AS BIGINT), ? WHERE ?`
	// The reader's enrollment in the course waits for the confirmation;
	// one they had left waits again, and one running is left alone.
	sqlPendingEnroll = `INSERT INTO enrollments (subscriber_id, course, status, next_due_at, created_at)
		SELECT CAST(? AS BIGINT), ?, 'pending', 0, CAST(? AS BIGINT) WHERE ?
		ON CONFLICT (subscriber_id, course) DO UPDATE SET status = 'pending' WHERE enrollments.status = 'stopped'`
	sqlQueueConfirm = `INSERT INTO confirmations (subscriber_id, status, due_at, message_id, created_at, course)
		SELECT CAST(? AS BIGINT), 'queued', CAST(? AS BIGINT), '', CAST(? AS BIGINT), ? WHERE ?`
	// The hourly cap counts the confirmations the form queued (sqlHourFull),
	// not those of imports or the operator's actions.
	sqlFormConfirm = `INSERT INTO form_confirms (created_at) SELECT CAST(? AS BIGINT) WHERE ?`
)

// signupStatements are the signup path's statements in the order every
// signup runs them.
var signupStatements = []string{sqlFindSubscriber, sqlFindEnrollment, sqlSuppressed, sqlRecentConfirms, sqlHourFull,
	sqlUpsertSubscriber, sqlSignupEvent, sqlPendingEnroll, sqlQueueConfirm, sqlFormConfirm}

var hotStatements = []string{sqlInsertAttempt, sqlUpdateDelivery, sqlRetryEnroll, sqlAdvanceEnroll, sqlSpend}

// sqlEnrollStatus is the hot read: the sender's last check before it sends.
const sqlEnrollStatus = "SELECT status FROM enrollments WHERE id = ?"

// lockedStatements read a row that the same transaction may go on to
// change: on PostgreSQL they lock it, so a concurrent undo or bounce is
// not overwritten with what was read before it.
var lockedStatements = map[string]bool{sqlFindSubscriber: true}

func (db *DB) prepare(ctx context.Context) error {
	hot := append(slices.Clip(hotStatements), eventStatements...)
	if !db.d.postgres() {
		// PostgreSQL's signups are pipelined, outside database/sql
		// (pgsignup_pipe.go), and prepared by the connection underneath.
		hot = append(hot, signupStatements...)
	}
	db.stmts = make(map[string]*sql.Stmt, len(hot))
	for _, q := range hot {
		text := q
		if lockedStatements[q] {
			text += db.d.forUpdate
		}
		st, err := db.w.PrepareContext(ctx, text)
		if err != nil {
			return fmt.Errorf("store: prepare: %w", err)
		}
		db.stmts[q] = st
	}
	st, err := db.r.PrepareContext(ctx, sqlEnrollStatus)
	if err != nil {
		return fmt.Errorf("store: prepare: %w", err)
	}
	db.stmts[sqlEnrollStatus] = st
	return nil
}

// stmt returns a prepared hot statement bound to tx.
func (db *DB) stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	db.trace(query)
	return tx.StmtContext(ctx, db.stmts[query])
}

// trace tells a test which statement runs next.
func (db *DB) trace(query string) {
	if db.traceStmt != nil {
		db.traceStmt(query)
	}
}

func (db *DB) closeStmts() {
	for _, st := range db.stmts {
		st.Close()
	}
	db.sized.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
}

// A claim's statements list its rows, so their text depends on how many
// it has. Nearly every claim is full, so before each claim the statements
// for a full one are prepared, once, while the writer's one connection is
// free; a claim of any other size runs them as text. Parsing them had been
// 3% of a dispatch pass's CPU.

// maxSized bounds the prepared claim statements: three per claim size.
const maxSized = 12

// The claim's statements for n rows.
func sqlSubscribersIn(n int) string {
	return "SELECT " + subscriberCols + " FROM subscribers WHERE id IN (" + placeholders(n) + ")"
}

func sqlReceivedIn(n int) string {
	return `SELECT enrollment_id, slug, status, message_id, sent_at, first_attempt_at
		FROM deliveries WHERE enrollment_id IN (` + placeholders(n) + `) ORDER BY id`
}

func sqlStartDeliveries(n int) string {
	return `INSERT INTO deliveries (enrollment_id, subscriber_id, slug, status, message_id, created_at, first_attempt_at) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, 'sending', ?, ?, ?), ", n), ", ") +
		` ON CONFLICT (enrollment_id, slug) DO UPDATE SET status = 'sending'
		RETURNING enrollment_id, id, message_id, attempts, first_attempt_at`
}

// claimStmt names one of a claim's statements; claimSQL writes it for n
// rows. The prepared ones are kept by kind and size, so a claim builds a
// statement's text only when it runs one as text.
type claimStmt int

const (
	subscribersIn claimStmt = iota
	receivedIn
	startDeliveries
)

var claimSQL = [...]func(n int) string{subscribersIn: sqlSubscribersIn, receivedIn: sqlReceivedIn, startDeliveries: sqlStartDeliveries}

type sizedKey struct {
	s claimStmt
	n int
}

// prepareClaim prepares the statements of a claim of n rows, unless they
// are ready or too many sizes are. A failure only means they run as text.
func (db *DB) prepareClaim(ctx context.Context, n int) {
	if n > startChunk {
		return
	}
	for s := range claimSQL {
		k := sizedKey{claimStmt(s), n}
		if _, ok := db.sized.Load(k); ok || db.nSized.Load() >= maxSized {
			continue
		}
		st, err := db.w.PrepareContext(ctx, claimSQL[s](n))
		if err != nil {
			continue
		}
		if _, raced := db.sized.LoadOrStore(k, st); raced {
			st.Close() // another claim prepared it meanwhile
			continue
		}
		db.nSized.Add(1)
	}
}

// queryClaim runs statement s for n rows in tx, prepared when it can be.
func (db *DB) queryClaim(ctx context.Context, tx *sql.Tx, s claimStmt, n int, args ...any) (*sql.Rows, error) {
	if st, ok := db.sized.Load(sizedKey{s, n}); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, claimSQL[s](n), args...)
}
