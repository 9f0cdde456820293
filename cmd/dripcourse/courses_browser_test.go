package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
)

// TestBrowserCourses is a reader's way through a site of several courses
// in a real browser: the catalogue at /, a course page and its form, for
// two courses with one address; then the unsubscribe page's two choices,
// leaving one course, and, from the other's lesson, stopping everything.
func TestBrowserCourses(t *testing.T) {
	h := newCoursesHarness(t)
	tb := newTab(t, h, "Europe/Lisbon")
	got := inbox{}
	for _, c := range []struct{ slug, title, summary string }{
		{morningSlug, "Morning Notes", "4 lessons over 4 days"},
		{eveningSlug, "Evening Notes", "3 lessons over 5 days"},
	} {
		tb.open("/")
		if h1 := tb.text("h1"); h1 != "Email courses" {
			t.Fatalf("/ is %q, want the catalogue", h1)
		}
		cards := tb.text("ul.catalogue")
		for _, want := range []string{"Morning Notes", "Evening Notes", "Winter Cohort", c.summary, "starts 10 December 2026"} {
			if !strings.Contains(cards, want) {
				t.Errorf("the catalogue does not show %q:\n%s", want, cards)
			}
		}
		tb.click(`ul.catalogue h2 a[href="` + links.CoursePath(c.slug) + `"]`)
		if h1 := tb.text("h1"); h1 != c.title {
			t.Fatalf("the catalogue's link to %s opened %q", c.slug, h1)
		}
		tb.typeInto("#email", "rui@example.pt")
		h.clock.Advance(5 * time.Second)
		tb.click("#signup button[type=submit]")
		if h1 := tb.text("h1"); !strings.Contains(strings.ToLower(h1), "inbox") {
			t.Fatalf("after signing up for %s: %q", c.slug, h1)
		}
		conf := got.confirmation(h, "rui@example.pt")
		if s := conf.header.Get("Subject"); s != "Please confirm: "+c.title {
			t.Errorf("the confirmation for %s is %q", c.slug, s)
		}
		tb.open(link(t, conf.parts[0].body, "/confirm"))
		tb.click("form.actions button")
	}
	h.clock.Advance(4*time.Hour + 30*time.Minute) // into the evening window in Lisbon
	h.pass()
	got.take(h)
	morning, evening := got["rui@example.pt"][morningSlug], got["rui@example.pt"][eveningSlug]
	if len(morning) != 1 || len(evening) != 1 {
		t.Fatalf("got %d lessons of %s and %d of %s, want one each", len(morning), morningSlug, len(evening), eveningSlug)
	}

	tb.open(link(t, morning[0].parts[0].body, "/u"))
	buttons := tb.text("main")
	for _, want := range []string{"Unsubscribe from Morning Notes", "Stop every course and never email me again"} {
		if !strings.Contains(buttons, want) {
			t.Errorf("the unsubscribe page does not offer %q:\n%s", want, buttons)
		}
	}
	tb.click("main .wrap > form.actions button")
	if h.enrollment("rui@example.pt", morningSlug).Status != drip.EnrollStopped || h.enrollment("rui@example.pt", eveningSlug).Status != drip.EnrollActive {
		t.Fatalf("leaving Morning Notes: %s in it, %s in Evening Notes; want stopped and active",
			h.enrollment("rui@example.pt", morningSlug).Status, h.enrollment("rui@example.pt", eveningSlug).Status)
	}
	if lead := tb.text("p.lead"); !strings.Contains(lead, "No more lessons of Morning Notes") {
		t.Errorf("after leaving one course the page says %q", lead)
	}

	tb.open(link(t, evening[0].parts[0].body, "/u"))
	tb.click("section.card form button")
	if lead := tb.text("p.lead"); !strings.Contains(lead, "Every course is stopped") {
		t.Errorf("after stopping everything the page says %q", lead)
	}
	if e := h.enrollment("rui@example.pt", eveningSlug); e.Status != drip.EnrollStopped {
		t.Errorf("after stopping everything: %s in Evening Notes", e.Status)
	}
	if ok, err := h.app.db.Suppressed(context.Background(), "rui@example.pt"); err != nil || !ok {
		t.Errorf("after stopping everything the address is not suppressed (%v)", err)
	}
}
