package delivery

import (
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

// Planned is one lesson a reader is expected to get, and when.
type Planned struct {
	Lesson *course.Lesson
	Due    time.Time
}

// Project lists the lessons reader a will get from course c, in order,
// with their expected due times, until the course ends or until is
// reached (zero: no limit). It applies the same rules as the dispatcher:
// NextLesson for the order, NextDue for the spacing, assuming each lesson
// goes out when it is due.
func Project(c *course.Course, a store.ActiveReader, until time.Time) []Planned {
	received := append([]store.Received(nil), a.Received...)
	sched := ScheduleOf(c)
	loc := Zone(a.Timezone, c.Timezone)
	due := a.NextDue
	var out []Planned
	for {
		l := NextLesson(c, received)
		if l == nil || (!until.IsZero() && due.After(until)) {
			return out
		}
		out = append(out, Planned{Lesson: l, Due: due})
		received = append(received, store.Received{Slug: l.Slug, Status: drip.DeliverySent})
		due = sched.NextDue(due, nextDelay(c, received), loc)
	}
}

// nextDelay is the delay of the lesson that would follow received, or 0.
func nextDelay(c *course.Course, received []store.Received) time.Duration {
	if l := NextLesson(c, received); l != nil {
		return l.Delay
	}
	return 0
}
