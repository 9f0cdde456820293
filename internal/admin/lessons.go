package admin

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/web"
)

type lessonLine struct {
	Number  int
	Slug    string
	Href    string // the lesson's page, in the course the URL chose
	Title   string
	Subject string
	Delay   string
	Day     int
	Stats   store.LessonStats
}

type lessonsData struct {
	Course     string // the course's title
	Lessons    []lessonLine
	LoadedAt   time.Time
	ContentErr string
}

func (s *Server) lessonsPage(w http.ResponseWriter, r *http.Request) {
	crs, err := s.courseOf(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	stats, err := s.DB.CourseLessonStats(r.Context(), crs.Slug)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	loaded, _, _ := s.Library.Status()
	d := &lessonsData{Course: crs.Title, LoadedAt: loaded, ContentErr: s.contentProblems()}
	var at time.Duration
	for _, l := range crs.Lessons {
		at += l.Delay
		line := lessonLine{Number: l.Number, Slug: l.Slug, Href: s.inCourse("/admin/lessons/"+url.PathEscape(l.Slug), chosen(r)),
			Title: l.Title, Subject: crs.Subject(l), Delay: course.FormatDelay(l.Delay), Day: int(at.Hours() / 24)}
		if st := stats[l.Slug]; st != nil {
			line.Stats = *st
		}
		d.Lessons = append(d.Lessons, line)
	}
	s.adminRender(w, r, http.StatusOK, "lessons", &adminPage{Title: "Lessons", Section: "lessons", Current: crs.Slug, Data: d})
}

// lessonOf finds the lesson named in the URL in the course the URL
// chose, as loaded. The slug is only ever a key into the loaded course,
// never part of a file path, so no URL can reach a file.
func (s *Server) lessonOf(r *http.Request) (*compose.Content, *course.Lesson, error) {
	ct := s.content()
	crs, ok := ct.Course(chosen(r))
	if !ok {
		return nil, nil, drip.ErrNotFound
	}
	l, ok := crs.Lesson(chi.URLParam(r, "slug"))
	if !ok {
		return nil, nil, drip.ErrNotFound
	}
	return ct, l, nil
}

// sampleReader is who a preview or a test is addressed to: the test
// reader, whose links the public pages answer with a page that says the
// message was a test.
func sampleReader(email string) drip.Subscriber {
	return drip.Subscriber{ID: links.TestReader, Email: email, Name: "Sam"}
}

// preview renders lesson l as the email it would be, to sub, through the
// real Composer, but with tracking off: previews and tests must not count
// as opens and clicks, nor point at deliveries that do not exist.
func (s *Server) preview(ct *compose.Content, l *course.Lesson, sub drip.Subscriber) (*mailer.Message, error) {
	o := s.Composer
	c := &compose.Composer{Links: o.Links, FromName: o.FromName, FromAddr: o.FromAddr, PostalAddress: o.PostalAddress,
		UnsubMailto: o.UnsubMailto, ReplyTo: o.ReplyTo, Tracking: compose.TrackOff}
	return c.Lesson(ct, l, sub, 0, c.NewMessageID("t", 0), s.Now().UTC())
}

type lessonData struct {
	Number  int
	Slug    string
	Course  string // the course's title
	Title   string
	Subject string
	From    string
	ReplyTo string
	ListID  string
	// Back, Frame and Test are the lessons list, the HTML part and the
	// test form's action, in the course the URL chose.
	Back, Frame, Test string
	Text              string
	Raw               string
	Sender            bool // a sender is configured for test emails
	TestTo            string
}

func (s *Server) lessonPage(w http.ResponseWriter, r *http.Request) {
	s.showLesson(w, r, http.StatusOK, "", "")
}

// showLesson renders the preview page; testTo and problem re-show the test
// form after a mistake.
func (s *Server) showLesson(w http.ResponseWriter, r *http.Request, status int, testTo, problem string) {
	l, msg, ok := s.previewOf(w, r)
	if !ok {
		return
	}
	raw, err := mailer.Raw(msg)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	// The plain text as a reader's mail client shows it: read back from
	// the wire, unflowed.
	shown, err := parseEML(raw)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	d := &lessonData{Number: l.Number, Slug: l.Slug, Course: l.Course().Title, Title: l.Title, Subject: msg.Subject,
		From: msg.FromName + " <" + msg.FromAddr + ">", ReplyTo: header(msg, "Reply-To"), ListID: header(msg, "List-Id"),
		Text: shown.Text, Raw: string(raw), Sender: s.Sender != nil, TestTo: testTo}
	d.Back, d.Frame, d.Test = s.lessonLinks(r, l)
	s.adminRender(w, r, status, "lesson", &adminPage{Title: "Lesson " + l.Title, Section: "lessons", Current: l.Course().Slug, Error: problem, Data: d})
}

// lessonEmail serves a lesson's HTML part for the preview's sandboxed
// frame.
func (s *Server) lessonEmail(w http.ResponseWriter, r *http.Request) {
	_, msg, ok := s.previewOf(w, r)
	if !ok {
		return
	}
	framedHeaders(w)
	_, html := msg.Bodies()
	w.Write([]byte(html))
}

// sendTest sends a lesson to the address the operator typed, through the
// app's own sender, marked as a test in its subject.
func (s *Server) sendTest(w http.ResponseWriter, r *http.Request) {
	ct, l, err := s.lessonOf(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	f, problem := web.ParseSignup(r.PostFormValue("email"), "", "")
	if problem != "" {
		s.showLesson(w, r, http.StatusUnprocessableEntity, f.Email, problem)
		return
	}
	if s.Sender == nil {
		s.adminError(w, r, http.StatusServiceUnavailable, "No mail sender is configured, so no test can be sent.")
		return
	}
	msg, err := s.preview(ct, l, sampleReader(f.Email))
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	markTest(msg, l)
	if err := s.Sender.Send(r.Context(), msg); err != nil {
		s.logger(r).Warn("admin: test lesson not sent", "slug", l.Slug, "err", err)
		s.showLesson(w, r, http.StatusBadGateway, f.Email, "The test was not sent: "+mailer.AsError(err).Error())
		return
	}
	s.logger(r).Info("admin: test lesson sent", "course", l.Course().Slug, "slug", l.Slug)
	http.Redirect(w, r, withDone(s.inCourse("/admin/lessons/"+url.PathEscape(l.Slug), chosen(r)), "test"), http.StatusSeeOther)
}

// previewOf renders the requested lesson for a sample reader; on failure
// it answers the request and returns false.
func (s *Server) previewOf(w http.ResponseWriter, r *http.Request) (*course.Lesson, *mailer.Message, bool) {
	ct, l, err := s.lessonOf(r)
	if err == nil {
		var msg *mailer.Message
		if msg, err = s.preview(ct, l, sampleReader("reader@example.com")); err == nil {
			return l, msg, true
		}
	}
	s.adminFail(w, r, err)
	return nil, nil, false
}

// lessonLinks are a lesson page's links: back to the lessons, its HTML
// part for the frame, and its test form's action, each keeping the
// course the URL chose.
func (s *Server) lessonLinks(r *http.Request, l *course.Lesson) (back, frame, test string) {
	keep, page := chosen(r), "/admin/lessons/"+url.PathEscape(l.Slug)
	return s.inCourse("/admin/lessons", keep), s.inCourse(page+"/email", keep), s.inCourse(page+"/test", keep)
}

// header is the value of a message's extra header name; "" without one.
func header(m *mailer.Message, name string) string {
	for _, h := range m.Headers {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

// withDone adds the flash key done to a URL that may have a query.
func withDone(u, done string) string {
	if strings.Contains(u, "?") {
		return u + "&done=" + done
	}
	return u + "?done=" + done
}
