package delivery_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/store"
)

// lateFirst is a sender whose first message ends at first(f) on the fake
// clock, with the error first returns; every later message takes 10 ms.
// It counts the attempts for each address.
type lateFirst struct {
	mailer.Sender
	first    func(f *fixture) error
	f        *fixture
	mu       sync.Mutex
	attempts map[string]int
}

func (s *lateFirst) Send(ctx context.Context, m *mailer.Message) error {
	s.mu.Lock()
	s.attempts[m.ToAddr]++
	first := len(s.attempts) == 1 && s.attempts[m.ToAddr] == 1
	s.mu.Unlock()
	if first {
		if err := s.first(s.f); err != nil {
			return err
		}
		return s.Sender.Send(ctx, m)
	}
	err := s.Sender.Send(ctx, m)
	s.f.clock.Advance(10 * time.Millisecond)
	return err
}

// leaseEndFixture has six readers due, one sender with one connection and
// one-reader claims, so that the pass claims again while the first
// message's outcome may still wait in the journal.
func leaseEndFixture(t *testing.T, first func(f *fixture) error) (*fixture, *lateFirst) {
	f := newFixture(t, threeLessons, 10*time.Second)
	for i := range 6 {
		f.reader(addr(i))
	}
	f.runner.Workers, f.runner.Batch, f.runner.Lease = 1, 1, time.Minute
	s := &lateFirst{Sender: f.sender(1), first: first, f: f, attempts: map[string]int{}}
	f.runner.Sender = s
	return f, s
}

// TestOutcomeNearLeaseEndIsNotClaimedAgain: a message sent just before
// its lease ran out has its outcome in the journal, not yet in the
// database; the pass's next claim must not take the lesson again.
func TestOutcomeNearLeaseEndIsNotClaimedAgain(t *testing.T) {
	f, _ := leaseEndFixture(t, func(f *fixture) error {
		f.clock.Set(start.Add(time.Minute - time.Millisecond))
		return nil
	})
	f.pass()
	for a, n := range f.received() {
		if n != 1 {
			t.Errorf("%s got %d messages, want 1", a, n)
		}
	}
}

// TestSendCutOffAtLeaseEndWaitsForItsRetry: a send that runs into the end
// of its lease is recorded as a retry due later. The same pass must not
// take the lesson again before that outcome is in the database.
func TestSendCutOffAtLeaseEndWaitsForItsRetry(t *testing.T) {
	f, s := leaseEndFixture(t, func(f *fixture) error {
		f.clock.Set(start.Add(time.Minute))
		return &mailer.Error{Code: 451, Text: "timed out", Temporary: true}
	})
	f.pass()
	for a, n := range s.attempts {
		if n != 1 {
			t.Errorf("%s attempted %d times in one pass, want 1 (its retry is due later)", a, n)
		}
	}
}

// TestOutcomeThatCannotBeRecordedStopsThePass: once an outcome cannot be
// recorded (the disk is full), the pass sends nothing more, since every
// message sent meanwhile would go again. Once there is room, the lease
// brings the unrecorded lesson back with the Message-ID it had.
func TestOutcomeThatCannotBeRecordedStopsThePass(t *testing.T) {
	f, _ := leaseEndFixture(t, func(f *fixture) error {
		return f.db.InjectFault(context.Background(), store.DiskFull)
	})
	if _, err := f.runner.SendDue(context.Background()); err == nil {
		t.Fatal("a pass whose outcomes could not be recorded reported no error")
	}
	if n := len(f.smtp.Messages()); n != 1 {
		t.Fatalf("%d messages went out while outcomes could not be recorded, want 1", n)
	}
	if err := f.db.InjectFault(context.Background(), store.NoFault); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute) // past the leases
	f.pass()
	ids := map[string][]string{}
	for _, m := range f.smtp.Messages() {
		ids[m.To[0]] = append(ids[m.To[0]], m.Header().Get("Message-ID"))
	}
	for i := range 6 {
		got := ids[addr(i)]
		if len(got) == 0 || got[0] != got[len(got)-1] {
			t.Errorf("%s got Message-IDs %q, want the lesson, and a repeat only with the same ID", addr(i), got)
		}
	}
}
