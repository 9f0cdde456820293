package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// applyEvery is how often a PostgreSQL pass applies its outcome log when
// fewer than a batch wait: other instances, the admin and the stats see
// an outcome this long after its send, at most.
const applyEvery = 100 * time.Millisecond

// logApplier applies the outcome log while a PostgreSQL pass runs: every
// applyEvery, and as soon as a batch's worth has been logged.
type logApplier struct {
	db      *DB
	pending atomic.Int64 // outcomes logged since the last apply began
	kick    chan struct{}
	quit    chan struct{}
	done    chan struct{}

	mu  sync.Mutex
	err error // the last apply's failure, until one succeeds
}

func startApplier(db *DB) *logApplier {
	a := &logApplier{db: db, kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go a.run()
	return a
}

func (a *logApplier) run() {
	defer close(a.done)
	t := time.NewTicker(applyEvery)
	defer t.Stop()
	for {
		select {
		case <-a.quit:
			return
		case <-t.C:
		case <-a.kick:
		}
		a.apply(context.Background())
	}
}

// apply applies what the log holds and notes how it went. A failure is
// logged once until an apply succeeds again.
func (a *logApplier) apply(ctx context.Context) error {
	a.pending.Store(0)
	_, err := a.db.ApplyOutcomeLog(ctx)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil && a.err == nil {
		a.db.log.Warn("the outcome log could not be applied; its outcomes are durable and are tried again", "err", err)
	}
	a.err = err
	return err
}

// logged counts n more outcomes in the log, and starts an apply once a
// batch waits.
func (a *logApplier) logged(n int) {
	if a.pending.Add(int64(n)) >= logBatch {
		select {
		case a.kick <- struct{}{}:
		default:
		}
	}
}

// settle is called before each claim: while applying fails, the claim
// first tries once more itself, and the pass stops if that fails too,
// as it does when outcomes cannot be recorded at all. Outcomes waiting
// in the log do not hold a claim back: it skips their readers.
func (a *logApplier) settle(ctx context.Context) error {
	a.mu.Lock()
	failing := a.err != nil
	a.mu.Unlock()
	if !failing {
		return nil
	}
	if err := a.apply(ctx); err != nil {
		return fmt.Errorf("store: the outcome log cannot be applied, so this pass stops: %w", err)
	}
	return nil
}

// close stops the applier and applies what is left in the log, this
// pass's outcomes and any a stopped instance left behind.
func (a *logApplier) close() error {
	close(a.quit)
	<-a.done
	return a.apply(context.Background())
}
