package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// tallyKey is one count of the tallies.
type tallyKey struct {
	course, enrollment string
	completed          int
	reader             string
}

// sqlRecount counts from the rows what the tallies keep, as migration
// 0017 starts them.
const sqlRecount = `SELECT '', '', 0, status, count(*) FROM subscribers GROUP BY status
	UNION ALL SELECT e.course, e.status, CASE WHEN e.completed_at > 0 THEN 1 ELSE 0 END,
		CASE WHEN s.status IN ('bounced', 'complained') THEN s.status ELSE '' END, count(*)
	FROM enrollments e LEFT JOIN subscribers s ON s.id = e.subscriber_id
	GROUP BY e.course, e.status, CASE WHEN e.completed_at > 0 THEN 1 ELSE 0 END,
		CASE WHEN s.status IN ('bounced', 'complained') THEN s.status ELSE '' END`

func readTallies(t testing.TB, db *DB, query string) map[tallyKey]int {
	t.Helper()
	out := map[tallyKey]int{}
	err := db.eachRow(context.Background(), query, func(scan func(...any) error) error {
		var k tallyKey
		var n int
		if err := scan(&k.course, &k.enrollment, &k.completed, &k.reader, &n); err != nil {
			return err
		}
		if out[k] += n; out[k] == 0 {
			delete(out, k)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkTallies fails t unless the tallies (with the deltas not yet
// folded) equal a count of the rows, then folds them and checks again.
// Every test's store is checked when the test ends (openAt).
func checkTallies(t testing.TB, db *DB) {
	t.Helper()
	want := readTallies(t, db, sqlRecount)
	kept := "SELECT course, enrollment, completed, reader, n FROM " + tallyRows
	if got := readTallies(t, db, kept); !reflect.DeepEqual(got, want) {
		t.Fatalf("tallies differ from the rows:\n got %v\nwant %v", got, want)
	}
	if err := db.FoldTallies(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := readTallies(t, db, kept); !reflect.DeepEqual(got, want) {
		t.Fatalf("folded tallies differ from the rows:\n got %v\nwant %v", got, want)
	}
}

// mustExec runs a statement on db's writer, failing t if it fails.
func mustExec(t testing.TB, db *DB, q string, args ...any) {
	t.Helper()
	if _, err := db.w.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// addReader writes a reader with a status straight into the table, as
// no store function would: the tallies must follow any write.
func addReader(t testing.TB, db *DB, email, status string) {
	t.Helper()
	mustExec(t, db, `INSERT INTO subscribers (email, email_key, mailbox_key, name, timezone, status, created_at)
		VALUES (?, ?, ?, '', 'UTC', ?, 1)`, email, email, email, status)
}

// enrollReader writes the reader with email's enrollment in course.
func enrollReader(t testing.TB, db *DB, email, course, status string, completedAt int) {
	t.Helper()
	mustExec(t, db, `INSERT INTO enrollments (subscriber_id, course, status, completed_at, next_due_at, created_at)
		SELECT id, ?, ?, ?, 0, 1 FROM subscribers WHERE email = ?`, course, status, completedAt, email)
}

// The tallies follow every kind of change to readers and enrollments,
// made at random: a new reader or enrollment, a status or suppression
// changed, a course finished or moved, an enrollment deleted, a reader
// deleted with the enrollments they still have (cascade) or without.
func TestTalliesFollowEveryChange(t *testing.T) {
	stores(t, testTalliesFollowEveryChange)
}

func testTalliesFollowEveryChange(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	rng := rand.New(rand.NewPCG(1, 2))
	statuses := []string{"pending", "active", "unsubscribed", "bounced", "complained"}
	enrolled := []string{"pending", "active", "paused", "completed", "stopped"}
	courses := []string{"one", "two", "three"}
	exec := func(q string, args ...any) { t.Helper(); mustExec(t, db, q, args...) }
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	for round := range 6 {
		for i := range 40 {
			email := fmt.Sprintf("r%d-%d@example.org", round, i)
			addReader(t, db, email, pick(statuses))
		}
		for range 60 {
			exec(`INSERT INTO enrollments (subscriber_id, course, status, completed_at, next_due_at, created_at)
				SELECT id, ?, ?, ?, 0, 1 FROM subscribers WHERE id = (SELECT max(id) FROM subscribers) - ?
				ON CONFLICT DO NOTHING`, pick(courses), pick(enrolled), rng.IntN(2)*5, rng.IntN(40))
		}
		for range 30 {
			switch rng.IntN(6) {
			case 0:
				exec("UPDATE subscribers SET status = ? WHERE id % 7 = ?", pick(statuses), rng.IntN(7))
			case 1:
				exec("UPDATE enrollments SET status = ? WHERE id % 5 = ?", pick(enrolled), rng.IntN(5))
			case 2:
				exec("UPDATE enrollments SET completed_at = ? WHERE id % 4 = ?", rng.IntN(2)*9, rng.IntN(4))
			case 3:
				exec("UPDATE enrollments SET course = 'moved' || id WHERE id = (SELECT min(id) FROM enrollments WHERE course = ?)", pick(courses))
			case 4:
				exec("DELETE FROM enrollments WHERE id = (SELECT max(id) FROM enrollments) - ?", rng.IntN(20))
			case 5:
				exec("DELETE FROM subscribers WHERE id = (SELECT max(id) FROM subscribers) - ?", rng.IntN(30))
			}
		}
		checkTallies(t, db)
	}
	readers, err := db.ReaderCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n, all int
	db.r.QueryRowContext(ctx, "SELECT count(*) FROM subscribers").Scan(&all)
	for _, c := range readers {
		n += c
	}
	if n != all || all < 200 {
		t.Fatalf("reader counts sum to %d of %d readers", n, all)
	}
}

// The counts the pages show, read from the tallies, are the counts of
// the rows: the readers by status, a course's enrollments and standing,
// its completions, and the reader list's totals.
func TestTalliedCountsAreTheRowsCounts(t *testing.T) {
	stores(t, testTalliedCountsAreTheRowsCounts)
}

func testTalliedCountsAreTheRowsCounts(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	for i, st := range []string{"active", "active", "bounced", "pending", "complained", "unsubscribed"} {
		email := fmt.Sprintf("c%d@example.org", i)
		addReader(t, db, email, st)
	}
	for i, es := range []string{"active", "completed", "active", "pending", "stopped", "stopped"} {
		completed := map[bool]int{true: 7}[es == "completed" || i == 5]
		enrollReader(t, db, fmt.Sprintf("c%d@example.org", i), "one", es, completed)
	}
	enrollReader(t, db, "c0@example.org", "two", "active", 0)

	enrolled, standing, err := db.CourseCounts(ctx, "one")
	if err != nil {
		t.Fatal(err)
	}
	wantEnrolled := map[drip.EnrollmentStatus]int{"active": 2, "completed": 1, "pending": 1, "stopped": 2}
	wantStanding := map[drip.Status]int{"active": 2, "bounced": 1, "pending": 1, "complained": 1, "unsubscribed": 1}
	if !reflect.DeepEqual(enrolled, wantEnrolled) {
		t.Errorf("enrollments %v, want %v", enrolled, wantEnrolled)
	}
	if !reflect.DeepEqual(standing, wantStanding) {
		t.Errorf("standing %v, want %v", standing, wantStanding)
	}
	for course, want := range map[string]int{"one": 2, "two": 0, "": 2} {
		if n, err := db.Completions(ctx, course); err != nil || n != want {
			t.Errorf("completions of %q: %d, %v; want %d", course, n, err, want)
		}
	}
	readers, err := db.ReaderCounts(ctx)
	if err != nil || readers["active"] != 2 || readers["bounced"] != 1 || readers["pending"] != 1 {
		t.Errorf("reader counts %v, %v", readers, err)
	}
	for _, q := range []ReaderQuery{
		{}, {Status: "active"}, {Course: "one", Only: true}, {Course: "one", Only: true, Enrolled: "stopped"},
		{Course: "one", Only: true, Status: "bounced"}, {Course: "one", Only: true, Status: "active"},
		{Enrolled: "active"}, {Search: "c1"},
	} {
		q.Limit = 2
		_, total, err := db.Readers(ctx, q)
		join, where, args := q.filters()
		var want int
		db.r.QueryRowContext(ctx, "SELECT count(*) FROM subscribers s"+join+where, args...).Scan(&want)
		if err != nil || total != want {
			t.Errorf("%+v: total %d, %v; want %d", q, total, err, want)
		}
	}
}

// On PostgreSQL a reader's suppression and their enrollment's status may
// change in two transactions at once, each trigger reading the other's
// table: the locks make one see the other, so the tallies stay exact.
func TestTalliesHoldUnderConcurrentChanges(t *testing.T) {
	stores(t, testTalliesHoldUnderConcurrentChanges)
}

func testTalliesHoldUnderConcurrentChanges(t *testing.T) {
	postgresOnly(t, "SQLite has one writer")
	ctx := context.Background()
	db := open(t)
	const readers = 200
	for i := range readers {
		email := fmt.Sprintf("x%d@example.org", i)
		addReader(t, db, email, "active")
		enrollReader(t, db, email, "one", "active", 0)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	change := func(q string) {
		defer wg.Done()
		for i := range readers {
			// Each statement its own transaction, one reader at a time,
			// so the two writers meet on the same reader again and again.
			err := db.tx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, q, i+1)
				return err
			})
			if err != nil {
				errs <- err
				return
			}
		}
	}
	wg.Add(3)
	go change("UPDATE subscribers SET status = 'bounced' WHERE id = (SELECT min(id) FROM subscribers) + ? - 1")
	go change("UPDATE enrollments SET status = 'completed', completed_at = 9 WHERE id = (SELECT min(id) FROM enrollments) + ? - 1")
	go change(`INSERT INTO enrollments (subscriber_id, course, status, completed_at, next_due_at, created_at)
		SELECT min(id) + ? - 1, 'two', 'active', 0, 0, 1 FROM subscribers`)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkTallies(t, db)
	_, standing, err := db.CourseCounts(ctx, "one")
	if err != nil || standing["bounced"] != readers {
		t.Fatalf("course one: %v, %v; want all %d bounced", standing, err, readers)
	}
}
