package admin

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/clock"
	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
	"github.com/dripcourse/dripcourse/internal/web"
)

// fixture is the public server with the admin mounted in it, as cmd
// wires them, on a real SQLite file and a fake clock.
type fixture struct {
	t     *testing.T
	srv   *Server
	site  *web.Server
	db    *store.DB
	clock *clock.Fake
	ts    *httptest.Server
}

// newFixture builds the servers with the one course Rebuilding Trust;
// setup, if any, adjusts the admin's Server before its handler is built.
func newFixture(t *testing.T, setup ...func(*Server)) *fixture {
	t.Helper()
	crs, err := course.Load(dripcourse.BuiltInCourse("rebuilding-trust"))
	if err != nil {
		t.Fatal(err)
	}
	return newFixtureOf(t, course.NewSet(crs), setup...)
}

// newFixtureOf builds the servers for a set of courses.
func newFixtureOf(t *testing.T, set *course.Set, setup ...func(*Server)) *fixture {
	t.Helper()
	tpl, err := render.Load(dripcourse.Templates())
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "admin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := clock.NewFake(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	lm := links.NewMaker("https://course.example.test", token.NewSigner([]byte("0123456789abcdef0123456789abcdef")))
	lib := compose.NewLibrary(&compose.Content{Set: set, Templates: tpl}, time.Time{})
	composer := &compose.Composer{Links: lm, FromAddr: "c@example.test", Tracking: compose.TrackAll}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &Server{DB: db, Links: lm, Library: lib, Composer: composer, Now: clk.Now, Log: log}
	for _, f := range setup {
		f(s)
	}
	site := &web.Server{DB: db, Links: lm, Library: lib, Composer: composer, Now: clk.Now, Log: s.Log, MinFormTime: 2 * time.Second,
		MaxConfirmations: 3, ConfirmWindow: 24 * time.Hour, Admin: s.Handler()}
	ts := httptest.NewServer(site.Handler())
	t.Cleanup(ts.Close)
	return &fixture{t: t, srv: s, site: site, db: db, clock: clk, ts: ts}
}

func (f *fixture) do(method, path string, form url.Values) (*http.Response, string) {
	f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, f.ts.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var started = regexp.MustCompile(`name="started" value="([^"]+)"`)

// form returns a signup form as the course page gave it, submitted wait
// later.
func (f *fixture) form(email string, wait time.Duration) url.Values {
	f.t.Helper()
	_, page := f.do("GET", "/", nil)
	m := started.FindStringSubmatch(page)
	if m == nil {
		f.t.Fatal("no started stamp on the course page")
	}
	f.clock.Advance(wait)
	return url.Values{"email": {email}, "name": {"Sam"}, "tz": {"Europe/Paris"}, "started": {m[1]}}
}

func (f *fixture) status(email string) drip.Status {
	s, err := f.db.SubscriberByEmail(context.Background(), email)
	if err != nil {
		return ""
	}
	return s.Status
}

// reader makes an active reader with one sent lesson and returns the
// reader's and the delivery's IDs.
func (f *fixture) reader(email string) (sub, del int64) {
	f.t.Helper()
	ctx, now := context.Background(), f.clock.Now()
	res, err := f.db.Subscribe(ctx, store.Signup{Email: email, At: now, MaxConfirmations: 3, ConfirmWindow: time.Hour})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.db.Confirm(ctx, res.SubscriberID, "rebuilding-trust", now, now); err != nil {
		f.t.Fatal(err)
	}
	jobs, err := f.db.ClaimDue(ctx, now, time.Minute, 100, func(d store.Due) store.Pick {
		return store.Pick{Slug: "welcome", MessageID: fmt.Sprintf("m%d@example.test", d.Enrollment.ID)}
	})
	if err != nil || len(jobs) != 1 {
		f.t.Fatalf("claim: %d jobs, %v", len(jobs), err)
	}
	j := jobs[0]
	err = f.db.Record(ctx, store.Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: j.Subscriber.ID,
		Slug: "welcome", Result: drip.DeliverySent, At: now.Add(-time.Hour), NextDue: now.Add(24 * time.Hour)})
	if err != nil {
		f.t.Fatal(err)
	}
	return res.SubscriberID, j.DeliveryID
}
