package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Reply is one SMTP server's answer to a send attempt. Code 0 means no reply
// was had at all (the connection failed).
type Reply struct {
	Code     int
	Enhanced string
	Text     string
}

func (r Reply) String() string {
	if r.Code == 0 && r.Enhanced == "" {
		return r.Text
	}
	s := strconv.Itoa(r.Code)
	if r.Enhanced != "" {
		s += " " + r.Enhanced
	}
	if r.Text != "" {
		s += " " + r.Text
	}
	return s
}

// Due is an enrollment claimed for its next lesson, with what the engine
// needs to choose that lesson.
type Due struct {
	Enrollment drip.Enrollment
	Subscriber drip.Subscriber
	Received   []drip.Received
	// DueAt is the due time the claim replaced with its lease: when the
	// lesson was due, or, for a send taken up again after a crash, when
	// the crashed claim's lease ended.
	DueAt time.Time
}

// Pick is the engine's decision for a claimed enrollment: the lesson to send
// and the Message-ID to use if this is its first attempt. A non-zero Later
// means not now: the enrollment is due again then, and nothing is started.
// Otherwise an empty Slug means the course is over for this reader.
type Pick struct {
	Slug      string
	MessageID string
	Later     time.Time
}

// Job is one lesson to send, with its delivery row already written.
type Job struct {
	Due
	DeliveryID     int64
	Slug           string
	MessageID      string
	Attempts       int
	FirstAttemptAt time.Time
	// LeaseUntil is when the claim runs out and another sender (another
	// instance) may take the lesson: past it, this claim must not send.
	LeaseUntil time.Time
	// ClaimedAt is when the claim was taken, by the caller's clock.
	ClaimedAt time.Time
}

// ClaimDue leases up to limit active enrollments whose next lesson is due at
// now, asks pick which lesson each gets, and writes (or reuses) the delivery
// row for it, all in one transaction. The lease is the enrollment's
// next_due_at moved to now+lease: if the sender dies, the work comes due
// again by itself, and the retry reuses the delivery row and its Message-ID.
func (db *DB) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int, pick func(Due) Pick) ([]Job, error) {
	if err := db.replayJournals(ctx); err != nil {
		return nil, err
	}
	if !db.d.postgres() {
		db.prepareClaim(ctx, limit)
	}
	// A claim whose readers all had nothing to send now (courses over,
	// lessons put off to the reader's window) is followed by another, so
	// that no claim is ever empty while readers are due.
	for {
		jobs, claimed, err := db.claimOnce(ctx, now, lease, limit, pick)
		if err != nil {
			return nil, fmt.Errorf("store: claim due: %w", err)
		}
		if len(jobs) > 0 || claimed == 0 {
			return jobs, nil
		}
	}
}

// claimOnce is one claiming transaction; claimed counts the enrollments it
// took, whether or not they had a lesson to send.
func (db *DB) claimOnce(ctx context.Context, now time.Time, lease time.Duration, limit int, pick func(Due) Pick) (jobs []Job, claimed int, err error) {
	err = db.bulkTx(ctx, func(tx *sql.Tx) error {
		jobs, claimed = nil, 0 // a retried transaction starts afresh
		due, err := db.claimEnrollments(ctx, tx, now, lease, limit)
		if err != nil || len(due) == 0 {
			return err
		}
		claimed = len(due)
		if err := db.fillDue(ctx, tx, due); err != nil {
			return err
		}
		jobs, err = db.startJobs(ctx, tx, due, pick, now)
		for i := range jobs {
			jobs[i].LeaseUntil, jobs[i].ClaimedAt = leaseEnd(now, lease), now
		}
		return err
	})
	return jobs, claimed, err
}

// sqlClaimEnrollments takes the due enrollments, oldest first, leasing
// each until its first argument; the others are now and the batch size.
func sqlClaimEnrollments(db *DB) string {
	return `UPDATE enrollments SET claimed_due = next_due_at, next_due_at = ?
		WHERE id IN (SELECT id FROM enrollments WHERE status = 'active' AND next_due_at <= ?` + db.d.unlogged + `
			ORDER BY next_due_at LIMIT ?` + db.d.skipLocked + `)
		RETURNING id, subscriber_id, course, status, last_slug, last_sent_at, created_at, claimed_due, confirmed_at`
}

func (db *DB) claimEnrollments(ctx context.Context, tx *sql.Tx, now time.Time, lease time.Duration, limit int) ([]Due, error) {
	rows, err := tx.QueryContext(ctx, sqlClaimEnrollments(db), unix(now.Add(lease)), unix(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var due []Due
	for rows.Next() {
		var e drip.Enrollment
		var last, created, was, joined int64
		if err := rows.Scan(&e.ID, &e.SubscriberID, &e.Course, &e.Status, &e.LastSlug, &last, &created, &was, &joined); err != nil {
			return nil, err
		}
		e.LastSentAt, e.CreatedAt, e.ConfirmedAt = fromUnix(last), fromUnix(created), fromUnix(joined)
		due = append(due, Due{Enrollment: e, DueAt: fromUnix(was)})
	}
	return due, rows.Err()
}

// fillDue loads the readers and the lessons already received for a batch of
// claimed enrollments, with one query each. A reader in several courses
// may have more than one enrollment in the batch.
func (db *DB) fillDue(ctx context.Context, tx *sql.Tx, due []Due) error {
	byEnrollment := make(map[int64]*Due, len(due))
	bySubscriber := make(map[int64][]*Due, len(due))
	subs, enrs := make([]int64, 0, len(due)), make([]int64, len(due))
	for i := range due {
		d := &due[i]
		sub := d.Enrollment.SubscriberID
		if bySubscriber[sub] == nil {
			subs = append(subs, sub)
		}
		byEnrollment[d.Enrollment.ID], bySubscriber[sub] = d, append(bySubscriber[sub], d)
		enrs[i] = d.Enrollment.ID
	}
	rows, err := db.queryIDs(ctx, tx, subscribersIn, subs)
	if err != nil {
		return err
	}
	for rows.Next() {
		s, err := scanSubscriber(rows)
		if err != nil {
			rows.Close()
			return err
		}
		for _, d := range bySubscriber[s.ID] {
			d.Subscriber = s
		}
	}
	rows.Close()
	rows, err = db.queryIDs(ctx, tx, receivedIn, enrs)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r drip.Received
		var id, sent, first int64
		if err := rows.Scan(&id, &r.Slug, &r.Status, &r.MessageID, &sent, &first); err != nil {
			return err
		}
		r.SentAt, r.FirstAttemptAt = fromUnix(sent), fromUnix(first)
		d := byEnrollment[id]
		d.Received = append(d.Received, r)
	}
	return rows.Err()
}

// startJobs writes (or takes up again) the delivery row of each claimed
// enrollment that has a lesson to send, and completes those that have none.
func (db *DB) startJobs(ctx context.Context, tx *sql.Tx, due []Due, pick func(Due) Pick, now time.Time) ([]Job, error) {
	jobs := make([]Job, 0, len(due))
	var p picked
	for _, d := range due {
		choice := pick(d)
		if !choice.Later.IsZero() {
			// A Later that is not in the future would be claimed again at
			// once, in the same claim loop.
			later := choice.Later
			if !later.After(now) {
				later = now.Add(time.Second)
			}
			// A send cut short by a crash waits as a retry, with its
			// Message-ID, rather than as a send in flight, which would
			// block pausing, moving and erasing the reader until then.
			p.later(d.Enrollment.ID, later)
			continue
		}
		closeAbandoned(&p, d, choice.Slug)
		if choice.Slug == "" {
			p.complete = append(p.complete, d.Enrollment.ID)
			continue
		}
		jobs = append(jobs, Job{Due: d, Slug: choice.Slug, MessageID: choice.MessageID})
	}
	if err := db.applyPicked(ctx, tx, &p, now); err != nil {
		return nil, err
	}
	for rest := jobs; len(rest) > 0; {
		n := min(len(rest), startChunk)
		if err := db.startDeliveries(ctx, tx, rest[:n], now); err != nil {
			return nil, err
		}
		rest = rest[n:]
	}
	return jobs, nil
}

// closeAbandoned closes the deliveries of a claimed reader that were left
// in flight for another lesson than the one now picked: a crash mid-send,
// and then the lesson was removed from the course, so it is never picked
// again. Left open, such a row would block pausing and moving the reader
// for good. The claim holds the reader, so nothing else is sending it.
func closeAbandoned(p *picked, d Due, slug string) {
	for _, r := range d.Received {
		if r.Status == drip.DeliverySending && r.Slug != slug {
			p.abandon(d.Enrollment.ID, r.Slug)
		}
	}
}

// startChunk is how many delivery rows one statement writes: one
// statement instead of one per row halves what a claim costs, and 6
// values a row stay far below either database's limit on parameters.
const startChunk = 500

// startDeliveries upserts the delivery rows of jobs in one statement and
// fills in what the rows hold: a delivery taken up again keeps its
// Message-ID, attempts and first attempt.
func (db *DB) startDeliveries(ctx context.Context, tx *sql.Tx, jobs []Job, now time.Time) error {
	byEnrollment := make(map[int64]*Job, len(jobs))
	for i := range jobs {
		byEnrollment[jobs[i].Enrollment.ID] = &jobs[i]
	}
	rows, err := db.queryStart(ctx, tx, jobs, now)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var enr, first int64
		var j Job
		if err := rows.Scan(&enr, &j.DeliveryID, &j.MessageID, &j.Attempts, &first); err != nil {
			return err
		}
		dst := byEnrollment[enr]
		dst.DeliveryID, dst.MessageID, dst.Attempts, dst.FirstAttemptAt = j.DeliveryID, j.MessageID, j.Attempts, fromUnix(first)
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n != len(jobs) {
		return fmt.Errorf("start deliveries: %d rows came back for %d", n, len(jobs))
	}
	return nil
}
