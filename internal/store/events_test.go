package store

import (
	"context"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// A pixel fetched in a loop, or a link clicked again and again, is
// recorded once an hour; a different destination, kind of client or kind
// of event is recorded at once.
func TestRepeatedEventsAreRecordedOnce(t *testing.T) {
	stores(t, testRepeatedEventsAreRecordedOnce)
}

func testRepeatedEventsAreRecordedOnce(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	id, j := claimOne(t, db, "a@example.com", t0, "one")
	open := drip.Event{SubscriberID: id, DeliveryID: j.DeliveryID, Kind: drip.EventOpen, At: t0.Add(time.Minute)}
	record := func(e drip.Event) {
		t.Helper()
		if err := db.RecordEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		e := open
		e.At = e.At.Add(time.Duration(i) * time.Second)
		record(e)
	}
	click := open
	click.Kind, click.Detail = drip.EventClick, "https://example.org/a"
	other := click
	other.Detail = "https://example.org/b"
	scanner := open
	scanner.Machine = true
	later := open
	later.At = open.At.Add(EventRepeatWindow + time.Minute)
	for _, e := range []drip.Event{click, click, other, scanner, scanner, later} {
		record(e)
	}
	evs, err := db.Events(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Kind == drip.EventOpen || e.Kind == drip.EventClick {
			n++
		}
	}
	if n != 5 {
		t.Fatalf("%d opens and clicks recorded, want 5 (one open, two clicks, a scanner's open, an open an hour later)", n)
	}
	stranger := open
	stranger.SubscriberID = id + 1000
	if err := db.RecordEvent(ctx, stranger); err == nil {
		t.Fatal("an event for another reader's delivery was recorded")
	}
}
