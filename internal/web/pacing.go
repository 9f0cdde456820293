package web

import (
	"errors"
	"net/http"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

// The next-lesson and pause links act on the course of the lesson they
// came in. A reader who has had every lesson of it lands on the
// course-complete page, which offers the course's next: one button, a
// POST to the reader's own enroll link.

// pacingPage answers a GET on a next-lesson or pause link: the button, or,
// for a reader who has had every lesson, a page that says so.
func (s *Server) pacingPage(p token.Purpose, page, title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.verify(w, r, p)
		if !ok {
			return
		}
		pg := &render.Page{Title: title, Action: r.URL.Path}
		if _, e, err := s.DB.DeliveryEnrollment(r.Context(), c.Delivery, c.Subscriber); err == nil {
			s.lessonCourse(r, c, pg)
			if e.Status == drip.EnrollCompleted {
				pg = s.finished(r, c, pg.Course)
			}
		}
		s.page(w, r, http.StatusOK, page, pg)
	}
}

// finished is the course-complete page of the course whose lesson the link
// came in, with the next course's button when there is one to take.
func (s *Server) finished(r *http.Request, c token.Claims, info render.CourseInfo) *render.Page {
	p := &render.Page{Title: "Course complete", Finished: true, Course: info}
	ct := s.content()
	crs, ok := ct.Set.Course(info.Slug)
	if !ok || crs.Next == "" {
		return p
	}
	next, ok := ct.Set.Course(crs.Next)
	if !ok || next.Closed(s.Now()) || s.confirmedFor(r, c.Subscriber, next.Slug) {
		return p
	}
	p.NextCourse, p.NextCourseURL = s.courseInfo(next), s.Links.EnrollPath(c.Subscriber, next.Slug, s.Now())
	return p
}

func (s *Server) nextPage(w http.ResponseWriter, r *http.Request) {
	s.pacingPage(token.Next, "next", "Next lesson")(w, r)
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	s.pacing(w, r, token.Next, "next", &render.Page{Title: "Next lesson",
		Message: "Your next lesson is on its way. It should reach you within a few minutes."})
}

func (s *Server) pausePage(w http.ResponseWriter, r *http.Request) {
	s.pacingPage(token.Pause, "pause", "Pause")(w, r)
}

func (s *Server) pause(w http.ResponseWriter, r *http.Request) {
	s.pacing(w, r, token.Pause, "pause", &render.Page{Title: "Paused",
		Message: "Done. Your lessons will pick up again in a week, at the usual time of day."})
}

// pacing does a next-lesson or pause POST and answers with done, or with
// the course-complete page for a reader who has had every lesson.
func (s *Server) pacing(w http.ResponseWriter, r *http.Request, p token.Purpose, page string, done *render.Page) {
	c, ok := s.verify(w, r, p)
	if !ok {
		return
	}
	ctx, cancel := detached(r)
	defer cancel()
	var err error
	if p == token.Next {
		_, err = s.DB.SendNextNow(ctx, c.Subscriber, c.Delivery, s.Now())
	} else {
		_, err = s.DB.PauseFor(ctx, c.Subscriber, c.Delivery, PauseLength, s.Now())
	}
	s.lessonCourse(r, c, done)
	switch {
	case errors.Is(err, store.ErrCompleted):
		s.page(w, r, http.StatusOK, page, s.finished(r, c, done.Course))
	case err != nil:
		s.fail(w, r, err)
	default:
		s.page(w, r, http.StatusOK, page, done)
	}
}
