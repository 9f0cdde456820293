package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store/pgtest"
	"github.com/dripcourse/dripcourse/internal/token"
)

// upgradeAt is the moment of internal/store/testdata/single-course.sql:
// due@'s lesson 2 came due an hour before it.
var upgradeAt = time.Date(2026, 12, 2, 8, 30, 0, 0, time.UTC)

// TestUpgradeKeepsSending upgrades, on SQLite and on PostgreSQL, a
// database a single-course release left at each earlier schema version
// (with -short, the oldest and the one before the newest), by starting the
// whole product on it with the built-in courses, and follows its readers
// over real SMTP for four days, a pass an hour: the lesson due before the
// upgrade goes once, the queued confirmation goes once and names the
// course, each later lesson goes once, and nobody who had finished or left
// gets anything. Links that release sent still do what they did: its
// confirm link (no course in it) starts the course, and its unsubscribe
// link, one-clicked, stops it and unsubscribes the reader.
func TestUpgradeKeepsSending(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		names, _ := filepath.Glob(filepath.Join("..", "..", "internal", "store", "migrations", dialect, "*.sql"))
		sort.Strings(names)
		if len(names) < 2 {
			t.Fatalf("found %d %s migrations", len(names), dialect)
		}
		for v := 1; v < len(names); v++ {
			if testing.Short() && v != 1 && v != len(names)-1 {
				continue // -short: the oldest schema and the one before the newest
			}
			t.Run(dialect+" from version "+strconv.Itoa(v), func(t *testing.T) {
				env := map[string]string{"DRIP_DATA": t.TempDir()}
				if dialect == "postgres" {
					env["DRIP_DATABASE_URL"] = pgtest.Fresh(t)
				}
				ids := oldDatabase(t, dialect, env, names[:v])
				h := newHarness(t, env)
				h.clock.Advance(upgradeAt.Sub(h.clock.Now()))
				followUpgrade(t, h, ids)
			})
		}
	}
}

// oldIDs are the row IDs the old release's links carried.
type oldIDs struct{ due, dueDelivery, pending int64 }

// oldDatabase makes the database env names at the version of the given
// migrations, fills it as the single-course release did, and returns the
// IDs its links need.
func oldDatabase(t *testing.T, dialect string, env map[string]string, applied []string) oldIDs {
	t.Helper()
	ctx := context.Background()
	driver, dsn, version := "sqlite", filepath.Join(env["DRIP_DATA"], "dripcourse.db"), "PRAGMA user_version = %d"
	if dialect == "postgres" {
		driver, dsn = "pgx", env["DRIP_DATABASE_URL"]
		version = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL); DELETE FROM schema_version; INSERT INTO schema_version VALUES (%d)"
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	fill := filepath.Join("..", "..", "internal", "store", "testdata", "single-course.sql")
	steps := append([]string{}, applied...)
	for _, f := range append(steps, fill) {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if _, err := raw.ExecContext(ctx, fmt.Sprintf(version, len(applied))); err != nil {
		t.Fatal(err)
	}
	// The columns later versions added, as the release at that version set them.
	for _, f := range []struct {
		from int
		sql  string
	}{
		{5, "UPDATE subscribers SET mailbox_key = email_key"},
		{6, "UPDATE enrollments SET confirmed_at = created_at"},
		{6, "UPDATE enrollments SET completed_at = last_sent_at WHERE status = 'completed'"},
	} {
		if len(applied) < f.from {
			continue
		}
		if _, err := raw.ExecContext(ctx, f.sql); err != nil {
			t.Fatalf("fill a version %d database: %v", len(applied), err)
		}
	}
	var ids oldIDs
	err = raw.QueryRowContext(ctx, `SELECT s.id, d.id FROM subscribers s JOIN deliveries d ON d.subscriber_id = s.id
		WHERE s.email_key = 'due@example.com'`).Scan(&ids.due, &ids.dueDelivery)
	if err == nil {
		err = raw.QueryRowContext(ctx, "SELECT id FROM subscribers WHERE email_key = 'pending@example.com'").Scan(&ids.pending)
	}
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// followUpgrade runs the upgraded product from upgradeAt.
func followUpgrade(t *testing.T, h *harness, ids oldIDs) {
	crs := h.app.lib.Content().Default()
	if crs.Slug != "rebuilding-trust" {
		t.Fatalf("the default course is %s, want the one course of the old release", crs.Slug)
	}
	got := inbox{}
	for range 3 { // more passes at the same moment send nothing more
		h.pass()
		got.take(h)
	}
	subjects := func(who, slug string) []string {
		var s []string
		for _, p := range got[who][slug] {
			s = append(s, p.header.Get("Subject"))
		}
		return s
	}
	if s := subjects("due@example.com", crs.Slug); len(s) != 1 || s[0] != crs.Lessons[1].Subject {
		t.Errorf("due@ got %q after the upgrade, want lesson 2 once", s)
	}
	if s := subjects("pending@example.com", ""); len(s) != 1 || s[0] != "Please confirm: "+crs.Title {
		t.Errorf("pending@ got %q after the upgrade, want the queued confirmation once, naming the course", s)
	}

	// The old release's confirm link, as that release made it.
	confirm := h.app.links.Path(token.Confirm, ids.pending, 0, upgradeAt.Add(-time.Minute))
	h.get(confirm)
	if code, _ := h.postBody(confirm, nil); code != http.StatusOK {
		t.Fatalf("the old release's confirm link: %d", code)
	}
	if e := h.enrollment("pending@example.com", crs.Slug); e.Status != drip.EnrollActive {
		t.Errorf("the old release's confirm link left the reader %s in %s", e.Status, crs.Slug)
	}
	// The old release's unsubscribe link in due@'s lesson 1, one-clicked.
	unsub := h.app.links.Path(token.Unsubscribe, ids.due, ids.dueDelivery, upgradeAt.Add(-48*time.Hour))
	if code, _ := h.postBody(unsub, url.Values{"List-Unsubscribe": {"One-Click"}}); code != http.StatusOK {
		t.Fatalf("the old release's unsubscribe link: %d", code)
	}
	if st := subscriberStatus(t, h.app, "due@example.com"); st != drip.StatusUnsubscribed {
		t.Errorf("the old release's unsubscribe link left due@ %s", st)
	}

	for range 4 * 24 {
		h.pass()
		got.take(h)
		h.clock.Advance(time.Hour)
	}
	want := map[string]int{"due@example.com": 1, "later@example.com": 1, "done@example.com": 0, "gone@example.com": 0}
	for who, n := range want {
		if s := subjects(who, crs.Slug); len(s) != n {
			t.Errorf("%s got %q in four days after the upgrade, want %d lesson(s)", who, s, n)
		}
	}
	pending := subjects("pending@example.com", crs.Slug)
	for i, s := range pending {
		if s != crs.Lessons[i].Subject {
			t.Errorf("pending@'s lesson %d is %q, want %q", i+1, s, crs.Lessons[i].Subject)
		}
	}
	if len(pending) < 2 {
		t.Errorf("pending@ got %q in four days after confirming", pending)
	}
}
