package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"

	"github.com/dripcourse/dripcourse/internal/token"
)

// Login attempts allowed per client address, or per browser that has
// logged in before, in a sliding window; past them every attempt is
// refused until the window slides on.
const (
	loginFailures      = 5
	loginFailureWindow = time.Minute
)

// Strangers' attempts are counted per client address (an IPv6 client by
// its /64), in the shared database when there is one. A browser that has
// logged in before (its device cookie) is counted apart, per device and
// in memory, so no stranger on the operator's network, and no fault of
// the shared counter, can lock the operator out.
func newLoginLimits(shared httprate.LimitCounter, s *Server) (perIP, perDevice *httprate.RateLimiter) {
	opts := []httprate.Option{httprate.WithErrorHandler(keepLimitError)}
	if shared != nil {
		opts = append(opts, httprate.WithLimitCounter(failClosed{shared, s}))
	}
	return httprate.NewRateLimiter(loginFailures, loginFailureWindow, opts...),
		httprate.NewRateLimiter(loginFailures, loginFailureWindow, httprate.WithErrorHandler(keepLimitError))
}

// loginRefusal is why a login attempt is refused before its password is
// looked at: a status and the operator's sentence; a zero status lets it
// through.
type loginRefusal struct {
	status     int
	retryAfter time.Duration
	msg        string
}

// countLogin counts one login attempt, under the limiter's lock so that
// parallel requests cannot slip past the count, and says whether it must
// be refused.
func (s *Server) countLogin(w http.ResponseWriter, r *http.Request, device string) loginRefusal {
	limiter, key := s.logins.perIP, "admin-login "+httprate.CanonicalizeIP(middleware.GetClientIP(r.Context()))
	if device != "" {
		limiter, key = s.logins.perDevice, "admin-device "+device
	}
	lw := &limitWriter{ResponseWriter: w}
	switch {
	case !limiter.OnLimit(lw, r, key):
		return loginRefusal{}
	case lw.err != nil:
		return loginRefusal{http.StatusServiceUnavailable, counterRest,
			"Logins can't be checked against the limit on attempts right now, so none are taken. Please try again in a minute."}
	}
	return loginRefusal{http.StatusTooManyRequests, loginFailureWindow,
		"Too many login attempts from your address. Please wait a minute, then try again."}
}

// refuseLogin answers a refused login attempt on the login page.
func (s *Server) refuseLogin(w http.ResponseWriter, r *http.Request, no loginRefusal, next string) {
	w.Header().Set("Retry-After", strconv.Itoa(int(no.retryAfter.Seconds())))
	s.adminRender(w, r, no.status, "login", &adminPage{Title: "Log in", Data: loginData{Next: next}, Error: no.msg})
}

// limitWriter carries a limiter's counting error back to countLogin:
// httprate hands it to its error handler with the writer it was given.
type limitWriter struct {
	http.ResponseWriter
	err error
}

// keepLimitError is the limiters' error handler. It writes nothing: the
// error is countLogin's to answer.
func keepLimitError(w http.ResponseWriter, _ *http.Request, err error) {
	if lw, ok := w.(*limitWriter); ok {
		lw.err = err
	}
}

// deviceOf names the browser that has logged in before, by a hash of its
// valid device cookie; "" for any other browser.
func (s *Server) deviceOf(r *http.Request) string {
	c, err := r.Cookie(deviceCookie)
	if err != nil {
		return ""
	}
	if _, err = s.Links.Signer().Verify(c.Value, token.AdminDevice, s.Now()); err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(c.Value))
	return hex.EncodeToString(sum[:12])
}

// failClosed counts in the shared database and, when that fails or is
// too slow (the store's counter gives up after its Timeout), makes the
// limiter refuse: a login limit that lets attempts through uncounted
// would let a guesser in while the database struggles. After a failure
// the counter is left alone for a while, so attempts don't each wait for
// a database that is not answering.
type failClosed struct {
	httprate.LimitCounter
	s *Server
}

// counterRest is how long the shared counter is left alone after it fails.
const counterRest = 5 * time.Second

var errCounterResting = errors.New("admin: the login counter failed a moment ago")

// counterFaults is the state failClosed keeps across requests.
type counterFaults struct {
	mu     sync.Mutex
	until  time.Time // the counter is not asked before this
	logged time.Time // the last failure logged
}

func (c failClosed) Increment(key string, window time.Time) error {
	return c.IncrementBy(key, window, 1)
}

func (c failClosed) IncrementBy(key string, window time.Time, n int) error {
	if c.resting() {
		return errCounterResting
	}
	err := c.LimitCounter.IncrementBy(key, window, n)
	if err != nil {
		c.failed(err)
	}
	return err
}

func (c failClosed) Get(key string, current, previous time.Time) (int, int, error) {
	if c.resting() {
		return 0, 0, errCounterResting
	}
	cur, prev, err := c.LimitCounter.Get(key, current, previous)
	if err != nil {
		c.failed(err)
	}
	return cur, prev, err
}

func (c failClosed) resting() bool {
	f := &c.s.counterFaults
	f.mu.Lock()
	defer f.mu.Unlock()
	return c.s.Now().Before(f.until)
}

func (c failClosed) failed(err error) {
	f, now := &c.s.counterFaults, c.s.Now()
	f.mu.Lock()
	f.until = now.Add(counterRest)
	due := now.Sub(f.logged) >= time.Minute
	if due {
		f.logged = now
	}
	f.mu.Unlock()
	if due {
		c.s.Log.Error("admin logins from browsers not seen before are refused: the shared login counter failed", "err", err)
	}
}
