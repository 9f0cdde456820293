package dripcourse_test

import (
	"html"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/token"
)

func builtIn(t *testing.T) *compose.Content {
	t.Helper()
	set, err := course.LoadSet(dripcourse.Lessons())
	if err != nil {
		t.Fatalf("built-in courses:\n%v", err)
	}
	tpl, err := render.Load(dripcourse.Templates())
	if err != nil {
		t.Fatalf("built-in templates:\n%v", err)
	}
	return &compose.Content{Set: set, Templates: tpl}
}

// TestBuiltInCourses checks the built-in set: Rebuilding Trust as it
// was, leading to After the Breakup, a short course of its own.
func TestBuiltInCourses(t *testing.T) {
	ct := builtIn(t)
	var slugs []string
	for _, c := range ct.Set.Courses {
		slugs = append(slugs, c.Slug)
	}
	if got := strings.Join(slugs, ","); got != "after-the-breakup,rebuilding-trust" {
		t.Fatalf("courses %s, want after-the-breakup,rebuilding-trust (directory order)", got)
	}
	rt, _ := ct.Course("rebuilding-trust")
	atb, _ := ct.Course("after-the-breakup")
	if rt.Next != "after-the-breakup" || atb.Next != "" {
		t.Errorf("next: rebuilding-trust -> %q, after-the-breakup -> %q", rt.Next, atb.Next)
	}
	if d := ct.Default(); d != rt {
		t.Errorf("the default course is %s, want rebuilding-trust, the one that leads to the other", d.Slug)
	}
	if rt.Title != "Rebuilding Trust" || atb.Title != "After the Breakup" {
		t.Errorf("titles %q and %q", rt.Title, atb.Title)
	}
	if rt.Cohort() || atb.Cohort() {
		t.Error("a built-in course has a start date: both are evergreen")
	}
}

func TestBuiltInCourseShape(t *testing.T) {
	ct := builtIn(t)
	for slug, want := range map[string][2]int{"rebuilding-trust": {10, 14}, "after-the-breakup": {5, 7}} {
		c, ok := ct.Course(slug)
		if !ok {
			t.Fatalf("no course %s", slug)
		}
		if n := len(c.Lessons); n < want[0] || n > want[1] {
			t.Errorf("%s: %d lessons, want %d to %d", slug, n, want[0], want[1])
		}
		checkShape(t, c)
	}
}

func checkShape(t *testing.T, c *course.Course) {
	t.Helper()
	for _, l := range c.Lessons {
		if n := utf8.RuneCountInString(l.Subject); n >= 60 {
			t.Errorf("%s: subject is %d characters, want under 60: %q", l.File, n, l.Subject)
		}
		if strings.TrimSpace(l.Preheader) == "" {
			t.Errorf("%s: no preheader", l.File)
		}
		if l.Words < 350 || l.Words > 800 {
			t.Errorf("%s: %d words, want 350 to 800", l.File, l.Words)
		}
	}
}

// unsubscribeURL takes the unsubscribe link from the List-Unsubscribe header.
func unsubscribeURL(t *testing.T, m *mailer.Message) string {
	t.Helper()
	for _, h := range m.Headers {
		if h.Name == "List-Unsubscribe" {
			v := strings.TrimPrefix(strings.SplitN(h.Value, ",", 2)[0], "<")
			return strings.TrimSuffix(v, ">")
		}
	}
	t.Fatal("no List-Unsubscribe header")
	return ""
}

func TestBuiltInLessonsRender(t *testing.T) {
	ct := builtIn(t)
	now := time.Date(2026, 3, 8, 8, 0, 0, 0, time.UTC)
	for _, track := range []compose.Tracking{compose.TrackAll, compose.TrackOff} {
		comp := &compose.Composer{
			Links:    links.NewMaker("https://example.test", token.NewSigner(make([]byte, 32))),
			FromAddr: "lessons@example.test", PostalAddress: "1 Harbour Road, Portsmouth", Tracking: track,
		}
		for _, name := range []string{"", "Sam"} {
			sub := drip.Subscriber{ID: 12, Email: "sam@example.org", Name: name, Status: drip.StatusActive}
			for _, l := range allLessons(ct) {
				t.Run(string(track)+"/"+name+"/"+l.Course().Slug+"/"+l.Slug, func(t *testing.T) {
					m, err := comp.Lesson(ct, l, sub, int64(100+l.Number), "l1.x@example.test", now)
					if err != nil {
						t.Fatalf("render: %v", err)
					}
					checkLesson(t, l, m, unsubscribeURL(t, m))
					checkNextCourse(t, ct, l, m)
					_, htmlPart := m.Bodies()
					if pixel := strings.Contains(htmlPart, `src="https://example.test/o/`); pixel != (track == compose.TrackAll) {
						t.Errorf("tracking %s: open pixel present = %v", track, pixel)
					}
				})
			}
		}
	}
}

func allLessons(ct *compose.Content) []*course.Lesson {
	var out []*course.Lesson
	for _, c := range ct.Set.Courses {
		out = append(out, c.Lessons...)
	}
	return out
}

// checkNextCourse checks that the last lesson of a course with a next
// offers it, by a signed enroll link in both parts, and no other does.
func checkNextCourse(t *testing.T, ct *compose.Content, l *course.Lesson, m *mailer.Message) {
	t.Helper()
	text, htmlPart := m.Bodies()
	want := compose.NextCourse(ct, l) != nil
	for name, part := range map[string]string{"text": text, "html": htmlPart} {
		if got := strings.Contains(part, "https://example.test/enroll/"); got != want {
			t.Errorf("%s part: an enroll link present = %v, want %v", name, got, want)
		}
	}
	if want && !strings.Contains(text, "Start After the Breakup") {
		t.Errorf("the last lesson of %s does not name the next course:\n%s", l.Course().Slug, text)
	}
}

func checkLesson(t *testing.T, l *course.Lesson, m *mailer.Message, unsub string) {
	t.Helper()
	text, htmlPart := m.Bodies()
	if !strings.HasPrefix(unsub, "https://example.test/u/") {
		t.Fatalf("unsubscribe URL %q", unsub)
	}
	if !strings.Contains(html.UnescapeString(htmlPart), l.Title) {
		t.Errorf("HTML lacks the title %q", l.Title)
	}
	if !strings.Contains(htmlPart, unsub) || !strings.Contains(text, unsub) {
		t.Errorf("HTML or text lacks the unsubscribe URL %s", unsub)
	}
	if !strings.Contains(text, l.Title) {
		t.Errorf("text lacks the title %q", l.Title)
	}
	for _, part := range []string{htmlPart, text, m.Subject} {
		if strings.Contains(part, "{{") || strings.Contains(part, "}}") {
			t.Errorf("template leftovers in:\n%s", part)
		}
		if strings.Contains(part, "\x00") {
			t.Error("a link marker was left in the message")
		}
	}
	for i, line := range strings.Split(text, "\n") {
		if utf8.RuneCountInString(line) > course.TextWidth && !strings.Contains(line, "://") && !strings.Contains(line, "mailto:") {
			t.Errorf("text line %d is %d columns: %q", i+1, utf8.RuneCountInString(line), line)
		}
	}
	if l.Preheader != "" && !strings.Contains(html.UnescapeString(htmlPart), l.Preheader) {
		t.Errorf("HTML lacks the preheader %q", l.Preheader)
	}
}
