package compose

import (
	"testing"
	"time"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/token"
)

// TestFramesMatchFullRender checks that every lesson, framed, is byte for
// byte what the templates render for the same reader, and that the
// built-in templates pass the frame proof (so the fast path is used).
func TestFramesMatchFullRender(t *testing.T) {
	crs, err := course.Load(dripcourse.BuiltInCourse("rebuilding-trust"))
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := render.Load(dripcourse.Templates())
	if err != nil {
		t.Fatal(err)
	}
	ct := &Content{Set: course.NewSet(crs), Templates: tpl}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, tracking := range []Tracking{TrackAll, TrackOff} {
		c := &Composer{Links: links.NewMaker("https://course.example.test", token.NewSigner(make([]byte, 32))),
			FromAddr: "c@example.test", PostalAddress: "1 Road & Co", Tracking: tracking}
		for _, name := range []string{"", "Sam", `<b>"O'Neil" & +1</b>`} {
			sub := drip.Subscriber{ID: 7, Email: "r@example.org", Name: name}
			for _, l := range crs.Lessons {
				m, err := c.Lesson(ct, l, sub, 99, "m@example.test", now)
				if err != nil {
					t.Fatal(err)
				}
				html, text, err := tpl.Email("lesson", c.LessonEmail(ct, l, sub, 99, now, true))
				if err != nil {
					t.Fatal(err)
				}
				if mText, mHTML := m.Bodies(); mHTML != html || mText != text {
					t.Fatalf("%s, name %q, tracking %s: framed output differs from the full render", l.Slug, name, tracking)
				}
			}
		}
		for k, f := range c.frames.m {
			if f == nil {
				t.Errorf("the built-in templates failed the frame proof for %s (named %v)", k.slug, k.named)
			}
		}
	}
}

func TestFrameProofRejectsOtherUses(t *testing.T) {
	crs, _ := course.Load(dripcourse.BuiltInCourse("rebuilding-trust"))
	tpl, err := render.Load(overlay(t, map[string]string{
		"email/lesson.txt": "{{upper .Name}} {{.UnsubscribeURL}}\n{{.BodyText}}",
	}))
	if err != nil {
		t.Fatal(err)
	}
	ct := &Content{Set: course.NewSet(crs), Templates: tpl}
	c := &Composer{Links: links.NewMaker("https://course.example.test", token.NewSigner(make([]byte, 32))), FromAddr: "c@example.test"}
	sub := drip.Subscriber{ID: 7, Email: "r@example.org", Name: "sam"}
	m, err := c.Lesson(ct, crs.Lessons[0], sub, 1, "m@example.test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := m.Bodies(); text[:4] != "SAM " {
		t.Fatalf("text starts %q: a transformed value must be rendered in full", text[:10])
	}
	// A body rendered for one reader comes whole: the mailer keeps the
	// encoding of long pieces, which must be text that recurs.
	if m.TextParts != nil || m.HTMLParts != nil {
		t.Fatalf("a lesson rendered in full came in pieces (%d text, %d html)", len(m.TextParts), len(m.HTMLParts))
	}
}
