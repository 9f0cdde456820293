package schedule

import (
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
)

// Attempt is how one send of a message went, as the rules need it.
type Attempt struct {
	At     time.Time // when the server answered, or the send failed
	Failed bool      // the message did not go
	Retry  bool      // the failure may pass: try the message again later
	Bounce bool      // the failure says the reader's address is bad
	// Attempts counts the attempts made before this one, and First is
	// when the first of them was made.
	Attempts int
	First    time.Time
}

// Next is the state a send attempt leads to.
type Next struct {
	Result   drip.DeliveryStatus // sent, retry or failed
	Due      time.Time           // the retry; for a lesson, else the next lesson's due time
	Complete bool                // that was the reader's last lesson
	Bounce   bool                // the reader is to be suppressed
}

// After decides what attempt a at sending lesson slug to reader r means.
// A failure that may pass is tried again while RetryAt allows (a wait
// longer than lateGrace ends in the reader's window, not at night; a
// shorter one follows a passing hiccup at once). Otherwise the lesson is
// done, sent or given up, and the reader moves on: to the next lesson,
// due NextDue after this one, or to the end of the course.
func After(c *course.Course, r Reader, slug string, a Attempt) Next {
	if a.Failed && a.Retry {
		if next, ok := RetryAt(a.First, a.At, a.Attempts+1); ok {
			if next.Sub(a.At) > lateGrace {
				next = WindowOf(c).NextOpen(next, Zone(r.Timezone, c.Timezone))
			}
			return Next{Result: drip.DeliveryRetry, Due: next}
		}
	}
	n := Next{Result: drip.DeliverySent}
	if a.Failed {
		n.Result, n.Bounce = drip.DeliveryFailed, a.Bounce
	}
	// A full slice expression, so the append never writes into the
	// caller's array.
	received := append(r.Received[:len(r.Received):len(r.Received)], drip.Received{Slug: slug, Status: n.Result})
	next := NextLesson(c, received)
	if next == nil {
		n.Complete, n.Due = true, a.At
		return n
	}
	n.Due = dueAfter(c, r, a.At, next)
	return n
}

// AfterConfirmation decides what attempt a at sending a double opt-in
// email means: sent; failed, and tried again while RetryAt allows; or
// given up. A bad address is marked whatever else happens.
func AfterConfirmation(a Attempt) Next {
	if !a.Failed {
		return Next{Result: drip.DeliverySent}
	}
	n := Next{Result: drip.DeliveryFailed, Bounce: a.Bounce}
	if a.Retry {
		if next, ok := RetryAt(a.First, a.At, a.Attempts+1); ok {
			n.Result, n.Due = drip.DeliveryRetry, next
		}
	}
	return n
}
