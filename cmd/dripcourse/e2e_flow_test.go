package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// TestEndToEnd follows two readers through the product: signup, the
// confirmation email, the confirm page and its button, every lesson on its
// day in the reader's morning, and a one-click unsubscribe after which
// nothing more is sent, even a lesson already due.
func TestEndToEnd(t *testing.T) {
	h := newHarness(t, nil)
	crs := h.app.lib.Content().Default()
	london, _ := time.LoadLocation("Europe/London")

	for _, r := range []struct{ email, name string }{{"Ann.Reader@Example.org", "Ann"}, {"ben@example.net", ""}} {
		if res := h.signup(r.email, r.name, "Europe/London"); res.StatusCode != http.StatusOK {
			t.Fatalf("signup %s: %d", r.email, res.StatusCode)
		}
	}
	h.pass()
	confirmations := h.smtp.Messages()
	if len(confirmations) != 2 {
		t.Fatalf("got %d confirmation emails, want 2", len(confirmations))
	}
	h.smtp.Reset()
	for _, m := range confirmations {
		c := parse(t, m)
		to := c.header.Get("To")
		if !strings.Contains(c.header.Get("Subject"), "confirm") {
			t.Errorf("confirmation subject %q", c.header.Get("Subject"))
		}
		path := link(t, c.parts[0].body, "/confirm")
		page := h.get(path)
		if !strings.Contains(page, `method="post"`) {
			t.Fatalf("confirm page has no button form:\n%s", page)
		}
		email := strings.Trim(to[strings.LastIndex(to, "<")+1:], "<> ")
		if st := subscriberStatus(t, h.app, email); st != drip.StatusPending {
			t.Fatalf("GET on the confirm link changed %s to %s", email, st)
		}
		if res := h.post(path, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("confirm POST: %d", res.StatusCode)
		}
		if res := h.post(path, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("second confirm POST: %d", res.StatusCode)
		}
		if st := subscriberStatus(t, h.app, email); st != drip.StatusActive {
			t.Fatalf("%s is %s after confirming", email, st)
		}
	}

	got := map[string][]parsed{}
	var benUnsubscribed bool
	var benUnsubAt time.Time
	for hour := 0; hour < 35*24; hour++ {
		if len(got["ben@example.net"]) == 3 && !benUnsubscribed && h.due(t, "ben@example.net") {
			unsub := got["ben@example.net"][2].header.Get("List-Unsubscribe")
			path := link(t, unsub, "/u")
			h.get(path) // the page alone changes nothing
			if st := subscriberStatus(t, h.app, "ben@example.net"); st != drip.StatusActive {
				t.Fatalf("GET on unsubscribe changed Ben to %s", st)
			}
			for range 2 { // one-click, as a mail provider sends it, and again
				res := h.post(path, url.Values{"List-Unsubscribe": {"One-Click"}})
				if res.StatusCode != http.StatusOK {
					t.Fatalf("one-click unsubscribe: %d, want 200", res.StatusCode)
				}
			}
			benUnsubscribed, benUnsubAt = true, h.clock.Now()
		}
		h.pass()
		for _, m := range h.smtp.Messages() {
			p := parse(t, m)
			got[m.To[0]] = append(got[m.To[0]], p)
		}
		h.smtp.Reset()
		h.clock.Advance(time.Hour)
	}

	ann := got["Ann.Reader@Example.org"]
	if len(ann) != len(crs.Lessons) {
		t.Fatalf("Ann got %d lessons, want %d", len(ann), len(crs.Lessons))
	}
	var prev time.Time
	for i, p := range ann {
		l := crs.Lessons[i]
		if s := p.header.Get("Subject"); s != l.Subject {
			t.Errorf("lesson %d: subject %q, want %q (out of order?)", i+1, s, l.Subject)
		}
		date, err := p.header.Date()
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			local := date.In(london)
			if local.Hour() < 8 || local.Hour() >= 10 {
				t.Errorf("lesson %d sent at %s local time, outside 08:00-10:00", i+1, local.Format("15:04"))
			}
			if date.Sub(prev) < l.Delay {
				t.Errorf("lesson %d came %s after the previous, want at least %s", i+1, date.Sub(prev), l.Delay)
			}
		}
		prev = date
		checkLessonMail(t, p)
	}
	sub, _ := h.app.db.SubscriberByEmail(context.Background(), "Ann.Reader@Example.org")
	if e, _ := h.app.db.Enrollment(context.Background(), sub.ID, crs.Slug); e.Status != drip.EnrollCompleted {
		t.Errorf("Ann's enrollment is %s after the last lesson, want completed", e.Status)
	}

	ben := got["ben@example.net"]
	if !benUnsubscribed || len(ben) != 3 {
		t.Fatalf("Ben got %d lessons (unsubscribed: %v at %s), want exactly 3", len(ben), benUnsubscribed, benUnsubAt)
	}
	if st := subscriberStatus(t, h.app, "ben@example.net"); st != drip.StatusUnsubscribed {
		t.Errorf("Ben is %s, want unsubscribed", st)
	}
}

// due reports whether the reader's next lesson is due now.
func (h *harness) due(t *testing.T, email string) bool {
	sub, err := h.app.db.SubscriberByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	e, err := h.app.db.Enrollment(context.Background(), sub.ID, h.app.lib.Content().Default().Slug)
	return err == nil && e.Status == drip.EnrollActive && !e.NextDueAt.After(h.clock.Now())
}

// checkLessonMail checks the headers and both parts of a lesson email.
func checkLessonMail(t *testing.T, p parsed) {
	t.Helper()
	hd := p.header
	if from := hd.Get("From"); from != `"Rebuilding Trust" <lessons@example.test>` {
		t.Errorf("From %q", from)
	}
	if id := hd.Get("Message-Id"); !strings.HasSuffix(id, "@example.test>") {
		t.Errorf("Message-ID %q is not on the sender's domain", id)
	}
	if lu := hd.Get("List-Unsubscribe"); !strings.HasPrefix(lu, "<https://course.example.test/u/") {
		t.Errorf("List-Unsubscribe %q", lu)
	}
	if lp := hd.Get("List-Unsubscribe-Post"); lp != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", lp)
	}
	if len(p.parts) != 2 || p.parts[0].contentType != "text/plain" || p.parts[1].contentType != "text/html" {
		t.Fatalf("parts %v: want text/plain then text/html", p.parts)
	}
	for _, pt := range p.parts {
		if !strings.Contains(pt.body, "course.example.test/u/") {
			t.Errorf("%s part has no visible unsubscribe link", pt.contentType)
		}
		if !strings.Contains(pt.body, "1 Harbour Road, Portsmouth") {
			t.Errorf("%s part has no postal address", pt.contentType)
		}
	}
}
