package delivery_test

import (
	"context"
	"sync"
	"testing"
	"time"
)

// leaveWhileWaiting is a rate limiter whose first wait lasts 2 s of the
// fake clock, during which one reader unsubscribes.
type leaveWhileWaiting struct {
	once  sync.Once
	leave func()
	f     *fixture
}

func (l *leaveWhileWaiting) Wait(context.Context) error {
	l.once.Do(func() {
		l.leave()
		l.f.clock.Advance(2 * time.Second)
	})
	return nil
}

// TestReaderWhoLeavesWhileQueued: a claim that waited behind the rate
// limit is checked again, so a reader who unsubscribed meanwhile gets
// nothing, and the lesson is not recorded as sent.
func TestReaderWhoLeavesWhileQueued(t *testing.T) {
	for _, leave := range []bool{false, true} {
		f := newFixture(t, threeLessons, 5*time.Second)
		f.runner.Workers = 1
		gone := f.reader(addr(1))
		f.reader(addr(2))
		f.runner.Limit = &leaveWhileWaiting{f: f, leave: func() {
			if leave {
				if _, err := f.db.Unsubscribe(context.Background(), gone, 0, "link", f.clock.Now()); err != nil {
					t.Error(err)
				}
			}
		}}
		sum := f.pass()
		got := f.received()
		want := 2
		if leave {
			want = 1
		}
		if sum.Sent != want || len(got) != want || (leave && got[addr(1)] != 0) {
			t.Errorf("leave=%v: sent %d, received %v; want %d, and none for the reader who left", leave, sum.Sent, got, want)
		}
	}
}
