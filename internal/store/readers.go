package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// ReaderQuery selects a page of readers for the admin list, newest
// first. A page is found by its neighbour (keyset pagination: Before or
// After, an index range whatever the page) or, without one, by Offset.
type ReaderQuery struct {
	Course string // whose enrollment to show beside each reader
	// Only lists the readers enrolled in Course alone. Enrolled, when
	// set, lists those whose enrollment in it has that status; without
	// Only, those with an enrollment of that status in any course.
	Only     bool
	Enrolled drip.EnrollmentStatus
	Search   string      // the start of the address, any case; empty for all
	Status   drip.Status // empty for every status
	// Before lists the readers with IDs below it (the page after the one
	// that ends there); After, those with IDs above it (the page before
	// the one that starts there). Either takes Offset's place.
	Before, After int64
	// Oldest lists the last page: the oldest readers, as many as make up
	// the last page of Limit.
	Oldest bool
	Offset int
	Limit  int
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
// in all. Each filter is an index range: the address's start on
// email_key, the course and status on enrollments_course. How many match
// is read from the tallies where they keep it (tallyFilter).
func (db *DB) Readers(ctx context.Context, q ReaderQuery) ([]ReaderRow, int, error) {
	join, where, args := q.filters()
	total, err := db.countReaders(ctx, q, join, where, args)
	if err != nil {
		return nil, 0, fmt.Errorf("store: readers: %w", err)
	}
	// A course's list is in the order of its enrollments' index.
	key := "s.id"
	if q.Only {
		key = "e.subscriber_id"
	}
	order, page := " ORDER BY "+key+" DESC LIMIT ?", []any{q.Limit}
	switch {
	case q.Before > 0:
		where, args = and(where, key+" < ?"), append(args, q.Before)
	case q.After > 0:
		where, order, args = and(where, key+" > ?"), " ORDER BY "+key+" LIMIT ?", append(args, q.After)
	case q.Oldest:
		order, page = " ORDER BY "+key+" LIMIT ?", []any{lastPage(total, q.Limit)}
	case q.Offset > 0:
		first, err := db.firstOfPage(ctx, q, key, join, where, args)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, total, nil
		}
		if err != nil {
			return nil, 0, fmt.Errorf("store: readers: %w", err)
		}
		where, args = and(where, key+" <= ?"), append(args, first)
	}
	var out []ReaderRow
	err = db.eachRow(ctx, readerPage(q.Only, join, where, order),
		func(scan func(...any) error) error {
			r, err := scanReaderRow(scan)
			out = append(out, r)
			return err
		}, append(append(showArgs(q), args...), page...)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: readers: %w", err)
	}
	if q.After > 0 || q.Oldest {
		slices.Reverse(out)
	}
	return out, total, nil
}

// firstOfPage finds the first reader of a page found by its number, on
// the filters alone, so that the page is then read from there: an offset
// in the page's query would join every row it skips to its enrollment.
// A course's list without a reader's status or address to match skips
// the enrollments' index entries alone.
func (db *DB) firstOfPage(ctx context.Context, q ReaderQuery, key, join, where string, args []any) (int64, error) {
	query := "SELECT " + key + " FROM subscribers s" + join + where
	if q.Only && q.Status == "" && q.Search == "" {
		// filters' join alone, without the readers: its arguments are
		// then the course and the enrollment status, in that order.
		query = "SELECT e.subscriber_id FROM enrollments e WHERE e.course = ?"
		if q.Enrolled != "" {
			query += " AND e.status = ?"
		}
	}
	var first int64
	err := db.r.QueryRowContext(ctx, query+" ORDER BY "+key+" DESC LIMIT 1 OFFSET ?", append(slices.Clip(args), q.Offset)...).Scan(&first)
	return first, err
}

// readerPage is the query of a page of the reader list, with the
// enrollment in the course shown (showArgs) unless the filters' join
// reads it.
func readerPage(only bool, join, where, order string) string {
	show := " LEFT JOIN enrollments e ON e.subscriber_id = s.id AND e.course = ?"
	if only {
		show = ""
	}
	return "SELECT " + readerRowCols + " FROM subscribers s" + show + join + where + order
}

// showArgs is the course whose enrollment the list shows beside each
// reader, unless the list is of that course's readers alone.
func showArgs(q ReaderQuery) []any {
	if q.Only {
		return nil
	}
	return []any{q.Course}
}

// countReaders is how many readers q lists: from the tallies, or by
// counting the rows its filters pick.
func (db *DB) countReaders(ctx context.Context, q ReaderQuery, join, where string, args []any) (int, error) {
	if tw, targs, ok := q.tallyFilter(); ok {
		return db.tallySum(ctx, tw, targs...)
	}
	var total int
	err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM subscribers s"+join+where, args...).Scan(&total)
	return total, err
}

// lastPage is how many readers the last page of a list of total holds.
func lastPage(total, limit int) int {
	if n := total % max(limit, 1); n > 0 {
		return n
	}
	return limit
}

// filters are the join and where clauses of q's filters, with their
// arguments; none at all for every reader.
func (q ReaderQuery) filters() (join, where string, args []any) {
	if q.Only {
		join, args = " JOIN enrollments e ON e.subscriber_id = s.id AND e.course = ?", []any{q.Course}
		if q.Enrolled != "" {
			join, args = join+" AND e.status = ?", append(args, string(q.Enrolled))
		}
	} else if q.Enrolled != "" {
		where, args = and(where, "EXISTS (SELECT 1 FROM enrollments x WHERE x.subscriber_id = s.id AND x.status = ?)"), append(args, string(q.Enrolled))
	}
	if q.Status != "" {
		where, args = and(where, "s.status = ?"), append(args, string(q.Status))
	}
	if q.Search != "" {
		key := EmailKey(q.Search)
		// The range reads the index; substr keeps only true prefixes
		// under any collation.
		where = and(where, "s.email_key >= ? AND s.email_key < ? AND substr(s.email_key, 1, ?) = ?")
		args = append(args, key, prefixEnd(key), utf8.RuneCountInString(key), key)
	}
	return join, where, args
}

// and adds cond to a where clause.
func and(where, cond string) string {
	if where == "" {
		return " WHERE " + cond
	}
	return where + " AND " + cond
}

// prefixEnd is the least string above every string that starts with p.
func prefixEnd(p string) string {
	r := []rune(p)
	if last := len(r) - 1; r[last] < utf8.MaxRune {
		r[last]++
		return string(r)
	}
	return p + string(utf8.MaxRune)
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
