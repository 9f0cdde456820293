package store

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// TestEveryMigrationUpgrades builds a database with each schema version in
// turn, then opens it: Open must bring it to the newest version and leave
// a working store.
func TestEveryMigrationUpgrades(t *testing.T) {
	sqliteOnly(t)
	names, _ := fs.Glob(migrations, "migrations/sqlite/*.sql")
	sort.Strings(names)
	for before := range len(names) {
		t.Run("from version "+strconv.Itoa(before), func(t *testing.T) {
			ctx := context.Background()
			file := filepath.Join(t.TempDir(), "old.db")
			raw, err := sql.Open("sqlite", dsn(file, false))
			if err != nil {
				t.Fatal(err)
			}
			for i, name := range names[:before] {
				body, _ := migrations.ReadFile(name)
				if _, err := raw.ExecContext(ctx, string(body)); err != nil {
					t.Fatal(err)
				}
				raw.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(i+1))
			}
			raw.Close()
			db, err := Open(ctx, file)
			if err != nil {
				t.Fatalf("upgrade from version %d: %v", before, err)
			}
			defer db.Close()
			var v int
			db.w.QueryRow("PRAGMA user_version").Scan(&v)
			if v != len(names) {
				t.Fatalf("version %d after upgrade, want %d", v, len(names))
			}
			if _, err := db.Subscribe(ctx, signup("after@example.com", t0)); err != nil {
				t.Fatalf("store unusable after upgrade: %v", err)
			}
		})
	}
}
