package store

// groupCommit is the one group-commit loop: writers that each need a
// commit of their own queue their requests on reqs, and each turn takes
// the first request, every other one already waiting (up to max), and
// hands them to commit as one group, to share one transaction. Most of a
// commit's cost is the same whatever it holds: SQLite has one writer, so
// a busy form would otherwise queue one commit per request, and on
// PostgreSQL each commit waits for a round trip. commit answers each
// request once its group is durable; a group that fails is run again one
// request at a time, so one bad request answers only for itself.
//
// It returns once reqs is closed or quit is. Signups (signups.go) and the
// outcomes of sends on PostgreSQL (recorder.go) go through it.
func groupCommit[R any](reqs <-chan R, quit <-chan struct{}, max int, commit func([]R)) {
	for {
		var first R
		select {
		case req, ok := <-reqs:
			if !ok {
				return
			}
			first = req
		case <-quit:
			return
		}
		group := []R{first}
	drain:
		for len(group) < max {
			select {
			case req, ok := <-reqs:
				if !ok {
					break drain
				}
				group = append(group, req)
			default:
				break drain
			}
		}
		commit(group)
	}
}
