package web

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
)

// Limits caps requests per client IP (as the ClientIP middleware sees it:
// the peer, or the trusted proxy's X-Forwarded-For) on the public actions
// that send mail or change a reader. Zero means no limit. The unsubscribe
// limit is generous on purpose: one mail provider's address may carry the
// RFC 8058 one-click POSTs of many of its users.
type Limits struct {
	Signup      int
	Confirm     int
	Unsubscribe int
	Window      time.Duration
}

// DefaultLimits suit a public site.
var DefaultLimits = Limits{Signup: 20, Confirm: 30, Unsubscribe: 300, Window: time.Minute}

// clientKey buckets a client by IP, and IPv6 clients by their /64.
func clientKey(r *http.Request) (string, error) {
	return httprate.CanonicalizeIP(middleware.GetClientIP(r.Context())), nil
}

// perIP returns a middleware that allows n requests per window per
// client, answering the rest with a plain 429 page.
func (s *Server) perIP(n int) func(http.Handler) http.Handler {
	if n <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	window := s.Limits.Window
	if window <= 0 {
		window = time.Minute
	}
	return httprate.LimitBy(n, window, clientKey, httprate.WithLimitHandler(s.tooMany))
}

func (s *Server) tooMany(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusTooManyRequests, "Too many requests from your network in a short time. Please wait a minute and try again.")
}
