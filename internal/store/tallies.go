package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// The readers and enrollments by status are counted by triggers as rows
// change (migration 0017): every count the operator's pages show of them
// is a sum over a few rows of tallies, exact in the reader's own
// transaction, instead of a count over an index with an entry per reader.
// On PostgreSQL the triggers append to tally_deltas (concurrent signups
// would otherwise queue on one count's row) and housekeeping folds the
// deltas into tallies (FoldTallies); a read adds both.

// tallyRows are the tallies with the deltas not yet folded, as one table.
const tallyRows = `(SELECT course, enrollment, completed, reader, n FROM tallies
	UNION ALL SELECT course, enrollment, completed, reader, n FROM tally_deltas) t`

// sqlFoldTallies moves every committed delta into tallies in one
// statement: a delta committed meanwhile is left for the next fold, and a
// read sees each delta in exactly one of the two tables.
const sqlFoldTallies = `WITH d AS (DELETE FROM tally_deltas RETURNING course, enrollment, completed, reader, n)
	INSERT INTO tallies (course, enrollment, completed, reader, n)
	SELECT course, enrollment, completed, reader, sum(n) FROM d GROUP BY course, enrollment, completed, reader
	ORDER BY course, enrollment, completed, reader
	ON CONFLICT (course, enrollment, completed, reader) DO UPDATE SET n = tallies.n + excluded.n`

// FoldTallies folds PostgreSQL's tally deltas into the tallies and drops
// counts that reached zero; SQLite's triggers write the tallies directly.
// Housekeeping runs it; any instance may, at any time.
func (db *DB) FoldTallies(ctx context.Context) error {
	if !db.d.postgres() {
		return nil
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, sqlFoldTallies); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM tallies WHERE n = 0")
		return err
	})
	if err != nil {
		return fmt.Errorf("store: fold tallies: %w", friendly(err))
	}
	return nil
}

// tallied sums the tallies a where clause picks, grouped by cols, and
// calls fn with a scanner for each group's values and sum.
func (db *DB) tallied(ctx context.Context, cols, where string, fn func(scan func(...any) error) error, args ...any) error {
	return db.eachRow(ctx, talliedQuery(cols, where), fn, args...)
}

// talliedQuery sums the tallies where picks, grouped by cols.
func talliedQuery(cols, where string) string {
	return "SELECT " + cols + ", sum(n) FROM " + tallyRows + " WHERE " + where + " GROUP BY " + cols
}

// tallySum sums the tallies a where clause picks.
func (db *DB) tallySum(ctx context.Context, where string, args ...any) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, "SELECT coalesce(sum(n), 0) FROM "+tallyRows+" WHERE "+where, args...).Scan(&n)
	return n, err
}

// ReaderCounts returns how many readers are in each status.
func (db *DB) ReaderCounts(ctx context.Context) (map[drip.Status]int, error) {
	readers := map[drip.Status]int{}
	for _, s := range drip.Statuses {
		readers[s] = 0
	}
	err := db.tallied(ctx, "reader", "enrollment = ''", func(scan func(...any) error) error {
		var status string
		var n int
		err := scan(&status, &n)
		readers[drip.Status(status)] += n
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: reader counts: %w", friendly(err))
	}
	return readers, nil
}

// CourseCounts counts the readers of one course by enrollment status
// (all but the pending ones started the course, and the completed ones
// finished it), and by their standing in it, in the reader
// statuses' words: pending (waiting to confirm it), active (taking it,
// paused or finished), unsubscribed (left it), bounced and complained
// (the address, whatever the course).
func (db *DB) CourseCounts(ctx context.Context, course string) (map[drip.EnrollmentStatus]int, map[drip.Status]int, error) {
	enrolled := map[drip.EnrollmentStatus]int{}
	readers := map[drip.Status]int{}
	for _, s := range drip.Statuses {
		readers[s] = 0
	}
	err := db.tallied(ctx, "enrollment, reader", "course = ? AND enrollment != ''", func(scan func(...any) error) error {
		var status, suppressed string
		var n int
		if err := scan(&status, &suppressed, &n); err != nil || n == 0 {
			return err
		}
		enrolled[drip.EnrollmentStatus(status)] += n
		if suppressed != "" {
			readers[drip.Status(suppressed)] += n
		} else {
			readers[standing(status)] += n
		}
		return nil
	}, course)
	if err != nil {
		return nil, nil, fmt.Errorf("store: course counts: %w", friendly(err))
	}
	return enrolled, readers, nil
}

// CourseReaderCounts counts the readers of one course by their standing
// in it (CourseCounts).
func (db *DB) CourseReaderCounts(ctx context.Context, course string) (map[drip.Status]int, error) {
	_, readers, err := db.CourseCounts(ctx, course)
	return readers, err
}

// standing is where an enrollment status puts a reader among the reader
// statuses.
func standing(enrolled string) drip.Status {
	switch enrolled {
	case "pending":
		return drip.StatusPending
	case "stopped":
		return drip.StatusUnsubscribed
	}
	return drip.StatusActive
}

// Completions counts the readers who finished a course (its last lesson
// sent), of one course or, with course "", of every course; a reader who
// finished and later left still counts, as the finish happened.
func (db *DB) Completions(ctx context.Context, course string) (int, error) {
	where, args := "completed = 1", []any{}
	if course != "" {
		where, args = where+" AND course = ?", []any{course}
	}
	total, err := db.tallySum(ctx, where, args...)
	if err != nil {
		return 0, fmt.Errorf("store: completions: %w", friendly(err))
	}
	return total, nil
}

// tallyFilter is the tallies' where clause that counts the readers q
// lists, when the tallies can: every reader or those of one status, and
// a course's readers by enrollment status and suppression. ok is false
// for a search, or a status the enrollments' tallies do not keep.
func (q ReaderQuery) tallyFilter() (where string, args []any, ok bool) {
	switch {
	case q.Search != "":
		return "", nil, false
	case !q.Only && q.Enrolled != "":
		return "", nil, false // readers may have that status in several courses
	case !q.Only && q.Status != "":
		return "enrollment = '' AND reader = ?", []any{string(q.Status)}, true
	case !q.Only:
		return "enrollment = ''", nil, true
	}
	where, args = "course = ? AND enrollment != ''", []any{q.Course}
	if q.Enrolled != "" {
		where, args = where+" AND enrollment = ?", append(args, string(q.Enrolled))
	}
	switch q.Status {
	case "":
	case drip.StatusBounced, drip.StatusComplained:
		where, args = where+" AND reader = ?", append(args, string(q.Status))
	default:
		return "", nil, false
	}
	return where, args, true
}
