package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// TestReleaseOfRetakenWorkChangesNothing: a sender whose lease ran out
// and whose lesson another instance retook must not release it, or the
// other instance's delivery row would vanish and the lesson come due a
// third time.
func TestReleaseOfRetakenWorkChangesNothing(t *testing.T) {
	stores(t, testReleaseOfRetakenWorkChangesNothing)
}

func testReleaseOfRetakenWorkChangesNothing(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	id := active(t, db, "slow@example.com", t0)
	lease := 10 * time.Second
	first, err := db.ClaimDue(ctx, t0, lease, 10, pickFirst("one"))
	if err != nil || len(first) != 1 || !first[0].LeaseUntil.Equal(t0.Add(lease)) {
		t.Fatalf("claim: %+v, %v; want one job leased until %v", first, err, t0.Add(lease))
	}
	later := t0.Add(lease + time.Second)
	second, err := db.ClaimDue(ctx, later, lease, 10, pickFirst("one"))
	if err != nil || len(second) != 1 {
		t.Fatalf("retake after the lease: %d jobs, %v", len(second), err)
	}
	if err := db.Release(ctx, first[0], t0); err != nil {
		t.Fatal(err)
	}
	e, err := db.Enrollment(ctx, id, "course")
	if err != nil || !e.NextDueAt.Equal(later.Add(lease)) {
		t.Fatalf("after the stale release the enrollment is due %v (%v); want the retaken lease %v", e.NextDueAt, err, later.Add(lease))
	}
	if again, _ := db.ClaimDue(ctx, later, lease, 10, pickFirst("one")); len(again) != 0 {
		t.Fatal("a stale release made retaken work claimable again")
	}
	// The current holder's release does hand it back.
	if err := db.Release(ctx, second[0], later); err != nil {
		t.Fatal(err)
	}
	if again, _ := db.ClaimDue(ctx, later, lease, 10, pickFirst("one")); len(again) != 1 || again[0].DeliveryID != second[0].DeliveryID {
		t.Fatalf("after the holder's release: %+v; want the same delivery claimable", again)
	}
}

// TestConcurrentClaimsAreDisjoint: two instances claiming at the same
// moment never get the same reader.
func TestConcurrentClaimsAreDisjoint(t *testing.T) {
	stores(t, testConcurrentClaimsAreDisjoint)
}

func testConcurrentClaimsAreDisjoint(t *testing.T) {
	ctx := context.Background()
	a, b := twoInstances(t)
	const readers = 300
	if err := a.SeedDue(ctx, "course", readers, t0, func(i int) string { return fmt.Sprintf("r%d@example.com", i) }); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var claimed []int64
	var wg sync.WaitGroup
	for _, db := range []*DB{a, b, a, b} {
		wg.Go(func() {
			for {
				jobs, err := db.ClaimDue(ctx, t0, time.Minute, 7, pickFirst("one"))
				if err != nil {
					t.Error(err)
					return
				}
				if len(jobs) == 0 {
					return
				}
				mu.Lock()
				for _, j := range jobs {
					claimed = append(claimed, j.Enrollment.ID)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	seen := map[int64]bool{}
	for _, id := range claimed {
		if seen[id] {
			t.Fatalf("enrollment %d was claimed twice", id)
		}
		seen[id] = true
	}
	if len(seen) != readers {
		t.Fatalf("%d of %d readers claimed", len(seen), readers)
	}
}

// A confirmation handed back by a sender whose lease ran out, and which
// another sender has since retaken, stays with the other sender: putting
// it back in the queue would send it twice.
func TestRequeueOfRetakenConfirmationChangesNothing(t *testing.T) {
	stores(t, testRequeueOfRetakenConfirmationChangesNothing)
}

func testRequeueOfRetakenConfirmationChangesNothing(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	if _, err := db.Subscribe(ctx, signup("new@example.com", t0)); err != nil {
		t.Fatal(err)
	}
	newID := func(id int64) string { return fmt.Sprintf("c%d@example.test", id) }
	first, err := db.ClaimConfirmations(ctx, t0, time.Minute, 10, newID)
	if err != nil || len(first) != 1 {
		t.Fatalf("claim: %d, %v", len(first), err)
	}
	later := t0.Add(2 * time.Minute)
	second, err := db.ClaimConfirmations(ctx, later, time.Minute, 10, newID)
	if err != nil || len(second) != 1 {
		t.Fatalf("retake after the lease: %d, %v", len(second), err)
	}
	if err := db.RequeueConfirmation(ctx, first[0], later); err != nil {
		t.Fatal(err)
	}
	if again, _ := db.ClaimConfirmations(ctx, later, time.Minute, 10, newID); len(again) != 0 {
		t.Fatal("the first sender's requeue took the confirmation from the second")
	}
	if err := db.RequeueConfirmation(ctx, second[0], later); err != nil {
		t.Fatal(err)
	}
	if again, _ := db.ClaimConfirmations(ctx, later, time.Minute, 10, newID); len(again) != 1 {
		t.Fatal("the holder's own requeue did not put it back")
	}
}

// A send cut short by a crash, for a lesson then removed from the course,
// is closed by the reader's next claim (which picks another lesson), so it
// no longer blocks pausing the reader; a lesson still in the course is
// picked again with its row.
func TestAbandonedSendIsClosedByTheNextClaim(t *testing.T) {
	stores(t, testAbandonedSendIsClosedByTheNextClaim)
}

func testAbandonedSendIsClosedByTheNextClaim(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	id, _ := claimOne(t, db, "a@example.com", t0, "one")
	later := t0.Add(2 * time.Minute) // the sender died; "one" is removed
	jobs, err := db.ClaimDue(ctx, later, time.Minute, 10, pickFirst("two"))
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim after the lease: %d, %v", len(jobs), err)
	}
	j := jobs[0]
	err = db.Record(ctx, Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: id,
		Slug: "two", Result: drip.DeliverySent, At: later, NextDue: later.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := db.DeliveriesOf(ctx, id)
	if len(ds) != 2 || ds[0].Slug != "one" || ds[0].Status != drip.DeliveryFailed {
		t.Fatalf("deliveries %+v: want the abandoned one closed as failed", ds)
	}
	if changed, err := db.PauseFor(ctx, id, j.DeliveryID, 7*24*time.Hour, later); err != nil || !changed {
		t.Fatalf("pause after the abandoned send was closed: %v, %v", changed, err)
	}
}

// A retry taken up and then handed back unsent waits as a retry again,
// not as a send in flight.
func TestReleasedRetryWaitsAsARetry(t *testing.T) {
	stores(t, testReleasedRetryWaitsAsARetry)
}

func testReleasedRetryWaitsAsARetry(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	id, j := claimOne(t, db, "a@example.com", t0, "one")
	err := db.Record(ctx, Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: id,
		Slug: "one", Result: drip.DeliveryRetry, Reply: Reply{Code: 451}, At: t0, NextDue: t0.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	again, err := db.ClaimDue(ctx, t0.Add(time.Minute), time.Minute, 10, pickFirst("one"))
	if err != nil || len(again) != 1 {
		t.Fatalf("retry claim: %d, %v", len(again), err)
	}
	if err := db.Release(ctx, again[0], t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ds, _ := db.DeliveriesOf(ctx, id); len(ds) != 1 || ds[0].Status != drip.DeliveryRetry {
		t.Fatalf("after the release: %+v, want the retry waiting as a retry", ds)
	}
}

// A send cut short by a crash, whose lesson is then put off to the
// reader's window, waits as a retry: as a send in flight it would block
// pausing and erasing the reader until then.
func TestPutOffCrashedSendWaitsAsARetry(t *testing.T) {
	stores(t, testPutOffCrashedSendWaitsAsARetry)
}

func testPutOffCrashedSendWaitsAsARetry(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	id, j := claimOne(t, db, "a@example.com", t0, "one")
	night := t0.Add(18 * time.Hour)
	jobs, err := db.ClaimDue(ctx, night, time.Minute, 10, func(Due) Pick { return Pick{Later: night.Add(5 * time.Hour)} })
	if err != nil || len(jobs) != 0 {
		t.Fatalf("put-off claim: %d jobs, %v", len(jobs), err)
	}
	if ds, _ := db.DeliveriesOf(ctx, id); len(ds) != 1 || ds[0].Status != drip.DeliveryRetry || ds[0].MessageID != j.MessageID {
		t.Fatalf("deliveries %+v: want the cut-short send waiting as a retry, with its Message-ID", ds)
	}
	if changed, err := db.PauseFor(ctx, id, j.DeliveryID, 7*24*time.Hour, night); err != nil || !changed {
		t.Fatalf("pause while the lesson waits for the morning: %v, %v", changed, err)
	}
}
