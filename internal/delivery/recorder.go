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
// outcome commits, and outcomes that arrive during one commit share the
// next. (Two places per connection was 9-21% faster; the bound was worth
// more.)
type recorder struct {
	db     *store.DB
	window chan struct{}
	reqs   chan recordReq
	done   chan struct{}
}

type recordReq struct {
	o    store.Outcome
	then func(error)
}

// newRecorder starts a recorder whose window holds size messages.
func newRecorder(db *store.DB, size int) *recorder {
	r := &recorder{db: db, window: make(chan struct{}, size), reqs: make(chan recordReq, size), done: make(chan struct{})}
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

// close stops the recorder once every queued outcome is committed.
func (r *recorder) close() {
	close(r.reqs)
	<-r.done
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

// commit writes a group in one transaction; if that fails, each outcome
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
		g.then(err)
		<-r.window
	}
}
