package store

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// pageQuery is one query behind an operator's page, with arguments.
type pageQuery struct {
	name string
	sql  string
	args []any
}

// pageQueries are the queries behind the stats, the dashboard's counts
// and sends per day, a reader's page, the reader list and the schedule,
// as their functions run them. The reader page's are copied from
// reader_record.go. Not here: a page of the reader list found by its
// number alone, which skips the pages before it on an index (SQLite's
// plan names that a scan, though it stops at the page).
func pageQueries(dmark, emark int64) []pageQuery {
	var qs []pageQuery
	for _, c := range []string{"one", ""} {
		for i, q := range lessonQueries(c, dmark, emark) {
			qs = append(qs, pageQuery{"stats " + c + " " + string(rune('a'+i)), q.sql, q.args})
		}
	}
	return append(qs,
		pageQuery{"sent days summed", sentDaysSummed, []any{20000, 20060, "one", "one"}},
		pageQuery{"sent days after the mark", sentDaysAfter, []any{day, dmark, 1, 2, "one", "one"}},
		pageQuery{"reader enrollments", `SELECT id, course, status FROM enrollments WHERE subscriber_id = ? ORDER BY id`, []any{7}},
		pageQuery{"reader deliveries", `SELECT d.id, e.course, d.slug FROM deliveries d JOIN enrollments e ON e.id = d.enrollment_id
			WHERE d.subscriber_id = ? ORDER BY d.id`, []any{7}},
		pageQuery{"reader attempts", `SELECT a.delivery_id, a.at FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
			WHERE d.subscriber_id = ? ORDER BY a.id`, []any{7}},
		pageQuery{"reader events", `SELECT kind, course, slug FROM events WHERE subscriber_id = ? ORDER BY at, id`, []any{7}},
		pageQuery{"reader counts", talliedQuery("reader", "enrollment = ''"), nil},
		pageQuery{"course counts", talliedQuery("enrollment, reader", "course = ? AND enrollment != ''"), []any{"one"}},
		pageQuery{"completions", talliedQuery("course", "completed = 1"), nil},
		pageQuery{"readers, the page after", readerPage(false, "", " WHERE s.id < ?", " ORDER BY s.id DESC LIMIT ?"), []any{"one", 900, 50}},
		pageQuery{"readers, the page before", readerPage(false, "", " WHERE s.id > ?", " ORDER BY s.id LIMIT ?"), []any{"one", 900, 50}},
		pageQuery{"a course's readers, the page after", readerPage(true, " JOIN enrollments e ON e.subscriber_id = s.id AND e.course = ?",
			" WHERE e.subscriber_id < ?", " ORDER BY e.subscriber_id DESC LIMIT ?"), []any{"one", 900, 50}},
		pageQuery{"a course's finished readers, the page after", readerPage(true,
			" JOIN enrollments e ON e.subscriber_id = s.id AND e.course = ? AND e.status = ?",
			" WHERE e.subscriber_id < ?", " ORDER BY e.subscriber_id DESC LIMIT ?"), []any{"one", "completed", 900, 50}},
		pageQuery{"active readers", activeEnrollments, []any{"one"}},
		pageQuery{"active readers' lessons", activeReceived(3), []any{4, 5, 6}},
	)
}

// bigTables are the tables that grow with the readers and their history.
var bigTables = []string{"subscribers", "enrollments", "deliveries", "events", "attempts"}

// sqliteWholeScan matches a plan line that reads a whole table: SQLite
// names a table by its alias in the query, so the aliases are listed.
var sqliteWholeScan = regexp.MustCompile(`^SCAN (subscribers|enrollments|deliveries|events|attempts|s|e|d|v|a|p)\b`)

// None of the queries behind the operator's pages reads a whole large
// table, on a generated history whose marks are caught up (PostgreSQL
// analysed, as autovacuum keeps it): each reads an index range, the
// summed counts or the rows after a mark.
func TestPageQueriesReadNoWholeTable(t *testing.T) {
	stores(t, testPageQueriesReadNoWholeTable)
}

func testPageQueriesReadNoWholeTable(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if err := db.BuildHistory(ctx, historyCourses, 3000, now, nil); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		now = now.Add(11 * time.Minute)
		if err := db.AdvanceCounts(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	var dmark, emark int64
	db.r.QueryRowContext(ctx, "SELECT upto FROM count_marks WHERE name = 'deliveries'").Scan(&dmark)
	db.r.QueryRowContext(ctx, "SELECT upto FROM count_marks WHERE name = 'events'").Scan(&emark)
	if dmark == 0 || emark == 0 {
		t.Fatalf("marks %d and %d: nothing summed", dmark, emark)
	}
	for _, q := range pageQueries(dmark, emark) {
		if db.d.postgres() {
			checkPostgresPlan(t, db, q)
		} else {
			checkSQLitePlan(t, db, q)
		}
	}
}

func checkSQLitePlan(t *testing.T, db *DB, q pageQuery) {
	t.Helper()
	var plan []string
	err := db.eachRow(context.Background(), "EXPLAIN QUERY PLAN "+q.sql, func(scan func(...any) error) error {
		var id, parent, unused int
		var detail string
		if err := scan(&id, &parent, &unused, &detail); err != nil {
			return err
		}
		plan = append(plan, detail)
		return nil
	}, q.args...)
	if err != nil {
		t.Fatalf("%s: %v", q.name, err)
	}
	for _, line := range plan {
		if sqliteWholeScan.MatchString(line) {
			t.Errorf("%s reads a whole table: %s\n  plan: %s", q.name, line, strings.Join(plan, "; "))
		}
	}
}

func checkPostgresPlan(t *testing.T, db *DB, q pageQuery) {
	t.Helper()
	var out string
	if err := db.r.QueryRowContext(context.Background(), "EXPLAIN (FORMAT JSON) "+q.sql, q.args...).Scan(&out); err != nil {
		t.Fatalf("%s: %v", q.name, err)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(out), &plans); err != nil || len(plans) == 0 {
		t.Fatalf("%s: %v in %s", q.name, err, out)
	}
	var walk func(n planNode)
	walk = func(n planNode) {
		for _, big := range bigTables {
			if n.NodeType == "Seq Scan" && n.Relation == big {
				t.Errorf("%s reads all of %s: %s", q.name, big, out)
			}
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(plans[0].Plan)
}

// planNode is a node of PostgreSQL's JSON plan.
type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Plans    []planNode `json:"Plans"`
}
