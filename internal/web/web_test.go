package web

import (
	"context"
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
)

type fixture struct {
	t     *testing.T
	srv   *Server
	db    *store.DB
	clock *clock.Fake
	ts    *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	crs, err := course.Load(dripcourse.BuiltInCourse("rebuilding-trust"))
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := render.Load(dripcourse.Templates())
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := clock.NewFake(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	lm := links.NewMaker("https://course.example.test", token.NewSigner([]byte("0123456789abcdef0123456789abcdef")))
	ct := &compose.Content{Set: course.NewSet(crs), Templates: tpl}
	s := &Server{DB: db, Links: lm, Library: compose.NewLibrary(ct, time.Time{}), Now: clk.Now,
		Composer: &compose.Composer{Links: lm, FromAddr: "c@example.test", Tracking: compose.TrackAll},
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)), MinFormTime: 2 * time.Second,
		MaxConfirmations: 3, ConfirmWindow: 24 * time.Hour}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &fixture{t: t, srv: s, db: db, clock: clk, ts: ts}
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

// form returns a signup form as the page gave it, submitted wait later.
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

func TestCoursePage(t *testing.T) {
	f := newFixture(t)
	res, page := f.do("GET", "/", nil)
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{"Rebuilding Trust", "What a real apology sounds like", `name="email"`, `name="tz"`, `lang="en"`} {
		if !strings.Contains(page, want) {
			t.Errorf("course page lacks %q", want)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(csp)
	if nonce == nil || !strings.Contains(page, `<script nonce="`+nonce[1]+`"`) {
		t.Errorf("the page's script is not covered by the CSP nonce (CSP %q)", csp)
	}
	for _, h := range []string{"X-Content-Type-Options", "Referrer-Policy"} {
		if res.Header.Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
	if !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q lacks frame-ancestors 'none'", csp)
	}
}

func TestSignupValidation(t *testing.T) {
	cases := map[string]string{
		"empty":        "",
		"no at":        "sam.example.com",
		"no dot":       "sam@localhost",
		"display name": "Sam <sam@example.com>",
		"two ats":      "a@b@example.com",
		"too long":     strings.Repeat("a", 250) + "@example.com",
		"header break": "sam@example.com\r\nBcc: x@example.com",
	}
	for name, email := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			res, page := f.do("POST", "/subscribe", f.form(email, 5*time.Second))
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.StatusCode)
			}
			if !strings.Contains(page, `role="alert"`) || !strings.Contains(page, `value="Sam"`) {
				t.Error("the form was not shown again with a message and the reader's input")
			}
		})
	}
}

func TestSignupRevealsNothing(t *testing.T) {
	f := newFixture(t)
	strip := regexp.MustCompile(`nonce[-=]"?[A-Za-z0-9_-]+`)
	var pages []string
	for range 3 { // new, then pending, then active
		_, page := f.do("POST", "/subscribe", f.form("sam@example.com", 5*time.Second))
		pages = append(pages, strip.ReplaceAllString(page, ""))
		if sub, err := f.db.SubscriberByEmail(context.Background(), "sam@example.com"); err == nil && sub.Status == drip.StatusPending && len(pages) == 2 {
			f.db.Confirm(context.Background(), sub.ID, "rebuilding-trust", f.clock.Now(), f.clock.Now())
		}
	}
	if pages[0] != pages[1] || pages[1] != pages[2] {
		for i := range pages[0] {
			if i >= len(pages[2]) || pages[0][i] != pages[2][i] || pages[0][i] != pages[1][i] {
				t.Logf("first difference at %d: %q / %q / %q", i, pages[0][max(0, i-40):min(len(pages[0]), i+40)], pages[1][max(0, i-40):min(len(pages[1]), i+40)], pages[2][max(0, i-40):min(len(pages[2]), i+40)])
				break
			}
		}
		t.Fatal("the answer differs between a new, a pending and an active address")
	}
	if f.status("sam@example.com") != drip.StatusActive {
		t.Fatal("setup: the reader should be active")
	}
}

func TestSignupBots(t *testing.T) {
	f := newFixture(t)
	honey := f.form("bot1@example.com", 5*time.Second)
	honey.Set("website", "http://spam.example")
	if res, _ := f.do("POST", "/subscribe", honey); res.StatusCode != 200 || f.status("bot1@example.com") != "" {
		t.Fatalf("honeypot: status %d, reader %q; want 200 and nobody added", res.StatusCode, f.status("bot1@example.com"))
	}
	forged := url.Values{"email": {"bot3@example.com"}, "started": {"forged"}}
	if res, _ := f.do("POST", "/subscribe", forged); res.StatusCode != 200 || f.status("bot3@example.com") != "" {
		t.Fatal("a form without a valid start stamp should be dropped silently")
	}
	if res, _ := f.do("POST", "/subscribe", f.form("person@example.com", 5*time.Second)); res.StatusCode != 200 || f.status("person@example.com") != drip.StatusPending {
		t.Fatal("a person's signup was not kept")
	}
}

func TestBodyTooLarge(t *testing.T) {
	f := newFixture(t)
	form := f.form("sam@example.com", 5*time.Second)
	form.Set("name", strings.Repeat("x", MaxBody))
	if res, _ := f.do("POST", "/subscribe", form); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", res.StatusCode)
	}
	if f.status("sam@example.com") != "" {
		t.Fatal("an oversized request added a reader")
	}
}

func TestUnknownPath(t *testing.T) {
	f := newFixture(t)
	res, page := f.do("GET", "/wp-login.php", nil)
	if res.StatusCode != 404 || !strings.Contains(res.Header.Get("Content-Type"), "text/html") || strings.Contains(page, "goroutine") {
		t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// A page on another site must not make its visitors' browsers sign up
// addresses; the course page's own form, and clients without a browser's
// headers, are not affected.
func TestSignupFromAnotherSiteIsRefused(t *testing.T) {
	f := newFixture(t)
	post := func(email string, headers map[string]string) int {
		form := f.form(email, 5*time.Second)
		req, _ := http.NewRequest("POST", f.ts.URL+"/subscribe", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post("victim@example.com", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}); code != http.StatusForbidden || f.status("victim@example.com") != "" {
		t.Fatalf("cross-site signup: %d, reader %q; want 403 and nobody added", code, f.status("victim@example.com"))
	}
	if code := post("reader@example.com", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": f.ts.URL}); code != http.StatusOK || f.status("reader@example.com") != drip.StatusPending {
		t.Fatalf("the course page's own form: %d, reader %q", code, f.status("reader@example.com"))
	}
}
