package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/store/disktest"
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
	stores(t, testCommitsDoNotCheckpoint)
}

func testCommitsDoNotCheckpoint(t *testing.T) {
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
	if err := db.checkpoint(ctx, 1<<30, false); err != nil {
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

// TestCheckpointWaitsForReadersOnlyBriefly: with a reader holding an old
// snapshot (an export streaming to a slow client), a checkpoint asked to
// restart the WAL gives up after restartWait instead of holding writers
// back for as long as the reader stays, and a write right after it goes
// through.
func TestCheckpointWaitsForReadersOnlyBriefly(t *testing.T) {
	stores(t, testCheckpointWaitsForReadersOnlyBriefly)
}

func testCheckpointWaitsForReadersOnlyBriefly(t *testing.T) {
	sqliteOnly(t)
	db := open(t)
	ctx := context.Background()
	seed := func(tag string) {
		if err := db.SeedDue(ctx, "c", 50, time.Now(), func(j int) string { return fmt.Sprintf("%s%d@example.com", tag, j) }); err != nil {
			t.Fatal(err)
		}
	}
	seed("a")
	reader, err := db.r.Conn(ctx) // BEGIN, not the pool's BEGIN IMMEDIATE: a read
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if _, err := reader.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	defer reader.ExecContext(ctx, "ROLLBACK")
	var n int
	if err := reader.QueryRowContext(ctx, "SELECT count(*) FROM subscribers").Scan(&n); err != nil {
		t.Fatal(err)
	}
	seed("b") // pages past the reader's snapshot
	// The writer waits up to 5 s for a lock; a checkpoint that waited as
	// long would run past this deadline.
	quick, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	began := time.Now()
	if err := db.checkpoint(quick, 1, false); err != nil {
		t.Fatalf("checkpoint with a reader in the way: %v", err)
	}
	if took := time.Since(began); took > time.Second {
		t.Fatalf("the checkpoint waited %v for the reader, want about %v", took, restartWait)
	}
	if _, err := db.Subscribe(quick, signup("after@example.com", time.Now())); err != nil {
		t.Fatalf("write after the checkpoint: %v", err)
	}
}

// pauseCheckpoints stops db's checkpoint ticker for the rest of the test,
// so that the test decides when checkpoints run.
func pauseCheckpoints(t *testing.T, db *DB) {
	t.Helper()
	close(db.ckStop)
	<-db.ckDone
	db.ckStop = make(chan struct{}) // for Close
}

// TestWALGivesRoomBackOnANearlyFullDisk: on a disk with little room left,
// the WAL's budget is a share of that room, and a WAL past it is
// checkpointed and cut to nothing, so that the room is the database's
// again. With 64 MiB as its only bound, the WAL would keep its file,
// and could fill the disk before it came to be restarted.
func TestWALGivesRoomBackOnANearlyFullDisk(t *testing.T) {
	stores(t, testWALGivesRoomBackOnANearlyFullDisk)
}

func testWALGivesRoomBackOnANearlyFullDisk(t *testing.T) {
	sqliteOnly(t)
	dir := disktest.Small(t, 32<<20) // room for the schema, its indexes and the seeded readers
	db := openAt(t, filepath.Join(dir, "test.db"))
	pauseCheckpoints(t, db)
	ctx := context.Background()
	for i := range 300 { // many commits: the WAL grows past a few MiB
		if err := db.SeedDue(ctx, "c", 20, time.Now(), func(j int) string { return fmt.Sprintf("r%d-%d@example.com", i, j) }); err != nil {
			t.Fatal(err)
		}
	}
	budget, low := walBudget(dir)
	free := disktest.Free(t, dir)
	if !low || int64(budget)*4096*walFreeShare > free+walFileSize(db.path) {
		t.Fatalf("budget %d pages (low %v) with %d KiB free, want at most a quarter of the room", budget, low, free>>10)
	}
	before := walFileSize(db.path)
	if before <= int64(budget)*4096 {
		t.Fatalf("the WAL is %d KiB, want it past its budget of %d KiB to begin with", before>>10, budget*4)
	}
	if err := db.checkpointNow(ctx); err != nil {
		t.Fatal(err)
	}
	if after := walFileSize(db.path); after != 0 {
		t.Fatalf("the WAL file is %d KiB after a checkpoint (it was %d KiB), want it cut to nothing on a nearly full disk", after>>10, before>>10)
	}
	if _, err := db.Subscribe(ctx, signup("after@example.com", t0)); err != nil {
		t.Fatalf("a write after the checkpoint: %v", err)
	}
}
