package admin

import (
	"net/http"

	"github.com/dripcourse/dripcourse/internal/web"
)

// adminFail answers an admin request that went wrong, in the admin's own
// frame, with the operator's sentence from web's one table of answers.
func (s *Server) adminFail(w http.ResponseWriter, r *http.Request, err error) {
	a := web.AnswerTo(err)
	s.faults.Log(s.logger(r), r, s.Now, err, a)
	s.adminError(w, r, a.Status, a.Operator)
}

func (s *Server) adminError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.adminRender(w, r, status, "error", &adminPage{Title: http.StatusText(status), Error: msg})
}

func (s *Server) adminNotFound(w http.ResponseWriter, r *http.Request) {
	s.adminError(w, r, http.StatusNotFound, "There is no admin page at this address.")
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.adminError(w, r, http.StatusMethodNotAllowed, "This page can't be used that way.")
}

// crossOrigin answers a state-changing request that another site's page
// sent: refused, whatever its cookies.
func (s *Server) crossOrigin(w http.ResponseWriter, r *http.Request) {
	s.logger(r).Warn("admin: cross-origin request refused", "path", web.RedactPath(r.URL.Path), "origin", r.Header.Get("Origin"))
	s.adminError(w, r, http.StatusForbidden, "This request came from another site, so it was refused. Use the buttons on these pages.")
}
