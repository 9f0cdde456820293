package delivery_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/store"
)

// faultAfter is a sender that makes the database refuse writes after its
// n-th message: the outcomes of the messages after it stay in the pass's
// journal, as when a disk fills, and the pass leaves the journal behind.
type faultAfter struct {
	mailer.Sender
	f    *fixture
	n    int32
	sent atomic.Int32
}

func (s *faultAfter) Send(ctx context.Context, m *mailer.Message) error {
	if s.sent.Add(1) == s.n {
		if err := s.f.db.InjectFault(ctx, store.ReadOnly); err != nil {
			return err
		}
	}
	return s.Sender.Send(ctx, m)
}

// TestDamagedJournalLineIsNotSentAgain: a pass leaves its outcomes in its
// journal, and a line in the middle of it is then damaged. The next pass
// applies the outcomes around that line, sets the line aside, and sends
// its lesson to nobody again: every reader has the first lesson once.
func TestDamagedJournalLineIsNotSentAgain(t *testing.T) {
	f := newFixture(t, threeLessons, 10*time.Second)
	for i := range 10 {
		f.reader(addr(i))
	}
	f.runner.Sender = &faultAfter{Sender: f.sender(2), f: f, n: 1}
	f.runner.SendDue(context.Background()) // fails: its outcomes cannot be applied
	if n := f.smtp.Count(); n != 10 {
		t.Fatalf("%d first lessons sent, want 10", n)
	}
	logs, _ := filepath.Glob(f.dbFile + "-outcomes-*.log")
	if len(logs) != 1 {
		t.Fatalf("journal files left: %v, want one", logs)
	}
	data, _ := os.ReadFile(logs[0])
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) < 8 {
		t.Fatalf("the journal holds %d lines, want the pass's outcomes", len(lines))
	}
	lines[5] = lines[5][:strings.Index(lines[5], `"Result"`)] + "\x00\x00\x00\n"
	os.WriteFile(logs[0], []byte(strings.Join(lines, "")), 0o600)
	if err := f.db.InjectFault(context.Background(), store.NoFault); err != nil {
		t.Fatal(err)
	}

	f.clock.Advance(11 * time.Minute) // past the leases
	f.pass()
	first := map[string]int{}
	for _, m := range f.smtp.Messages() {
		if m.Header().Get("Subject") == "First" {
			first[m.To[0]]++
		}
	}
	for i := range 10 {
		if first[addr(i)] != 1 {
			t.Errorf("%s got the first lesson %d times, want once", addr(i), first[addr(i)])
		}
	}
	if kept, _ := filepath.Glob(f.dbFile + ".journal-damaged-*"); len(kept) != 1 {
		t.Errorf("damaged lines set aside: %v, want one file", kept)
	}
	if left, _ := filepath.Glob(f.dbFile + "-outcomes-*"); len(left) != 0 {
		t.Errorf("journal files left after the replay: %v", left)
	}
}
