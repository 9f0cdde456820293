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
	c, err := course.Load(dripcourse.Lessons())
	if err != nil {
		t.Fatalf("built-in course:\n%v", err)
	}
	tpl, err := render.Load(dripcourse.Templates())
	if err != nil {
		t.Fatalf("built-in templates:\n%v", err)
	}
	return &compose.Content{Course: c, Templates: tpl}
}

func TestBuiltInCourseShape(t *testing.T) {
	c := builtIn(t).Course
	if n := len(c.Lessons); n < 10 || n > 14 {
		t.Errorf("%d lessons, want 10 to 14", n)
	}
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
			for _, l := range ct.Course.Lessons {
				t.Run(string(track)+"/"+name+"/"+l.Slug, func(t *testing.T) {
					m, err := comp.Lesson(ct, l, sub, int64(100+l.Number), "l1.x@example.test", now)
					if err != nil {
						t.Fatalf("render: %v", err)
					}
					checkLesson(t, l, m, unsubscribeURL(t, m))
					_, htmlPart := m.Bodies()
					if pixel := strings.Contains(htmlPart, `src="https://example.test/o/`); pixel != (track == compose.TrackAll) {
						t.Errorf("tracking %s: open pixel present = %v", track, pixel)
					}
				})
			}
		}
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
