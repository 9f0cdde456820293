package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// walPages runs a passive checkpoint and reports how many pages the WAL
// holds and how many of them are now in the database.
func walPages(t *testing.T, db *DB) (pages, done int) {
	t.Helper()
	var busy int
	if err := db.ck.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &pages, &done); err != nil {
		t.Fatal(err)
	}
	return pages, done
}

// TestCommitsDoNotCheckpoint: many small commits leave the WAL to the
// checkpointer (SQLite's own would have reset it at 1,000 pages), which
// copies all of it back, so the next commit starts the WAL afresh.
func TestCommitsDoNotCheckpoint(t *testing.T) {
	sqliteOnly(t)
	db := open(t)
	ctx := context.Background()
	write := func(n int) {
		for i := range n {
			if err := db.SeedDue(ctx, "c", 20, time.Now(), func(j int) string { return fmt.Sprintf("r%d-%d-%d@example.com", n, i, j) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(400)
	if err := db.checkpoint(ctx, 1<<30); err != nil {
		t.Fatal(err)
	}
	n, done := walPages(t, db)
	if n <= 1000 || done != n {
		t.Fatalf("after 400 commits the WAL holds %d pages, %d checkpointed; want over 1,000, all checkpointed", n, done)
	}
	write(1)
	if n2, _ := walPages(t, db); n2 >= n {
		t.Errorf("after a restart and one commit the WAL holds %d pages, want it started afresh (it had %d)", n2, n)
	}
}
