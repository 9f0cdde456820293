package store

import (
	"context"
	"database/sql"
	"time"
)

// On PostgreSQL a claim's statements take arrays (ANY, unnest), so each
// has one text whatever the claim's size, planned once per connection,
// and every change a claim makes to its batch is one statement: a claim
// costs the same handful of round trips whether its readers get a lesson,
// wait for their window or have finished. SQLite keeps its lists of
// parameters (stmts.go) and its per-row statements, which are calls into
// the same process.

const (
	pgSubscribersAny = "SELECT " + subscriberCols + " FROM subscribers WHERE id = ANY(?::bigint[])"
	pgReceivedAny    = `SELECT enrollment_id, slug, status, message_id, sent_at, first_attempt_at
		FROM deliveries WHERE enrollment_id = ANY(?::bigint[]) ORDER BY enrollment_id, id`
	pgStartDeliveries = `INSERT INTO deliveries (enrollment_id, subscriber_id, slug, status, message_id, created_at, first_attempt_at)
		SELECT e, s, slug, 'sending', mid, CAST(?2 AS BIGINT), CAST(?2 AS BIGINT)
		FROM unnest(?1::bigint[], ?3::bigint[], ?4::text[], ?5::text[]) AS j(e, s, slug, mid)
		ON CONFLICT (enrollment_id, slug) DO UPDATE SET status = 'sending'
		RETURNING enrollment_id, id, message_id, attempts, first_attempt_at`
	// A reader with nothing to send now is due again later; a send of
	// theirs cut short by a crash waits as a retry meanwhile.
	pgPutOff = `WITH later AS (
		UPDATE enrollments e SET next_due_at = l.due FROM unnest(?::bigint[], ?::bigint[]) AS l(id, due)
		WHERE e.id = l.id RETURNING e.id)
	UPDATE deliveries SET status = 'retry' WHERE enrollment_id IN (SELECT id FROM later) AND status = 'sending'`
	// Readers with no lesson left are completed, each with a complete
	// event naming the course, once (markComplete, one row at a time).
	pgComplete = `WITH done AS (
		UPDATE enrollments SET status = 'completed', completed_at = ?2
		WHERE id = ANY(?1::bigint[]) AND completed_at = 0 AND status IN ('active', 'completed')
		RETURNING subscriber_id, course)
	INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
		SELECT subscriber_id, 0, '', 'complete', 0, '', CAST(?2 AS BIGINT), course FROM done`
	pgAbandon = `UPDATE deliveries d SET status = 'failed', last_reply = '` + abandonedReply + `'
		FROM unnest(?::bigint[], ?::text[]) AS a(e, slug) WHERE d.enrollment_id = a.e AND d.slug = a.slug AND d.status = 'sending'`
)

// abandonedReply is the reply kept on a send cut short by a crash whose
// lesson has since been removed from the course.
const abandonedReply = "abandoned: a send cut short, and the lesson has since been removed from the course"

// queryIDs runs a claim's read of the rows of ids (subscribersIn or
// receivedIn).
func (db *DB) queryIDs(ctx context.Context, tx *sql.Tx, s claimStmt, ids []int64) (*sql.Rows, error) {
	if !db.d.postgres() {
		return db.queryClaim(ctx, tx, s, len(ids), int64Args(ids)...)
	}
	q := pgSubscribersAny
	if s == receivedIn {
		q = pgReceivedAny
	}
	return tx.QueryContext(ctx, q, ids)
}

// queryStart runs the upsert of jobs' delivery rows (startDeliveries).
func (db *DB) queryStart(ctx context.Context, tx *sql.Tx, jobs []Job, now time.Time) (*sql.Rows, error) {
	if !db.d.postgres() {
		args := make([]any, 0, 6*len(jobs))
		for _, j := range jobs {
			args = append(args, j.Enrollment.ID, j.Subscriber.ID, j.Slug, j.MessageID, unix(now), unix(now))
		}
		return db.queryClaim(ctx, tx, startDeliveries, len(jobs), args...)
	}
	enr, sub := make([]int64, len(jobs)), make([]int64, len(jobs))
	slug, mid := make([]string, len(jobs)), make([]string, len(jobs))
	for i, j := range jobs {
		enr[i], sub[i], slug[i], mid[i] = j.Enrollment.ID, j.Subscriber.ID, j.Slug, j.MessageID
	}
	return tx.QueryContext(ctx, pgStartDeliveries, enr, unix(now), sub, slug, mid)
}

// picked is what a claim decided for the readers it took, other than the
// lessons it starts: who waits until when, who has finished, and which
// sends cut short are abandoned.
type picked struct {
	laterIDs, laterDue []int64
	complete           []int64
	abandonE           []int64
	abandonSlug        []string
}

// later puts enrollment id off until due.
func (p *picked) later(id int64, due time.Time) {
	p.laterIDs, p.laterDue = append(p.laterIDs, id), append(p.laterDue, unix(due))
}

// abandon closes the enrollment's send of slug cut short by a crash.
func (p *picked) abandon(enrollment int64, slug string) {
	p.abandonE, p.abandonSlug = append(p.abandonE, enrollment), append(p.abandonSlug, slug)
}

// applyPicked writes p: one statement per kind of change on PostgreSQL,
// one per row on SQLite.
func (db *DB) applyPicked(ctx context.Context, tx *sql.Tx, p *picked, now time.Time) error {
	if !db.d.postgres() {
		return applyPickedRows(ctx, tx, p, now)
	}
	if len(p.abandonE) > 0 {
		if _, err := tx.ExecContext(ctx, pgAbandon, p.abandonE, p.abandonSlug); err != nil {
			return err
		}
	}
	if len(p.laterIDs) > 0 {
		if _, err := tx.ExecContext(ctx, pgPutOff, p.laterIDs, p.laterDue); err != nil {
			return err
		}
	}
	if len(p.complete) > 0 {
		if _, err := tx.ExecContext(ctx, pgComplete, p.complete, unix(now)); err != nil {
			return err
		}
	}
	return nil
}

// applyPickedRows writes p one row at a time (SQLite).
func applyPickedRows(ctx context.Context, tx *sql.Tx, p *picked, now time.Time) error {
	for i, e := range p.abandonE {
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'failed', last_reply = '`+abandonedReply+`'
			WHERE enrollment_id = ? AND slug = ? AND status = 'sending'`, e, p.abandonSlug[i]); err != nil {
			return err
		}
	}
	for i, id := range p.laterIDs {
		if _, err := tx.ExecContext(ctx, "UPDATE enrollments SET next_due_at = ? WHERE id = ?", p.laterDue[i], id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE deliveries SET status = 'retry' WHERE enrollment_id = ? AND status = 'sending'", id); err != nil {
			return err
		}
	}
	for _, id := range p.complete {
		if err := markComplete(ctx, tx, id, 0, "", now); err != nil {
			return err
		}
	}
	return nil
}
