package store

import (
	"context"
	"strings"
	"testing"
)

// TestBulkPlansFindRowsByKey explains the dispatch's bulk statements on a
// new, empty database, where a sequential scan looks cheapest to the
// planner. A plan made then is kept by the bulk pool's connections, so it
// must already find rows by key, or every outcome would read the whole
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
	}
	queries := map[string]string{
		"record outcomes": pgRecordOutcomes, "received": pgReceivedAny, "start deliveries": pgStartDeliveries,
		"put off": pgPutOff, "complete": pgComplete, "abandon": pgAbandon, "claim enrollments": sqlClaimEnrollments(db),
	}
	for name, args := range statements {
		plan := explain(t, db, queries[name], args)
		for _, table := range []string{"deliveries", "enrollments", "subscribers", "events", "attempts"} {
			if strings.Contains(plan, "Seq Scan on "+table) {
				t.Errorf("%s scans the whole %s table on the bulk pool:\n%s", name, table, plan)
			}
		}
	}
}

// explain returns the plan the bulk pool makes for query with args.
func explain(t *testing.T, db *DB, query string, args []any) string {
	t.Helper()
	ctx := context.Background()
	tx, err := db.bulk.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() // EXPLAIN of a write runs nothing, but keep it tidy
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
