package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserAdmin logs in and goes through the dashboard, the lessons
// and a lesson's preview and test email.
func TestBrowserAdmin(t *testing.T) {
	h := newHarness(t, map[string]string{"DRIP_ADMIN_PASSWORD": "browser test password"})
	h.signup("ann@example.org", "Ann", "Europe/London")
	tb := newTab(t, h, "UTC")
	tb.login("browser test password")
	if got := tb.text("main"); !strings.Contains(got, "no reader has started the course") {
		t.Fatalf("with only a pending reader the dashboard does not say the funnel has nothing yet:\n%s", got)
	}
	if got := tb.text(".stats"); !strings.Contains(got, "1 pending") && !strings.Contains(got, "1\npending") {
		t.Errorf("reader counts %q: want 1 pending", got)
	}
	tb.click(`nav a[href="/admin/lessons"]`)
	tb.click(`a[href="/admin/lessons/a-real-apology"]`)
	if src := tb.eval(`document.querySelector("iframe.mail").getAttribute("src")`); src != "/admin/lessons/a-real-apology/email" {
		t.Fatalf("preview frame src %q", src)
	}
	if raw := tb.textContent("details pre"); !strings.Contains(raw, "List-Unsubscribe-Post: List-Unsubscribe=One-Click") {
		t.Errorf("raw message lacks List-Unsubscribe-Post:\n%s", raw)
	}
	if got := tb.eval(`(() => { const p = document.querySelector("pre.text"); p.focus(); return String(document.activeElement === p); })()`); got != "true" {
		t.Error("the plain-text preview cannot take the keyboard's focus, so a keyboard cannot scroll it")
	}
	if err := chromedp.Do(tb.ctx, chromedp.KeyEvent(kb.PageDown)); err != nil {
		t.Fatal(err)
	}
	// The scroll may be smooth: wait for it to move, up to a deadline.
	if _, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](`document.querySelector("pre.text").scrollTop > 0`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("Page Down on the focused plain-text preview did not scroll it: %v", err)
	}
	tb.typeInto("#test-to", "operator@example.net")
	tb.click(`form[action$="/test"] button`)
	if flash := tb.text(".flash"); !strings.Contains(flash, "test email was sent") {
		t.Fatalf("after sending a test: %q", flash)
	}
	msgs := h.smtp.Messages()
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0].Header().Get("Subject"), "[Test]") {
		t.Fatalf("test email: %d messages", len(msgs))
	}
	tb.visit("/admin/lessons/a-real-apology/email") // what the frame shows
	if title := tb.eval(`document.title`); !strings.Contains(title, "apology") {
		t.Errorf("the lesson's HTML has title %q", title)
	}
	tb.open("/admin/readers")
	tb.click(`a[href^="/admin/readers/"]`)
	if got := tb.text("h1"); got != "ann@example.org" {
		t.Fatalf("reader page: %q", got)
	}
	tb.click(".top form button") // log out
	if !strings.Contains(tb.text(".flash"), "logged out") {
		t.Fatal("no note after logging out")
	}
}

// TestBrowserOutbox runs the app with no SMTP server, so mail goes to the
// outbox, and reads a confirmation email there as a mail client would.
func TestBrowserOutbox(t *testing.T) {
	h := newHarness(t, map[string]string{"DRIP_SMTP_URL": "", "DRIP_ADMIN_PASSWORD": "outbox password"})
	h.signup("olive@example.org", "Olive", "Europe/Paris")
	h.pass()
	tb := newTab(t, h, "Europe/Paris")
	tb.login("outbox password")
	tb.click(`nav a[href="/admin/outbox"]`)
	if got := tb.text("table"); !strings.Contains(got, "olive@example.org") || !strings.Contains(got, "Please confirm") {
		t.Fatalf("outbox list:\n%s", got)
	}
	tb.click(`table a`)
	if got := tb.text("dl.facts"); !strings.Contains(got, "olive@example.org") || !strings.Contains(got, "Please confirm") {
		t.Fatalf("message headers:\n%s", got)
	}
	if got := tb.text("pre"); !strings.Contains(got, "/confirm/") {
		t.Fatalf("message text lacks the confirm link:\n%s", got)
	}
	raw := tb.eval(`document.querySelector("dl.facts a").getAttribute("href")`)
	tb.visit(raw)
	if body := tb.text("body"); !strings.Contains(body, "Message-Id:") && !strings.Contains(body, "Message-ID:") {
		t.Fatalf("raw message:\n%s", body)
	}
	tb.visit(raw[:strings.LastIndex(raw, "/")] + "/html")
	if got := tb.text("body"); !strings.Contains(got, "confirm") {
		t.Fatalf("HTML part: %q", got)
	}
}

// TestBrowserAdminCourseSwitcher switches course on a phone (the built-in
// set has two courses): the switcher fits the screen with links big
// enough to tap, names the course in use, and the menu keeps the course
// chosen.
func TestBrowserAdminCourseSwitcher(t *testing.T) {
	h := newHarness(t, map[string]string{"DRIP_ADMIN_PASSWORD": "switcher password"})
	tb := newTab(t, h, "UTC")
	tb.login("switcher password")
	if got := tb.text(".courses a[aria-current]"); got != "Rebuilding Trust" {
		t.Errorf("the switcher marks %q, want the default course, Rebuilding Trust", got)
	}
	small := `[...document.querySelectorAll(".courses a")].filter(a => a.getBoundingClientRect().height < 44 || a.getBoundingClientRect().right > innerWidth).map(a => a.textContent).join(", ")`
	if got := tb.eval(small); got != "" {
		t.Errorf("switcher links too small to tap or off the screen at %dpx: %s", mobileWidth, got)
	}
	tb.click(`.courses a[href="/admin?course=after-the-breakup"]`)
	if got := tb.text(".courses a[aria-current]"); got != "After the Breakup" {
		t.Fatalf("after switching, the switcher marks %q", got)
	}
	if got := tb.text("h1 + p"); got != "Course: After the Breakup" {
		t.Errorf("the second course's dashboard says %q under its heading", got)
	}
	tb.screenshot("switcher-375")
	tb.click(`nav a[href="/admin/lessons?course=after-the-breakup"]`)
	if n := tb.eval(`String(document.querySelectorAll("tbody tr").length)`); n != "7" {
		t.Errorf("the second course's lessons: %s rows, want 7", n)
	}
	tb.click(`a[href="/admin/lessons/what-ended-it?course=after-the-breakup"]`)
	if got := tb.textContent("details pre"); !strings.Contains(got, "after-the-breakup.lists.") {
		t.Errorf("the second course's preview lacks its List-Id:\n%s", got)
	}
}
