package main

import (
	"context"
	"fmt"
	"github.com/dripcourse/dripcourse/internal/browsertest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
)

// The browser tests drive Debian's Chromium through chromedp against the
// real app (the harness of e2e_test.go). One browser serves the whole
// package; each test gets its own tab in its own browser context, so no
// cookie leaks from one test to the next.

// mobileWidth is the narrow screen every page must fit without sideways
// scrolling; all browser tests run at it.
const mobileWidth = 375

var browser browsertest.Browser

func TestMain(m *testing.M) {
	if os.Getenv(instanceEnv) != "" {
		os.Exit(runInstance())
	}
	if os.Getenv(commandEnv) != "" {
		os.Exit(runCommand())
	}
	code := m.Run()
	browser.Close()
	os.Exit(code)
}

// tab is one test's browser tab on a harness.
type tab struct {
	t   *testing.T
	h   *harness
	ctx context.Context
}

// newTab opens a tab at mobile width, in the given timezone, and saves a
// screenshot of it if the test fails.
func newTab(t *testing.T, h *harness, timezone string) *tab {
	t.Helper()
	ctx, _ := browser.Tab(t, 30*time.Second)
	tb := &tab{t: t, h: h, ctx: ctx}
	dir := t.ArtifactDir() // before the screenshot's cleanup, so it outlives it
	t.Cleanup(func() { tb.screenshotOnFailure(dir) })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(mobileWidth, 800)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: timezone}); err != nil {
		t.Fatal(err)
	}
	return tb
}

func (tb *tab) screenshotOnFailure(dir string) {
	if !tb.t.Failed() {
		return
	}
	buf, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(90))
	if err != nil {
		tb.t.Logf("no screenshot: %v", err)
		return
	}
	file := filepath.Join(dir, strings.ReplaceAll(tb.t.Name(), "/", "_")+".jpg")
	if err := os.WriteFile(file, buf, 0o644); err == nil {
		tb.t.Logf("screenshot of the failure: %s (kept with go test -artifacts)", file)
	}
}

// open loads a page of the harness's site and checks it.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.visit(path)
	tb.check()
}

// visit loads a path that is not a page of ours (a raw message, an
// email's HTML), without the page checks.
func (tb *tab) visit(path string) {
	tb.t.Helper()
	res, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(tb.h.web.URL+path))
	if err != nil {
		tb.t.Fatalf("open %s: %v", path, err)
	}
	if res.Status >= 400 {
		tb.t.Fatalf("open %s: status %d", path, res.Status)
	}
}

// click presses a button or link that loads a new page, and checks it.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	res, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("click %s: %v", sel, err)
	}
	if res.Status >= 400 {
		tb.t.Fatalf("click %s: status %d", sel, res.Status)
	}
	tb.check()
}

func (tb *tab) typeInto(sel, text string) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		tb.t.Fatalf("type into %s: %v", sel, err)
	}
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// textContent is the text of an element even when it is hidden (in a
// closed <details>, say).
func (tb *tab) textContent(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func offset(loc *time.Location) time.Duration {
	_, off := time.Date(2026, 12, 1, 0, 0, 0, 0, loc).Zone()
	return time.Duration(off) * time.Second
}

func (tb *tab) eval(js string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", js, err)
	}
	return s
}

// pageProblems lists what is wrong with the page's basic accessibility:
// no language, a form field without a label, sideways scrolling at
// mobileWidth.
var pageProblems = fmt.Sprintf(`(() => {
  const p = [];
  if (!document.documentElement.lang) p.push("no <html lang>");
  for (const e of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!(e.labels && e.labels.length) && !e.getAttribute("aria-label")) p.push("no label for " + (e.id || e.name || e.outerHTML));
  }
  const w = document.documentElement.scrollWidth;
  if (w > %d) p.push("scrolls sideways: " + w + "px wide");
  return p.join("; ");
})()`, mobileWidth)

// check fails the test if the page has accessibility problems.
func (tb *tab) check() {
	tb.t.Helper()
	if p := tb.eval(pageProblems); p != "" {
		loc, _ := chromedp.Run(tb.ctx, chromedp.Location())
		tb.t.Errorf("%s: %s", loc, p)
	}
}

func (tb *tab) login(password string) {
	tb.t.Helper()
	tb.open("/admin")
	if !strings.Contains(tb.text("h1"), "Log in") {
		tb.t.Fatalf("/admin without a session shows %q, want the login page", tb.text("h1"))
	}
	tb.typeInto("#password", password)
	tb.click("form.card button[type=submit]")
	if h := tb.text("h1"); h != "Dashboard" {
		tb.t.Fatalf("after logging in: %q", h)
	}
}

// TestBrowserReaderJourney is a reader's way through the site in a real
// browser: the course page fills in the reader's timezone, signup, the
// confirmation email's link and its button, then a lesson's unsubscribe
// link, and its undo.
func TestBrowserReaderJourney(t *testing.T) {
	h := newHarness(t, nil)
	tb := newTab(t, h, "Asia/Kathmandu")
	tb.open(links.CoursePath(h.app.lib.Content().Default().Slug))
	// Chromium's ICU may report the zone by its older name, Asia/Katmandu:
	// what matters is that the reader gets what the browser says.
	zone := tb.eval(`Intl.DateTimeFormat().resolvedOptions().timeZone`)
	if loc, err := time.LoadLocation(zone); err != nil || offset(loc) != 5*time.Hour+45*time.Minute {
		t.Fatalf("the browser reports %q; the Kathmandu timezone override did not apply", zone)
	}
	tb.typeInto("#email", "nina@example.org")
	tb.typeInto("#name", "Nina")
	h.clock.Advance(5 * time.Second) // a person takes a few seconds over the form
	tb.click("#signup button[type=submit]")
	if got := tb.text("h1"); !strings.Contains(strings.ToLower(got), "inbox") {
		t.Fatalf("after signup: %q", got)
	}
	sub, err := h.app.db.SubscriberByEmail(context.Background(), "nina@example.org")
	if err != nil || sub.Timezone != zone || sub.Name != "Nina" {
		t.Fatalf("stored reader %+v (%v); want the browser's timezone %q", sub, err, zone)
	}

	h.pass()
	msgs := h.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d emails after signup, want the confirmation", len(msgs))
	}
	h.smtp.Reset()
	tb.open(link(t, parse(t, msgs[0]).parts[0].body, "/confirm"))
	tb.click("form.actions button")
	if st := subscriberStatus(t, h.app, "nina@example.org"); st != drip.StatusActive {
		t.Fatalf("after pressing confirm: %s", st)
	}

	h.pass()
	lessons := h.smtp.Messages()
	if len(lessons) != 1 {
		t.Fatalf("%d emails after confirming, want the first lesson", len(lessons))
	}
	tb.open(link(t, parse(t, lessons[0]).parts[0].body, "/u"))
	if st := subscriberStatus(t, h.app, "nina@example.org"); st != drip.StatusActive {
		t.Fatalf("opening the unsubscribe page changed the reader to %s", st)
	}
	tb.click("form.actions button")
	if st := subscriberStatus(t, h.app, "nina@example.org"); st != drip.StatusUnsubscribed || !strings.Contains(tb.text("h1"), "unsubscribed") {
		t.Fatalf("after unsubscribing: %s, page %q", st, tb.text("h1"))
	}
	tb.click("form.actions button") // the undo
	if st := subscriberStatus(t, h.app, "nina@example.org"); st != drip.StatusActive {
		t.Fatalf("after the undo: %s", st)
	}
}
