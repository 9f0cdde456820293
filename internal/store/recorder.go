package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Recorder makes the outcomes of one dispatch pass durable, the same way
// on both databases: each send's outcome is durable before that sender's
// connection carries another message. That is what bounds a crash to one
// repeated message per connection, each with the Message-ID it had, and
// no lost one.
//
// A window with one place per sender keeps the bound: a sender takes a
// place (Enter) just before a message goes out, and the place comes back
// once that message's outcome is durable. On SQLite that is as soon as
// the sender has appended it to the pass's journal, one write call, and
// the journal moves outcomes into the database in bulk (journal.go).
// (Handing the append to a goroutine of its own cost 8% of dispatch:
// every sender waited for that goroutine to be scheduled.) On PostgreSQL
// a commit costs a round trip and a flush, so outcomes are committed
// together (groupCommit), off the senders' path, as rows of the outcome
// log (pglog.go), one group in flight at a time (pgCommitters), and a place
// comes back once its outcome's commit has; the pass applies the log in
// large batches meanwhile. (Two places per connection was 9-21% faster
// there; the bound was worth more.)
//
// Once an outcome cannot be recorded at all, the pass sends nothing more
// and claims nothing more: every message sent meanwhile would go again.
type Recorder struct {
	db      *DB
	window  chan struct{}
	journal *Journal       // SQLite: outcomes are durable once appended
	reqs    chan recordReq // PostgreSQL: outcomes waiting for a group commit
	done    chan struct{}  // closed when the group commits have stopped
	applier *logApplier    // PostgreSQL: applies the outcome log

	mu     sync.Mutex
	failed error // the first outcome that could not be recorded
}

// NewRecorder starts a recorder for a pass with the given number of
// senders.
func (db *DB) NewRecorder(senders int) *Recorder {
	senders = max(1, senders)
	r := &Recorder{db: db, window: make(chan struct{}, senders), journal: db.NewJournal()}
	if r.journal == nil {
		// A group never outgrows the window, which bounds what is queued.
		r.reqs, r.done = make(chan recordReq, senders), make(chan struct{})
		r.applier = startApplier(db)
		go func() {
			groupCommit(r.reqs, nil, senders, min(senders, pgCommitters), r.commit)
			close(r.done)
		}()
	}
	return r
}

// pgCommitters is how many group commits of outcomes a PostgreSQL pass
// keeps in flight. Once an outcome became one narrow row of the outcome
// log, one was the fastest: while it commits, the others' outcomes
// gather into its next group. In alternating runs of 20,000 lessons on a
// quiet 2-core machine, one gave a median 5,291 msgs/s (113 to 157 µs of
// the server's CPU a message) against 4,982 for two (139 to 169 µs) and
// 4,359 to 4,943 for four, in groups half as large.
const pgCommitters = 1

// recordReq is an outcome waiting for its group commit, and what to tell
// once it is committed or has failed.
type recordReq struct {
	o    Outcome
	then func(error)
}

// Enter takes a place in the window for a message about to be sent,
// waiting while the window is full. Every Enter that reports true is
// followed by one Record or, when nothing was sent after all, one Leave;
// false means recording has failed and nothing more may be sent.
func (r *Recorder) Enter() bool {
	r.window <- struct{}{}
	if r.failure() != nil {
		r.Leave()
		return false
	}
	return true
}

// Leave gives back a place taken for a message that was not sent.
func (r *Recorder) Leave() { <-r.window }

// Record makes o durable, and then calls then with the error, if any,
// and gives back the message's place in the window. On SQLite it returns
// once o is in the journal, having called then; on PostgreSQL it queues
// o for the next group commit, which calls then.
func (r *Recorder) Record(o Outcome, then func(error)) {
	if r.journal != nil {
		r.recorded(r.journal.Append([]Outcome{o}), then)
		return
	}
	r.reqs <- recordReq{o: o, then: then}
}

// recorded ends the recording of one outcome: it notes a failure, tells
// the sender, and gives the message's place back.
func (r *Recorder) recorded(err error, then func(error)) {
	r.fail(err)
	then(err)
	r.Leave()
}

// fail notes that an outcome could not be recorded, when err says so.
func (r *Recorder) fail(err error) {
	if err == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failed == nil {
		r.failed = err
	}
}

func (r *Recorder) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// Settle is called before each claim made as of now: it fails once an
// outcome could not be recorded, and waits while the journal holds
// outcomes the claim must not overtake (Journal.Settle). Outcomes that
// are not in a journal are not yet durable, and their senders wait for
// them, not the claim.
func (r *Recorder) Settle(ctx context.Context, now time.Time) error {
	if err := r.failure(); err != nil {
		return fmt.Errorf("store: an outcome could not be recorded, so this pass stops: %w", err)
	}
	if r.journal == nil {
		return r.applier.settle(ctx)
	}
	return r.journal.Settle(ctx, now)
}

// Close stops the recorder once every outcome is committed and applied.
// An error means some are still only in the journal or the outcome log,
// to be applied by the next pass or start.
func (r *Recorder) Close() error {
	if r.journal != nil {
		return r.journal.Close()
	}
	close(r.reqs)
	<-r.done
	return r.applier.close()
}

// commit commits a group of outcomes in one transaction and tells each
// how it went; if the group fails, each outcome is tried alone, so one
// bad row cannot take the others down with it. An outcome that could not
// be committed is its sender's to report, and its lease brings the
// lesson back.
func (r *Recorder) commit(group []recordReq) {
	ctx := context.Background()
	outs := make([]Outcome, len(group))
	for i, g := range group {
		outs[i] = g.o
	}
	groupErr := r.db.logOutcomes(ctx, outs)
	for _, g := range group {
		err := groupErr
		if err != nil && len(group) > 1 {
			err = r.db.logOutcomes(ctx, []Outcome{g.o})
		}
		r.recorded(err, g.then)
	}
	r.applier.logged(len(group))
}
