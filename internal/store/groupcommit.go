package store

import "sync"

// groupCommit runs the group commits: writers that each need a commit of
// their own queue their requests on reqs, and each group takes the first
// request waiting, every other one already waiting (up to max), and hands
// them to commit as one group, to share one transaction. Most of a
// commit's cost is the same whatever it holds: SQLite has one writer, so
// a busy form would otherwise queue one commit per request, and on
// PostgreSQL each commit costs a round trip, a flush and the server's
// work of a transaction. commit answers each request once its group is
// durable; a group that fails is run again one request at a time, so one
// bad request answers only for itself.
//
// Up to loops groups commit at once, but a group starts while another is
// committing only once it is full (max): until then it keeps gathering,
// and starts when the other ends. Several small groups in flight cost the
// server more a request than one larger group after another (with four
// groups of signups free to start, a group held about two signups of
// eight clients, and each signup cost PostgreSQL a third more CPU); the
// further groups only help when the load fills them, or the flush of a
// commit is slow.
//
// It returns once reqs is closed or quit is, with every request it took
// committed. Signups (signups.go) and the outcomes of sends on PostgreSQL
// (recorder.go) go through it.
func groupCommit[R any](reqs <-chan R, quit <-chan struct{}, max, loops int, commit func([]R)) {
	f := &committing[R]{reqs: reqs, quit: quit, max: max, ended: make(chan struct{})}
	var wg sync.WaitGroup
	for range loops {
		wg.Go(func() {
			for {
				group, ok := f.gather()
				if !ok {
					return
				}
				commit(group)
				f.end()
			}
		})
	}
	wg.Wait()
}

// committing is what groupCommit's loops share: one of them gathers at a
// time, and they count the groups committing.
type committing[R any] struct {
	reqs <-chan R
	quit <-chan struct{}
	max  int

	gathering sync.Mutex

	mu    sync.Mutex
	n     int           // groups committing
	ended chan struct{} // closed, and replaced, as each commit ends
}

// gather takes the next group and counts it as committing. It reports
// false, with no group, once reqs is closed or quit is; a group it has
// begun it always returns.
func (f *committing[R]) gather() ([]R, bool) {
	f.gathering.Lock()
	defer f.gathering.Unlock()
	var group []R
	select {
	case req, ok := <-f.reqs:
		if !ok {
			return nil, false
		}
		group = f.waiting(append(group, req))
	case <-f.quit:
		return nil, false
	}
wait:
	for len(group) < f.max {
		f.mu.Lock()
		busy, ended := f.n > 0, f.ended
		f.mu.Unlock()
		if !busy {
			break
		}
		select {
		case req, ok := <-f.reqs:
			if !ok {
				break wait
			}
			group = f.waiting(append(group, req))
		case <-ended:
		case <-f.quit:
			break wait
		}
	}
	f.mu.Lock()
	f.n++
	f.mu.Unlock()
	return group, true
}

// waiting adds to group the requests already waiting, up to max.
func (f *committing[R]) waiting(group []R) []R {
	for len(group) < f.max {
		select {
		case req, ok := <-f.reqs:
			if !ok {
				return group
			}
			group = append(group, req)
		default:
			return group
		}
	}
	return group
}

// end counts a group's commit as ended, and wakes a group waiting for it.
func (f *committing[R]) end() {
	f.mu.Lock()
	f.n--
	close(f.ended)
	f.ended = make(chan struct{})
	f.mu.Unlock()
}
