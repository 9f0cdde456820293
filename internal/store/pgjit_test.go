package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// TestNoStatementIsCompiled gives the planner statistics that say every
// reader shares one inbox, as after importing readers from a system that
// kept no inbox keys. The signup's generic plan then looks costly enough
// for PostgreSQL to compile it on every execution (a tenth of a second
// each, measured); no pool of the store may.
func TestNoStatementIsCompiled(t *testing.T) { stores(t, testNoStatementIsCompiled) }

func testNoStatementIsCompiled(t *testing.T) {
	postgresOnly(t, "SQLite compiles nothing")
	db := open(t)
	ctx := context.Background()
	mustExec(t, db, `INSERT INTO subscribers (email, email_key, mailbox_key, name, timezone, status, created_at)
		SELECT 'r' || g || '@example.org', 'r' || g || '@example.org', 'shared', '', 'UTC', 'active', 1
		FROM generate_series(1, 20000) g`)
	if _, err := db.w.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	const literals = "'k', 'course', 'h', 'h', 'shared', 1, 2, 1, '{k}', '{1}', 1, 1, 3, 'a@example.org', 'Sam', 'UTC', 'again'"
	prepared := 0
	generic := func(pool string, setup ...string) string {
		p := map[string]*sql.DB{"main": db.w, "bulk": db.bulk, "keyed": db.keyed}[pool]
		prepared++ // a prepared statement outlives the transaction
		name := fmt.Sprintf("jit_signup_%d", prepared)
		setup = append(setup, "SET LOCAL plan_cache_mode = force_generic_plan", "PREPARE "+name+" AS "+rebind(pgSignup))
		return explain(t, db, p, "EXECUTE "+name+"("+literals+")", nil, setup...)
	}
	// The test means something only if these statistics would have the
	// statement compiled.
	if plan := generic("keyed", "SET LOCAL jit = on", "SET LOCAL jit_above_cost = 100000"); !strings.Contains(plan, "JIT:") {
		t.Fatalf("with JIT on, the signup's generic plan is not compiled; the statistics no longer make it look costly:\n%s", plan)
	}
	for _, pool := range []string{"main", "bulk", "keyed"} {
		if plan := generic(pool); strings.Contains(plan, "JIT:") {
			t.Errorf("the %s pool compiles the signup's statement on every execution:\n%s", pool, plan)
		}
	}
}
