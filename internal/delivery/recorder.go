package delivery

import (
	"context"

	"github.com/dripcourse/dripcourse/internal/store"
)

// recorder commits outcomes for several senders in shared transactions
// (group commit). Each sender still waits for its own outcome to be
// committed before it sends again, so the crash guarantee is unchanged:
// at most the messages in flight can be repeated. What changes is that
// four senders finishing at once cost one commit, not four.
type recorder struct {
	db   *store.DB
	reqs chan recordReq
	done chan struct{}
}

type recordReq struct {
	o   store.Outcome
	err chan error
}

// maxGroup caps how many outcomes share one transaction.
const maxGroup = 64

func newRecorder(db *store.DB) *recorder {
	r := &recorder{db: db, reqs: make(chan recordReq), done: make(chan struct{})}
	go r.loop()
	return r
}

// record commits o and returns once it is durable.
func (r *recorder) record(o store.Outcome) error {
	req := recordReq{o: o, err: make(chan error, 1)}
	r.reqs <- req
	return <-req.err
}

// close stops the recorder once every pending outcome is committed.
func (r *recorder) close() {
	close(r.reqs)
	<-r.done
}

func (r *recorder) loop() {
	defer close(r.done)
	for first := range r.reqs {
		group := []recordReq{first}
	drain:
		for len(group) < maxGroup {
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
	if err := r.db.Record(ctx, outs...); err == nil || len(group) == 1 {
		for _, g := range group {
			g.err <- err
		}
		return
	}
	for _, g := range group {
		g.err <- r.db.Record(ctx, g.o)
	}
}
