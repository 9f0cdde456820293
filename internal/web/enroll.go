package web

import (
	"net/http"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/token"
)

// A reader's own enroll link (the "start the next course" button of a
// last lesson, or of the course-complete page) starts the course it names
// with no confirmation email: the link was made for the reader's address,
// so holding it proves the address, as a confirmation link does. The GET
// shows the button; only its POST enrolls.

func (s *Server) enrollPage(w http.ResponseWriter, r *http.Request) {
	c, crs, ok := s.enrollLink(w, r)
	if !ok {
		return
	}
	p := &render.Page{Title: "Start " + crs.Title, Course: s.courseInfo(crs), Action: r.URL.Path}
	if s.confirmedFor(r, c.Subscriber, crs.Slug) {
		p.Action, p.Already = "", true
	}
	s.page(w, r, http.StatusOK, "enroll", p)
}

func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	c, crs, ok := s.enrollLink(w, r)
	if !ok {
		return
	}
	ctx, cancel := detached(r)
	defer cancel()
	sub, err := s.DB.Subscriber(ctx, c.Subscriber)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.Now()
	already, err := s.DB.Enroll(ctx, sub.ID, crs.Slug, schedule.Start(crs, sub.Timezone, now), now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &render.Page{Title: "You're in", Course: s.courseInfo(crs), Already: already}
	if !already {
		s.Metrics.Reader(drip.EventEnroll, crs.Slug)
	}
	s.page(w, r, http.StatusOK, "enroll", p)
}

// enrollLink verifies an enroll link and finds its course, which must
// still be offered and open; otherwise it answers the request.
func (s *Server) enrollLink(w http.ResponseWriter, r *http.Request) (token.Claims, *course.Course, bool) {
	c, ok := s.verify(w, r, token.Enroll)
	if !ok {
		return c, nil, false
	}
	crs, ok := s.content().Set.Course(c.Data)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "This course is no longer offered.")
		return c, nil, false
	}
	if crs.Closed(s.Now()) && !s.confirmedFor(r, c.Subscriber, crs.Slug) {
		s.closedPage(w, r, crs)
		return c, nil, false
	}
	return c, crs, true
}
