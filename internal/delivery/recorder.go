package delivery

import (
	"context"

	"github.com/dripcourse/dripcourse/internal/store"
)

// recorder commits outcomes for several senders in shared transactions
// (group commit), off the senders' path. What bounds a crash is the
// window: a sender takes a place in it just before a message goes out,
// and the place comes back only once that message's outcome is durable.
// The runner gives it one place per connection, so a crash repeats at most
// one message per connection, each with the Message-ID it had, and loses
// none. Within that bound a sender renders its next message while its last
// outcome is recorded, and outcomes that arrive meanwhile are recorded
// together. (Two places per connection was 9-21% faster; the bound was worth
// more.) On SQLite an outcome is durable once it is in the store's journal,
// one write call, and the journal moves it into the database in bulk.
type recorder struct {
	db      *store.DB
	journal *store.Journal // nil on PostgreSQL: each group is committed
	window  chan struct{}
	reqs    chan recordReq
	done    chan struct{}
}

type recordReq struct {
	o    store.Outcome
	then func(error)
}

// newRecorder starts a recorder whose window holds size messages.
func newRecorder(db *store.DB, size int) *recorder {
	r := &recorder{db: db, journal: db.NewJournal(), window: make(chan struct{}, size), reqs: make(chan recordReq, size), done: make(chan struct{})}
	go r.loop()
	return r
}

// enter takes a place in the window for a message about to be sent,
// waiting while the window is full. Every enter is followed by one record
// or, when nothing was sent after all, one leave.
func (r *recorder) enter() { r.window <- struct{}{} }

func (r *recorder) leave() { <-r.window }

// record queues o for commit; once it is durable (or has failed), then is
// called and the message's place in the window is free again.
func (r *recorder) record(o store.Outcome, then func(error)) {
	r.reqs <- recordReq{o: o, then: then}
}

// flush waits until every outcome recorded so far is in the database
// itself; claims wait for it, so none is claimed again while its last
// outcome is still only in the journal.
func (r *recorder) flush(ctx context.Context) error {
	if r.journal == nil {
		return nil
	}
	return r.journal.Flush(ctx)
}

// close stops the recorder once every queued outcome is committed. An
// error means some are still only in the journal, to be replayed.
func (r *recorder) close() error {
	close(r.reqs)
	<-r.done
	if r.journal == nil {
		return nil
	}
	return r.journal.Close()
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

// commit appends a group to the journal in one write, or (on PostgreSQL)
// commits it in one transaction; if that commit fails, each outcome is
// tried alone, so one bad row cannot take the others down with it.
func (r *recorder) commit(group []recordReq) {
	ctx := context.Background()
	outs := make([]store.Outcome, len(group))
	for i, g := range group {
		outs[i] = g.o
	}
	var groupErr error
	if r.journal != nil {
		groupErr = r.journal.Append(outs)
	} else {
		groupErr = r.db.Record(ctx, outs...)
	}
	for _, g := range group {
		err := groupErr
		if err != nil && len(group) > 1 && r.journal == nil {
			err = r.db.Record(ctx, g.o) // a failed append fails for all alike
		}
		g.then(err)
		<-r.window
	}
}
