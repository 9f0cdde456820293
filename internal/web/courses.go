package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/render"
)

// With one course, / is its page; with several, / is the catalogue and
// each course's page is at /courses/{slug}, its form posting to
// /courses/{slug}/subscribe. /subscribe, the form's address before there
// were several courses, signs up for the default course, so a form
// embedded elsewhere keeps working.

// courseInfo is a course as the public pages show it, with its addresses
// and whether it takes signups now.
func (s *Server) courseInfo(c *course.Course) render.CourseInfo {
	info := compose.CourseInfo(c)
	info.Path, info.SignupPath = links.CoursePath(c.Slug), links.SignupPath(c.Slug)
	if c.Cohort() {
		info.Start = c.Start.Format("2 January 2006")
		now := s.Now()
		info.Started, info.Closed = c.Started(now), c.Closed(now)
	}
	return info
}

// home is the course page of a single course, or the catalogue.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ct := s.content()
	if ct.Set.Single() {
		s.showCourse(w, r, ct.Default())
		return
	}
	p := &render.Page{Title: "Courses", Course: render.CourseInfo{Title: s.siteName(), Path: "/"}}
	for _, c := range ct.Set.Courses {
		p.Courses = append(p.Courses, s.courseInfo(c))
	}
	s.page(w, r, http.StatusOK, "catalogue", p)
}

// siteName is what the catalogue calls the site: the sender's name when
// the operator set one.
func (s *Server) siteName() string {
	if s.Composer != nil && s.Composer.FromName != "" {
		return s.Composer.FromName
	}
	return "Email courses"
}

// coursePage is /courses/{slug}.
func (s *Server) coursePage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.routeCourse(w, r)
	if !ok {
		return
	}
	s.showCourse(w, r, c)
}

func (s *Server) showCourse(w http.ResponseWriter, r *http.Request, c *course.Course) {
	s.page(w, r, http.StatusOK, "course", &render.Page{Title: "Sign up", Course: s.courseInfo(c), Started: s.formStamp()})
}

// routeCourse finds the course the URL names, or answers 404.
func (s *Server) routeCourse(w http.ResponseWriter, r *http.Request) (*course.Course, bool) {
	c, ok := s.content().Set.Course(chi.URLParam(r, "slug"))
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "There is no course at this address. The list of courses is on the home page.")
	}
	return c, ok
}

// linkCourse is the course a signed link names by slug ("" for links made
// before there were several courses: the default course). A course taken
// out of the set is answered with 404.
func (s *Server) linkCourse(w http.ResponseWriter, r *http.Request, slug string) (*course.Course, bool) {
	c, ok := s.content().Course(slug)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "This course is no longer offered.")
	}
	return c, ok
}

// closedPage answers an action on a cohort course that has begun and takes
// no new readers.
func (s *Server) closedPage(w http.ResponseWriter, r *http.Request, c *course.Course) {
	p := &render.Page{Title: "This course has started", Course: s.courseInfo(c), Status: http.StatusConflict,
		Message: c.Title + " began on " + c.Start.Format("2 January 2006") + ", and everyone in it moves through the lessons together, so it takes no new readers now."}
	s.page(w, r, http.StatusConflict, "error", p)
}
