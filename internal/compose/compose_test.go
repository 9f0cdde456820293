package compose

import (
	"testing"
	"time"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/token"
)

func builtIn(t *testing.T) *Content {
	t.Helper()
	crs, err := course.Load(dripcourse.BuiltInCourse("rebuilding-trust"))
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := render.Load(dripcourse.Templates())
	if err != nil {
		t.Fatal(err)
	}
	return &Content{Set: course.NewSet(crs), Templates: tpl}
}

func header(m *mailer.Message, name string) []string {
	var vs []string
	for _, h := range m.Headers {
		if h.Name == name {
			vs = append(vs, h.Value)
		}
	}
	return vs
}

// The last lesson asks readers to reply, and a reply to a confirmation
// is a question: with ReplyTo set, every email says where replies go,
// once; without it, none does, and replies go to the From address.
func TestReplyToOnEveryEmail(t *testing.T) {
	ct := builtIn(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sub := drip.Subscriber{ID: 7, Email: "r@example.org"}
	for _, replyTo := range []string{"", "replies@example.test"} {
		c := &Composer{Links: links.NewMaker("https://course.example.test", token.NewSigner(make([]byte, 32))),
			FromAddr: "c@example.test", ReplyTo: replyTo, Tracking: TrackAll}
		msgs := map[string]*mailer.Message{}
		last := ct.Default().Lessons[len(ct.Default().Lessons)-1]
		var err error
		if msgs["last lesson"], err = c.Lesson(ct, last, sub, 99, "m@example.test", now); err != nil {
			t.Fatal(err)
		}
		if msgs["confirmation"], err = c.Confirmation(ct, ct.Default(), sub, "c@example.test", now); err != nil {
			t.Fatal(err)
		}
		for what, m := range msgs {
			got := header(m, "Reply-To")
			if replyTo == "" && len(got) != 0 || replyTo != "" && (len(got) != 1 || got[0] != replyTo) {
				t.Errorf("ReplyTo %q: the %s has Reply-To %q", replyTo, what, got)
			}
		}
	}
}
