package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// fail answers a store error: not found, a conflict with the reader's
// state, a database briefly unavailable, or an internal error, which is
// logged and never shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var pe *problemError
	switch {
	case errors.As(err, &pe):
		writeProblem(w, pe.p)
	case errors.Is(err, drip.ErrNotFound):
		writeProblem(w, problem(http.StatusNotFound, "not-found", "no such reader, or the reader is not in that course"))
	case errors.Is(err, drip.ErrConflict):
		writeProblem(w, problem(http.StatusConflict, "conflict", conflictWords(err)))
	case errors.Is(err, drip.ErrUnavailable):
		w.Header().Set("Retry-After", "5")
		writeProblem(w, problem(http.StatusServiceUnavailable, "unavailable", "the database is briefly unavailable; retry shortly"))
	default:
		s.logger(r.Context()).Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
		writeProblem(w, problem(http.StatusInternalServerError, "internal", "the request failed; it is logged"))
	}
}

// conflictWords is the store's own words for a conflict, which say what
// about the reader's state refused the change, without the package's
// prefixes.
func conflictWords(err error) string {
	msg := err.Error()
	for strings.HasPrefix(msg, "store: ") {
		_, rest, ok := strings.Cut(strings.TrimPrefix(msg, "store: "), ": ")
		if !ok {
			break
		}
		msg = rest
	}
	return strings.TrimSuffix(msg, ": "+drip.ErrConflict.Error())
}
