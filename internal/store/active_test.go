package store

import (
	"context"
	"testing"
	"time"
)

// Waiting counts the readers whose next lesson is due in a span ahead,
// and finds the first due after now, beyond the span too; readers due
// now are not waiting.
func TestWaiting(t *testing.T) {
	stores(t, testWaiting)
}

func testWaiting(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	now := t0.Add(time.Hour)
	if n, next, err := db.Waiting(ctx, now, now.Add(24*time.Hour)); err != nil || n != 0 || !next.IsZero() {
		t.Fatalf("no readers: %d waiting, next %v, %v", n, next, err)
	}
	active(t, db, "due-now@example.com", t0)
	active(t, db, "soon@example.com", now.Add(3*time.Hour))
	active(t, db, "sooner@example.com", now.Add(2*time.Hour))
	active(t, db, "later@example.com", now.Add(72*time.Hour))
	n, next, err := db.Waiting(ctx, now, now.Add(24*time.Hour))
	if err != nil || n != 2 || !next.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("%d waiting in the next day, next %v, %v; want 2 and %v", n, next, err, now.Add(2*time.Hour))
	}
	n, next, err = db.Waiting(ctx, now.Add(4*time.Hour), now.Add(28*time.Hour))
	if err != nil || n != 0 || !next.Equal(now.Add(72*time.Hour)) {
		t.Fatalf("%d waiting, next %v, %v; want none in the span and the next beyond it", n, next, err)
	}
}
