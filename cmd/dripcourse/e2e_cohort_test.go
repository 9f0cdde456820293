package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/links"
)

// TestCohortStartsTogether follows a cohort course (start: 2026-12-10,
// late_join: false) over real SMTP, a pass every 20 minutes: two readers
// who confirm nine days early, one in Tokyo and one in Los Angeles, get
// lesson 1 on the start date in their own 07:00-08:00 window, and each
// later lesson on the same local day as each other; nothing comes before.
// Once the course has begun, its page and the catalogue say it is closed,
// its form takes no signup, and a confirmation link from before the start
// no longer enrolls.
func TestCohortStartsTogether(t *testing.T) {
	h := newCoursesHarness(t)
	page := h.get(links.CoursePath(cohortSlug))
	if !strings.Contains(page, "starts 10 December 2026") || !strings.Contains(page, `action="`+links.SignupPath(cohortSlug)+`"`) {
		t.Fatalf("before its start the cohort's page has no start date or no form:\n%s", page)
	}
	got := inbox{}
	readers := map[string]string{"yui@example.jp": "Asia/Tokyo", "lou@example.com": "America/Los_Angeles"}
	for who, tz := range readers {
		got.signupAndConfirm(h, cohortSlug, who, tz)
	}
	run := func(until time.Time) {
		for h.clock.Now().Before(until) {
			h.pass()
			got.take(h)
			h.clock.Advance(20 * time.Minute)
		}
	}
	run(cohortStart.Add(-36 * time.Hour))
	if code, _ := h.signupFor(cohortSlug, "late@example.org", "Europe/Berlin"); code != http.StatusOK {
		t.Fatalf("signup before the start: %d", code)
	}
	lateConfirm := link(t, got.confirmation(h, "late@example.org").parts[0].body, "/confirm")
	run(cohortStart.Add(12 * time.Hour))
	if code, _ := h.postBody(lateConfirm, nil); code != http.StatusConflict {
		t.Errorf("confirming the begun cohort late: %d, want 409", code)
	}
	run(cohortStart.AddDate(0, 0, 6))
	for who, tz := range readers {
		loc, _ := time.LoadLocation(tz)
		lessons := got[who][cohortSlug]
		checkSequence(t, h, who, cohortSlug, lessons, 3, loc)
		for i, p := range lessons {
			date, _ := p.header.Date()
			day := []int{10, 11, 13}[i] // the start date plus each lesson's day
			if y, m, d := date.In(loc).Date(); y != 2026 || m != time.December || d != day {
				t.Errorf("%s got lesson %d on %s local time, want 2026-12-%d", who, i+1, date.In(loc).Format("2006-01-02 15:04"), day)
			}
		}
	}
	checkClosed(t, h, got)
}

// checkClosed checks that the begun cohort takes no new reader by any way.
func checkClosed(t *testing.T, h *harness, got inbox) {
	t.Helper()
	page := h.get(links.CoursePath(cohortSlug))
	if !strings.Contains(page, "This course has started") || strings.Contains(page, `action="`+links.SignupPath(cohortSlug)+`"`) {
		t.Errorf("the begun cohort's page still offers its form:\n%s", page)
	}
	if cat := h.get("/"); !strings.Contains(cat, "no longer taking signups") {
		t.Errorf("the catalogue does not say the cohort is closed:\n%s", cat)
	}
	// A form kept open from before, with a stamp the site signed.
	stamp := startedField.FindStringSubmatch(h.get(links.CoursePath(morningSlug)))[1]
	h.clock.Advance(5 * time.Second)
	form := url.Values{"email": {"later@example.org"}, "tz": {"UTC"}, "started": {stamp}, "website": {""}}
	if code, _ := h.postBody(links.SignupPath(cohortSlug), form); code != http.StatusConflict {
		t.Errorf("a signup posted to the begun cohort: %d, want 409", code)
	}
	if e, err := h.app.db.SubscriberByEmail(context.Background(), "late@example.org"); err == nil {
		if en, err := h.app.db.Enrollment(context.Background(), e.ID, cohortSlug); err == nil && en.Status != "pending" {
			t.Errorf("the late reader is %s in the begun cohort", en.Status)
		}
	}
	h.pass()
	got.take(h)
	if n := len(got["late@example.org"]); n != 0 {
		t.Errorf("the late reader got mail of %d courses", n)
	}
	if _, err := h.app.db.SubscriberByEmail(context.Background(), "later@example.org"); err == nil {
		t.Error("a signup for the begun cohort was kept")
	}
}
