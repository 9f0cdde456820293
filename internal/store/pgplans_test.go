package store

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

// TestBulkPlansFindRowsByKey explains the dispatch's bulk statements, and
// the signups' reads, on a new, empty database, where a sequential scan looks cheapest to the
// planner. A plan made then is kept by the connection, so it must
// already find rows by key, or every outcome would read the whole
// table once the history has grown.
func TestBulkPlansFindRowsByKey(t *testing.T) { stores(t, testBulkPlansFindRowsByKey) }

func testBulkPlansFindRowsByKey(t *testing.T) {
	postgresOnly(t, "SQLite plans each statement as it runs it, from the tables as they are")
	db := open(t)
	// Statistics that say the tables are empty, as on a new install.
	if _, err := db.w.ExecContext(context.Background(), "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	ids, texts := []int64{1, 2}, []string{"a", "b"}
	statements := map[string][]any{
		"record outcomes":   {ids, ids, texts, texts, ids, texts, texts, texts, ids, ids, ids, texts},
		"received":          {ids},
		"start deliveries":  {ids, int64(1), ids, texts, texts},
		"put off":           {ids, ids},
		"complete":          {ids, int64(1)},
		"abandon":           {ids, texts},
		"claim enrollments": {int64(2), int64(1), 100},
		"take log":          {100},
	}
	queries := map[string]string{
		"record outcomes": pgRecordOutcomes, "received": pgReceivedAny, "start deliveries": pgStartDeliveries,
		"put off": pgPutOff, "complete": pgComplete, "abandon": pgAbandon, "claim enrollments": sqlClaimEnrollments(db),
		"take log": pgTakeLog,
	}
	for name, args := range statements {
		plan := explain(t, db, db.bulk, queries[name], args)
		noFullScans(t, name, plan)
		// An index read in the order of another key, filtering every
		// row by this one, reads the whole table as surely as a
		// sequential scan (the received lessons did, in id order).
		if strings.Contains(plan, "Filter: (") && strings.Contains(plan, "= ANY") && !strings.Contains(plan, "Index Cond: (") {
			t.Errorf("%s filters a whole index by its keys:\n%s", name, plan)
		}
	}
	// The signup path runs on the keyed pool too.
	signups := map[string][]any{
		"inbox lock": {"box"},
		"signup": {"k", "course", "h", "h", "box", int64(1), 2, int64(1), []string{"k"}, []int64{1}, int64(1), int64(1), 3,
			"a@example.org", "Sam", "UTC", SignupAgain},
	}
	queries = map[string]string{"inbox lock": pgInboxLock, "signup": pgSignup}
	literals := map[string]string{"inbox lock": "'box'",
		"signup": "'k', 'course', 'h', 'h', 'box', 1, 2, 1, '{k}', '{1}', 1, 1, 3, 'a@example.org', 'Sam', 'UTC', 'again'"}
	for name, args := range signups {
		custom := explain(t, db, db.keyed, queries[name], args)
		noFullScans(t, name, custom)
		// A prepared statement runs a generic plan after its fifth call,
		// made without the values: it must still look rows up by key, not
		// by a time range that holds every recent row.
		stmt := strings.ReplaceAll(name, " ", "_")
		generic := explain(t, db, db.keyed, "EXECUTE "+stmt+"("+literals[name]+")", nil,
			"SET LOCAL plan_cache_mode = force_generic_plan", "PREPARE "+stmt+" AS "+rebind(queries[name]))
		noFullScans(t, name+" (generic plan)", generic)
		// The hourly cap's newest mark is the last entry of an index,
		// not the largest of all of them (a max that read every mark).
		if name == "signup" && !strings.Contains(generic, "Index Only Scan Backward using form_confirms_pkey") {
			t.Errorf("%s finds the newest form mark other than by the end of its index:\n%s", name, generic)
		}
		for _, plan := range []string{custom, generic} {
			for _, wrong := range []string{"Index Cond: (created_at", "Index Cond: (course", "Filter: (email_key", "Filter: (mailbox_key", "Filter: (subscriber_id"} {
				if strings.Contains(plan, wrong) {
					t.Errorf("%s reads by more than its keys (%s):\n%s", name, wrong, plan)
				}
			}
		}
	}
}

// noFullScans fails t if plan reads a whole table that grows with the
// readers.
func noFullScans(t *testing.T, name, plan string) {
	t.Helper()
	for _, table := range []string{"deliveries", "enrollments", "subscribers", "events", "attempts", "confirmations", "suppressions", "outcome_log"} {
		if strings.Contains(plan, "Seq Scan on "+table) {
			t.Errorf("%s scans the whole %s table:\n%s", name, table, plan)
		}
	}
}

// explain returns the plan pool makes for query with args.
func explain(t *testing.T, db *DB, pool *sql.DB, query string, args []any, setup ...string) string {
	t.Helper()
	ctx := context.Background()
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() // EXPLAIN of a write runs nothing, but keep it tidy
	for _, q := range setup {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatalf("explain %q: %v", query[:40], err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
