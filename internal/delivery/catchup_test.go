package delivery_test

import (
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
