package schedule

import (
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
)

// Effect is what a course would do to the readers now in it, before it
// is loaded: what `dripcourse check --against-live` shows.
type Effect struct {
	Readers int
	Next    map[string]int // slug -> readers who get it next
	Future  map[string]int // slug -> readers who will still get it
	Skipped map[string]int // slug -> readers past it who never had it
	Removed map[string]int // slug the readers had but not in the course -> readers who had it
}

// EffectOf projects course c onto readers with the dispatcher's rules.
func EffectOf(c *course.Course, readers []Reader) Effect {
	ef := Effect{Readers: len(readers), Next: map[string]int{}, Future: map[string]int{}, Skipped: map[string]int{}, Removed: map[string]int{}}
	for _, r := range readers {
		had := map[string]bool{}
		for _, rc := range r.Received {
			had[rc.Slug] = true
			if _, ok := c.Lesson(rc.Slug); !ok {
				ef.Removed[rc.Slug]++
			}
		}
		will := map[string]bool{}
		for i, p := range Project(c, r, time.Time{}) {
			will[p.Lesson.Slug] = true
			ef.Future[p.Lesson.Slug]++
			if i == 0 {
				ef.Next[p.Lesson.Slug]++
			}
		}
		for _, l := range c.Lessons {
			if !had[l.Slug] && !will[l.Slug] {
				ef.Skipped[l.Slug]++
			}
		}
	}
	return ef
}
