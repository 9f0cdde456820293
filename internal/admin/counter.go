package admin

import (
	"sync"
	"time"

	"github.com/go-chi/httprate"
)

// sharedCounter is the option that makes the login limiter count in the
// shared database, when there is one.
func (s *Server) sharedCounter() []httprate.Option {
	if s.LimitCounter == nil {
		return nil
	}
	return []httprate.Option{httprate.WithLimitCounter(failOpen{s.LimitCounter, s})}
}

// failOpen lets requests through, uncounted, when the shared counter
// fails. After a failure the counter is left alone for a while, so
// requests don't each wait for a database that is not answering.
type failOpen struct {
	httprate.LimitCounter
	s *Server
}

// counterRest is how long the shared counter is left alone after it fails.
const counterRest = 5 * time.Second

// counterFaults is the state failOpen keeps across requests.
type counterFaults struct {
	mu     sync.Mutex
	until  time.Time // the counter is not asked before this
	logged time.Time // the last failure logged
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
	due := now.Sub(f.logged) >= time.Minute
	if due {
		f.logged = now
	}
	f.mu.Unlock()
	if due {
		c.s.Log.Error("admin login limits are not enforced: the shared counter failed", "err", err)
	}
}
