package schedule

import "time"

// backoff is the wait before each retry of a temporarily failed message:
// quick at first for a passing hiccup, then every six hours.
var backoff = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}

// GiveUpAfter is how long a message is retried before it is marked failed.
const GiveUpAfter = 72 * time.Hour

// RetryAt returns when to try again after the attempts-th failed attempt
// (1 for the first), and false when the message has been failing for
// longer than GiveUpAfter and should be given up.
func RetryAt(first, now time.Time, attempts int) (time.Time, bool) {
	wait := backoff[len(backoff)-1]
	if attempts >= 1 && attempts <= len(backoff) {
		wait = backoff[attempts-1]
	}
	if now.Sub(first) >= GiveUpAfter {
		return time.Time{}, false
	}
	next, deadline := now.Add(wait), first.Add(GiveUpAfter)
	if next.After(deadline) {
		next = deadline // the last retry falls at the deadline, not past it
	}
	return next, true
}
