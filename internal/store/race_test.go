package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Races between instances on PostgreSQL. Each test holds one instance's
// transaction open at the point that matters, starts the other instance's
// call, waits until PostgreSQL shows that call waiting on a lock, and only
// then commits. SQLite has a single writer, so these orderings can't occur.

// twoInstances opens one fresh database twice, as two instances would.
func twoInstances(t *testing.T) (*DB, *DB) {
	dbs := openInstances(t, testTarget(t), 2)
	return dbs[0], dbs[1]
}

const singleWriter = "SQLite has a single writer: the interleaving can't happen"

// holdOpen begins a transaction on db and runs stmts in it, leaving it
// open for the caller to commit.
func holdOpen(t *testing.T, db *DB, stmts ...string) *sql.Tx {
	t.Helper()
	tx, err := db.w.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	for _, q := range stmts {
		if _, err := tx.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return tx
}

// waitForLockWait returns once some other session of the database is
// waiting on a lock, which is where the call under test must be.
func waitForLockWait(t *testing.T, db *DB) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := db.r.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()").Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
	t.Fatal("the call under test never waited on a lock")
}

// TestSignupDoesNotUndoAConcurrentResubscribe: a reader presses "undo" on
// one instance while a signup of the same address runs on another. The
// signup must see the undo, not overwrite it with "pending".
func TestSignupDoesNotUndoAConcurrentResubscribe(t *testing.T) {
	stores(t, testSignupDoesNotUndoAConcurrentResubscribe)
}

func testSignupDoesNotUndoAConcurrentResubscribe(t *testing.T) {
	postgresOnly(t, singleWriter)
	a, b := twoInstances(t)
	ctx, id := context.Background(), active(t, a, "undo@example.com", t0)
	if _, err := a.Unsubscribe(ctx, id, 0, "", t0); err != nil {
		t.Fatal(err)
	}
	undo := holdOpen(t, a, "UPDATE subscribers SET status = 'active', unsubscribed_at = 0 WHERE email_key = 'undo@example.com'")
	done := make(chan error, 1)
	go func() {
		_, err := b.Subscribe(ctx, signup("undo@example.com", t0.Add(time.Minute)))
		done <- err
	}()
	waitForLockWait(t, a)
	if err := undo.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s, err := a.Subscriber(ctx, id); err != nil || s.Status != drip.StatusActive {
		t.Fatalf("after undo and a concurrent signup the reader is %q (%v); want active", s.Status, err)
	}
}

// TestEraseWaitsForAClaimBeingCommitted: an erasure must not miss a lesson
// another instance has just claimed but not yet committed, or that lesson
// would go to an erased address.
func TestEraseWaitsForAClaimBeingCommitted(t *testing.T) {
	stores(t, testEraseWaitsForAClaimBeingCommitted)
}

func testEraseWaitsForAClaimBeingCommitted(t *testing.T) {
	postgresOnly(t, singleWriter)
	a, b := twoInstances(t)
	ctx, id := context.Background(), active(t, a, "erase@example.com", t0)
	claim := holdOpen(t, a,
		"UPDATE enrollments SET next_due_at = next_due_at + 600",
		`INSERT INTO deliveries (enrollment_id, subscriber_id, slug, status, message_id, created_at, first_attempt_at)
			SELECT id, subscriber_id, 'one', 'sending', 'm@example.com', 0, 0 FROM enrollments`)
	done := make(chan error, 1)
	go func() { done <- b.Erase(ctx, id, t0) }()
	waitForLockWait(t, a)
	if err := claim.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrInFlight) {
		t.Fatalf("erase during a claim: %v; want ErrInFlight", err)
	}
	if _, err := a.Subscriber(ctx, id); err != nil {
		t.Fatalf("the reader was erased with a lesson in flight: %v", err)
	}
}
