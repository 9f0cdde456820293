package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
)

// TestBrowserSignupTooFast sends the signup form at once, as a browser's
// autofill can: the reader gets the form back, filled in, with a message
// asking to press the button again, and nothing is kept until they do.
func TestBrowserSignupTooFast(t *testing.T) {
	h := newHarness(t, nil)
	tb := newTab(t, h, "Europe/Paris")
	tb.open(links.CoursePath(h.app.lib.Content().Default().Slug))
	tb.typeInto("#email", "quick@example.org")
	tb.typeInto("#name", "Quinn")
	tb.click("#signup button[type=submit]") // no time passes on the clock
	if got := tb.text("h1"); got != "Please try again" {
		t.Fatalf("after a too-fast submission: h1 %q, want the page asking to try again", got)
	}
	if msg := tb.text("[role=alert]"); !strings.Contains(msg, "press the button again") {
		t.Fatalf("the page says %q", msg)
	}
	email, err := chromedp.Run(tb.ctx, chromedp.Value(chromedp.ID("email")))
	if err != nil {
		t.Fatal(err)
	}
	name, err := chromedp.Run(tb.ctx, chromedp.Value(chromedp.ID("name")))
	if err != nil {
		t.Fatal(err)
	}
	if email != "quick@example.org" || name != "Quinn" {
		t.Fatalf("the form came back with %q and %q, want what was typed", email, name)
	}
	if focused := tb.eval(`document.activeElement.textContent`); !strings.Contains(focused, "Send me the course") {
		t.Errorf("focus is on %q, want the button, ready to press again", focused)
	}
	if sub, err := h.app.db.SubscriberByEmail(context.Background(), "quick@example.org"); err == nil {
		t.Fatalf("a too-fast submission was kept: %+v", sub)
	}
	h.clock.Advance(5 * time.Second)
	tb.click("#signup button[type=submit]")
	if got := tb.text("h1"); !strings.Contains(strings.ToLower(got), "inbox") {
		t.Fatalf("sent again: %q", got)
	}
	if st := subscriberStatus(t, h.app, "quick@example.org"); st != drip.StatusPending {
		t.Fatalf("sent again, the reader is %q, want pending", st)
	}
}
