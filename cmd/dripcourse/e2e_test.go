package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/clock"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/smtptest"
	"github.com/dripcourse/dripcourse/internal/web"
)

// harness is the whole product wired as serve wires it, with a real SMTP
// server on loopback, a real SQLite file, and a clock the test moves.
type harness struct {
	t     *testing.T
	app   *app
	clock *clock.Fake
	smtp  *smtptest.Server
	web   *httptest.Server
}

func newHarness(t *testing.T, extraEnv map[string]string) *harness {
	t.Helper()
	sink, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	env := map[string]string{
		"DRIP_DATA": t.TempDir(), "DRIP_SMTP_URL": sink.URL(), "DRIP_BASE_URL": "https://course.example.test",
		"DRIP_FROM": "lessons@example.test", "DRIP_POSTAL_ADDRESS": "1 Harbour Road, Portsmouth",
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	cfg, err := parseConfig(flag.NewFlagSet("test", flag.ContinueOnError), nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC))
	a, err := openApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	a.limits = web.Limits{} // the tests post from one address; limits have their own test
	ts := httptest.NewServer(a.webServer().Handler)
	t.Cleanup(ts.Close)
	return &harness{t: t, app: a, clock: clk, smtp: sink, web: ts}
}

// pass runs one dispatch pass at the harness clock's time.
func (h *harness) pass() {
	h.t.Helper()
	if _, err := h.app.runner().SendDue(context.Background()); err != nil {
		h.t.Fatalf("dispatch pass: %v", err)
	}
}

var startedField = regexp.MustCompile(`name="started" value="([^"]+)"`)

// signup fills in the form as a reader would, taking a few seconds.
func (h *harness) signup(email, name, tz string) *http.Response {
	h.t.Helper()
	page := h.get(links.CoursePath(h.app.lib.Content().Default().Slug))
	m := startedField.FindStringSubmatch(page)
	if m == nil {
		h.t.Fatal("course page has no form start stamp")
	}
	h.clock.Advance(5 * time.Second)
	return h.post("/subscribe", url.Values{"email": {email}, "name": {name}, "tz": {tz}, "started": {m[1]}, "website": {""}})
}

func (h *harness) get(path string) string {
	h.t.Helper()
	res, err := http.Get(h.web.URL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %d\n%s", path, res.StatusCode, b)
	}
	return string(b)
}

func (h *harness) post(path string, form url.Values) *http.Response {
	h.t.Helper()
	res, err := http.PostForm(h.web.URL+path, form)
	if err != nil {
		h.t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// parsed is a received message taken apart.
type parsed struct {
	header mail.Header
	parts  []part
}

type part struct {
	contentType string
	body        string
}

func parse(t *testing.T, m smtptest.Message) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
	if err != nil {
		t.Fatal(err)
	}
	p := parsed{header: msg.Header}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: want multipart/alternative", msg.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		pt, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(pt) // multipart decodes quoted-printable
		ct, _, _ := mime.ParseMediaType(pt.Header.Get("Content-Type"))
		p.parts = append(p.parts, part{ct, string(b)})
	}
	return p
}

var linkPath = regexp.MustCompile(`https://course\.example\.test(/[a-z]+/[A-Za-z0-9_-]+)`)

// link finds the path of the first link in text that starts with prefix.
func link(t *testing.T, text, prefix string) string {
	t.Helper()
	for _, m := range linkPath.FindAllStringSubmatch(text, -1) {
		if strings.HasPrefix(m[1], prefix+"/") {
			return m[1]
		}
	}
	t.Fatalf("no %s link in:\n%s", prefix, text)
	return ""
}

func subscriberStatus(t *testing.T, a *app, email string) drip.Status {
	t.Helper()
	s, err := a.db.SubscriberByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return s.Status
}
