package store

import (
	"context"
	"strings"
	"testing"
)

// TestDueQueriesUseIndexes fails if finding due work would read every
// reader: the claim queries must search an index, never scan a table.
func TestDueQueriesUseIndexes(t *testing.T) {
	stores(t, testDueQueriesUseIndexes)
}

func testDueQueriesUseIndexes(t *testing.T) {
	sqliteOnly(t)
	db := open(t)
	queries := map[string]string{
		"claim lessons":       "SELECT id FROM enrollments WHERE status = 'active' AND next_due_at <= 1 ORDER BY next_due_at LIMIT 10",
		"claim confirmations": "SELECT id FROM confirmations WHERE status IN ('queued', 'sending') AND due_at <= 1 ORDER BY due_at LIMIT 10",
		"received lessons":    "SELECT slug FROM deliveries WHERE enrollment_id IN (1, 2, 3)",
		"confirmation cap":    "SELECT count(*) FROM confirmations WHERE subscriber_id = 1 AND created_at > 0",
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			rows, err := db.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			text := strings.Join(plan, "; ")
			for _, step := range plan {
				if strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "USING") {
					t.Fatalf("full table scan: %s", text)
				}
			}
			if !strings.Contains(text, "USING") {
				t.Fatalf("no index used: %s", text)
			}
			t.Log(text)
		})
	}
}
