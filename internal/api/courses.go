package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/report"
)

// Course is a course as the API lists it.
type Course struct {
	Slug        string         `json:"slug"`
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Timezone    string         `json:"timezone"`
	Default     bool           `json:"default"`
	Lessons     []CourseLesson `json:"lessons"`
}

// CourseLesson is one lesson of a course, with its delay after the one
// before (the first's after confirmation), in hours.
type CourseLesson struct {
	Slug       string  `json:"slug"`
	Number     int     `json:"number"`
	Title      string  `json:"title"`
	DelayHours float64 `json:"delay_hours"`
}

// CourseList is the answer of GET /courses.
type CourseList struct {
	Data []Course `json:"data"`
}

func (s *Server) listCourses(w http.ResponseWriter, _ *http.Request) {
	ct := s.Library.Content()
	out := CourseList{Data: []Course{}}
	for _, c := range ct.Set.Courses {
		oc := Course{Slug: c.Slug, Title: c.Title, Description: c.Description, Timezone: c.Timezone.String(),
			Default: c == ct.Default(), Lessons: []CourseLesson{}}
		for _, l := range c.Lessons {
			oc.Lessons = append(oc.Lessons, CourseLesson{Slug: l.Slug, Number: l.Number, Title: l.Title, DelayHours: l.Delay.Hours()})
		}
		out.Data = append(out.Data, oc)
	}
	writeJSON(w, http.StatusOK, out)
}

// courseStats answers a course's per-lesson figures (package report).
func (s *Server) courseStats(w http.ResponseWriter, r *http.Request) {
	crs, ok := s.Library.Content().Set.Course(chi.URLParam(r, "slug"))
	if !ok {
		writeProblem(w, problem(http.StatusNotFound, "not-found", "no such course"))
		return
	}
	rep, err := report.Build(r.Context(), s.DB, crs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
