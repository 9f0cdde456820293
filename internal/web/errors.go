package web

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

// Answer is how one kind of error is met: its status, and the sentence a
// reader and an operator are shown. Neither ever sees the error itself.
type Answer struct {
	match            func(error) bool
	Status           int
	Reader, Operator string
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

// answers is the one place where errors become HTTP statuses, for the
// public pages and the admin alike (through AnswerTo). The first match
// wins.
var answers = []Answer{
	{is(token.ErrExpired), http.StatusGone, "This link has expired. Links in our emails last a limited time; a newer email has a fresh one.", ""},
	{func(err error) bool {
		return errors.Is(err, token.ErrMalformed) || errors.Is(err, token.ErrSignature) || errors.Is(err, token.ErrPurpose)
	}, http.StatusBadRequest, "This link is not valid. Please check that it was copied whole from the email.", ""},
	{is(store.ErrInFlight), http.StatusConflict, "A lesson is on its way to you right now. Please try again in a minute.", "A lesson is being sent to this reader right now. Please try again in a minute."},
	{is(schedule.ErrReceived), http.StatusConflict, "", "This reader already had that lesson, and a lesson is never sent twice."},
	{is(schedule.ErrBlocked), http.StatusConflict, "", "That lesson can't be made the next one: the reader is already past it in the course, or another of their lessons is waiting for a retry and would go first."},
	{is(store.ErrNotActive), http.StatusConflict, "Your course is not running at the moment, so there is nothing to change.", "This reader's course is not running, so there is nothing to change."},
	{is(drip.ErrNotFound), http.StatusNotFound, "We could not find what this link points to.", "There is no such reader, lesson or message. It may have been erased or removed."},
	{is(drip.ErrConflict), http.StatusConflict, "This link can no longer be used.", "That can't be done for this reader in their present state."},
	{is(drip.ErrInvalid), http.StatusBadRequest, "That request was not valid. Please check it and try again.", ""},
	{is(drip.ErrUnavailable), http.StatusServiceUnavailable, "We can't take requests for a moment. Please try again in a few minutes.", "The database can't take changes at the moment. Please try again shortly."},
	{func(err error) bool { var mbe *http.MaxBytesError; return errors.As(err, &mbe) },
		http.StatusRequestEntityTooLarge, "That was more data than this form accepts.", ""},
	// The client's fault, not ours: a body that did not arrive within the
	// server's ReadTimeout, or was cut off.
	{slowBody, http.StatusRequestTimeout, "Your browser took too long to send the form. Please try again.", ""},
	{is(io.ErrUnexpectedEOF), http.StatusBadRequest, "The form arrived incomplete. Please try again.", ""},
}

// slowBody reports a read that ran into the connection's deadline. (Not
// any timeout: a context's, such as a slow database's, is ours.)
func slowBody(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

var internalError = Answer{Status: http.StatusInternalServerError,
	Reader: "Something went wrong on our side. Please try again in a moment.", Operator: "Something went wrong on our side. The server's log has the details."}

// AnswerTo finds the answer to err in the one table of answers; an error
// the table does not know is an internal error. Both sentences are set.
func AnswerTo(err error) Answer {
	a := internalError
	for _, c := range answers {
		if c.match(err) {
			a = c
			break
		}
	}
	if a.Reader == "" {
		a.Reader = a.Operator
	}
	if a.Operator == "" {
		a.Operator = a.Reader
	}
	return a
}

// Faults logs the errors behind answers that need an operator's
// attention: database faults once a minute, other server errors each
// time. The zero value is ready.
type Faults struct{ unavailable logOnce }

// Log logs err, answered with a, to log if it needs an operator.
func (f *Faults) Log(log *slog.Logger, r *http.Request, now func() time.Time, err error, a Answer) {
	switch {
	case a.Status == http.StatusServiceUnavailable:
		if f.unavailable.due(err.Error(), now()) {
			log.Error("database unavailable: answering 503 until it recovers (logged once a minute)", "err", err)
		}
	case a.Status >= 500:
		log.Error("request failed", "path", RedactPath(r.URL.Path), "status", a.Status, "err", err)
	case a.Status == http.StatusRequestTimeout:
		log.Info("request body too slow: answered 408", "path", RedactPath(r.URL.Path), "err", err)
	}
}

// answerFor finds the answer to err, and logs it if it needs an
// operator's attention.
func (s *Server) answerFor(r *http.Request, err error) Answer {
	a := AnswerTo(err)
	s.faults.Log(s.logger(r), r, s.Now, err, a)
	return a
}

// fail answers a reader's request that went wrong.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	a := s.answerFor(r, err)
	s.errorPage(w, r, a.Status, a.Reader)
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

// page renders a public page into a buffer and writes it with status,
// about the default course unless p names one. If the template itself
// fails, a bare-text answer goes out instead.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, name string, p *render.Page) {
	ct := s.content()
	if p.Course.Title == "" {
		p.Course = s.courseInfo(ct.Default())
	}
	p.Nonce = Nonce(r)
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
