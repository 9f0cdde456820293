package schedule

import (
	"fmt"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
)

// Why PlanMove refuses a move to a lesson.
var (
	ErrReceived = fmt.Errorf("the reader already had that lesson, and a lesson is never sent twice: %w", drip.ErrConflict)
	ErrBlocked  = fmt.Errorf("the reader is past that lesson, or another lesson awaits a retry and would go first: %w", drip.ErrConflict)
)

// PlanMove decides which lessons to skip so that target becomes the
// reader's next lesson, given the lessons received so far (see
// store.DB.Move for how skips are recorded). Every lesson before target
// in course order that the reader has not received is skipped, including
// one awaiting a retry; lessons already received stay as they are. So
// only forward moves, or moves to a lesson the reader never got, are
// possible: a lesson is never sent twice.
//
// The plan is checked against NextLesson itself, the function the
// dispatcher uses, so a plan that would not make target next is refused
// rather than half applied.
func PlanMove(c *course.Course, received []drip.Received, target string) ([]string, error) {
	t, ok := c.Lesson(target)
	if !ok {
		return nil, drip.ErrNotFound
	}
	status := make(map[string]drip.DeliveryStatus, len(received))
	for _, r := range received {
		status[r.Slug] = r.Status
	}
	if Done(status[target]) {
		return nil, ErrReceived
	}
	var skip []string
	for _, l := range c.Lessons[:t.Number-1] {
		if !Done(status[l.Slug]) {
			skip = append(skip, l.Slug)
		}
	}
	if next := NextLesson(c, afterSkips(received, skip)); next == nil || next.Slug != target {
		return nil, ErrBlocked
	}
	return skip, nil
}

// afterSkips is what the received rows will be once skip is recorded:
// existing rows become skipped in place, new ones are added in order.
func afterSkips(received []drip.Received, skip []string) []drip.Received {
	out := append([]drip.Received(nil), received...)
	for _, slug := range skip {
		found := false
		for i := range out {
			if out[i].Slug == slug {
				out[i].Status, found = drip.DeliverySkipped, true
			}
		}
		if !found {
			out = append(out, drip.Received{Slug: slug, Status: drip.DeliverySkipped})
		}
	}
	return out
}
