package web

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/dripcourse/dripcourse/internal/delivery"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

// fail answers with the page and status that fit err. It is the one place
// where errors become HTTP statuses; the reader sees a plain sentence,
// never the error itself.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong on our side. Please try again in a moment."
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, token.ErrExpired):
		status, msg = http.StatusGone, "This link has expired. Links in our emails last a limited time; a newer email has a fresh one."
	case errors.Is(err, token.ErrMalformed), errors.Is(err, token.ErrSignature), errors.Is(err, token.ErrPurpose):
		status, msg = http.StatusBadRequest, "This link is not valid. Please check that it was copied whole from the email."
	case errors.Is(err, store.ErrNotActive):
		status, msg = http.StatusConflict, "Your course is not running at the moment, so there is nothing to change."
	case errors.Is(err, drip.ErrNotFound):
		status, msg = http.StatusNotFound, "We could not find what this link points to."
	case errors.Is(err, drip.ErrInvalid):
		status, msg = http.StatusConflict, "This link can no longer be used."
	case errors.Is(err, drip.ErrUnavailable):
		status, msg = http.StatusServiceUnavailable, "We can't take requests for a moment. Please try again in a few minutes."
	case errors.As(err, &mbe):
		status, msg = http.StatusRequestEntityTooLarge, "That was more data than this form accepts."
	}
	switch {
	case status == http.StatusServiceUnavailable:
		if s.unavailable.due(err.Error(), s.Now()) {
			s.logger(r).Error("database unavailable: answering 503 until it recovers (logged once a minute)", "err", err)
		}
	case status >= 500:
		s.logger(r).Error("request failed", "path", redactPath(r.URL.Path), "status", status, "err", err)
	}
	s.errorPage(w, r, status, msg)
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.page(w, r, status, "error", &render.Page{Title: http.StatusText(status), Message: msg, Status: status})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "There is no page at this address.")
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusMethodNotAllowed, "This page can't be used that way.")
}

// page renders a public page into a buffer and writes it with status. If
// the template itself fails, a bare-text answer goes out instead.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, name string, p *render.Page) {
	ct := s.content()
	p.Course = delivery.CourseInfo(ct.Course)
	p.Nonce = nonceOf(r)
	body, err := ct.Templates.Page(name, p)
	if err != nil {
		s.logger(r).Error("render page", "page", name, "err", err)
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// logOnce lets one cause be logged once a minute, so a fault that fails
// every request does not flood the log.
type logOnce struct {
	mu   sync.Mutex
	last string
	at   time.Time
}

func (l *logOnce) due(cause string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cause == l.last && now.Sub(l.at) < time.Minute {
		return false
	}
	l.last, l.at = cause, now
	return true
}
