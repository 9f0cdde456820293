package web

import (
	"net/http"
	"sync"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"

	"github.com/dripcourse/dripcourse/internal/store"
)

// Limits caps requests per client IP (as the ClientIP middleware sees it:
// the peer, or the trusted proxy's X-Forwarded-For) on the public actions
// that send mail or change a reader. Zero means no limit.
//
// Unsubscribe counts the unsubscribe and re-subscribe pages and the
// re-subscribe button; OneClick counts the POSTs that unsubscribe, apart
// and far more generously: one mail provider's address carries the RFC
// 8058 one-click POSTs of many of its users, and the link scanners of the
// same provider fetch the pages. A refused one-click POST is an
// unsubscribe lost.
//
// Bounces counts the bounce endpoints (raw messages and provider
// webhooks) together: a provider posts a burst of events from a few
// addresses, and a refused request is retried later.
type Limits struct {
	Signup      int
	Confirm     int
	Unsubscribe int
	OneClick    int
	Bounces     int
	Window      time.Duration
}

// DefaultLimits suit a public site.
var DefaultLimits = Limits{Signup: 20, Confirm: 30, Unsubscribe: 300, OneClick: 3000, Bounces: 600, Window: time.Minute}

// EffectiveWindow is the window the limits are counted in: Window, or a
// minute when it is unset.
func (l Limits) EffectiveWindow() time.Duration {
	if l.Window <= 0 {
		return time.Minute
	}
	return l.Window
}

// The store's counter is what instances sharing a database count with.
var _ httprate.LimitCounter = (*store.RateCounter)(nil)

// clientKey buckets a client by IP, and IPv6 clients by their /64, within
// the limiter named scope. In memory each limiter has its own counter; a
// shared counter holds them all, so the key says which one.
func clientKey(scope string) func(*http.Request) (string, error) {
	return func(r *http.Request) (string, error) {
		return scope + " " + httprate.CanonicalizeIP(middleware.GetClientIP(r.Context())), nil
	}
}

// perIP returns a middleware that allows n requests per window per
// client to the routes that share scope, answering the rest with a plain
// 429 page.
func (s *Server) perIP(scope string, n int) func(http.Handler) http.Handler {
	if n <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	window := s.Limits.EffectiveWindow()
	opts := append([]httprate.Option{httprate.WithLimitHandler(s.tooMany)}, s.sharedCounter()...)
	return httprate.LimitBy(n, window, clientKey(scope), opts...)
}

// sharedCounter is the option that makes a limiter count in the shared
// database, when there is one. Keys must then name their limiter.
func (s *Server) sharedCounter() []httprate.Option {
	if s.LimitCounter == nil {
		return nil
	}
	return []httprate.Option{httprate.WithLimitCounter(failOpen{s.LimitCounter, s})}
}

func (s *Server) tooMany(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusTooManyRequests, "Too many requests from your network in a short time. Please wait a minute and try again.")
}

// failOpen lets requests through, uncounted, when the shared counter
// fails: a rate limiter must not take signups down with it. After a
// failure the counter is left alone for a while, so requests don't each
// wait for a database that is not answering.
type failOpen struct {
	httprate.LimitCounter
	s *Server
}

// counterRest is how long the shared counter is left alone after it fails.
const counterRest = 5 * time.Second

// counterFaults is the state failOpen shares across a server's limiters.
type counterFaults struct {
	log   logOnce
	mu    sync.Mutex
	until time.Time // the counter is not asked before this
}

func (c failOpen) Increment(key string, window time.Time) error {
	return c.IncrementBy(key, window, 1)
}

func (c failOpen) IncrementBy(key string, window time.Time, n int) error {
	if c.resting() {
		return nil
	}
	if err := c.LimitCounter.IncrementBy(key, window, n); err != nil {
		c.failed(err)
	}
	return nil
}

func (c failOpen) Get(key string, current, previous time.Time) (int, int, error) {
	if c.resting() {
		return 0, 0, nil
	}
	cur, prev, err := c.LimitCounter.Get(key, current, previous)
	if err != nil {
		c.failed(err)
		return 0, 0, nil
	}
	return cur, prev, nil
}

func (c failOpen) resting() bool {
	f := &c.s.counterFaults
	f.mu.Lock()
	defer f.mu.Unlock()
	return c.s.Now().Before(f.until)
}

func (c failOpen) failed(err error) {
	f, now := &c.s.counterFaults, c.s.Now()
	f.mu.Lock()
	f.until = now.Add(counterRest)
	f.mu.Unlock()
	if f.log.due("rate limit counter", now) {
		c.s.Log.Error("request limits are not enforced: the shared counter failed", "err", err)
	}
}
