package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// TestPerCourseReads: the admin's reads and the operator's stop, per
// course: the reader list by course and enrollment status, a page's
// enrollments, lessons sent per day, and a stop that leaves the reader's
// other course running.
func TestPerCourseReads(t *testing.T) {
	stores(t, testPerCourseReads)
}

func testPerCourseReads(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	a, b := active(t, db, "a@example.com", t0), active(t, db, "b@example.com", t0)
	if _, err := db.Enroll(ctx, a, "other", t0, t0); err != nil {
		t.Fatal(err)
	}
	sendAllDue(t, db, t0)
	sent, err := db.SentPerDayIn(ctx, "other", t0.Add(-time.Hour), t0.Add(time.Hour))
	all, err2 := db.SentPerDayIn(ctx, "", t0.Add(-time.Hour), t0.Add(time.Hour))
	if err != nil || err2 != nil || sum(sent) != 1 || sum(all) != 3 {
		t.Fatalf("sent per day: other %v, all %v (%v, %v); want 1 and 3", sent, all, err, err2)
	}
	if changed, err := db.StopEnrollment(ctx, a, "course", t0); err != nil || !changed {
		t.Fatalf("stop: %v, %v", changed, err)
	}
	if changed, err := db.StopEnrollment(ctx, a, "course", t0); err != nil || changed {
		t.Fatalf("a second stop: %v, %v; want nothing changed", changed, err)
	}
	if _, err := db.StopEnrollment(ctx, b, "other", t0); !errors.Is(err, drip.ErrNotFound) {
		t.Fatalf("stop of a course the reader never joined: %v, want ErrNotFound", err)
	}
	if other, _ := db.Enrollment(ctx, a, "other"); other.Status != drip.EnrollActive {
		t.Fatalf("the reader's other course is %s, want active", other.Status)
	}
	for q, want := range map[ReaderQuery]int{
		{}: 2, {Course: "other", Only: true}: 1, {Course: "course", Only: true, Enrolled: drip.EnrollActive}: 1,
		{Enrolled: drip.EnrollStopped}: 1, {Enrolled: drip.EnrollPaused}: 0, {Course: "nope", Only: true}: 0,
	} {
		q.Limit = 10
		rows, total, err := db.Readers(ctx, q)
		if err != nil || total != want || len(rows) != want {
			t.Errorf("readers %+v: %d rows, %d in all (%v); want %d", q, len(rows), total, err, want)
		}
	}
	enrolled, err := db.EnrollmentsOf(ctx, []int64{a, b})
	if err != nil || len(enrolled[a]) != 2 || len(enrolled[b]) != 1 || enrolled[a][0].Status != drip.EnrollStopped {
		t.Fatalf("enrollments of a page: %+v, %v", enrolled, err)
	}
}

// sendAllDue claims every enrollment due at at and records its first
// lesson as sent.
func sendAllDue(t *testing.T, db *DB, at time.Time) {
	t.Helper()
	ctx := context.Background()
	jobs, err := db.ClaimDue(ctx, at, time.Minute, 10, pickFirst("one"))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if err := db.Record(ctx, Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: j.Subscriber.ID,
			Slug: "one", Result: drip.DeliverySent, Reply: Reply{Code: 250, Text: "OK"}, At: at, NextDue: at.Add(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
}

func sum(m map[time.Time]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
