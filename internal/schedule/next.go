package schedule

import (
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
)

// NextLesson chooses a reader's next lesson from the course as it is now,
// given the lessons they already have. Lessons are matched by slug, so an
// operator can insert, reorder or remove lessons in a live course:
//
//   - a lesson in flight (claimed or awaiting retry) is finished first, with
//     the same delivery row and Message-ID, unless it was removed;
//   - otherwise the reader gets the first lesson after the last one they
//     received, in the new order, that they have not received;
//   - a lesson is never sent twice, and a removed one never at all;
//   - a lesson skipped by the operator counts as received: it is never
//     sent later.
//
// It returns nil when nothing is left for the reader.
func NextLesson(c *course.Course, received []drip.Received) *course.Lesson {
	done := make(map[string]bool, len(received))
	for _, r := range received {
		done[r.Slug] = Done(r.Status)
	}
	for _, r := range received {
		if !done[r.Slug] {
			if l, ok := c.Lesson(r.Slug); ok {
				return l
			}
		}
	}
	pos := -1
	for i := len(received) - 1; i >= 0; i-- {
		if done[received[i].Slug] {
			if idx := c.Index(received[i].Slug); idx >= 0 {
				pos = idx
				break
			}
		}
	}
	for _, l := range c.Lessons[pos+1:] {
		if !done[l.Slug] {
			return l
		}
	}
	return nil
}

// Done reports whether a lesson in status s is behind the reader: sent,
// given up after failing, or skipped by the operator. The reader's
// position is past it, and it never goes out again.
func Done(s drip.DeliveryStatus) bool {
	return s == drip.DeliverySent || s == drip.DeliveryFailed || s == drip.DeliverySkipped
}
