package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// These tests hold the set-based statements of PostgreSQL (pgclaims.go,
// pgoutcomes.go) to what the row-at-a-time statements of SQLite do: each
// runs on both databases.

// claimSeveral makes n active readers due at t0 and claims them all.
func claimSeveral(t *testing.T, db *DB, n int, slug string) []Job {
	t.Helper()
	for i := range n {
		active(t, db, fmt.Sprintf("r%d@example.com", i), t0)
	}
	jobs, err := db.ClaimDue(context.Background(), t0, time.Minute, n, pickFirst(slug))
	if err != nil || len(jobs) != n {
		t.Fatalf("claim: %d jobs, %v; want %d", len(jobs), err, n)
	}
	return jobs
}

func outcomeOf(j Job, result drip.DeliveryStatus, at time.Time) Outcome {
	return Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: j.Subscriber.ID, Slug: j.Slug,
		Result: result, Reply: Reply{Code: 250, Text: "OK"}, At: at, NextDue: at.Add(48 * time.Hour)}
}

// completeEvents are the reader's complete events.
func completeEvents(t *testing.T, db *DB, sub int64) []drip.Event {
	t.Helper()
	evs, err := db.Events(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	var out []drip.Event
	for _, e := range evs {
		if e.Kind == drip.EventComplete {
			out = append(out, e)
		}
	}
	return out
}

func enrollmentOf(t *testing.T, db *DB, sub int64) drip.Enrollment {
	t.Helper()
	e, err := db.Enrollment(context.Background(), sub, "course")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestOneGroupOfOutcomesMovesEachReaderOn(t *testing.T) {
	stores(t, testOneGroupOfOutcomesMovesEachReaderOn)
}

// One group holds a last lesson, a lesson with more to come and a retry:
// each reader gets what their own outcome says, and only the one who
// finished gets a complete event, naming the course and the delivery.
func testOneGroupOfOutcomesMovesEachReaderOn(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	jobs := claimSeveral(t, db, 3, "one")
	at := t0.Add(time.Second)
	last, more, retry := outcomeOf(jobs[0], drip.DeliverySent, at), outcomeOf(jobs[1], drip.DeliverySent, at), outcomeOf(jobs[2], drip.DeliveryRetry, at)
	last.Complete, retry.Reply, retry.NextDue = true, Reply{Code: 451, Text: "later"}, at.Add(time.Minute)
	if err := db.Record(ctx, last, more, retry); err != nil {
		t.Fatal(err)
	}
	e := enrollmentOf(t, db, last.SubscriberID)
	if e.Status != drip.EnrollCompleted || !e.CompletedAt.Equal(at) || e.LastSlug != "one" {
		t.Fatalf("finished reader: %+v; want completed at %v after one", e, at)
	}
	evs := completeEvents(t, db, last.SubscriberID)
	if len(evs) != 1 || evs[0].Course != "course" || evs[0].DeliveryID != last.DeliveryID || !evs[0].At.Equal(at) {
		t.Fatalf("complete events %+v; want one for course, delivery %d", evs, last.DeliveryID)
	}
	e = enrollmentOf(t, db, more.SubscriberID)
	if e.Status != drip.EnrollActive || !e.CompletedAt.IsZero() || !e.NextDueAt.Equal(more.NextDue) || e.LastSlug != "one" {
		t.Fatalf("reader with more to come: %+v", e)
	}
	if evs := completeEvents(t, db, more.SubscriberID); len(evs) != 0 {
		t.Fatalf("reader with more to come has complete events %+v", evs)
	}
	e = enrollmentOf(t, db, retry.SubscriberID)
	if e.Status != drip.EnrollActive || e.LastSlug != "" || !e.NextDueAt.Equal(retry.NextDue) {
		t.Fatalf("retried reader: %+v; want still before one, due at %v", e, retry.NextDue)
	}
	ds, _ := db.DeliveriesOf(ctx, retry.SubscriberID)
	if len(ds) != 1 || ds[0].Status != drip.DeliveryRetry || ds[0].Attempts != 1 || ds[0].LastReply != retry.Reply.String() {
		t.Fatalf("retried delivery %+v", ds)
	}
	ds, _ = db.DeliveriesOf(ctx, last.SubscriberID)
	if len(ds) != 1 || ds[0].Status != drip.DeliverySent || !ds[0].SentAt.Equal(at) || ds[0].Attempts != 1 {
		t.Fatalf("sent delivery %+v", ds)
	}
	if n := countRows(t, db, "attempts"); n != 3 {
		t.Fatalf("%d attempts recorded, want 3", n)
	}
}

func TestLastLessonOfAPausedReaderLeavesThePause(t *testing.T) {
	stores(t, testLastLessonOfAPausedReaderLeavesThePause)
}

// A reader who paused while their last lesson was being sent stays
// paused: not completed, no complete event; a retry of a paused reader
// does not bring them back either.
func testLastLessonOfAPausedReaderLeavesThePause(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	jobs := claimSeveral(t, db, 2, "one")
	for _, j := range jobs {
		if ok, err := db.PauseEnrollment(ctx, j.Subscriber.ID, "course", t0); err != nil || !ok {
			t.Fatalf("pause: %v, %v", ok, err)
		}
	}
	at := t0.Add(time.Second)
	last, retry := outcomeOf(jobs[0], drip.DeliverySent, at), outcomeOf(jobs[1], drip.DeliveryRetry, at)
	last.Complete = true
	before := enrollmentOf(t, db, retry.SubscriberID)
	if err := db.Record(ctx, last, retry); err != nil {
		t.Fatal(err)
	}
	if e := enrollmentOf(t, db, last.SubscriberID); e.Status != drip.EnrollPaused || !e.CompletedAt.IsZero() {
		t.Fatalf("paused reader after the last lesson: %+v; want paused, not completed", e)
	}
	if evs := completeEvents(t, db, last.SubscriberID); len(evs) != 0 {
		t.Fatalf("complete events of a paused reader: %+v", evs)
	}
	if e := enrollmentOf(t, db, retry.SubscriberID); e.Status != drip.EnrollPaused || !e.NextDueAt.Equal(before.NextDueAt) {
		t.Fatalf("paused reader after a retry: %+v; want paused, due at %v as before", e, before.NextDueAt)
	}
}

func TestClaimCompletesReadersWithNothingLeft(t *testing.T) {
	stores(t, testClaimCompletesReadersWithNothingLeft)
}

// Readers a claim finds with no lesson left are completed by the claim,
// each with one complete event naming no delivery, and are not claimed
// again.
func testClaimCompletesReadersWithNothingLeft(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	var subs []int64
	for i := range 3 {
		subs = append(subs, active(t, db, fmt.Sprintf("r%d@example.com", i), t0))
	}
	nothing := func(Due) Pick { return Pick{} }
	if jobs, err := db.ClaimDue(ctx, t0, time.Minute, 10, nothing); err != nil || len(jobs) != 0 {
		t.Fatalf("claim: %d jobs, %v; want none", len(jobs), err)
	}
	for _, sub := range subs {
		if e := enrollmentOf(t, db, sub); e.Status != drip.EnrollCompleted || !e.CompletedAt.Equal(t0) {
			t.Fatalf("reader %d: %+v; want completed at %v", sub, e, t0)
		}
		if evs := completeEvents(t, db, sub); len(evs) != 1 || evs[0].DeliveryID != 0 || evs[0].Course != "course" || !evs[0].At.Equal(t0) {
			t.Fatalf("reader %d complete events %+v; want one, for the course, with no delivery", sub, evs)
		}
	}
	if jobs, err := db.ClaimDue(ctx, t0.Add(time.Hour), time.Minute, 10, pickFirst("one")); err != nil || len(jobs) != 0 {
		t.Fatalf("claim after completing: %d jobs, %v; want none", len(jobs), err)
	}
}

func TestTwoOutcomesOfOneDeliveryInOneGroup(t *testing.T) {
	stores(t, testTwoOutcomesOfOneDeliveryInOneGroup)
}

// A group may hold two outcomes of one delivery (a retry, then its
// success): both attempts count, and the later outcome is the one that
// stands, as when they are recorded one after the other.
func testTwoOutcomesOfOneDeliveryInOneGroup(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	j := claimSeveral(t, db, 1, "one")[0]
	retry, sent := outcomeOf(j, drip.DeliveryRetry, t0), outcomeOf(j, drip.DeliverySent, t0.Add(time.Minute))
	retry.NextDue = t0.Add(time.Minute)
	if err := db.Record(ctx, retry, sent); err != nil {
		t.Fatal(err)
	}
	ds, _ := db.DeliveriesOf(ctx, j.Subscriber.ID)
	if len(ds) != 1 || ds[0].Status != drip.DeliverySent || ds[0].Attempts != 2 || !ds[0].SentAt.Equal(sent.At) {
		t.Fatalf("delivery %+v; want sent at %v after 2 attempts", ds, sent.At)
	}
	if e := enrollmentOf(t, db, j.Subscriber.ID); e.LastSlug != "one" || !e.NextDueAt.Equal(sent.NextDue) {
		t.Fatalf("enrollment %+v; want moved past one, due at %v", e, sent.NextDue)
	}
}

func TestBounceInAGroupSuppressesOnlyItsReader(t *testing.T) {
	stores(t, testBounceInAGroupSuppressesOnlyItsReader)
}

// A bounce in a group of outcomes suppresses its reader and stops their
// course; the other outcomes of the group are recorded as usual.
func testBounceInAGroupSuppressesOnlyItsReader(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	jobs := claimSeveral(t, db, 2, "one")
	bounced, sent := outcomeOf(jobs[0], drip.DeliveryFailed, t0), outcomeOf(jobs[1], drip.DeliverySent, t0)
	bounced.Bounce, bounced.Reply = true, Reply{Code: 550, Enhanced: "5.1.1", Text: "no such user"}
	if err := db.Record(ctx, bounced, sent); err != nil {
		t.Fatal(err)
	}
	s, err := db.Subscriber(ctx, bounced.SubscriberID)
	if err != nil || s.Status != drip.StatusBounced {
		t.Fatalf("bounced reader: %+v, %v", s, err)
	}
	if e := enrollmentOf(t, db, bounced.SubscriberID); e.Status != drip.EnrollStopped {
		t.Fatalf("bounced reader's enrollment: %+v; want stopped", e)
	}
	s, err = db.Subscriber(ctx, sent.SubscriberID)
	if err != nil || s.Status != drip.StatusActive {
		t.Fatalf("other reader: %+v, %v; want active", s, err)
	}
	if e := enrollmentOf(t, db, sent.SubscriberID); e.Status != drip.EnrollActive || e.LastSlug != "one" {
		t.Fatalf("other reader's enrollment: %+v", e)
	}
}

func TestTwoInstancesClaimAndRecordTogether(t *testing.T) {
	stores(t, testTwoInstancesClaimAndRecordTogether)
}

// Two instances, each with senders claiming and recording through its
// own recorder (group commits on PostgreSQL), send every reader's lesson
// exactly once: one delivery row, one attempt, and the reader moved on.
func testTwoInstancesClaimAndRecordTogether(t *testing.T) {
	ctx := context.Background()
	a, b := twoInstances(t)
	const readers, senders = 400, 4
	if err := a.SeedDue(ctx, "course", readers, t0, func(i int) string { return fmt.Sprintf("r%d@example.com", i) }); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var recs []*Recorder
	for _, db := range []*DB{a, b} {
		rec := db.NewRecorder(senders)
		for range senders {
			wg.Go(func() { claimAndRecord(t, db, rec) })
		}
		recs = append(recs, rec)
	}
	wg.Wait()
	for _, rec := range recs {
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if n := countRows(t, a, "deliveries WHERE status = 'sent'"); n != readers {
		t.Fatalf("%d lessons sent, want %d", n, readers)
	}
	if n := countRows(t, a, "attempts"); n != readers {
		t.Fatalf("%d attempts, want one a reader: %d", n, readers)
	}
	if n := countRows(t, a, "enrollments WHERE last_slug = 'one'"); n != readers {
		t.Fatalf("%d readers moved past the lesson, want %d", n, readers)
	}
}

// claimAndRecord claims small batches on db until none is due, and
// records each lesson as sent.
func claimAndRecord(t *testing.T, db *DB, rec *Recorder) {
	for {
		jobs, err := db.ClaimDue(context.Background(), t0, time.Minute, 5, pickFirst("one"))
		if err != nil {
			t.Error(err)
			return
		}
		if len(jobs) == 0 {
			return
		}
		for _, j := range jobs {
			if !rec.Enter() {
				t.Error("Enter refused with nothing failed")
				return
			}
			rec.Record(outcomeOf(j, drip.DeliverySent, t0.Add(time.Second)), func(err error) {
				if err != nil {
					t.Errorf("record %d: %v", j.DeliveryID, err)
				}
			})
		}
	}
}
