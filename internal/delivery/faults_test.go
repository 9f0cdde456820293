package delivery_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/smtptest"
)

// once returns a rule that answers err for the victim's first message at
// stage, and accepts everything else.
func once(stage smtptest.Stage, victim string, err error) smtptest.Rule {
	var mu sync.Mutex
	done := false
	return func(s smtptest.Stage, rcpt string) error {
		mu.Lock()
		defer mu.Unlock()
		if done || s != stage || (stage != smtptest.StageMail && rcpt != victim) {
			return nil
		}
		done = true
		return err
	}
}

// TestSMTPFaultMatrix runs one pass against a server misbehaving in each
// way a real one does, and checks the victim's delivery, its retry time,
// the reader's standing, and that everyone else's lesson still went out.
func TestSMTPFaultMatrix(t *testing.T) {
	const victim = "victim@example.com"
	cases := []struct {
		name   string
		rule   smtptest.Rule
		status drip.DeliveryStatus // the victim's delivery after the pass
		retry  bool                // due again one minute later
		reader drip.Status
		reply  string // in the stored reply
	}{
		{"421 at connect", once(smtptest.StageMail, "", smtptest.Reply(421, "4.3.2", "service not available")), drip.DeliveryRetry, true, drip.StatusActive, "421"},
		{"451 4.2.1 at RCPT", once(smtptest.StageRcpt, victim, smtptest.Reply(451, "4.2.1", "mailbox busy")), drip.DeliveryRetry, true, drip.StatusActive, "451 4.2.1"},
		{"452 4.5.3", once(smtptest.StageRcpt, victim, smtptest.Reply(452, "4.5.3", "too many recipients")), drip.DeliveryRetry, true, drip.StatusActive, "452 4.5.3"},
		{"550 5.1.1", once(smtptest.StageRcpt, victim, smtptest.Reply(550, "5.1.1", "no such user")), drip.DeliveryFailed, false, drip.StatusBounced, "550 5.1.1"},
		{"552 5.2.2", once(smtptest.StageData, victim, smtptest.Reply(552, "5.2.2", "mailbox full")), drip.DeliveryFailed, false, drip.StatusActive, "552 5.2.2"},
		{"554 5.7.1 after DATA", once(smtptest.StageData, victim, smtptest.Reply(554, "5.7.1", "rejected by policy")), drip.DeliveryFailed, false, drip.StatusActive, "554 5.7.1"},
		{"dropped mid-DATA", once(smtptest.StageData, victim, smtptest.ErrDrop), drip.DeliveryRetry, true, drip.StatusActive, ""},
		{"stalled past the timeout", stall(victim, 3*time.Second), drip.DeliveryRetry, true, drip.StatusActive, "timed out"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A short client timeout only where the server stalls on
			// purpose; elsewhere a loaded machine must not fail the test.
			timeout := 10 * time.Second
			if c.name == "stalled past the timeout" {
				timeout = time.Second
			}
			f := newFixture(t, threeLessons, timeout)
			f.runner.Workers = 1 // the victim, claimed first, is sent first
			v := f.reader(victim)
			for i := range 5 {
				f.reader(addr(i))
			}
			f.smtp.SetRule(c.rule)
			f.pass()
			got := f.received()
			for i := range 5 {
				if got[addr(i)] != 1 {
					t.Errorf("%s got %d messages, want 1: one failure stopped the others", addr(i), got[addr(i)])
				}
			}
			d := f.only(v)
			if d.Status != c.status || d.Attempts != 1 || !strings.Contains(d.LastReply, c.reply) {
				t.Errorf("victim's delivery: %s after %d attempts, reply %q; want %s with reply containing %q", d.Status, d.Attempts, d.LastReply, c.status, c.reply)
			}
			if st := f.status(v); st != c.reader {
				t.Errorf("victim is %s, want %s", st, c.reader)
			}
			e := f.enrollment(v)
			if c.retry && !e.NextDueAt.Equal(start.Add(time.Minute)) {
				t.Errorf("retry due at %s, want one minute after the attempt (%s)", e.NextDueAt, start.Add(time.Minute))
			}
			if !c.retry && c.reader == drip.StatusActive && (e.LastSlug != "first" || !e.NextDueAt.After(start.Add(24*time.Hour))) {
				t.Errorf("after a permanent failure the course should move on to the next lesson: %+v", e)
			}
			if c.retry {
				f.smtp.SetRule(nil)
				f.clock.Advance(time.Minute)
				f.pass()
				if d := f.only(v); d.Status != drip.DeliverySent || f.received()[victim] != 1 {
					t.Errorf("the retry did not deliver: %s, %d messages", d.Status, f.received()[victim])
				}
			}
		})
	}
}

// stall makes the server sit on the victim's DATA for d, longer than the
// client's timeout: a hung server, not a test synchronisation.
func stall(victim string, d time.Duration) smtptest.Rule {
	var once sync.Once
	return func(s smtptest.Stage, rcpt string) error {
		if s == smtptest.StageData && rcpt == victim {
			once.Do(func() { time.Sleep(d) })
		}
		return nil
	}
}

func TestNoSTARTTLS(t *testing.T) {
	f := newFixture(t, threeLessons, time.Second)
	f.runner.Sender = starttlsSender(t, f)
	v := f.reader(addr(1))
	f.pass()
	d := f.only(v)
	if d.Status != drip.DeliveryRetry || !strings.Contains(strings.ToLower(d.LastReply), "starttls") {
		t.Fatalf("with tls=starttls and a server without it: %s, %q; want a retry naming STARTTLS", d.Status, d.LastReply)
	}
	if f.smtp.Count() != 0 {
		t.Fatal("a message went out in plain text although STARTTLS was required")
	}
}
