package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce/bouncetest"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

// smtpCode is the reply code of an SMTP error, or 0.
func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// TestBouncesOverSMTP: lessons go out over real SMTP from their own
// return addresses; a DSN for one, delivered to the built-in receiver
// over SMTP, suppresses its reader, and no later pass sends them anything,
// while the reader next to them goes on; the same DSN again counts once;
// an ARF complaint unsubscribes; the metrics count each kind.
func TestBouncesOverSMTP(t *testing.T) {
	b := newBounceHarness(t)
	lessons := b.firstLessons("ann@example.org", "ben@example.org", "cat@example.org")
	ctx := context.Background()
	for email, m := range lessons {
		ref := b.verpRef(m)
		ds, err := b.app.db.DeliveriesOf(ctx, mustReader(t, b, email))
		if err != nil || len(ds) != 1 || ref.Kind != token.BounceLesson || ref.ID != ds[0].ID {
			t.Fatalf("%s: return address names %v, deliveries %v (%v)", email, ref, ds, err)
		}
	}
	ann, ben := lessons["ann@example.org"], lessons["ben@example.org"]
	dsn := bouncetest.DSN(original(ann), "failed", "5.1.1", "550 5.1.1 <ann@example.org>: Recipient address rejected: User unknown", "ann1")
	for i := range 2 {
		if err := b.deliver(ann.From, dsn); err != nil {
			t.Fatalf("DSN, time %d: %v", i+1, err)
		}
	}
	if st := b.status("ann@example.org"); st != drip.StatusBounced {
		t.Fatalf("ann is %s after a hard bounce, want bounced", st)
	}
	if n := b.reportCount("ann@example.org"); n != 1 {
		t.Errorf("the DSN delivered twice was kept %d times, want once", n)
	}
	if err := b.deliver(ben.From, bouncetest.ARF(original(ben), "ben1")); err != nil {
		t.Fatalf("ARF: %v", err)
	}
	if st := b.status("ben@example.org"); st != drip.StatusComplained {
		t.Fatalf("ben is %s after a complaint, want complained", st)
	}
	for range 30 * 24 {
		b.clock.Advance(time.Hour)
		b.pass()
	}
	sent := map[string]int{}
	for _, m := range b.smtp.Messages() {
		sent[m.To[0]]++
	}
	if sent["ann@example.org"] != 0 || sent["ben@example.org"] != 0 || sent["cat@example.org"] == 0 {
		t.Fatalf("a month of passes after the reports sent %v: want nothing to ann and ben, lessons to cat", sent)
	}
	rec := httptest.NewRecorder()
	b.app.metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`dripcourse_bounce_reports_total{kind="hard",matched="true",our_sending="false"} 1`,
		`dripcourse_bounce_reports_total{kind="complaint",matched="true",our_sending="false"} 1`, `dripcourse_bounce_rate{kind="hard"}`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func mustReader(t *testing.T, b *bounceHarness, email string) int64 {
	t.Helper()
	s, err := b.app.db.SubscriberByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// TestBounceReceiverRefuses: the receiver takes mail only for a real
// delivery's return address. An unknown or forged token and a relay
// attempt are refused at RCPT; a message over 10 MB, declared or not, and
// one that holds no report are refused at DATA; none changes a reader.
func TestBounceReceiverRefuses(t *testing.T) {
	b := newBounceHarness(t)
	ann := b.firstLessons("ann@example.org")["ann@example.org"]
	dsn := bouncetest.DSN(original(ann), "failed", "5.1.1", "550 5.1.1 user unknown", "r1")
	unknown, _ := b.app.links.Signer().BounceLocalPart(token.BounceRef{Kind: token.BounceLesson, ID: 987654})
	for _, rcpt := range []string{unknown + "@" + bounceDomain, "b+aaaaaaaaaaaaaaaaaaaaaaaaaa@" + bounceDomain,
		"ann@example.org", "postmaster@" + bounceDomain, strings.Replace(ann.From, bounceDomain, "example.org", 1)} {
		if err := b.deliver(rcpt, dsn); smtpCode(err) != 550 {
			t.Errorf("RCPT %s: %v, want 550", rcpt, err)
		}
	}
	big := append(bytes.Repeat([]byte("X-Padding: 0123456789012345678901234567890123456789012345678901234567890123456789\r\n"), 10<<20/80+1), dsn...)
	if err := b.deliver(ann.From, big); smtpCode(err) != 552 {
		t.Errorf("a message over 10 MB: %v, want 552", err)
	}
	for name, data := range map[string][]byte{
		"a binary blob": {0, 0xff, 0xfe, 0x13, 0x37, '\r', '\n'},
		"a person":      []byte("From: someone@example.net\r\nSubject: hello\r\n\r\nHi there\r\n"),
	} {
		if err := b.deliver(ann.From, data); smtpCode(err) != 554 {
			t.Errorf("%s: %v, want 554", name, err)
		}
	}
	if st := b.status("ann@example.org"); st != drip.StatusActive {
		t.Fatalf("ann is %s after refused messages, want active", st)
	}
	if n := b.reportCount("ann@example.org"); n != 0 {
		t.Errorf("%d reports kept from refused messages", n)
	}
}

// TestBounceRecordFailureIsRetried: when the report cannot be recorded,
// the sender is told 451 and sends it again, and it is recorded once.
func TestBounceRecordFailureIsRetried(t *testing.T) {
	b := newBounceHarness(t)
	ann := b.firstLessons("ann@example.org")["ann@example.org"]
	dsn := bouncetest.DSN(original(ann), "failed", "5.1.1", "550 5.1.1 user unknown", "f1")
	ctx := context.Background()
	if err := b.app.db.InjectFault(ctx, store.ReadOnly); err != nil {
		t.Fatal(err)
	}
	if err := b.deliver(ann.From, dsn); smtpCode(err) != 451 {
		t.Fatalf("while the database takes no writes: %v, want 451", err)
	}
	if err := b.app.db.InjectFault(ctx, store.NoFault); err != nil {
		t.Fatal(err)
	}
	if st := b.status("ann@example.org"); st != drip.StatusActive {
		t.Fatalf("ann is %s after a failed recording", st)
	}
	for i := range 2 { // the sender's retry, and a duplicate of it
		if err := b.deliver(ann.From, dsn); err != nil {
			t.Fatalf("retry %d: %v", i+1, err)
		}
	}
	if st, n := b.status("ann@example.org"), b.reportCount("ann@example.org"); st != drip.StatusBounced || n != 1 {
		t.Fatalf("after the retry: ann %s with %d reports, want bounced with 1", st, n)
	}
}

// TestSoftBouncesOverSMTP: soft bounces suppress only after the limit (3
// here) of lessons in a row.
func TestSoftBouncesOverSMTP(t *testing.T) {
	b := newBounceHarness(t)
	first := b.firstLessons("ann@example.org")["ann@example.org"]
	lessons := []bouncetestMsg{{first.From, original(first)}}
	for hour := 0; len(lessons) < 3 && hour < 30*24; hour++ {
		b.clock.Advance(time.Hour)
		b.pass()
		for _, m := range b.smtp.Messages() {
			lessons = append(lessons, bouncetestMsg{m.From, original(m)})
		}
		b.smtp.Reset()
	}
	if len(lessons) < 3 {
		t.Fatalf("%d lessons sent in a month, want 3", len(lessons))
	}
	for i, l := range lessons[:3] {
		if st := b.status("ann@example.org"); st != drip.StatusActive {
			t.Fatalf("ann is %s after %d soft bounces, want active", st, i)
		}
		dsn := bouncetest.DSN(l.o, "failed", "4.2.2", "452 4.2.2 Mailbox full", fmt.Sprint("soft", i))
		if err := b.deliver(l.rcpt, dsn); err != nil {
			t.Fatal(err)
		}
	}
	if st := b.status("ann@example.org"); st != drip.StatusBounced {
		t.Fatalf("ann is %s after 3 soft bounces in a row, want bounced", st)
	}
}

type bouncetestMsg struct {
	rcpt string
	o    bouncetest.Original
}
