package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"testing"
)

// TestEveryMigrationUpgrades builds a database with each schema version in
// turn, then opens it: Open must bring it to the newest version and leave
// a working store.
func TestEveryMigrationUpgrades(t *testing.T) {
	stores(t, testEveryMigrationUpgrades)
}

func testEveryMigrationUpgrades(t *testing.T) {
	dialect := "sqlite"
	if onPostgres(t) {
		dialect = "postgres"
	}
	names, _ := fs.Glob(migrations, "migrations/"+dialect+"/*.sql")
	sort.Strings(names)
	for before := range len(names) {
		t.Run("from version "+strconv.Itoa(before), func(t *testing.T) {
			ctx := context.Background()
			target := oldSchema(t, names[:before])
			db, err := Open(ctx, target)
			if err != nil {
				t.Fatalf("upgrade from version %d: %v", before, err)
			}
			defer db.Close()
			var v int
			db.tx(ctx, func(tx *sql.Tx) (err error) { v, err = db.schemaVersion(ctx, tx); return err })
			if v != len(names) {
				t.Fatalf("version %d after upgrade, want %d", v, len(names))
			}
			if _, err := db.Subscribe(ctx, signup("after@example.com", t0)); err != nil {
				t.Fatalf("store unusable after upgrade: %v", err)
			}
		})
	}
}

// oldSchema makes a database of the dialect under test with only the
// given migrations applied, recorded as that version, and returns it.
func oldSchema(t *testing.T, applied []string) string {
	t.Helper()
	ctx := context.Background()
	target, driver, dsnText := testTarget(t), "sqlite", ""
	if onPostgres(t) {
		driver, dsnText = "pgx", target
	} else {
		dsnText = dsn(target, false)
	}
	raw, err := sql.Open(driver, dsnText)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	version := "PRAGMA user_version = %d"
	if onPostgres(t) {
		version = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL); DELETE FROM schema_version; INSERT INTO schema_version VALUES (%d)"
	}
	for i, name := range applied {
		body, _ := migrations.ReadFile(name)
		if _, err := raw.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := raw.ExecContext(ctx, fmt.Sprintf(version, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	return target
}
