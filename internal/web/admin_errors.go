package web

import (
	"net/http"
)

// adminFail answers an admin request that went wrong, in the admin's own
// frame, with the operator's sentence (see answers in errors.go).
func (s *Server) adminFail(w http.ResponseWriter, r *http.Request, err error) {
	a := s.answerFor(r, err)
	s.adminError(w, r, a.status, a.operator)
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
