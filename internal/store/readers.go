package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// ReaderQuery selects a page of readers for the admin list.
type ReaderQuery struct {
	Course string // whose enrollment to show beside each reader
	// Only lists the readers enrolled in Course alone. Enrolled, when
	// set, lists those whose enrollment in it has that status; without
	// Only, those with an enrollment of that status in any course.
	Only     bool
	Enrolled drip.EnrollmentStatus
	Search   string      // part of the address, any case; empty for all
	Status   drip.Status // empty for every status
	Offset   int
	Limit    int
}

// ReaderRow is one line of the admin's reader list: the reader and where
// they stand in the course (empty enrollment fields when not enrolled).
type ReaderRow struct {
	drip.Subscriber
	Course       string // the enrollment's course; "" for none
	EnrollStatus drip.EnrollmentStatus
	LastSlug     string
	NextDueAt    time.Time
}

// likeEscape makes s match literally inside a LIKE pattern.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// readerRowCols are the columns scanReaderRow reads, from subscribers s
// left-joined with enrollments e.
const readerRowCols = `s.id, s.email, s.name, s.timezone, s.status, s.created_at, s.confirmed_at, s.unsubscribed_at,
	coalesce(e.course, ''), coalesce(e.status, ''), coalesce(e.last_slug, ''), coalesce(e.next_due_at, 0)`

func scanReaderRow(scan func(...any) error) (ReaderRow, error) {
	var r ReaderRow
	var created, confirmed, unsub, due int64
	err := scan(&r.ID, &r.Email, &r.Name, &r.Timezone, &r.Status, &created, &confirmed, &unsub, &r.Course, &r.EnrollStatus, &r.LastSlug, &due)
	r.CreatedAt, r.ConfirmedAt, r.UnsubscribedAt, r.NextDueAt = fromUnix(created), fromUnix(confirmed), fromUnix(unsub), fromUnix(due)
	return r, err
}

// Readers returns one page of readers, newest first, and how many match
// in all.
func (db *DB) Readers(ctx context.Context, q ReaderQuery) ([]ReaderRow, int, error) {
	where := " WHERE (?1 = '' OR s.status = ?1) AND (?2 = '' OR s.email_key LIKE '%' || ?2 || '%' ESCAPE '\\')"
	args := []any{string(q.Status), likeEscape(EmailKey(q.Search)), q.Course, string(q.Enrolled)}
	join, byEnroll := " LEFT JOIN enrollments e ON e.subscriber_id = s.id AND e.course = ?3",
		" AND (?4 = '' OR EXISTS (SELECT 1 FROM enrollments x WHERE x.subscriber_id = s.id AND x.status = ?4))"
	if q.Only {
		join, byEnroll = " JOIN enrollments e ON e.subscriber_id = s.id AND e.course = ?3", " AND (?4 = '' OR e.status = ?4)"
	}
	var total int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM subscribers s"+join+where+byEnroll, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: readers: %w", err)
	}
	var out []ReaderRow
	err := db.eachRow(ctx, "SELECT "+readerRowCols+" FROM subscribers s"+join+where+byEnroll+" ORDER BY s.id DESC LIMIT ?5 OFFSET ?6",
		func(scan func(...any) error) error {
			r, err := scanReaderRow(scan)
			out = append(out, r)
			return err
		}, append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: readers: %w", err)
	}
	return out, total, nil
}

// EachReader calls fn for every reader, oldest first, with their
// enrollment in course. Rows are streamed, so a large list is never held
// in memory at once.
func (db *DB) EachReader(ctx context.Context, course string, fn func(ReaderRow) error) error {
	err := db.eachRow(ctx, "SELECT "+readerRowCols+" FROM subscribers s LEFT JOIN enrollments e ON e.subscriber_id = s.id AND e.course = ? ORDER BY s.id",
		func(scan func(...any) error) error {
			r, err := scanReaderRow(scan)
			if err != nil {
				return err
			}
			return fn(r)
		}, course)
	if err != nil {
		return fmt.Errorf("store: export readers: %w", err)
	}
	return nil
}

// EachEnrollment calls fn for every reader's enrollment in course, oldest
// reader first; with course "", for every enrollment of every course, and
// once, with no course, for each reader who has none. Rows are streamed.
func (db *DB) EachEnrollment(ctx context.Context, course string, fn func(ReaderRow) error) error {
	q := "SELECT " + readerRowCols + " FROM subscribers s LEFT JOIN enrollments e ON e.subscriber_id = s.id ORDER BY s.id, e.id"
	var args []any
	if course != "" {
		q = "SELECT " + readerRowCols + " FROM subscribers s JOIN enrollments e ON e.subscriber_id = s.id WHERE e.course = ? ORDER BY s.id"
		args = []any{course}
	}
	err := db.eachRow(ctx, q, func(scan func(...any) error) error {
		r, err := scanReaderRow(scan)
		if err != nil {
			return err
		}
		return fn(r)
	}, args...)
	if err != nil {
		return fmt.Errorf("store: export readers: %w", err)
	}
	return nil
}
