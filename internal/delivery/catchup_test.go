package delivery_test

import (
	"context"
	"testing"
	"time"
)

// TestCatchUpAfterDowntime stops the service for ten days after the first
// lesson: on restart each reader gets only their next lesson, and the
// following ones keep their spacing from that send.
func TestCatchUpAfterDowntime(t *testing.T) {
	f := newFixture(t, threeLessons, time.Second)
	for i := range 20 {
		f.reader(addr(i))
	}
	f.pass()
	if f.smtp.Count() != 20 {
		t.Fatalf("%d first lessons, want 20", f.smtp.Count())
	}
	f.smtp.Reset()
	f.clock.Advance(10 * 24 * time.Hour) // down for ten days; back at 08:30
	restart := f.clock.Now()
	for range 3 { // several passes at the same moment send nothing more
		f.pass()
	}
	got := f.received()
	for i := range 20 {
		if got[addr(i)] != 1 {
			t.Fatalf("%s got %d lessons on restart, want exactly 1 (no burst)", addr(i), got[addr(i)])
		}
	}
	for _, m := range f.smtp.Messages() {
		if s := m.Header().Get("Subject"); s != "Second" {
			t.Fatalf("on restart got %q, want the next lesson (Second)", s)
		}
	}
	e := f.enrollment(1)
	// Third is 3 days after Second's actual send, in the 08:00-10:00 window.
	want := time.Date(restart.Year(), restart.Month(), restart.Day()+3, 8, 30, 0, 0, time.UTC)
	if !e.NextDueAt.Equal(want) {
		t.Fatalf("next lesson due %s, want %s (spacing kept from the catch-up send)", e.NextDueAt, want)
	}
}

// A lesson that came due in the morning while the service was down is
// not sent when the service comes back at night: it waits for the
// reader's next window, and goes then.
func TestCatchUpAtNightWaitsForTheMorning(t *testing.T) {
	f := newFixture(t, threeLessons, time.Second)
	v := f.reader(addr(1))
	f.pass() // First, at 08:30
	f.smtp.Reset()
	f.clock.Advance(2*24*time.Hour + 18*time.Hour) // Second came due at 08:30; back at 02:30 the next night
	night := f.clock.Now()
	f.pass()
	if n := f.smtp.Count(); n != 0 {
		t.Fatalf("%d lessons sent at %s, want none before the reader's window", n, night.Format("15:04"))
	}
	morning := time.Date(night.Year(), night.Month(), night.Day(), 8, 0, 0, 0, time.UTC)
	if e := f.enrollment(v); !e.NextDueAt.Equal(morning) {
		t.Fatalf("next lesson due %s, want the window's start %s", e.NextDueAt, morning)
	}
	f.clock.Set(morning)
	f.pass()
	if got := f.received()[addr(1)]; got != 1 {
		t.Fatalf("%d lessons in the morning, want the one that waited", got)
	}
}

// "Send me the next lesson now", pressed at night, is sent at night: the
// reader asked for it then.
func TestNextLessonAskedForAtNightIsSent(t *testing.T) {
	f := newFixture(t, threeLessons, time.Second)
	v := f.reader(addr(1))
	f.pass()                                       // First, at 08:30
	f.clock.Advance(14*time.Hour + 30*time.Minute) // 23:00
	ds, _ := f.db.DeliveriesOf(context.Background(), v)
	if _, err := f.db.SendNextNow(context.Background(), v, ds[0].ID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.pass()
	if got := f.received()[addr(1)]; got != 2 {
		t.Fatalf("%d lessons by 23:00, want the one asked for too", got)
	}
}

// Readers whose lessons wait for their window do not hold up, however
// many claims they fill, a reader whose lesson is due now.
func TestWaitingReadersDoNotHoldUpOthers(t *testing.T) {
	f := newFixture(t, threeLessons, time.Second)
	f.runner.Batch = 2
	for i := range 6 {
		f.reader(addr(i))
	}
	f.pass()                                       // First for all six, at 08:30
	f.clock.Advance(2*24*time.Hour + 18*time.Hour) // Second came due at 08:30; back at 02:30
	f.smtp.Reset()
	f.reader("night-owl@example.com") // confirms now: the first lesson is immediate
	f.pass()
	if got := f.received(); got["night-owl@example.com"] != 1 || f.smtp.Count() != 1 {
		t.Fatalf("got %v; want only the night owl's first lesson, behind six readers waiting for the morning", got)
	}
}
