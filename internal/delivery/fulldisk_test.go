package delivery_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/store/disktest"
)

// fillAfter is a sender that fills the disk once its n-th message is
// sent.
type fillAfter struct {
	mailer.Sender
	t       *testing.T
	dir     string
	n       int
	mu      sync.Mutex
	sent    int
	release func()
}

func (s *fillAfter) Send(ctx context.Context, m *mailer.Message) error {
	err := s.Sender.Send(ctx, m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sent++; s.sent == s.n {
		s.release = disktest.Fill(s.t, s.dir)
	}
	return err
}

// TestDispatchRecoversWhenTheDiskHasRoomAgain: the disk fills up in the
// middle of a pass (a real one: a small tmpfs, filled to the last byte).
// The pass stops, since outcomes can no longer be recorded, and nothing
// is lost; once there is room again, the next pass of the same process,
// with nothing restarted, sends the rest, each lesson once but for at most
// one repeat per connection, with the Message-ID it had.
func TestDispatchRecoversWhenTheDiskHasRoomAgain(t *testing.T) {
	dir := disktest.Small(t, 32<<20)
	f := newFixtureIn(t, dir, threeLessons, 10*time.Second)
	const n = 40
	for i := range n {
		f.reader(addr(i))
	}
	s := &fillAfter{Sender: f.sender(2), t: t, dir: dir, n: 5}
	f.runner.Sender, f.runner.Batch = s, 4 // small claims: the pass claims again after the disk is full
	if _, err := f.runner.SendDue(context.Background()); err == nil {
		t.Fatal("a pass on a full disk reported no error")
	}
	atFull := f.smtp.Count()
	if atFull >= n || s.release == nil {
		t.Fatalf("%d of %d sent while the disk was full: the pass did not stop", atFull, n)
	}
	// Whatever the stopped pass freed since (a journal segment it had
	// applied, say) is taken again: the disk is full as the next pass
	// starts. Fill rewrites the same file, so release frees it all.
	disktest.Fill(t, dir)
	if _, err := f.runner.SendDue(context.Background()); err == nil || f.smtp.Count() != atFull {
		t.Fatalf("a pass while the disk is still full: %v, %d more sent; want an error and nothing sent", err, f.smtp.Count()-atFull)
	}
	s.release()
	f.clock.Advance(11 * time.Minute) // past the leases
	f.pass()
	ids := map[string]map[string]bool{}
	count := map[string]int{}
	for _, m := range f.smtp.Messages() {
		to := m.To[0]
		if ids[to] == nil {
			ids[to] = map[string]bool{}
		}
		ids[to][m.Header().Get("Message-Id")] = true
		count[to]++
	}
	repeats := 0
	for i := range n {
		a := addr(i)
		switch {
		case count[a] == 0:
			t.Errorf("%s never got the lesson", a)
		case len(ids[a]) != 1:
			t.Errorf("%s got the lesson under Message-IDs %v, want one", a, ids[a])
		}
		repeats += max(0, count[a]-1)
	}
	if repeats > 2 {
		t.Errorf("%d lessons repeated, want at most 2 (one per connection)", repeats)
	}
	t.Logf("disk full after %d messages; %d repeated once there was room", atFull, repeats)
	f.allSent(t, n)
}
