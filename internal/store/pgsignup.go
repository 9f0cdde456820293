package store

// On PostgreSQL a signup is two statements: the inbox's lock
// (pgInboxLock), then everything else (pgSignup): its one-use values
// spent, the reader locked and read with the suppression list, the
// enrollment and both caps, what to do decided (as decideSignup does for
// SQLite), and the writes. The reads come after the inbox's lock, in a
// statement of their own, so they see whatever the signup that held it
// committed. With nothing decided between the statements, a whole group
// of signups goes to the server in one round trip (pgsignup_pipe.go).
// Every signup runs the same statements, whatever the address's state.

// pgInboxLock serializes, until the transaction ends, every transaction
// that adds or changes a reader whose address lands in this inbox: two
// instances could otherwise both find no reader and both add one, or both
// count two recent confirmations to one inbox and both queue a third.
// (SQLite's single writer does that already.)
const pgInboxLock = `SELECT pg_advisory_xact_lock(1, hashtext(?))::text`

// pgSignup is a signup after its inbox's lock. spent records its one-use
// values (sqlSpend for each); reader locks and reads the reader; facts
// reads the rest (sqlFindEnrollment, sqlSuppressed, sqlRecentConfirms,
// sqlHourFull): no other signup of that inbox can have changed anything
// since the snapshot, and a change by anything else that held the
// reader's row (a confirmation or an unsubscribe committed at that very
// moment) shows in the reader's row and may not in the rest, which at
// worst queues one more confirmation within the caps. decided is
// decideSignup; the writes follow it (sqlUpsertSubscriber,
// sqlSignupEvent, sqlPendingEnroll, sqlQueueConfirm, sqlFormConfirm), and
// nothing is written when a one-use value had been spent before.
// facts is MATERIALIZED: inlined, each of its reads ran once for every
// place decided uses the value (the suppression list three times), and
// the server built every copy's plan anew on each call, about a twentieth
// of its work a signup.
//
// Each part can only be read by key: the inbox's confirmations per
// reader of that inbox (LATERAL), the hourly cap's newest mark from the
// end of its index and the mark before it by id alone, the enrollment by
// its reader (the course written as an expression, so that no index led
// by the course can look cheaper). A plan made while the tables looked
// empty, as on a new install, would otherwise read every confirmation
// and form mark of the last day by time, for every signup.
//
// Arguments: 1 email key, 2 course, 3 and 4 the address's suppression
// hashes, 5 inbox key, 6 start of the confirmations window, 7 the hourly
// cap less one, 8 an hour ago, 9 and 10 the one-use keys and their ends,
// 11 now, 12 how many one-use values, 13 the confirmations cap, 14 email,
// 15 name, 16 timezone, 17 the event's detail for a known address.
const pgSignup = `WITH spent AS (
	INSERT INTO used_once (use_key, expires_at) SELECT * FROM unnest(?9::text[], ?10::bigint[])
	ON CONFLICT (use_key) DO UPDATE SET expires_at = excluded.expires_at WHERE used_once.expires_at <= ?11
	RETURNING 1
), reader AS (
	SELECT id, status FROM subscribers WHERE email_key = ?1 FOR UPDATE
), facts AS MATERIALIZED (SELECT
	(SELECT count(*) FROM spent) = ?12 AS fresh,
	coalesce((SELECT id FROM reader), 0) AS id,
	coalesce((SELECT status FROM reader), '') AS status,
	coalesce((SELECT e.status FROM enrollments e WHERE e.subscriber_id = (SELECT id FROM reader) AND e.course || '' = ?2), '') AS enrolled,
	(SELECT count(*) FROM suppressions WHERE email_hash = ?3 OR (old_rule = 1 AND email_hash = ?4)) > 0 AS listed,
	(SELECT count(*) FROM subscribers s, LATERAL (SELECT 1 FROM confirmations c
		WHERE c.subscriber_id = s.id AND c.created_at > ?6 OFFSET 0) c WHERE s.mailbox_key = ?5) AS recent,
	coalesce((SELECT f.created_at > ?8 FROM form_confirms f
		WHERE f.id = coalesce((SELECT id FROM form_confirms ORDER BY id DESC LIMIT 1), 0) - ?7), false) AS hour_full
), decided AS (SELECT fresh, id, listed, hour_full,
	NOT listed AND status IN ('bounced', 'complained') AS bounced,
	fresh AND NOT listed AND status NOT IN ('bounced', 'complained')
		AND enrolled NOT IN ('active', 'paused', 'completed') AND recent < ?13
		AND NOT (status = 'active' AND ?2 = '') AS wants
	FROM facts
), sub AS (
	INSERT INTO subscribers (email, email_key, mailbox_key, name, timezone, status, created_at)
	SELECT ?14, ?1, ?5, ?15, ?16, 'pending', CAST(?11 AS BIGINT) FROM decided WHERE fresh AND NOT listed
	ON CONFLICT (email_key) DO UPDATE SET
		name = CASE WHEN subscribers.status IN ('pending', 'unsubscribed') THEN excluded.name ELSE subscribers.name END,
		timezone = CASE WHEN subscribers.status IN ('pending', 'unsubscribed') THEN excluded.timezone ELSE subscribers.timezone END,
		status = CASE WHEN subscribers.status = 'unsubscribed' THEN 'pending' ELSE subscribers.status END,
		mailbox_key = excluded.mailbox_key
	RETURNING id
), event AS (
	INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
	SELECT sub.id, 0, '', 'signup', 0, CASE WHEN decided.id <> 0 THEN ?17 ELSE '' END, CAST(?11 AS BIGINT), ?2
	FROM sub, decided
), enroll AS (
	INSERT INTO enrollments (subscriber_id, course, status, next_due_at, created_at)
	SELECT sub.id, ?2, 'pending', 0, CAST(?11 AS BIGINT) FROM sub, decided WHERE NOT decided.bounced AND ?2 <> ''
	ON CONFLICT (subscriber_id, course) DO UPDATE SET status = 'pending' WHERE enrollments.status = 'stopped'
), confirm AS (
	INSERT INTO confirmations (subscriber_id, status, due_at, message_id, created_at, course)
	SELECT sub.id, 'queued', CAST(?11 AS BIGINT), '', CAST(?11 AS BIGINT), ?2 FROM sub, decided
	WHERE decided.wants AND NOT decided.hour_full
), form AS (
	INSERT INTO form_confirms (created_at) SELECT CAST(?11 AS BIGINT) FROM sub, decided
	WHERE decided.wants AND NOT decided.hour_full
)
SELECT fresh, coalesce((SELECT id FROM sub), 0), id = 0 AND NOT listed, listed OR bounced,
	wants AND hour_full, wants AND NOT hour_full
FROM decided`

// pgSignupStatements are the signup path's statements on PostgreSQL, in
// the order every signup runs them.
var pgSignupStatements = []string{pgInboxLock, pgSignup}

// signupPath is the statements every signup runs on db's database.
func (db *DB) signupPath() []string {
	if db.d.postgres() {
		return pgSignupStatements
	}
	return signupStatements
}
