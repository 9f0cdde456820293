// Package api serves dripcourse's JSON API under /api/v1: readers added
// and enrolled from other tools (a shop, a CRM), read, paged, paused,
// resumed, moved, unsubscribed and erased, and the courses with their
// per-lesson figures. Requests carry "Authorization: Bearer KEY" (package
// apikey); every answer is JSON, and every error an RFC 9457 problem. The
// contract is openapi.json, served at /api/v1/openapi.json and checked
// against every answer of the package's tests.
//
// The API takes no cookies and no forms, so it stands outside the
// browser's cross-origin checks: a request without the key is refused
// whatever site it comes from.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/store"
)

// Server holds what the handlers share. Build it in cmd and call Handler.
type Server struct {
	DB      *store.DB
	Library *compose.Library
	Now     func() time.Time
	Log     *slog.Logger
	// RatePerMinute caps each key's requests per minute (0: DefaultRate).
	RatePerMinute int
	// LimitCounter, when set, counts requests against the rate; instances
	// sharing one (the store's, on a shared database) share each key's
	// limit. Nil counts in memory.
	LimitCounter httprate.LimitCounter
	// MaxConfirmations, ConfirmWindow and MaxConfirmationsPerHour cap the
	// confirmation emails the API queues, as they cap the form's.
	MaxConfirmations        int
	ConfirmWindow           time.Duration
	MaxConfirmationsPerHour int
}

// DefaultRate is a key's requests per minute when none is set: plenty for
// a shop's checkouts or a CRM's sync, and a bound on a leaked key.
const DefaultRate = 600

// Handler returns the API's routes, to be mounted at /api/v1.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, problem(http.StatusNotFound, "not-found", "no such endpoint"))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, problem(http.StatusMethodNotAllowed, "method-not-allowed", "this endpoint does not take that method"))
	})
	r.Use(capBody)
	r.Get("/openapi.json", serveOpenAPI)
	r.Group(func(r chi.Router) {
		r.Use(s.authenticate, s.rateLimit(), s.idempotent)
		s.routes(r)
	})
	return r
}

func (s *Server) routes(r chi.Router) {
	read, write := need(scopeRead), need(scopeWrite)
	r.With(write).Post("/subscribers", s.createSubscriber)
	r.With(read).Get("/subscribers", s.listSubscribers)
	r.With(read).Get("/subscribers/{id}", s.getSubscriber)
	r.With(write).Delete("/subscribers/{id}", s.eraseSubscriber)
	r.With(write).Post("/subscribers/{id}/enrollments/{course}/pause", s.pause)
	r.With(write).Post("/subscribers/{id}/enrollments/{course}/resume", s.resume)
	r.With(write).Post("/subscribers/{id}/enrollments/{course}/move", s.move)
	r.With(write).Post("/subscribers/{id}/enrollments/{course}/unsubscribe", s.unsubscribe)
	r.With(need(scopeCourses)).Get("/courses", s.listCourses)
	r.With(need(scopeCourses)).Get("/courses/{slug}/stats", s.courseStats)
}

// capBody refuses bodies over MaxBody, whatever Content-Length claims.
func capBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > MaxBody {
			writeProblem(w, problem(http.StatusRequestEntityTooLarge, "too-large", "the body is over "+strconv.Itoa(MaxBody)+" bytes"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		next.ServeHTTP(w, r)
	})
}

// rateLimit caps each key's requests per minute, counting by key ID.
func (s *Server) rateLimit() func(http.Handler) http.Handler {
	rate := s.RatePerMinute
	if rate <= 0 {
		rate = DefaultRate
	}
	opts := []httprate.Option{
		httprate.WithKeyFuncs(func(r *http.Request) (string, error) {
			return "api-key:" + strconv.FormatInt(keyOf(r.Context()).ID, 10), nil
		}),
		httprate.WithLimitHandler(func(w http.ResponseWriter, _ *http.Request) {
			writeProblem(w, problem(http.StatusTooManyRequests, "rate-limited",
				"this key may make "+strconv.Itoa(rate)+" requests a minute; wait for Retry-After seconds"))
		}),
		// A shared counter that fails stops the request: httprate halts
		// it either way, and a clear 503 is retried by clients.
		httprate.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
			s.logger(r.Context()).Warn("api: rate counter", "err", err)
			writeProblem(w, problem(http.StatusServiceUnavailable, "unavailable", "the rate limit cannot be counted just now; retry shortly"))
		}),
	}
	if s.LimitCounter != nil {
		opts = append(opts, httprate.WithLimitCounter(s.LimitCounter))
	}
	return httprate.NewRateLimiter(rate, time.Minute, opts...).Handler
}

// logger is the request's logger.
func (s *Server) logger(ctx context.Context) *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
