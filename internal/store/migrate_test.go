package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// TestEveryMigrationUpgrades builds a database with each schema version in
// turn, filled with what the single-course release kept
// (testdata/single-course.sql), then opens it: Open must bring it to the
// newest version with every reader, enrollment, delivery and queued
// confirmation kept, and leave a store that sends on: the lesson that was
// due before the upgrade is claimed once, and only once.
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
			if before > 0 {
				fill(t, target, before)
			}
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
			if before > 0 {
				checkUpgraded(t, db)
			}
			if _, err := db.Subscribe(ctx, signup("after@example.com", t0)); err != nil {
				t.Fatalf("store unusable after upgrade: %v", err)
			}
		})
	}
}

// upgradeAt is the moment of testdata/single-course.sql.
var upgradeAt = time.Date(2026, 12, 2, 8, 30, 0, 0, time.UTC)

// checkUpgraded checks what testdata/single-course.sql holds after the
// upgrade, and that the lesson due before it is claimed exactly once.
func checkUpgraded(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	want := map[string]drip.EnrollmentStatus{"due@example.com": drip.EnrollActive, "later@example.com": drip.EnrollActive,
		"done@example.com": drip.EnrollCompleted, "gone@example.com": drip.EnrollStopped}
	for email, st := range want {
		sub, err := db.SubscriberByEmail(ctx, email)
		if err != nil {
			t.Fatalf("%s after the upgrade: %v", email, err)
		}
		e, err := db.Enrollment(ctx, sub.ID, "rebuilding-trust")
		if err != nil || e.Status != st || e.ConfirmedAt.IsZero() {
			t.Errorf("%s's enrollment after the upgrade: %+v (%v), want %s with the time it was made", email, e, err, st)
		}
	}
	if sub, err := db.SubscriberByEmail(ctx, "pending@example.com"); err != nil || sub.Status != drip.StatusPending {
		t.Errorf("the pending reader after the upgrade: %+v (%v)", sub, err)
	}
	var queued int
	db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM confirmations WHERE status = 'queued' AND course = ''").Scan(&queued)
	if queued != 1 {
		t.Errorf("%d queued confirmations for the default course after the upgrade, want 1", queued)
	}
	var jobs []Job
	for range 2 { // the second claim must find the lesson leased
		got, err := db.ClaimDue(ctx, upgradeAt, time.Minute, 10, func(d Due) Pick {
			if len(d.Received) != 1 || d.Received[0].Slug != "welcome" {
				t.Errorf("%s claimed with received %+v, want lesson 1 sent", d.Subscriber.Email, d.Received)
			}
			return Pick{Slug: "why-trust-breaks", MessageID: "<m@example.test>"}
		})
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, got...)
	}
	if len(jobs) != 1 || jobs[0].Subscriber.Email != "due@example.com" {
		t.Fatalf("claims after the upgrade: %+v, want due@'s lesson once", jobs)
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

// fill writes testdata/single-course.sql into target, a database at
// version v, with the columns later versions added set as the release at
// v set them.
func fill(t *testing.T, target string, v int) {
	t.Helper()
	ctx := context.Background()
	driver, dsnText := "sqlite", dsn(target, false)
	if onPostgres(t) {
		driver, dsnText = "pgx", target
	}
	raw, err := sql.Open(driver, dsnText)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := os.ReadFile("testdata/single-course.sql")
	if err != nil {
		t.Fatal(err)
	}
	fixes := []struct {
		from int
		sql  string
	}{
		{5, "UPDATE subscribers SET mailbox_key = email_key"},
		{6, "UPDATE enrollments SET confirmed_at = created_at"},
		{6, "UPDATE enrollments SET completed_at = last_sent_at WHERE status = 'completed'"},
	}
	if _, err := raw.ExecContext(ctx, string(rows)); err != nil {
		t.Fatalf("fill a version %d database: %v", v, err)
	}
	for _, f := range fixes {
		if v < f.from {
			continue
		}
		if _, err := raw.ExecContext(ctx, f.sql); err != nil {
			t.Fatalf("fill a version %d database: %v", v, err)
		}
	}
}
