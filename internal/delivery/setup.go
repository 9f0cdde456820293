package delivery

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/dripcourse/dripcourse/internal/mailer"
)

// setupPause is how long a message whose send failed on our own side of
// the exchange waits before it is tried again, when the pass goes on.
const setupPause = time.Minute

// setupGate decides, within one pass, what a failure of our own setup
// (mailer.Error.Setup) does. The message is never charged an attempt: it
// goes back, and nothing about the reader changes. A refusal that will
// not pass by itself (a 5xx to our login or sender address) stops the
// pass at once: every message would get it. A passing one (a connection
// that failed, a 421 from a relay that caps its connections per client)
// puts only that message back, for a minute, while the other connections
// go on, unless as many failures in a row as there are connections say
// that the server is down or the outbox cannot be written.
type setupGate struct {
	streak atomic.Int32
	limit  int32
	last   atomic.Pointer[mailer.Error] // the latest failure
	gotOne atomic.Bool                  // a send of this pass got past our setup
}

func newSetupGate(workers int) *setupGate { return &setupGate{limit: int32(max(1, workers))} }

// refusal returns sendErr as a failure of our own setup, or nil.
func refusal(sendErr error) *mailer.Error {
	if sendErr == nil {
		return nil
	}
	if e := mailer.AsError(sendErr); e.Setup() {
		return e
	}
	return nil
}

// ok notes a send that got past our setup.
func (g *setupGate) ok() {
	g.streak.Store(0)
	g.gotOne.Store(true)
}

// failed notes a failure of our setup and returns when the message goes
// again, and the error that stops the pass, if it must stop.
func (g *setupGate) failed(e *mailer.Error, now time.Time) (due time.Time, stop error) {
	g.last.Store(e)
	n := g.streak.Add(1)
	if e.Code < 500 && n < g.limit {
		return now.Add(setupPause), nil
	}
	return now, stopError(e)
}

// unresolved returns, at the end of a pass in which every send failed on
// our own side without stopping it (fewer messages than connections,
// say), the error the operator must see; nil when any send got through.
// Sends finish in any order across connections, so one refused message
// finishing after the others went is no sign that the server refuses us;
// it waits its minute, and a later pass reports it if it fails alone.
func (g *setupGate) unresolved() error {
	if g.streak.Load() == 0 || g.gotOne.Load() {
		return nil
	}
	return stopError(g.last.Load())
}

func stopError(e *mailer.Error) error {
	what := "our connection or login (check DRIP_SMTP_URL), or the outbox could not be written"
	switch {
	case e.Stage == mailer.StageMail && e.Code >= 500:
		what = "our sender address (check DRIP_FROM and its domain)"
	case e.Stage == mailer.StageMail:
		what = "to take mail from us for now"
	}
	return fmt.Errorf("delivery: the mail server refused %s: %w; what it refused waits, uncharged, and is tried again", what, e)
}
