package admin

import (
	"net/http"
	"net/url"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
)

// The admin works on one course at a time. The course is kept in the URL
// as ?course=SLUG, so every page can be bookmarked and shared; without
// it, the dashboard and the lessons show the default course, and the
// reader list shows every reader. With one course the parameter is never
// written, and the admin's URLs are those of a single-course install.

// courseParam is the query parameter that names the chosen course.
const courseParam = "course"

// knownCourse answers a request whose URL names a course that is not
// loaded with the admin's 404 page, before any handler reads it.
func (s *Server) knownCourse(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slug := r.URL.Query().Get(courseParam); slug != "" {
			if _, ok := s.content().Set.Course(slug); !ok {
				s.adminError(w, r, http.StatusNotFound, "There is no course with that name here. Choose one from the list of courses.")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// chosen is the course the URL names; "" when it names none.
func chosen(r *http.Request) string { return r.URL.Query().Get(courseParam) }

// courseOf is the course a per-course page shows: the one the URL names,
// else the default course.
func (s *Server) courseOf(r *http.Request) (*course.Course, error) {
	c, ok := s.content().Course(chosen(r))
	if !ok {
		return nil, drip.ErrNotFound
	}
	return c, nil
}

// several reports whether more than one course is loaded: only then do
// the admin's pages name courses and show the switcher.
func (s *Server) several() bool { return !s.content().Set.Single() }

// inCourse is path with the course slug added to its query when several
// courses are loaded, so a link or a form keeps the course it is about.
func (s *Server) inCourse(path, slug string) string {
	if slug == "" || !s.several() {
		return path
	}
	return path + "?" + url.Values{courseParam: {slug}}.Encode()
}

// switchLink is one entry of the course switcher.
type switchLink struct {
	Title   string
	Href    string
	Current bool
}

// switcher lists the courses to switch to, each link leading to the same
// section of the admin for that course; nil with one course. The reader
// list also offers every course at once.
func (s *Server) switcher(section, current string) []switchLink {
	if !s.several() {
		return nil
	}
	base := "/admin"
	switch section {
	case "lessons", "readers":
		base += "/" + section
	}
	var out []switchLink
	if section == "readers" {
		out = append(out, switchLink{Title: "Every course", Href: base, Current: current == ""})
	}
	for _, c := range s.content().Set.Courses {
		out = append(out, switchLink{Title: c.Title, Href: base + "?" + url.Values{courseParam: {c.Slug}}.Encode(), Current: c.Slug == current})
	}
	return out
}

// courseTitle names a course by slug for the pages: its title, or the
// slug itself when it is no longer loaded.
func (s *Server) courseTitle(slug string) string {
	if c, ok := s.content().Course(slug); ok {
		return c.Title
	}
	return slug
}
