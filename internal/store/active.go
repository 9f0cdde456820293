package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// ActiveReader is an enrollment still running, with what the schedule
// needs to project its next lessons.
type ActiveReader struct {
	EnrollmentID int64
	SubscriberID int64
	Timezone     string
	NextDue      time.Time
	LastSentAt   time.Time
	Joined       time.Time // when the reader joined the course (cohorts)
	Received     []drip.Received
}

// activeEnrollments and activeReceived read a course's active readers and
// their lessons: each reader's timezone by its key, and the lessons of a
// list of enrollments by their index, so the cost is that of the active
// readers, never a walk of every reader or delivery (a join would let
// PostgreSQL hash all the deliveries).
const activeEnrollments = `SELECT e.id, e.subscriber_id, (SELECT s.timezone FROM subscribers s WHERE s.id = e.subscriber_id),
	e.next_due_at, e.last_sent_at, e.confirmed_at
	FROM enrollments e WHERE e.status = 'active' AND e.course = ? ORDER BY e.id`

func activeReceived(n int) string {
	return "SELECT enrollment_id, slug, status, sent_at FROM deliveries WHERE enrollment_id IN (?" +
		strings.Repeat(", ?", n-1) + ") ORDER BY id"
}

// ActiveReaders returns every active enrollment of course with the
// lessons each has received, for projections such as "what is due this
// week" or "what would this course edit do".
func (db *DB) ActiveReaders(ctx context.Context, course string) ([]ActiveReader, error) {
	var out []ActiveReader
	index := map[int64]int{}
	err := db.eachRow(ctx, activeEnrollments, func(scan func(...any) error) error {
		var a ActiveReader
		var due, last, joined int64
		if err := scan(&a.EnrollmentID, &a.SubscriberID, &a.Timezone, &due, &last, &joined); err != nil {
			return err
		}
		a.NextDue, a.LastSentAt, a.Joined = fromUnix(due), fromUnix(last), fromUnix(joined)
		index[a.EnrollmentID] = len(out)
		out = append(out, a)
		return nil
	}, course)
	if err != nil {
		return nil, fmt.Errorf("store: active readers: %w", err)
	}
	for from := 0; from < len(out); from += activeChunk {
		if err := db.received(ctx, out[from:min(from+activeChunk, len(out))], out, index); err != nil {
			return nil, fmt.Errorf("store: active readers: %w", err)
		}
	}
	return out, nil
}

// activeChunk is how many enrollments' lessons one query reads.
const activeChunk = 500

// received adds to out the lessons of the enrollments in chunk.
func (db *DB) received(ctx context.Context, chunk, out []ActiveReader, index map[int64]int) error {
	ids := make([]any, len(chunk))
	for i, a := range chunk {
		ids[i] = a.EnrollmentID
	}
	return db.eachRow(ctx, activeReceived(len(ids)), func(scan func(...any) error) error {
		var id, sent int64
		var r drip.Received
		if err := scan(&id, &r.Slug, &r.Status, &sent); err != nil {
			return err
		}
		r.SentAt = fromUnix(sent)
		if i, ok := index[id]; ok {
			out[i].Received = append(out[i].Received, r)
		}
		return nil
	}, ids...)
}

// StillActive reports whether an enrollment is still running, so the
// sender can drop a claimed lesson for a reader who left a moment ago.
func (db *DB) StillActive(ctx context.Context, enrollmentID int64) (bool, error) {
	var status string
	err := db.stmts[sqlEnrollStatus].QueryRowContext(ctx, enrollmentID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // erased
	}
	if err != nil {
		return false, fmt.Errorf("store: enrollment status: %w", err)
	}
	return status == "active", nil
}

// DueCount is how many active enrollments have a lesson due at now. It
// reads only the due index.
func (db *DB) DueCount(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM enrollments WHERE status = 'active' AND next_due_at <= ?", unix(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: due count: %w", err)
	}
	return n, nil
}

// Waiting counts the active enrollments whose next lesson is due after
// now and by until, and returns the earliest next due time after now
// (zero when none is). It reads only the due index.
func (db *DB) Waiting(ctx context.Context, now, until time.Time) (n int, next time.Time, err error) {
	var first sql.NullInt64
	err = db.r.QueryRowContext(ctx, `SELECT count(CASE WHEN next_due_at <= ? THEN 1 END), min(next_due_at)
		FROM enrollments WHERE status = 'active' AND next_due_at > ?`, unix(until), unix(now)).Scan(&n, &first)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: waiting: %w", err)
	}
	if first.Valid {
		next = fromUnix(first.Int64)
	}
	return n, next, nil
}

// DueByCourse is DueCount per course: the index finds the rows due, and
// each row names its course.
func (db *DB) DueByCourse(ctx context.Context, now time.Time) (map[string]int, error) {
	out := map[string]int{}
	err := db.eachRow(ctx, "SELECT course, count(*) FROM enrollments WHERE status = 'active' AND next_due_at <= ? GROUP BY course",
		func(scan func(...any) error) error {
			var course string
			var n int
			err := scan(&course, &n)
			out[course] = n
			return err
		}, unix(now))
	if err != nil {
		return nil, fmt.Errorf("store: due by course: %w", err)
	}
	return out, nil
}
