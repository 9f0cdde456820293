package web

import (
	"errors"
	"net/http"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

// adminFail answers an admin request with the page and status that fit
// err: the admin's counterpart of fail, in the admin's own frame, with
// sentences for an operator. Internals still stay in the log.
func (s *Server) adminFail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong on our side. The server's log has the details."
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, store.ErrInFlight):
		status, msg = http.StatusConflict, "A lesson is being sent to this reader right now. Please try again in a minute."
	case errors.Is(err, errReceived):
		status, msg = http.StatusConflict, "This reader already had that lesson, and a lesson is never sent twice."
	case errors.Is(err, errBlocked):
		status, msg = http.StatusConflict, "That lesson can't be made the next one: the reader is already past it in the course, or another of their lessons is waiting for a retry and would go first."
	case errors.Is(err, store.ErrNotActive):
		status, msg = http.StatusConflict, "This reader's course is not running, so there is nothing to change."
	case errors.Is(err, drip.ErrNotFound):
		status, msg = http.StatusNotFound, "There is no such reader, lesson or message. It may have been erased or removed."
	case errors.Is(err, drip.ErrInvalid):
		status, msg = http.StatusConflict, "That can't be done for this reader in their present state."
	case errors.Is(err, drip.ErrUnavailable):
		status, msg = http.StatusServiceUnavailable, "The database can't take changes at the moment. Please try again shortly."
	case errors.As(err, &mbe):
		status, msg = http.StatusRequestEntityTooLarge, "That was more data than this form accepts."
	}
	if status >= 500 {
		s.logger(r).Error("admin request failed", "path", redactPath(r.URL.Path), "status", status, "err", err)
	}
	s.adminError(w, r, status, msg)
}

func (s *Server) adminError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.adminRender(w, r, status, "error", &adminPage{Title: http.StatusText(status), Error: msg})
}

func (s *Server) adminNotFound(w http.ResponseWriter, r *http.Request) {
	s.adminError(w, r, http.StatusNotFound, "There is no admin page at this address.")
}

// crossOrigin answers a state-changing request that another site's page
// sent: refused, whatever its cookies.
func (s *Server) crossOrigin(w http.ResponseWriter, r *http.Request) {
	s.logger(r).Warn("admin: cross-origin request refused", "path", redactPath(r.URL.Path), "origin", r.Header.Get("Origin"))
	s.adminError(w, r, http.StatusForbidden, "This request came from another site, so it was refused. Use the buttons on these pages.")
}
