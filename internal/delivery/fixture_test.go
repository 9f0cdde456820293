package delivery_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/clock"
	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/delivery"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/smtptest"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

var start = time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)

// threeLessons is a short course sent 08:00-10:00 UTC.
var threeLessons = fstest.MapFS{
	"course.yaml":    {Data: []byte("slug: short\ntitle: Short course\ntimezone: UTC\n")},
	"01-first.md":    {Data: []byte("---\nsubject: First\ndelay: 0d\n---\nThe first lesson.\n")},
	"02-second.md":   {Data: []byte("---\nsubject: Second\ndelay: 2d\n---\nThe second lesson.\n")},
	"03-third.md":    {Data: []byte("---\nsubject: Third\ndelay: 3d\n---\nThe third lesson.\n")},
	"04-last-one.md": {Data: []byte("---\nsubject: Fourth\ndelay: 1d\n---\nThe last lesson.\n")},
}

type fixture struct {
	t      testing.TB
	db     *store.DB
	dbFile string
	clock  *clock.Fake
	smtp   *smtptest.Server
	runner *delivery.Runner
	course *course.Course
}

func newFixture(t testing.TB, lessons fstest.MapFS, timeout time.Duration) *fixture {
	t.Helper()
	return newFixtureIn(t, t.TempDir(), lessons, timeout)
}

// newFixtureIn is newFixture with the database in dir.
func newFixtureIn(t testing.TB, dir string, lessons fstest.MapFS, timeout time.Duration) *fixture {
	t.Helper()
	crs, err := course.Load(lessons)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := render.Load(dripcourse.Templates())
	if err != nil {
		t.Fatal(err)
	}
	dbFile := filepath.Join(dir, "d.db")
	db, err := store.Open(context.Background(), dbFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sink, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	sender, err := mailer.NewSMTP(mailer.SMTPConfig{Host: sink.Host, Port: sink.Port, TLS: mailer.TLSNone, Timeout: timeout, Connections: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sender.Close() })
	clk := clock.NewFake(start)
	lm := links.NewMaker("https://course.example.test", token.NewSigner(make([]byte, 32)))
	lib := compose.NewLibrary(&compose.Content{Set: course.NewSet(crs), Templates: tpl}, start)
	r := &delivery.Runner{DB: db, Sender: sender, Content: lib.Content, Now: clk.Now, Workers: 2,
		Composer: &compose.Composer{Links: lm, FromAddr: "c@example.test", Tracking: compose.TrackAll},
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil))}
	return &fixture{t: t, db: db, dbFile: dbFile, clock: clk, smtp: sink, runner: r, course: crs}
}

// reader adds a confirmed reader whose first lesson is due now.
func (f *fixture) reader(email string) int64 {
	f.t.Helper()
	ctx, now := context.Background(), f.clock.Now()
	res, err := f.db.Subscribe(ctx, store.Signup{Email: email, Timezone: "UTC", At: now, MaxConfirmations: 3, ConfirmWindow: time.Hour})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.db.Confirm(ctx, res.SubscriberID, f.course.Slug, now, now); err != nil {
		f.t.Fatal(err)
	}
	return res.SubscriberID
}

func (f *fixture) pass() delivery.Summary {
	f.t.Helper()
	sum, err := f.runner.SendDue(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return sum
}

// only returns the single delivery of a reader.
func (f *fixture) only(sub int64) drip.Delivery {
	f.t.Helper()
	ds, err := f.db.DeliveriesOf(context.Background(), sub)
	if err != nil || len(ds) != 1 {
		f.t.Fatalf("reader %d has %d deliveries (%v), want 1", sub, len(ds), err)
	}
	return ds[0]
}

func (f *fixture) enrollment(sub int64) drip.Enrollment {
	f.t.Helper()
	e, err := f.db.Enrollment(context.Background(), sub, f.course.Slug)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func (f *fixture) status(sub int64) drip.Status {
	s, _ := f.db.Subscriber(context.Background(), sub)
	return s.Status
}

// received counts the messages the SMTP server accepted for each address.
func (f *fixture) received() map[string]int {
	n := map[string]int{}
	for _, m := range f.smtp.Messages() {
		n[m.To[0]]++
	}
	return n
}

func addr(i int) string { return fmt.Sprintf("reader%d@example.com", i) }

// addrs returns the first n readers' addresses.
func addrs(n int) []string {
	a := make([]string, n)
	for i := range a {
		a[i] = addr(i)
	}
	return a
}

// gotOneEach checks that each address has received exactly one message.
func (f *fixture) gotOneEach(t *testing.T, why string, to ...string) {
	t.Helper()
	got := f.received()
	for _, a := range to {
		if got[a] != 1 {
			t.Errorf("%s got %d messages %s, want 1", a, got[a], why)
		}
	}
}

func starttlsSender(t testing.TB, f *fixture) mailer.Sender {
	s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: f.smtp.Host, Port: f.smtp.Port, TLS: mailer.TLSStartTLS, Timeout: time.Second, Connections: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sender returns an SMTP sender with n connections to the fixture's server.
func (f *fixture) sender(n int) mailer.Sender {
	s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: f.smtp.Host, Port: f.smtp.Port, TLS: mailer.TLSNone, Timeout: 10 * time.Second, Connections: n}, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { s.Close() })
	return s
}
