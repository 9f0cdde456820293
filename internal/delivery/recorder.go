package delivery

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dripcourse/dripcourse/internal/store"
)

// recorder makes each send's outcome durable before that sender's
// connection carries another message: that is what bounds a crash to one
// repeated message per connection, each with the Message-ID it had, and
// no lost one.
//
// On SQLite the sender appends its outcome to the store's journal itself,
// one write call, and the journal moves outcomes into the database in
// bulk. (Handing the append to a goroutine of its own cost 8% of dispatch:
// every sender waited for that goroutine to be scheduled.)
//
// On PostgreSQL a commit costs a round trip, so outcomes are committed
// together (group commit), off the senders' path. There the bound is kept
// by a window with one place per connection: a sender takes a place just
// before a message goes out, and the place comes back only once that
// message's outcome is committed. (Two places per connection was 9-21%
// faster; the bound was worth more.)
//
// Once an outcome cannot be recorded at all, the pass sends nothing more
// and claims nothing more: every message sent meanwhile would go again.
type recorder struct {
	db      *store.DB
	journal *store.Journal // nil on PostgreSQL, which has the window
	window  chan struct{}
	reqs    chan recordReq
	done    chan struct{}

	mu     sync.Mutex
	failed error // the first outcome that could not be recorded
}

type recordReq struct {
	o    store.Outcome
	then func(error)
}

// newRecorder starts a recorder for size senders.
func newRecorder(db *store.DB, size int) *recorder {
	r := &recorder{db: db, journal: db.NewJournal()}
	if r.journal == nil {
		r.window, r.reqs, r.done = make(chan struct{}, size), make(chan recordReq, size), make(chan struct{})
		go r.loop()
	}
	return r
}

// enter takes a place in the window for a message about to be sent,
// waiting while the window is full. Every enter that reports true is
// followed by one record or, when nothing was sent after all, one leave;
// false means recording has failed and nothing more may be sent.
func (r *recorder) enter() bool {
	if r.window != nil {
		r.window <- struct{}{}
	}
	if r.failure() != nil {
		r.leave()
		return false
	}
	return true
}

func (r *recorder) leave() {
	if r.window != nil {
		<-r.window
	}
}

// record makes o durable, or queues it for a group commit; once it is
// durable (or has failed), then is called, and the message's place in the
// window is free again.
func (r *recorder) record(o store.Outcome, then func(error)) {
	if r.journal != nil {
		err := r.journal.Append([]store.Outcome{o})
		r.fail(err)
		then(err)
		return
	}
	r.reqs <- recordReq{o: o, then: then}
}

// fail notes that an outcome could not be recorded, when err says so.
func (r *recorder) fail(err error) {
	if err == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failed == nil {
		r.failed = err
	}
}

func (r *recorder) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// settle is called before each claim made as of now: it fails once an
// outcome could not be recorded, and waits while the journal holds
// outcomes the claim must not overtake (store.Journal.Settle).
func (r *recorder) settle(ctx context.Context, now time.Time) error {
	if err := r.failure(); err != nil {
		return fmt.Errorf("delivery: an outcome could not be recorded, so this pass stops: %w", err)
	}
	if r.journal == nil {
		return nil
	}
	return r.journal.Settle(ctx, now)
}

// close stops the recorder once every outcome is committed. An error
// means some are still only in the journal, to be replayed.
func (r *recorder) close() error {
	if r.journal != nil {
		return r.journal.Close()
	}
	close(r.reqs)
	<-r.done
	return nil
}

func (r *recorder) loop() {
	defer close(r.done)
	for first := range r.reqs {
		// A group never outgrows the window, which bounds what is queued.
		group := []recordReq{first}
	drain:
		for {
			select {
			case req, ok := <-r.reqs:
				if !ok {
					break drain
				}
				group = append(group, req)
			default:
				break drain
			}
		}
		r.commit(group)
	}
}

// commit commits a group in one transaction; if that fails, each outcome
// is tried alone, so one bad row cannot take the others down with it.
func (r *recorder) commit(group []recordReq) {
	ctx := context.Background()
	outs := make([]store.Outcome, len(group))
	for i, g := range group {
		outs[i] = g.o
	}
	groupErr := r.db.Record(ctx, outs...)
	for _, g := range group {
		err := groupErr
		if err != nil && len(group) > 1 {
			err = r.db.Record(ctx, g.o)
		}
		r.fail(err)
		g.then(err)
		<-r.window
	}
}
