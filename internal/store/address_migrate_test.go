package store

import (
	"context"
	"database/sql"
	"io/fs"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// openBefore makes target a database migrated up to, not including,
// migration name, as a deployment from before it would be, and returns
// its writer connection.
func openBefore(t *testing.T, target, name string) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db := &DB{d: sqliteDialect}
	if onPostgres(t) {
		cfg, err := pgx.ParseConfig(target)
		if err != nil {
			t.Fatal(err)
		}
		db.w, db.d = sql.OpenDB(rebindConnector{stdlib.GetConnector(*cfg)}), postgresDialect
	} else {
		w, err := sql.Open("sqlite", dsn(target, false))
		if err != nil {
			t.Fatal(err)
		}
		w.SetMaxOpenConns(1)
		db.w = w
	}
	names, _ := fs.Glob(migrations, "migrations/"+db.d.name+"/*.sql")
	sort.Strings(names)
	k := sort.SearchStrings(names, "migrations/"+db.d.name+"/"+name)
	for done := false; !done; {
		var err error
		if done, err = db.migrateNext(ctx, names[:k]); err != nil {
			t.Fatal(err)
		}
	}
	return db.w
}

// TestAddressMigration runs 0005_addresses on readers and suppressions
// kept under the old keys (a Unicode lower-casing): every reader is still
// there, each found under the new key; two readers whose addresses turn
// out to be one inbox are both kept; an old erasure still suppresses.
func TestAddressMigration(t *testing.T) { stores(t, testAddressMigration) }

func testAddressMigration(t *testing.T) {
	ctx := context.Background()
	target := testTarget(t)
	old := openBefore(t, target, "0005_addresses.sql")
	for _, r := range [][2]string{
		{"\u0130van@example.com", "ivan@example.com"}, // the old key made it an "i"
		{"ada@b\u00FCcher.de", "ada@b\u00FCcher.de"},
		{"ADA@xn--bcher-kva.de", "ada@xn--bcher-kva.de"}, // the same inbox as the one above
		{"kate@Example.com", "kate@example.com"},
		{"ada+news@gmail.com", "ada+news@gmail.com"},
	} {
		if _, err := old.ExecContext(ctx, "INSERT INTO subscribers (email, email_key, status, created_at) VALUES (?, ?, 'active', 1)", r[0], r[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, erased := range []string{"Zo\u00EB@B\u00DCCHER.de", "gone@example.org"} {
		if _, err := old.ExecContext(ctx, "INSERT INTO suppressions (email_hash, reason, created_at) VALUES (?, 'erased', 1)",
			hashKey(strings.ToLower(erased))); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()

	db := openAt(t, target)
	want := map[string]int64{"\u0130van@example.com": 1, "ada@b\u00FCcher.de": 2, "ada@xn--bcher-kva.de": 2, "KATE@example.com": 4, "ada+news@gmail.com": 5}
	for email, id := range want {
		if sub, err := db.SubscriberByEmail(ctx, email); err != nil || sub.ID != id {
			t.Errorf("%s: found %+v, %v; want reader %d", email, sub, err, id)
		}
	}
	if _, err := db.SubscriberByEmail(ctx, "ivan@example.com"); err == nil {
		t.Error("ivan@example.com still finds the look-alike's record")
	}
	var n int
	var dupKey, box string
	db.r.QueryRowContext(ctx, "SELECT count(*) FROM subscribers").Scan(&n)
	db.r.QueryRowContext(ctx, "SELECT email_key FROM subscribers WHERE id = 3").Scan(&dupKey)
	db.r.QueryRowContext(ctx, "SELECT mailbox_key FROM subscribers WHERE id = 5").Scan(&box)
	if n != 5 || dupKey != "ada@xn--bcher-kva.de (duplicate of reader 2)" {
		t.Errorf("%d readers, reader 3 keyed %q; want all 5 kept, reader 3 marked a duplicate of 2", n, dupKey)
	}
	if box != "ada@gmail.com" {
		t.Errorf("mailbox key %q, want ada@gmail.com", box)
	}
	for _, email := range []string{"zo\u00EB@b\u00FCcher.de", "GONE@example.org"} {
		if sup, err := db.Suppressed(ctx, email); err != nil || !sup {
			t.Errorf("%s was erased before the migration and is no longer suppressed (%v)", email, err)
		}
	}
	if res, err := db.Subscribe(ctx, signup("ivan@example.com", t0)); err != nil || !res.Created || !res.Queued {
		t.Errorf("the real ivan@example.com after the migration: %+v, %v", res, err)
	}
}
