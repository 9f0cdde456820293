// Package web serves dripcourse's public pages and signed-link actions:
// the catalogue, each course's page and signup form, confirmation,
// unsubscribe (from one course, or from everything) and its undo, reader
// pacing, starting the next course, view in browser, and the open and
// click trackers. The route table is in this file, and each feature has a
// small file of its own; errors become HTTP statuses in one table
// (errors.go), which the admin's pages share. The operator's pages
// (package admin) are mounted under /admin as a handler the server is
// given, so web never imports them.
//
// Nothing that changes state happens on a GET: every link in an email
// opens a page with a button, and only the button's POST acts, so mail
// scanners that follow links change nothing. RFC 8058 one-click
// unsubscribe is such a POST.
package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"

	"github.com/dripcourse/dripcourse/internal/captcha"
	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/metrics"
	"github.com/dripcourse/dripcourse/internal/store"
)

// MaxBody caps every request body; larger ones get 413.
const MaxBody = 64 << 10

// Server holds what the handlers share. Build it in cmd and call Handler.
type Server struct {
	DB       *store.DB
	Links    *links.Maker
	Composer *compose.Composer
	Library  *compose.Library
	Now      func() time.Time
	Log      *slog.Logger
	// MinFormTime is the least time a person takes between seeing the
	// signup form and sending it; faster submissions are bots.
	MinFormTime time.Duration
	// MaxConfirmations per address per ConfirmWindow stops a stranger's
	// inbox being flooded through the form.
	MaxConfirmations int
	ConfirmWindow    time.Duration
	// MaxConfirmationsPerHour caps the confirmation emails the whole
	// instance queues in an hour; over it, signups are kept unconfirmed.
	MaxConfirmationsPerHour int
	// FormOrigins are the origins (scheme://host[:port], as CanonicalOrigin
	// writes them) of the operator's own sites, whose pages may post
	// signups, read their JSON answers and frame the embed page. Only the
	// signup routes trust them.
	FormOrigins []string
	// Captcha, when set, is required on every signup (its challenges are
	// served at ChallengePath); nil turns the captcha off.
	Captcha *captcha.Issuer
	// TrustedProxies are the addresses whose X-Forwarded-For is believed;
	// with none, the peer address is the client.
	TrustedProxies []string
	// Ready reports whether the service can take traffic, for /readyz.
	Ready func() error
	// Admin, when set, serves everything under /admin, behind the same
	// request IDs, logs, panic recovery and security headers as the
	// public pages. It sets its own body limits.
	Admin http.Handler
	// BounceRaw, when set, serves POST /bounces/raw (raw bounce messages
	// from a relay), and BounceWebhooks, when set, serves the providers'
	// webhooks under /webhooks/bounce/. Both authenticate their own
	// requests and cap their own bodies, stand outside the browser's
	// same-site check and the forms' limits, and share a per-IP limit of
	// their own (Limits.Bounces).
	BounceRaw, BounceWebhooks http.Handler
	// API, when set, serves the JSON API under /api/v1 (package api). It
	// authenticates with bearer keys, never cookies, caps its own bodies
	// and rate-limits per key, so it stands outside the browser's
	// same-site check and the per-IP limits of the forms.
	API http.Handler
	// Limits caps public actions per client IP; the zero value is no cap.
	Limits Limits
	// LimitCounter, when set, counts requests against Limits; instances
	// sharing one (the store's, on a shared database) share their limits.
	// When it fails, requests go through uncounted. Nil counts in memory.
	LimitCounter httprate.LimitCounter
	// Metrics, when set, counts reader actions and is served at /metrics,
	// to holders of MetricsToken. Without a token it answers requests from
	// this machine for a loopback name, and only when MetricsLoopback is
	// set: a site that is not public, with no proxy in front of it.
	Metrics         *metrics.Metrics
	MetricsToken    string
	MetricsLoopback bool

	faults Faults  // database faults are logged once, not per request
	capLog logOnce // reaching MaxConfirmationsPerHour is logged once a minute

	counterFaults counterFaults  // LimitCounter's failures, see ratelimit.go
	trusted       trustedOrigins // FormOrigins as a set, made in Handler
	inboxPages    checkInboxPages
}

func (s *Server) content() *compose.Content { return s.Library.Content() }

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	s.trusted = newTrustedOrigins(s.FormOrigins)
	r := chi.NewRouter()
	r.Use(middleware.RequestID, s.clientIP(), s.logRequests, s.recoverer, securityHeaders)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)
	if s.Admin != nil {
		r.Mount("/admin", s.Admin)
	}
	if s.API != nil {
		r.Mount("/api/v1", s.API)
	}
	r.Group(s.bounceRoutes)
	r.Group(s.publicRoutes)
	return r
}

// bounceRoutes are the ways reports come in over HTTP: machines posting
// with credentials, not browsers, so no same-site check applies.
func (s *Server) bounceRoutes(r chi.Router) {
	r.Use(s.perIP("bounces", s.Limits.Bounces))
	if s.BounceRaw != nil {
		r.Handle("/bounces/raw", s.BounceRaw)
	}
	if s.BounceWebhooks != nil {
		r.Handle("/webhooks/bounce/{provider}", s.BounceWebhooks)
	}
}

func (s *Server) publicRoutes(r chi.Router) {
	r.Use(middleware.RequestSize(MaxBody))
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/favicon.ico", s.faviconICO)
	if s.Metrics != nil {
		r.Handle("/metrics", s.metricsAccess(s.Metrics.Handler()))
	}

	r.Get("/", s.home)
	r.Get(links.PathCourses+"/{slug}", s.coursePage)
	r.Group(s.formRoutes)
	r.With(s.perIP("confirm-page", s.Limits.Confirm)).Get(links.PathConfirm+"/{token}", s.confirmPage)
	r.With(s.perIP("confirm", s.Limits.Confirm)).Post(links.PathConfirm+"/{token}", s.confirm)
	unsub := s.perIP("unsubscribe", s.Limits.Unsubscribe)
	r.With(unsub).Get(links.PathUnsubscribe+"/{token}", s.unsubscribePage)
	r.With(s.perIP("one-click", s.Limits.OneClick)).Post(links.PathUnsubscribe+"/{token}", s.unsubscribe)
	r.With(unsub).Get(links.PathResubscribe+"/{token}", s.resubscribePage)
	r.With(unsub).Post(links.PathResubscribe+"/{token}", s.resubscribe)
	r.Get(links.PathNext+"/{token}", s.nextPage)
	r.Post(links.PathNext+"/{token}", s.next)
	r.Get(links.PathPause+"/{token}", s.pausePage)
	r.Post(links.PathPause+"/{token}", s.pause)
	r.Get(links.PathEnroll+"/{token}", s.enrollPage)
	r.Post(links.PathEnroll+"/{token}", s.enroll)
	r.Get(links.PathView+"/{token}", s.view)
	r.Get(links.PathOpen+"/{token}", s.open)
	r.Head(links.PathOpen+"/{token}", s.open)
	r.Get(links.PathClick+"/{token}", s.click)
	r.Head(links.PathClick+"/{token}", s.click)
}

// formRoutes take signups, from this site's pages and from the trusted
// origins' (forms.go), and serve the embed page and the captcha.
func (s *Server) formRoutes(r chi.Router) {
	signup := r.With(s.perIP("signup", s.Limits.Signup), s.formOrigins)
	signup.Post("/subscribe", s.subscribe)
	signup.Post(links.PathCourses+"/{slug}/subscribe", s.subscribeCourse)
	r.Options("/subscribe", s.preflight("POST"))
	r.Options(links.PathCourses+"/{slug}/subscribe", s.preflight("POST"))
	r.Get(links.PathCourses+"/{slug}/embed", s.embedPage)
	if s.Captcha != nil {
		r.With(s.perIP("challenge", s.Limits.Challenge), s.challenge).Get(ChallengePath, s.Captcha.Handler().ServeHTTP)
		r.Options(ChallengePath, s.preflight("GET"))
		r.Get(ScriptPath, captcha.Script().ServeHTTP)
	}
}
