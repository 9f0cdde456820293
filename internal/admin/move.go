package admin

import (
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/schedule"
)

// moveTargets lists the lessons a reader can be moved to
// (schedule.PlanMove).
func moveTargets(c *course.Course, received []drip.Received) []*course.Lesson {
	var out []*course.Lesson
	for _, l := range c.Lessons {
		if _, err := schedule.PlanMove(c, received, l.Slug); err == nil {
			out = append(out, l)
		}
	}
	return out
}
