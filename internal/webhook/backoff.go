package webhook

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The retry policy.
const (
	// MaxRetryAge is how long a delivery is retried, counted from its
	// event (or from a replay); then it is given up.
	MaxRetryAge = 72 * time.Hour
	// DisableAfter is how long an endpoint may go on failing, with no
	// success at all, before it is disabled.
	DisableAfter = 72 * time.Hour
	// minWait keeps full jitter from retrying at once.
	minWait = time.Second
	// maxWait is the longest wait between two tries, and the longest
	// Retry-After honoured.
	maxWait = 6 * time.Hour
)

// backoffCap is the longest wait after the try-th attempt failed: 30 s,
// 2 min, 10 min, 30 min, 1 h, 3 h, then 6 h for every later try.
func backoffCap(try int) time.Duration {
	caps := [...]time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute,
		30 * time.Minute, time.Hour, 3 * time.Hour, maxWait}
	switch {
	case try < 1:
		return caps[0]
	case try > len(caps):
		return caps[len(caps)-1]
	}
	return caps[try-1]
}

// Jitter draws a wait in [0, max]; tests inject their own.
type Jitter func(max time.Duration) time.Duration

// FullJitter is the default Jitter: uniform over [0, max].
func FullJitter(max time.Duration) time.Duration { return rand.N(max + 1) }

// Backoff returns how long to wait after the try-th attempt failed: a
// draw of j (full jitter) under the try's cap, at least a second.
func Backoff(try int, j Jitter) time.Duration {
	limit := backoffCap(try)
	wait := j(limit)
	return min(max(wait, minWait), limit)
}

// nextTry decides what a failed attempt makes of its delivery: pending
// again after the backoff, or after a longer Retry-After the receiver
// asked for (up to the longest cap); failed once that would fall outside
// the delivery's retry window.
func nextTry(d Delivery, at time.Time, retryAfter time.Duration, j Jitter) (State, time.Time) {
	wait := Backoff(d.Try, j)
	if retryAfter > wait {
		wait = min(retryAfter, maxWait)
	}
	next := at.Add(wait)
	if next.After(d.Since.Add(MaxRetryAge)) {
		return Failed, time.Time{}
	}
	return Pending, next
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
