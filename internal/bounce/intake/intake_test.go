package intake_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
	"github.com/dripcourse/dripcourse/internal/bounce/bouncetest"
	"github.com/dripcourse/dripcourse/internal/bounce/intake"
	"github.com/dripcourse/dripcourse/internal/bounce/receiver"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

const domain = "bounces.example.test"

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// fixture is an Intake over a real SQLite store, with one active reader
// (ann) whose first lesson has been sent.
type fixture struct {
	t      *testing.T
	db     *store.DB
	signer *token.Signer
	in     *intake.Intake
	logs   *logBuffer
	ann    int64
	del    int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "i.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, db: db, signer: token.NewSigner(make([]byte, 32)), logs: &logBuffer{}}
	f.in = intake.New(intake.Config{DB: db, Signer: f.signer, Domain: domain, SoftLimit: 3,
		Now: func() time.Time { return t0.Add(time.Hour) }, Log: slog.New(slog.NewTextHandler(f.logs, nil))})
	f.ann, f.del = f.reader("ann@example.org")
	return f
}

// reader adds an active reader and sends them their first lesson.
func (f *fixture) reader(email string) (sub, del int64) {
	f.t.Helper()
	ctx := context.Background()
	res, err := f.db.Subscribe(ctx, store.Signup{Email: email, Timezone: "UTC", At: t0, MaxConfirmations: 3, ConfirmWindow: time.Hour})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.db.Confirm(ctx, res.SubscriberID, "course", t0, t0); err != nil {
		f.t.Fatal(err)
	}
	jobs, err := f.db.ClaimDue(ctx, t0, time.Minute, 10, func(d store.Due) store.Pick {
		return store.Pick{Slug: "one", MessageID: "d" + email}
	})
	if err != nil || len(jobs) != 1 {
		f.t.Fatalf("claim: %d, %v", len(jobs), err)
	}
	j := jobs[0]
	if err := f.db.Record(ctx, store.Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: j.Subscriber.ID,
		Slug: "one", Result: drip.DeliverySent, Reply: store.Reply{Code: 250}, At: t0, NextDue: t0.Add(24 * time.Hour)}); err != nil {
		f.t.Fatal(err)
	}
	return res.SubscriberID, j.DeliveryID
}

// verp is the return address of a lesson delivery.
func (f *fixture) verp(del int64) string {
	local, err := f.signer.BounceLocalPart(token.BounceRef{Kind: token.BounceLesson, ID: del})
	if err != nil {
		f.t.Fatal(err)
	}
	return local + "@" + domain
}

func (f *fixture) status(sub int64) drip.Status {
	s, err := f.db.Subscriber(context.Background(), sub)
	if err != nil {
		f.t.Fatal(err)
	}
	return s.Status
}

// logBuffer is a log sink safe for concurrent writers.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

// TestDSNByTokenSuppresses: a DSN sent to a lesson's return address is
// matched by its token and suppresses the reader; the same DSN again,
// even with LF line ends and a relay's trace fields, counts once.
func TestDSNByTokenSuppresses(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dsn := bouncetest.DSN(bouncetest.Original{ReturnPath: f.verp(f.del), Recipient: "ann@example.org", MessageID: "dann@example.org"},
		"failed", "5.1.1", "550 5.1.1 user unknown", "one")
	res, err := f.in.Message(ctx, dsn, f.verp(f.del), false)
	if err != nil || len(res) != 1 {
		t.Fatalf("Message: %d results, %v", len(res), err)
	}
	l := res[0].Line()
	if l.Kind != "hard" || l.Status != "5.1.1" || l.Recipient != "ann@example.org" || l.Reader == nil || *l.Reader != f.ann ||
		l.Delivery == nil || *l.Delivery != f.del || l.MatchedBy != store.MatchToken {
		t.Fatalf("line %+v", l)
	}
	if s := f.status(f.ann); s != drip.StatusBounced {
		t.Fatalf("reader %s, want bounced", s)
	}
	piped := append([]byte("Received: from mx.example.net by mail.example.test\nDelivered-To: "+f.verp(f.del)+"\n"),
		bytes.ReplaceAll(dsn, []byte("\r\n"), []byte("\n"))...)
	again, err := f.in.Message(ctx, piped, "", false)
	if err != nil || len(again) != 1 || !again[0].Out.Duplicate || again[0].Out.ID != res[0].Out.ID {
		t.Fatalf("the same report piped in: %+v, %v; want a duplicate of report %d", again, err, res[0].Out.ID)
	}
	if reports, _ := f.db.ReportsOf(ctx, f.ann); len(reports) != 1 {
		t.Errorf("%d reports kept, want 1", len(reports))
	}
}

// TestForgedTokenChangesNothing: a report whose return address carries a
// token that does not verify is kept unmatched, even though it names a
// reader's address and Message-ID.
func TestForgedTokenChangesNothing(t *testing.T) {
	f := newFixture(t)
	forged := "b+aaaaaaaaaaaaaaaaaaaaaaaaaa@" + domain
	dsn := bouncetest.DSN(bouncetest.Original{ReturnPath: forged, Recipient: "ann@example.org", MessageID: "dann@example.org"},
		"failed", "5.1.1", "550 5.1.1 user unknown", "forged")
	res, err := f.in.Message(context.Background(), dsn, "", false)
	if err != nil || len(res) != 1 || res[0].Out.SubscriberID != 0 {
		t.Fatalf("forged: %+v, %v", res, err)
	}
	if s := f.status(f.ann); s != drip.StatusActive {
		t.Fatalf("reader %s after a forged report, want active", s)
	}
	if f.in.Valid(strings.TrimSuffix(forged, "@"+domain)) {
		t.Error("the receiver would take a forged token")
	}
	local, _ := f.signer.BounceLocalPart(token.BounceRef{Kind: token.BounceLesson, ID: 999})
	if f.in.Valid(local) {
		t.Error("the receiver would take a token for a delivery that does not exist")
	}
	if !f.in.Valid(strings.TrimSuffix(f.verp(f.del), "@"+domain)) {
		t.Error("the receiver refuses a real delivery's return address")
	}
}

// TestDryRunRecordsNothing: a dry run matches and records nothing.
func TestDryRunRecordsNothing(t *testing.T) {
	f := newFixture(t)
	dsn := bouncetest.DSN(bouncetest.Original{ReturnPath: f.verp(f.del), Recipient: "ann@example.org", MessageID: "x@example.org"},
		"failed", "5.1.1", "550 5.1.1 user unknown", "dry")
	res, err := f.in.Message(context.Background(), dsn, "", true)
	if err != nil || len(res) != 1 || res[0].Out.SubscriberID != f.ann || res[0].Out.ID != 0 {
		t.Fatalf("dry run: %+v, %v", res, err)
	}
	if s := f.status(f.ann); s != drip.StatusActive {
		t.Fatalf("reader %s after a dry run", s)
	}
	if reports, _ := f.db.ReportsOf(context.Background(), f.ann); len(reports) != 0 {
		t.Errorf("a dry run kept %d reports", len(reports))
	}
}

// TestAcceptRefusesWhatIsNoReport: the receiver's Accept refuses a
// message that holds no report for good, and a failure to record for now.
func TestAcceptRefusesWhatIsNoReport(t *testing.T) {
	f := newFixture(t)
	for name, data := range map[string][]byte{
		"blob":     {0x00, 0xff, 0x13, 0x37, 0x00},
		"a person": []byte("From: ann@example.org\r\nSubject: Re: Lesson 1\r\n\r\nThanks!\r\n"),
		"too big":  bytes.Repeat([]byte("x"), bounce.MaxSize+1),
	} {
		err := f.in.Accept(context.Background(), receiver.Message{To: f.verp(f.del), Data: data})
		if !errors.Is(err, receiver.ErrNoReport) {
			t.Errorf("%s: %v, want ErrNoReport", name, err)
		}
	}
	ctx := context.Background()
	if err := f.db.InjectFault(ctx, store.ReadOnly); err != nil {
		t.Fatal(err)
	}
	dsn := bouncetest.DSN(bouncetest.Original{ReturnPath: f.verp(f.del), Recipient: "ann@example.org"}, "failed", "5.1.1", "550", "x")
	m := receiver.Message{To: f.verp(f.del), Data: dsn}
	if err := f.in.Accept(ctx, m); err == nil || errors.Is(err, receiver.ErrNoReport) {
		t.Errorf("with the database read-only: %v, want an error to retry on", err)
	}
	if s := f.status(f.ann); s != drip.StatusActive {
		t.Fatalf("reader %s after a failed recording", s)
	}
	f.db.InjectFault(ctx, store.NoFault)
	if err := f.in.Accept(ctx, m); err != nil {
		t.Fatalf("the retry: %v", err)
	}
	if s := f.status(f.ann); s != drip.StatusBounced {
		t.Fatalf("reader %s after the retry, want bounced", s)
	}
}

// TestOurSendingIsLoggedOnce: a failure about our own sending is logged
// as a warning once, however often the same report comes back.
func TestOurSendingIsLoggedOnce(t *testing.T) {
	f := newFixture(t)
	dsn := bouncetest.DSN(bouncetest.Original{ReturnPath: f.verp(f.del), Recipient: "ann@example.org"},
		"failed", "5.7.1", "550 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org", "ours")
	for range 3 {
		if _, err := f.in.Message(context.Background(), dsn, "", false); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.logs.count("refused our sending"); n != 1 {
		t.Errorf("logged %d times, want once", n)
	}
	if s := f.status(f.ann); s != drip.StatusActive {
		t.Fatalf("reader %s after a block-list bounce, want active", s)
	}
}
