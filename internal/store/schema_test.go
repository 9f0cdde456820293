package store

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/store/pgtest"
)

// column is what the schema comparison knows of one column: its name, a
// coarse type both dialects share, and whether it may be NULL.
type column struct {
	name, kind string
	notNull    bool
}

// dialectOnly are the tables one dialect keeps for itself: SQLite's
// AUTOINCREMENT counters, PostgreSQL's schema version (SQLite keeps it in
// PRAGMA user_version).
var dialectOnly = map[string]bool{"sqlite_sequence": true, "schema_version": true}

// TestSchemasAgree migrates a SQLite and a PostgreSQL database with their
// own migration sets and compares what they hold: the same tables, with
// the same columns in the same order, of the same kind and nullability,
// and the same indexes. The two sets are written by hand, and one SQL text
// serves both, so a column added to one set only must fail here.
func TestSchemasAgree(t *testing.T) {
	pg := pgtest.Fresh(t) // skips, saying how to enable it, without a server
	ctx := context.Background()
	lite := openAt(t, filepath.Join(t.TempDir(), "schema.db"))
	post := openAt(t, pg)
	liteTables, postTables := sqliteColumns(t, ctx, lite), postgresColumns(t, ctx, post)
	if len(liteTables) == 0 {
		t.Fatal("no tables read from SQLite")
	}
	for table, cols := range liteTables {
		if !slices.Equal(cols, postTables[table]) {
			t.Errorf("table %s:\n  sqlite:   %v\n  postgres: %v", table, cols, postTables[table])
		}
	}
	for table := range postTables {
		if _, ok := liteTables[table]; !ok {
			t.Errorf("table %s is in PostgreSQL only", table)
		}
	}
	liteIdx := names(t, ctx, lite, "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'")
	postIdx := names(t, ctx, post, "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'")
	if !slices.Equal(liteIdx, postIdx) {
		t.Errorf("indexes differ:\n  sqlite:   %v\n  postgres: %v", liteIdx, postIdx)
	}
}

// sqliteColumns reads every table's columns from a migrated SQLite file.
func sqliteColumns(t *testing.T, ctx context.Context, db *DB) map[string][]column {
	t.Helper()
	out := map[string][]column{}
	for _, table := range names(t, ctx, db, "SELECT name FROM sqlite_master WHERE type = 'table'") {
		if dialectOnly[table] {
			continue
		}
		rows, err := db.r.QueryContext(ctx, "SELECT name, type, \"notnull\" OR pk FROM pragma_table_info(?) ORDER BY cid", table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c column
			if err := rows.Scan(&c.name, &c.kind, &c.notNull); err != nil {
				t.Fatal(err)
			}
			c.kind = strings.ToLower(c.kind)
			out[table] = append(out[table], c)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// postgresKinds maps PostgreSQL's types to the SQLite type names the
// migrations use for them.
var postgresKinds = map[string]string{"bigint": "integer", "integer": "integer", "text": "text", "double precision": "real", "bytea": "blob"}

// postgresColumns reads every table's columns from a migrated PostgreSQL
// schema.
func postgresColumns(t *testing.T, ctx context.Context, db *DB) map[string][]column {
	t.Helper()
	rows, err := db.r.QueryContext(ctx, `SELECT table_name, column_name, data_type, is_nullable = 'NO'
		FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]column{}
	for rows.Next() {
		var table, kind string
		var c column
		if err := rows.Scan(&table, &c.name, &kind, &c.notNull); err != nil {
			t.Fatal(err)
		}
		if dialectOnly[table] {
			continue
		}
		if c.kind = postgresKinds[kind]; c.kind == "" {
			c.kind = kind // shown as it is, and unequal to any SQLite type
		}
		out[table] = append(out[table], c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// names runs a query of one text column and returns its rows sorted.
func names(t *testing.T, ctx context.Context, db *DB, query string) []string {
	t.Helper()
	rows, err := db.r.QueryContext(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
