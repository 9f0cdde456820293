package store

// On PostgreSQL every statement is a round trip to a server process that
// shares the cores, so a signup runs the signup path's statements
// (stmts.go) in three instead of eleven: its one-use values spent and
// the inbox's lock taken in one, the locking read of the reader and the
// other four reads in one SELECT, and the four writes in one statement.
// The reads come after the inbox's lock, in a statement of their own, so
// they see whatever the signup that held it committed. Every signup still
// runs the same statements, whatever the address's state.

// pgSpendAndLock spends a signup's one-use values (sqlSpend for each, from
// arrays) and takes the lock on its address's inbox, which serializes,
// until the transaction ends, every transaction that adds or changes a
// reader whose address lands in that inbox: two instances could otherwise
// both find no reader and both add one, or both count two recent
// confirmations to one inbox and both queue a third. (SQLite's single
// writer does that already.) It returns how many values were fresh.
const pgSpendAndLock = `WITH spent AS (
	INSERT INTO used_once (use_key, expires_at) SELECT * FROM unnest(?1::text[], ?2::bigint[])
	ON CONFLICT (use_key) DO UPDATE SET expires_at = excluded.expires_at WHERE used_once.expires_at <= ?3
	RETURNING 1
)
SELECT pg_advisory_xact_lock(1, hashtext(?4))::text, (SELECT count(*) FROM spent)`

// pgSignupFacts locks and reads the reader by their address, and reads
// their enrollment in the course, the suppression list and the two caps'
// counts (sqlFindSubscriber, sqlFindEnrollment, sqlSuppressed,
// sqlRecentConfirms, sqlHourFull as one row). It runs after the inbox's
// lock, so no other signup of that inbox can have changed anything since
// its snapshot; a change by anything else that held the reader's row
// (a confirmation, an unsubscribe committed at that very moment) shows in
// the reader's row and may not in the rest, which at worst queues one
// more confirmation within the caps. Each part can only be read by key:
// the inbox's confirmations per reader of that inbox (LATERAL), the
// hourly cap's newest mark from the end of its index and the mark before
// it by id alone, the enrollment by its reader (the course written as an
// expression, so that no index led by the course can look cheaper). A
// plan made while the tables looked empty, as on a new install, would
// otherwise read every confirmation and form mark of the last day by
// time, for every signup, until the next ANALYZE.
const pgSignupFacts = `WITH reader AS (SELECT id, status FROM subscribers WHERE email_key = ?1 FOR UPDATE)
SELECT coalesce((SELECT id FROM reader), 0), coalesce((SELECT status FROM reader), ''),
	coalesce((SELECT e.status FROM enrollments e WHERE e.subscriber_id = (SELECT id FROM reader) AND e.course || '' = ?2), ''),
	(SELECT count(*) FROM suppressions WHERE email_hash = ?3 OR (old_rule = 1 AND email_hash = ?4)),
	(SELECT count(*) FROM subscribers s, LATERAL (SELECT 1 FROM confirmations c
		WHERE c.subscriber_id = s.id AND c.created_at > ?6 OFFSET 0) c WHERE s.mailbox_key = ?5),
	coalesce((SELECT CASE WHEN f.created_at > ?8 THEN 1 ELSE 0 END FROM form_confirms f
		WHERE f.id = coalesce((SELECT id FROM form_confirms ORDER BY id DESC LIMIT 1), 0) - ?7), 0)`

// pgSignupWrites writes the reader (unless suppressed), the signup
// event, the pending enrollment, the queued confirmation and its mark for
// the hourly cap, each only where the reader's row was written and its
// own condition holds (sqlUpsertSubscriber, sqlSignupEvent,
// sqlPendingEnroll, sqlQueueConfirm, sqlFormConfirm as one statement), and
// returns the reader's id.
const pgSignupWrites = `WITH sub AS (
	INSERT INTO subscribers (email, email_key, mailbox_key, name, timezone, status, created_at)
	SELECT ?1, ?2, ?3, ?4, ?5, 'pending', CAST(?6 AS BIGINT) WHERE ?7
	ON CONFLICT (email_key) DO UPDATE SET
		name = CASE WHEN subscribers.status IN ('pending', 'unsubscribed') THEN excluded.name ELSE subscribers.name END,
		timezone = CASE WHEN subscribers.status IN ('pending', 'unsubscribed') THEN excluded.timezone ELSE subscribers.timezone END,
		status = CASE WHEN subscribers.status = 'unsubscribed' THEN 'pending' ELSE subscribers.status END,
		mailbox_key = excluded.mailbox_key
	RETURNING id
), event AS (
	INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
	SELECT id, 0, '', 'signup', 0, ?8, CAST(?6 AS BIGINT), ?9 FROM sub
), enroll AS (
	INSERT INTO enrollments (subscriber_id, course, status, next_due_at, created_at)
	SELECT id, ?9, 'pending', 0, CAST(?6 AS BIGINT) FROM sub WHERE ?10
	ON CONFLICT (subscriber_id, course) DO UPDATE SET status = 'pending' WHERE enrollments.status = 'stopped'
), confirm AS (
	INSERT INTO confirmations (subscriber_id, status, due_at, message_id, created_at, course)
	SELECT id, 'queued', CAST(?6 AS BIGINT), '', CAST(?6 AS BIGINT), ?9 FROM sub WHERE ?11
), form AS (
	INSERT INTO form_confirms (created_at) SELECT CAST(?6 AS BIGINT) FROM sub WHERE ?11
)
SELECT id FROM sub`

// pgSignupStatements are the signup path's statements on PostgreSQL, in
// the order every signup runs them (after the address lock).
var pgSignupStatements = []string{pgSpendAndLock, pgSignupFacts, pgSignupWrites}

// signupPath is the statements every signup runs on db's database.
func (db *DB) signupPath() []string {
	if db.d.postgres() {
		return pgSignupStatements
	}
	return signupStatements
}
