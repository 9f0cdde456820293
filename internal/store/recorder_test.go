package store

import (
	"context"
	"sync"
	"testing"
)

// TestRecorderRecordsEachOutcomeOnce: outcomes recorded by several
// senders at once are each in the database once the recorder closes, and
// each sender is told once how its outcome went.
func TestRecorderRecordsEachOutcomeOnce(t *testing.T) { stores(t, testRecorderRecordsEachOutcomeOnce) }

func testRecorderRecordsEachOutcomeOnce(t *testing.T) {
	const senders = 4
	db, outs := claimedAt(t, open(t), 200)
	rec := db.NewRecorder(senders)
	var mu sync.Mutex
	told := map[int64]int{}
	var wg sync.WaitGroup
	for w := range senders {
		wg.Go(func() {
			for i := w; i < len(outs); i += senders {
				if !rec.Enter() {
					t.Errorf("Enter refused with nothing failed")
					return
				}
				rec.Record(outs[i], func(err error) {
					if err != nil {
						t.Errorf("record %d: %v", outs[i].DeliveryID, err)
					}
					mu.Lock()
					told[outs[i].DeliveryID]++
					mu.Unlock()
				})
			}
		})
	}
	wg.Wait()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	wantRecordedOnce(t, db, outs)
	for _, o := range outs {
		if told[o.DeliveryID] != 1 {
			t.Fatalf("the sender of delivery %d was told %d times, want once", o.DeliveryID, told[o.DeliveryID])
		}
	}
	if files := filesLeft(t, db); len(files) != 0 {
		t.Fatalf("files left: %v", files)
	}
}

// TestRecorderPlaceComesBackOnceDurable: with one place, a sender can
// send again only once its last outcome is durable (appended to the
// journal on SQLite, committed on PostgreSQL).
func TestRecorderPlaceComesBackOnceDurable(t *testing.T) {
	stores(t, testRecorderPlaceComesBackOnceDurable)
}

func testRecorderPlaceComesBackOnceDurable(t *testing.T) {
	db, outs := claimedAt(t, open(t), 5)
	rec := db.NewRecorder(1)
	var mu sync.Mutex
	durable := 0
	for i, o := range outs {
		if !rec.Enter() {
			t.Fatal("Enter refused with nothing failed")
		}
		mu.Lock()
		if durable != i {
			t.Fatalf("a place was free for message %d while %d outcomes were durable", i+1, durable)
		}
		mu.Unlock()
		rec.Record(o, func(err error) {
			if err != nil {
				t.Errorf("record: %v", err)
			}
			mu.Lock()
			durable++
			mu.Unlock()
		})
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	wantRecordedOnce(t, db, outs)
}

// TestRecorderStopsAfterAFailure: once an outcome cannot be recorded, its
// sender is told, no place is given out any more, and the next claim's
// Settle fails, so the pass sends and claims nothing more.
func TestRecorderStopsAfterAFailure(t *testing.T) { stores(t, testRecorderStopsAfterAFailure) }

func testRecorderStopsAfterAFailure(t *testing.T) {
	ctx := context.Background()
	db, outs := claimedAt(t, open(t), 2)
	bad := outs[0]
	if onPostgres(t) {
		logGone(t, db, true) // the outcome log's insert fails
	} else if err := db.InjectFault(ctx, DiskFull); err != nil {
		t.Fatal(err) // the journal's append fails
	}
	rec := db.NewRecorder(2)
	told := make(chan error, 1)
	if !rec.Enter() {
		t.Fatal("Enter refused with nothing failed")
	}
	rec.Record(bad, func(err error) { told <- err })
	if err := <-told; err == nil {
		t.Fatal("an outcome that could not be recorded was reported recorded")
	}
	if rec.Enter() {
		t.Fatal("a place was given out after an outcome could not be recorded")
	}
	if err := rec.Settle(ctx, t0); err == nil {
		t.Fatal("Settle after an outcome could not be recorded: no error")
	}
	if onPostgres(t) {
		logGone(t, db, false)
	} else if err := db.InjectFault(ctx, NoFault); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}
