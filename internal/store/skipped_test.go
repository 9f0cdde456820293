package store

import (
	"context"
	"database/sql"
	"io/fs"
	"sort"
	"testing"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// TestOldMovesBecomeSkipped: lessons that moves recorded as failed, before
// skipped was a status of its own, become skipped when the database is
// upgraded (one awaiting a retry when it was skipped among them); a send
// that really failed stays failed.
func TestOldMovesBecomeSkipped(t *testing.T) {
	stores(t, testOldMovesBecomeSkipped)
}

func testOldMovesBecomeSkipped(t *testing.T) {
	dialect, driver := "sqlite", "sqlite"
	if onPostgres(t) {
		dialect, driver = "postgres", "pgx"
	}
	names, _ := fs.Glob(migrations, "migrations/"+dialect+"/*.sql")
	sort.Strings(names)
	target := oldSchema(t, names[:3])
	dsnText := target
	if !onPostgres(t) {
		dsnText = dsn(target, false)
	}
	raw, err := sql.Open(driver, dsnText)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO subscribers (id, email, email_key, status, created_at) VALUES (1, 'sam@example.com', 'sam@example.com', 'active', 1)",
		"INSERT INTO enrollments (id, subscriber_id, course, status, next_due_at, created_at) VALUES (1, 1, 'course', 'active', 1, 1)",
		`INSERT INTO deliveries (id, enrollment_id, subscriber_id, slug, status, attempts, message_id, last_reply, created_at, first_attempt_at) VALUES
			(1, 1, 1, 'one', 'failed', 0, '', 'skipped by operator', 1, 1),
			(2, 1, 1, 'two', 'failed', 1, 'm2', '550 5.1.1 no such user', 1, 1),
			(3, 1, 1, 'three', 'failed', 2, 'm3', 'skipped by operator', 1, 1),
			(4, 1, 1, 'four', 'sent', 1, 'm4', '250 OK', 1, 1)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			raw.Close()
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	db := openAt(t, target)
	rec, err := db.Received(context.Background(), 1, "course")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]drip.DeliveryStatus{"one": drip.DeliverySkipped, "two": drip.DeliveryFailed, "three": drip.DeliverySkipped, "four": drip.DeliverySent}
	for _, r := range rec {
		if r.Status != want[r.Slug] {
			t.Errorf("lesson %s is %s after the upgrade, want %s", r.Slug, r.Status, want[r.Slug])
		}
	}
	if len(rec) != len(want) {
		t.Fatalf("%d deliveries after the upgrade, want %d", len(rec), len(want))
	}
}
