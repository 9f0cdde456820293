package admin

import (
	"context"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/store"
)

// draftSample is who a draft's preview is addressed to: real-looking,
// but plainly a sample, and the test reader, whose links lead to a page
// that says the message was a test.
func draftSample(email string) drip.Subscriber {
	return drip.Subscriber{ID: links.TestReader, Email: email, Name: "Sam Sample", Timezone: "Europe/London"}
}

const sampleAddress = "sam.sample@example.com"

// shown is what a file of a draft looks like to readers: the email it is
// part of (Msg, and Lesson when it is a lesson's), or the page (Page).
type shown struct {
	Msg    *mailer.Message
	Lesson *course.Lesson
	Page   []byte
	What   string // "Lesson 2: Title", "The confirmation email", "The course page"
}

// HTML is the part a frame shows: the email's HTML, or the page.
func (o *shown) HTML() string {
	if o.Msg == nil {
		return string(o.Page)
	}
	_, html := o.Msg.Bodies()
	return html
}

// fileOfURL is the file path the URL names inside its unit; "" when it
// is not one.
func fileOfURL(r *http.Request) string {
	p := chi.URLParam(r, "*")
	if !fs.ValidPath(p) || p == "." || p == "" {
		return ""
	}
	return p
}

// show renders what file p of a loaded draft is part of, for sample
// reader sub, within the render bounds.
func (s *Server) show(ctx context.Context, d *draftView, p string, sub drip.Subscriber) (*shown, error) {
	out := make(chan *shown, 1)
	err := render.Within(ctx, render.RenderTimeout, unitFilePath(d.Unit, p), func() error {
		o, err := s.showFile(d, p, sub)
		out <- o
		return err
	})
	if err != nil {
		return nil, err
	}
	return <-out, nil
}

func (s *Server) showFile(d *draftView, p string, sub drip.Subscriber) (*shown, error) {
	ct := d.Content
	if d.Unit == store.Templates {
		return s.showTemplate(d, p, sub)
	}
	crs, ok := ct.Course(d.Unit)
	if !ok || len(crs.Lessons) == 0 {
		return nil, drip.ErrNotFound
	}
	l := crs.Lessons[0]
	for _, x := range crs.Lessons {
		if path.Base(x.File) == p {
			l = x
		}
	}
	msg, err := s.preview(ct, l, sub)
	return &shown{Msg: msg, Lesson: l, What: "Lesson " + strconv.Itoa(l.Number) + ": " + l.Title}, err
}

// showTemplate renders a template file: a page with sample data, the
// confirmation email, or (any other email part) the default course's
// first lesson.
func (s *Server) showTemplate(d *draftView, p string, sub drip.Subscriber) (*shown, error) {
	ct := d.Content
	crs := ct.Default()
	if name, ok := strings.CutPrefix(p, "pages/"); ok {
		name = strings.TrimSuffix(name, ".html")
		if name == "layout" || !strings.HasSuffix(p, ".html") {
			name = "course"
		}
		page, err := ct.Templates.Page(name, render.SamplePage(render.SampleCourse))
		return &shown{Page: page, What: "The page " + name + ", with sample data"}, err
	}
	if strings.HasPrefix(p, "email/confirm.") {
		msg, err := s.Composer.Confirmation(ct, crs, sub, s.Composer.NewMessageID("t", 0), s.Now().UTC())
		return &shown{Msg: msg, What: "The email that asks a reader to confirm"}, err
	}
	if len(crs.Lessons) == 0 {
		return nil, drip.ErrNotFound
	}
	l := crs.Lessons[0]
	msg, err := s.preview(ct, l, sub)
	return &shown{Msg: msg, Lesson: l, What: "Lesson 1 of " + crs.Title}, err
}

// postedFile is the file an edit form's fields make (editedBody, as a
// save reads them), without saving it, and how many lines of it come
// before the form's body field (the front matter the form shows as
// fields).
func postedFile(r *http.Request) ([]byte, int) {
	b := editedBody(r, nil)
	if r.PostFormValue("mode") != "fields" {
		return b, 0
	}
	parts, _ := splitLesson(b)
	return b, parts.Offset
}
