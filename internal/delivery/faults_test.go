package delivery_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/smtptest"
	"github.com/dripcourse/dripcourse/internal/store"
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
		{"451 4.2.1 at RCPT", once(smtptest.StageRcpt, victim, smtptest.Reply(451, "4.2.1", "mailbox busy")), drip.DeliveryRetry, true, drip.StatusActive, "451 4.2.1"},
		{"452 4.5.3", once(smtptest.StageRcpt, victim, smtptest.Reply(452, "4.5.3", "too many recipients")), drip.DeliveryRetry, true, drip.StatusActive, "452 4.5.3"},
		{"550 5.1.1", once(smtptest.StageRcpt, victim, smtptest.Reply(550, "5.1.1", "no such user")), drip.DeliveryFailed, false, drip.StatusBounced, "550 5.1.1"},
		{"552 5.2.2", once(smtptest.StageData, victim, smtptest.Reply(552, "5.2.2", "mailbox full")), drip.DeliveryFailed, false, drip.StatusActive, "552 5.2.2"},
		// A policy refusal is about our sending, not the reader, and is
		// retried: a throttled new sender must not lose its lessons.
		{"554 5.7.1 after DATA", once(smtptest.StageData, victim, smtptest.Reply(554, "5.7.1", "rejected by policy")), drip.DeliveryRetry, true, drip.StatusActive, "554 5.7.1"},
		// 5.1.x about the recipient bounces; 5.1.8 is about our sender.
		{"553 5.1.8 at RCPT", once(smtptest.StageRcpt, victim, smtptest.Reply(553, "5.1.8", "sender domain not found")), drip.DeliveryFailed, false, drip.StatusActive, "553 5.1.8"},
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
			f.gotOneEach(t, "(one failure must not stop the others)", addrs(5)...)
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
	_, err := f.runner.SendDue(context.Background())
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") || !strings.Contains(err.Error(), "DRIP_SMTP_URL") {
		t.Fatalf("with tls=starttls and a server without it the pass ended with %v; want an error naming STARTTLS and the setting", err)
	}
	if f.smtp.Count() != 0 {
		t.Fatal("a message went out in plain text although STARTTLS was required")
	}
	if ds, _ := f.db.DeliveriesOf(context.Background(), v); len(ds) != 0 || f.enrollment(v).NextDueAt.After(start.Add(time.Minute)) {
		t.Fatalf("a lesson that never reached a server was charged: %+v, due %s", ds, f.enrollment(v).NextDueAt)
	}
}

// always answers err at stage, for everyone.
func always(stage smtptest.Stage, err error) smtptest.Rule {
	return func(s smtptest.Stage, _ string) error {
		if s == stage {
			return err
		}
		return nil
	}
}

// A refusal at MAIL FROM, by every connection, is about our sender
// address or the server, never about a reader: nobody bounces, nothing is
// charged, the pass stops with an error that says what is wrong, and once
// the server takes mail again every lesson and confirmation goes.
func TestSenderRefusalStopsThePassUncharged(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"553 5.1.8 sender domain", smtptest.Reply(553, "5.1.8", "Sender address rejected: Domain not found"), "DRIP_FROM"},
		{"421 service closing", smtptest.Reply(421, "4.3.2", "service not available"), "take mail from us for now"},
	} {
		for _, what := range []string{"lessons", "confirmation"} {
			t.Run(c.name+"/"+what, func(t *testing.T) {
				ctx := context.Background()
				f := newFixture(t, threeLessons, 10*time.Second)
				var readers []int64
				want := []string{"new@example.com"}
				if what == "lessons" {
					want = addrs(3)
					for _, a := range want {
						readers = append(readers, f.reader(a))
					}
				} else {
					res, err := f.db.Subscribe(ctx, store.Signup{Email: want[0], Timezone: "UTC", At: f.clock.Now(), MaxConfirmations: 3, ConfirmWindow: time.Hour})
					if err != nil {
						t.Fatal(err)
					}
					readers = append(readers, res.SubscriberID)
				}
				f.smtp.SetRule(always(smtptest.StageMail, c.err))
				if _, err := f.runner.SendDue(ctx); err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("pass ended with %v; want an error saying %q", err, c.want)
				}
				for _, id := range readers {
					if st := f.status(id); st == drip.StatusBounced {
						t.Fatalf("reader %d bounced for a refusal of our own sender address", id)
					}
					if ds, _ := f.db.DeliveriesOf(ctx, id); len(ds) != 0 {
						t.Fatalf("reader %d was charged for a lesson the server never took: %+v", id, ds)
					}
					rec, err := f.db.ReaderData(ctx, id)
					if err != nil || (what == "confirmation" && (len(rec.Confirmations) != 1 || rec.Confirmations[0].Attempts != 0 || rec.Confirmations[0].Status != "queued")) {
						t.Fatalf("confirmation after the refusal: %+v, %v; want queued, uncharged", rec.Confirmations, err)
					}
				}
				f.smtp.SetRule(nil)
				f.clock.Advance(time.Minute)
				f.pass()
				f.gotOneEach(t, "once the server took mail again", want...)
			})
		}
	}
}

// One connection that fails (a relay that caps connections per client
// answers 421) puts back only its own message, for a minute: the pass goes
// on over the other connections.
func TestOneFailedConnectionDoesNotStopThePass(t *testing.T) {
	f := newFixture(t, threeLessons, 10*time.Second)
	for i := range 6 {
		f.reader(addr(i))
	}
	f.smtp.SetRule(once(smtptest.StageMail, "", smtptest.Reply(421, "4.7.0", "too many connections from your address")))
	if sum := f.pass(); sum.Sent != 5 || f.smtp.Count() != 5 {
		t.Fatalf("sent %d (server has %d), want the 5 whose connection held", sum.Sent, f.smtp.Count())
	}
	f.smtp.SetRule(nil)
	f.pass()
	if n := f.smtp.Count(); n != 5 {
		t.Fatalf("%d messages: the refused one went again at once, want after a minute", n)
	}
	f.clock.Advance(time.Minute)
	f.pass()
	f.gotOneEach(t, "after the refused one's minute", addrs(6)...)
}

// A confirmation put back for a minute by one failed connection does not
// hold up the lessons of the same pass.
func TestFailedConfirmationDoesNotHoldUpLessons(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, threeLessons, 10*time.Second)
	if _, err := f.db.Subscribe(ctx, store.Signup{Email: "new@example.com", Timezone: "UTC", At: f.clock.Now(), MaxConfirmations: 3, ConfirmWindow: time.Hour}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		f.reader(addr(i))
	}
	f.smtp.SetRule(once(smtptest.StageMail, "", smtptest.Reply(421, "4.7.0", "too many connections from your address")))
	f.pass()
	f.gotOneEach(t, "in the pass whose confirmation was put back", addrs(3)...)
	f.smtp.SetRule(nil)
	f.clock.Advance(time.Minute)
	f.pass()
	f.gotOneEach(t, "a minute later", "new@example.com")
}
