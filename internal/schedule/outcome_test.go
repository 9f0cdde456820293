package schedule_test

import (
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/schedule"
)

// TestAfter is what each kind of send attempt leads to: the delivery's
// state, the reader's next due time, the end of the course, a bounce.
func TestAfter(t *testing.T) {
	c := courseOf(t, "a", "b", "c") // 08:00-10:00 UTC, a day apart
	nextDay := func(h, m int) time.Time { return at(h, m).AddDate(0, 0, 1) }
	failed := func(retry, bounce bool) schedule.Attempt {
		return schedule.Attempt{At: at(9, 0), Failed: true, Retry: retry, Bounce: bounce, First: at(9, 0)}
	}
	for _, tt := range []struct {
		name     string
		tz       string
		received []string
		slug     string
		a        schedule.Attempt
		want     schedule.Next
	}{
		{"sent: the next lesson a day later", "UTC", nil, "a", schedule.Attempt{At: at(9, 0)},
			schedule.Next{Result: drip.DeliverySent, Due: nextDay(9, 0)}},
		{"sent late in the day: the next lesson in the next window", "UTC", nil, "a", schedule.Attempt{At: at(11, 0)},
			schedule.Next{Result: drip.DeliverySent, Due: at(8, 0).AddDate(0, 0, 2)}},
		{"sent: the next window in the reader's timezone", "Asia/Tokyo", nil, "a", schedule.Attempt{At: at(9, 0)},
			schedule.Next{Result: drip.DeliverySent, Due: nextDay(23, 0)}},
		{"sent the last lesson: the course is complete", "UTC", []string{"a", "b"}, "c", schedule.Attempt{At: at(9, 0)},
			schedule.Next{Result: drip.DeliverySent, Due: at(9, 0), Complete: true}},
		{"a passing failure: tried again in a minute", "UTC", nil, "a", failed(true, false),
			schedule.Next{Result: drip.DeliveryRetry, Due: at(9, 1)}},
		{"a 30-minute retry goes at once, past the window", "UTC", nil, "a",
			schedule.Attempt{At: at(9, 45), Failed: true, Retry: true, Attempts: 2, First: at(9, 0)},
			schedule.Next{Result: drip.DeliveryRetry, Due: at(10, 15)}},
		{"a two-hour retry waits for the next window", "UTC", nil, "a",
			schedule.Attempt{At: at(9, 0), Failed: true, Retry: true, Attempts: 3, First: at(8, 0)},
			schedule.Next{Result: drip.DeliveryRetry, Due: nextDay(8, 0)}},
		{"failing for 72 hours: given up, and the reader moves on", "UTC", nil, "a",
			schedule.Attempt{At: at(9, 0), Failed: true, Retry: true, Attempts: 12, First: at(9, 0).Add(-73 * time.Hour)},
			schedule.Next{Result: drip.DeliveryFailed, Due: nextDay(9, 0)}},
		{"a refusal for good: failed, and the reader moves on", "UTC", nil, "a", failed(false, false),
			schedule.Next{Result: drip.DeliveryFailed, Due: nextDay(9, 0)}},
		{"a bad address: failed and bounced", "UTC", []string{"a"}, "b", failed(false, true),
			schedule.Next{Result: drip.DeliveryFailed, Due: nextDay(9, 0), Bounce: true}},
		{"the last lesson refused: complete", "UTC", []string{"a", "b"}, "c", failed(false, false),
			schedule.Next{Result: drip.DeliveryFailed, Due: at(9, 0), Complete: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := schedule.Reader{Timezone: tt.tz, Received: receivedOf(tt.received...)}
			if got := schedule.After(c, r, tt.slug, tt.a); !same(got, tt.want) {
				t.Errorf("After = %+v\nwant    %+v", got, tt.want)
			}
		})
	}
}

// TestAfterConfirmation: a confirmation is sent, retried, given up, or
// marks a bad address.
func TestAfterConfirmation(t *testing.T) {
	for _, tt := range []struct {
		name string
		a    schedule.Attempt
		want schedule.Next
	}{
		{"sent", schedule.Attempt{At: at(9, 0)}, schedule.Next{Result: drip.DeliverySent}},
		{"a passing failure: tried again in a minute", schedule.Attempt{At: at(9, 0), Failed: true, Retry: true, First: at(9, 0)},
			schedule.Next{Result: drip.DeliveryRetry, Due: at(9, 1)}},
		{"the third attempt waits half an hour", schedule.Attempt{At: at(9, 0), Failed: true, Retry: true, Attempts: 2, First: at(8, 0)},
			schedule.Next{Result: drip.DeliveryRetry, Due: at(9, 30)}},
		{"failing for 72 hours: given up", schedule.Attempt{At: at(9, 0), Failed: true, Retry: true, First: at(9, 0).Add(-72 * time.Hour)},
			schedule.Next{Result: drip.DeliveryFailed}},
		{"a refusal for good", schedule.Attempt{At: at(9, 0), Failed: true}, schedule.Next{Result: drip.DeliveryFailed}},
		{"a bad address", schedule.Attempt{At: at(9, 0), Failed: true, Bounce: true}, schedule.Next{Result: drip.DeliveryFailed, Bounce: true}},
	} {
		if got := schedule.AfterConfirmation(tt.a); !same(got, tt.want) {
			t.Errorf("%s: AfterConfirmation = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// same compares two states, their times as instants.
func same(a, b schedule.Next) bool {
	return a.Result == b.Result && a.Due.Equal(b.Due) && a.Complete == b.Complete && a.Bounce == b.Bounce
}

// TestAfterLeavesTheCallersLessonsAlone: After is a pure function; the
// caller's list of lessons is not written to, even where it has room.
func TestAfterLeavesTheCallersLessonsAlone(t *testing.T) {
	c := courseOf(t, "a", "b", "c")
	received := make([]drip.Received, 1, 2)
	received[0] = drip.Received{Slug: "a", Status: drip.DeliverySent}
	schedule.After(c, schedule.Reader{Timezone: "UTC", Received: received}, "b", schedule.Attempt{At: at(9, 0)})
	if spare := received[:2][1]; spare != (drip.Received{}) {
		t.Errorf("After wrote %+v into the caller's array", spare)
	}
}
