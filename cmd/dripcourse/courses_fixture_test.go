package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
)

// The several-courses tests run on a lessons directory of their own, with
// three courses whose settings differ where it matters: the send window,
// the delays, when the first lesson goes, and a cohort with a start date
// that closes to late readers.

const (
	morningSlug = "morning-notes" // window 08:00-09:00, first lesson at once, next: evening-notes
	eveningSlug = "evening-notes" // window 18:00-20:00, first lesson in the window
	cohortSlug  = "winter-cohort" // starts 2026-12-10, window 07:00-08:00, closed to late readers
)

// cohortStart is the winter cohort's start date: nine days after the
// harness clock's first reading.
var cohortStart = time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)

// testCourse is one course of the fixture: its directory, course.yaml and
// its lessons' delays.
type testCourse struct {
	dir, yaml string
	delays    []string
}

var fixtureCourses = []testCourse{
	{"a-morning", "slug: morning-notes\ntitle: Morning Notes\ntagline: Four short notes before work.\n" +
		"send_window: \"08:00-09:00\"\nfirst_lesson: immediate\nnext: evening-notes\n", []string{"0d", "1d", "2d", "1d"}},
	{"b-evening", "slug: evening-notes\ntitle: Evening Notes\ntagline: Three notes to end the day.\n" +
		"send_window: \"18:00-20:00\"\nfirst_lesson: window\n", []string{"0d", "2d", "3d"}},
	{"c-winter", "slug: winter-cohort\ntitle: Winter Cohort\ntagline: Everyone starts together.\n" +
		"send_window: \"07:00-08:00\"\nstart: 2026-12-10\nlate_join: false\n", []string{"0d", "1d", "2d"}},
}

// writeCourses writes the fixture's lessons directory and returns it.
func writeCourses(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, c := range fixtureCourses {
		dir := filepath.Join(root, c.dir)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, "course.yaml"), c.yaml)
		slug := c.yaml[len("slug: "):strings.IndexByte(c.yaml, '\n')]
		for i, d := range c.delays {
			n := string(rune('1' + i))
			write(t, filepath.Join(dir, "0"+n+"-part-"+n+".md"), "---\ntitle: Part "+n+"\nsubject: "+slug+" part "+n+
				"\npreheader: Part "+n+" of "+slug+".\ndelay: "+d+"\n---\nThis is part "+n+" of "+slug+".\n\n## Exercise\n\nRead it twice.\n")
		}
	}
	return root
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// newCoursesHarness is the harness on the fixture's three courses.
func newCoursesHarness(t *testing.T) *harness {
	t.Helper()
	return newHarness(t, map[string]string{"DRIP_LESSONS": writeCourses(t)})
}

// signupFor fills in course slug's form as a reader would and returns the
// response with its body.
func (h *harness) signupFor(slug, email, tz string) (int, string) {
	h.t.Helper()
	m := startedField.FindStringSubmatch(h.get(links.CoursePath(slug)))
	if m == nil {
		h.t.Fatalf("%s's page has no form start stamp", slug)
	}
	h.clock.Advance(5 * time.Second)
	return h.postBody(links.SignupPath(slug), url.Values{"email": {email}, "tz": {tz}, "started": {m[1]}, "website": {""}})
}

// postBody posts a form and returns the status and body.
func (h *harness) postBody(path string, form url.Values) (int, string) {
	h.t.Helper()
	res, err := http.PostForm(h.web.URL+path, form)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// confirmation runs a pass, puts what it sent in the inbox, and takes out
// of it the one confirmation email to email it must hold.
func (in inbox) confirmation(h *harness, email string) parsed {
	h.t.Helper()
	h.pass()
	in.take(h)
	c := in[email][""]
	if len(c) != 1 {
		h.t.Fatalf("%d confirmation emails to %s after signing up, want one", len(c), email)
	}
	delete(in[email], "")
	return c[0]
}

// signupAndConfirm signs email up for course slug and presses the
// confirmation email's button.
func (in inbox) signupAndConfirm(h *harness, slug, email, tz string) {
	h.t.Helper()
	if code, _ := h.signupFor(slug, email, tz); code != http.StatusOK {
		h.t.Fatalf("signup of %s for %s: %d", email, slug, code)
	}
	c := in.confirmation(h, email)
	if code, _ := h.postBody(link(h.t, c.parts[0].body, "/confirm"), nil); code != http.StatusOK {
		h.t.Fatalf("confirm %s for %s: %d", email, slug, code)
	}
	if e := h.enrollment(email, slug); e.Status != drip.EnrollActive {
		h.t.Fatalf("%s is %s in %s after confirming", email, e.Status, slug)
	}
}

// enrollment is email's enrollment in course slug.
func (h *harness) enrollment(email, slug string) drip.Enrollment {
	h.t.Helper()
	sub, err := h.app.db.SubscriberByEmail(context.Background(), email)
	if err != nil {
		h.t.Fatalf("reader %s: %v", email, err)
	}
	e, err := h.app.db.Enrollment(context.Background(), sub.ID, slug)
	if err != nil {
		h.t.Fatalf("%s's enrollment in %s: %v", email, slug, err)
	}
	return e
}

var listID = regexp.MustCompile(`<([a-z0-9-]+)\.lists\.`)

// courseOf is the course slug a lesson email's List-Id names, or "" for a
// message without one (a confirmation).
func courseOf(p parsed) string {
	if m := listID.FindStringSubmatch(p.header.Get("List-Id")); m != nil {
		return m[1]
	}
	return ""
}

// inbox holds what each reader received, by course ("" for confirmations).
type inbox map[string]map[string][]parsed

// take moves the SMTP server's messages into the inbox.
func (in inbox) take(h *harness) {
	h.t.Helper()
	for _, m := range h.smtp.Messages() {
		p := parse(h.t, m)
		if in[m.To[0]] == nil {
			in[m.To[0]] = map[string][]parsed{}
		}
		in[m.To[0]][courseOf(p)] = append(in[m.To[0]][courseOf(p)], p)
	}
	h.smtp.Reset()
}
