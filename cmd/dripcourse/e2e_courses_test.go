package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// TestCoursesRunSideBySide follows readers of two courses with different
// send windows, delays and first-lesson rules over real SMTP, a pass every
// half hour for two weeks:
//   - ann takes both: each course's lessons come once, in order, in that
//     course's window of her timezone, each its own delay after the last;
//     signing up for the second course by its form, with her address
//     already confirmed for the first, still sends a confirmation naming
//     the second course, and nothing of it comes before she confirms;
//   - ben one-click unsubscribes (RFC 8058) from one course: the other
//     runs to its end;
//   - cat chooses "stop every course" on the unsubscribe page: nothing
//     more comes from either, the address is suppressed, and signing up
//     again sends nothing;
//   - dan finishes the first course and starts the next from the button on
//     the course-complete page: no confirmation email, and its lessons
//     follow.
func TestCoursesRunSideBySide(t *testing.T) {
	h := newCoursesHarness(t)
	const tz = "America/New_York"
	got := inbox{}
	for _, r := range []string{"ann@example.org", "ben@example.org", "cat@example.org", "dan@example.org"} {
		got.signupAndConfirm(h, morningSlug, r, tz)
	}
	for _, r := range []string{"ann@example.org", "ben@example.org", "cat@example.org"} {
		if code, _ := h.signupFor(eveningSlug, r, tz); code != http.StatusOK {
			t.Fatalf("second signup of %s: %d", r, code)
		}
		c := got.confirmation(h, r)
		if s := c.header.Get("Subject"); s != "Please confirm: Evening Notes" {
			t.Errorf("%s's second confirmation is %q, want it to name Evening Notes", r, s)
		}
		if !strings.Contains(c.parts[0].body, `"Evening Notes"`) {
			t.Errorf("%s's second confirmation does not name the course:\n%s", r, c.parts[0].body)
		}
		if e := h.enrollment(r, eveningSlug); e.Status != drip.EnrollPending {
			t.Fatalf("%s is %s in %s before confirming it", r, e.Status, eveningSlug)
		}
		h.post(link(t, c.parts[0].body, "/confirm"), nil)
	}

	s := &sideBySide{h: h, got: got}
	for step := 0; step < 14*48; step++ {
		s.act()
		h.pass()
		got.take(h)
		h.clock.Advance(30 * time.Minute)
	}
	if !s.benLeft || !s.catStopped || !s.danMoved {
		t.Fatalf("the readers' actions did not all happen: ben %v, cat %v, dan %v", s.benLeft, s.catStopped, s.danMoved)
	}

	ny, _ := time.LoadLocation(tz)
	want := map[string]map[string]int{ // lessons each reader gets of each course
		"ann@example.org": {morningSlug: 4, eveningSlug: 3},
		"ben@example.org": {morningSlug: 4, eveningSlug: 1},
		"cat@example.org": {morningSlug: 1},
		"dan@example.org": {morningSlug: 4, eveningSlug: 3},
	}
	for who, courses := range want {
		for _, slug := range []string{morningSlug, eveningSlug, cohortSlug, ""} {
			checkSequence(t, h, who, slug, got[who][slug], courses[slug], ny)
		}
	}
	for who, st := range map[string]map[string]drip.EnrollmentStatus{
		"ann@example.org": {morningSlug: drip.EnrollCompleted, eveningSlug: drip.EnrollCompleted},
		"ben@example.org": {morningSlug: drip.EnrollCompleted, eveningSlug: drip.EnrollStopped},
		"cat@example.org": {morningSlug: drip.EnrollStopped, eveningSlug: drip.EnrollStopped},
		"dan@example.org": {morningSlug: drip.EnrollCompleted, eveningSlug: drip.EnrollCompleted},
	} {
		for slug, want := range st {
			if e := h.enrollment(who, slug); e.Status != want {
				t.Errorf("%s is %s in %s, want %s", who, e.Status, slug, want)
			}
		}
	}
	out, err := h.cli(nil, "stats", "--json")
	var rep coursesReport
	if err == nil {
		err = json.Unmarshal([]byte(out), &rep)
	}
	done := map[string]int{}
	for _, c := range rep.Courses {
		done[c.Slug] = c.Completed
	}
	if err != nil || done[morningSlug] != 3 || done[eveningSlug] != 2 {
		t.Errorf("stats: finished %v, want 3 in %s and 2 in %s (%v)", done, morningSlug, eveningSlug, err)
	}
	if ok, err := h.app.db.Suppressed(context.Background(), "cat@example.org"); err != nil || !ok {
		t.Errorf("cat stopped everything, but her address is not suppressed (%v)", err)
	}
}

// sideBySide is what the readers of TestCoursesRunSideBySide do, each at
// their moment.
type sideBySide struct {
	h                             *harness
	got                           inbox
	benLeft, catStopped, danMoved bool
}

func (s *sideBySide) act() {
	got := s.got
	if ev := got["ben@example.org"][eveningSlug]; len(ev) == 1 && !s.benLeft {
		s.oneClick(ev[0])
		s.benLeft = true
	}
	if m := got["cat@example.org"][morningSlug]; len(m) == 1 && !s.catStopped {
		s.stopEverything(m[0])
		s.catStopped = true
	}
	if m := got["dan@example.org"][morningSlug]; len(m) == 4 && !s.danMoved {
		s.nextCourse(m[2], m[3])
		s.danMoved = true
	}
}

// oneClick posts as a mail provider does to a lesson's List-Unsubscribe:
// the course stops, the reader's other course does not.
func (s *sideBySide) oneClick(lesson parsed) {
	h, t := s.h, s.h.t
	path := link(t, lesson.header.Get("List-Unsubscribe"), "/u")
	if code, _ := h.postBody(path, url.Values{"List-Unsubscribe": {"One-Click"}}); code != http.StatusOK {
		t.Fatalf("one-click unsubscribe: %d", code)
	}
	if e := h.enrollment("ben@example.org", eveningSlug); e.Status != drip.EnrollStopped {
		t.Fatalf("after a one-click unsubscribe from %s, ben is %s in it", eveningSlug, e.Status)
	}
	if e := h.enrollment("ben@example.org", morningSlug); e.Status != drip.EnrollActive {
		t.Fatalf("a one-click unsubscribe from %s left ben %s in %s", eveningSlug, e.Status, morningSlug)
	}
	if st := subscriberStatus(t, h.app, "ben@example.org"); st != drip.StatusActive {
		t.Fatalf("ben is %s after leaving one of his two courses", st)
	}
}

var scopeAllForm = regexp.MustCompile(`<form method="post" action="(/u/[A-Za-z0-9_-]+)"[^>]*><input type="hidden" name="scope" value="all">`)

// stopEverything presses the unsubscribe page's second button.
func (s *sideBySide) stopEverything(lesson parsed) {
	h, t := s.h, s.h.t
	page := h.get(link(t, lesson.parts[0].body, "/u"))
	if !strings.Contains(page, "Unsubscribe from Morning Notes") {
		t.Errorf("the unsubscribe page does not offer to leave the lesson's course:\n%s", page)
	}
	m := scopeAllForm.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the unsubscribe page does not offer to stop everything:\n%s", page)
	}
	if code, _ := h.postBody(m[1], url.Values{"scope": {"all"}}); code != http.StatusOK {
		t.Fatalf("stop everything: %d", code)
	}
	for _, slug := range []string{morningSlug, eveningSlug} {
		if e := h.enrollment("cat@example.org", slug); e.Status != drip.EnrollStopped {
			t.Fatalf("after stopping everything cat is %s in %s", e.Status, slug)
		}
	}
	// Anybody can type the address into a form: nothing may go to it.
	if code, _ := h.signupFor(eveningSlug, "cat@example.org", "America/New_York"); code != http.StatusOK {
		t.Fatalf("signup of a suppressed address: %d, want the usual page", code)
	}
}

var enrollForm = regexp.MustCompile(`<form method="post" action="(/enroll/[A-Za-z0-9_-]+)"`)

// nextCourse takes the next course from the course-complete page, where
// an earlier lesson's "next lesson" link lands a reader who has had them
// all, and then presses the last lesson's own button too.
func (s *sideBySide) nextCourse(earlier, last parsed) {
	h, t := s.h, s.h.t
	emailed := link(t, last.parts[0].body, "/enroll")
	page := h.get(link(t, earlier.parts[0].body, "/next"))
	m := enrollForm.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "Start Evening Notes") {
		t.Fatalf("the course-complete page offers no button for the next course:\n%s", page)
	}
	if e := h.enrollment("dan@example.org", morningSlug); e.Status != drip.EnrollCompleted {
		t.Fatalf("dan is %s in %s after its last lesson", e.Status, morningSlug)
	}
	if code, body := h.postBody(m[1], nil); code != http.StatusOK || !strings.Contains(body, "You're in") {
		t.Fatalf("the next-course button: %d\n%s", code, body)
	}
	if e := h.enrollment("dan@example.org", eveningSlug); e.Status != drip.EnrollActive {
		t.Fatalf("after the next-course button dan is %s in %s", e.Status, eveningSlug)
	}
	if code, body := h.postBody(emailed, nil); code != http.StatusOK || !strings.Contains(body, "already in") {
		t.Fatalf("the last lesson's button, pressed after the page's: %d\n%s", code, body)
	}
}

// checkSequence checks the lessons of course slug that one reader got:
// the first n lessons, once each, in order, each in the course's send
// window of loc (but a first lesson sent at once) and at least its delay
// after the one before. Slug "" stands for the confirmation emails, which
// the readers had before the loop began: none may come in it.
func checkSequence(t *testing.T, h *harness, who, slug string, got []parsed, n int, loc *time.Location) {
	t.Helper()
	if slug == "" || n == 0 {
		if len(got) != 0 {
			t.Errorf("%s got %d messages of %q, want none: %q", who, len(got), slug, got[0].header.Get("Subject"))
		}
		return
	}
	crs, _ := h.app.lib.Content().Course(slug)
	var subjects []string
	for _, p := range got {
		subjects = append(subjects, p.header.Get("Subject"))
	}
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("%s part %d", slug, i+1))
	}
	if strings.Join(subjects, "|") != strings.Join(want, "|") {
		t.Errorf("%s got %q of %s, want %q", who, subjects, slug, want)
		return
	}
	var prev time.Time
	for i, p := range got {
		date, err := p.header.Date()
		if err != nil {
			t.Fatal(err)
		}
		local := date.In(loc)
		from, to := crs.Window.Start, crs.Window.End
		since := time.Duration(local.Hour())*time.Hour + time.Duration(local.Minute())*time.Minute
		if (i > 0 || crs.WaitForWindow) && (since < from || since >= to) {
			t.Errorf("%s: %s lesson %d came at %s local time, outside %s", who, slug, i+1, local.Format("Mon 15:04"), crs.Window)
		}
		if i > 0 && date.Sub(prev) < crs.Lessons[i].Delay {
			t.Errorf("%s: %s lesson %d came %s after the one before, want at least %s", who, slug, i+1, date.Sub(prev), crs.Lessons[i].Delay)
		}
		prev = date
	}
}
