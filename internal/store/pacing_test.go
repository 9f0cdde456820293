package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// EndPause brings a reader's next lesson forward from where their own
// pause put it, never while a lesson is in flight, and never later.
func TestEndPause(t *testing.T) {
	stores(t, testEndPause)
}

func testEndPause(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	id, j := claimOne(t, db, "a@example.com", t0, "one")
	if _, err := db.EndPause(ctx, id, "course", t0, t0); !errors.Is(err, ErrInFlight) {
		t.Fatalf("with a lesson in flight: %v, want ErrInFlight", err)
	}
	next := t0.Add(24 * time.Hour)
	err := db.Record(ctx, Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: id,
		Slug: "one", Result: drip.DeliverySent, At: t0, NextDue: next})
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := db.PauseFor(ctx, id, j.DeliveryID, 7*24*time.Hour, t0); err != nil || !changed {
		t.Fatalf("pause: %v, %v", changed, err)
	}
	if changed, err := db.EndPause(ctx, id, "course", next.Add(8*24*time.Hour), t0); err != nil || changed {
		t.Fatalf("a due time later than the pause's: %v, %v; want nothing changed", changed, err)
	}
	if changed, err := db.EndPause(ctx, id, "course", next, t0.Add(time.Hour)); err != nil || !changed {
		t.Fatalf("end the pause: %v, %v", changed, err)
	}
	e, _ := db.Enrollment(ctx, id, "course")
	evs, _ := db.Events(ctx, id)
	if !e.NextDueAt.Equal(next) || evs[len(evs)-1].Kind != drip.EventResume {
		t.Fatalf("after ending the pause: due %s, last event %+v", e.NextDueAt, evs[len(evs)-1])
	}
	if _, err := db.EndPause(ctx, id+100, "course", next, t0); !errors.Is(err, ErrNotActive) {
		t.Fatalf("an unknown reader: %v, want ErrNotActive", err)
	}
	counts, _, err := db.CourseCounts(ctx, "course")
	if err != nil || counts[drip.EnrollActive] != 1 || len(counts) != 1 {
		t.Fatalf("enrollment counts: %v, %v", counts, err)
	}
}
