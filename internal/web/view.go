package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/token"
)

func chiToken(r *http.Request) string { return chi.URLParam(r, "token") }

// view shows a lesson in the browser, rendered from the same template as
// the email, without tracking.
func (s *Server) view(w http.ResponseWriter, r *http.Request) {
	c, ok := s.verify(w, r, token.View)
	if !ok {
		return
	}
	d, e, err := s.DB.DeliveryEnrollment(r.Context(), c.Delivery, c.Subscriber)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sub, err := s.DB.Subscriber(r.Context(), c.Subscriber)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ct := s.content()
	crs, found := ct.Set.Course(e.Course)
	var l *course.Lesson
	if found {
		l, found = crs.Lesson(d.Slug)
	}
	if !found {
		s.errorPage(w, r, http.StatusNotFound, "This lesson is no longer part of the course.")
		return
	}
	data := s.Composer.LessonEmail(ct, l, sub, d.ID, s.Now(), false)
	html, _, err := ct.Templates.Email("lesson", data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	// The email's markup is styled inline, as mail clients need; this page
	// alone allows inline styles, and still runs no script.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write([]byte(html))
}
