package schedule

import (
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
)

// A cohort course (start: in course.yaml) sends each lesson to everyone
// who joined before it began on the same local day: lesson k on the start
// date plus course.DayOf(k) days, in each reader's own window. A reader
// who joins after the start, or falls behind (a pause, retries), goes on
// at the evergreen pace instead, from where they are.

// InCohort reports whether a reader who joined the course at joined is
// in its first run: they joined before it began, by the course's own
// timezone. A reader whose joining time is unknown (zero: an enrollment
// made before courses had dates) is not.
func InCohort(c *course.Course, joined time.Time) bool {
	return c.Cohort() && !joined.IsZero() && !c.Started(joined)
}

// CohortDue is when lesson n (1-based) of cohort course c goes to a reader
// in loc: the window's opening on the start date plus c.DayOf(n) days, or
// on the first allowed weekday after it.
func CohortDue(c *course.Course, n int, loc *time.Location) time.Time {
	w := WindowOf(c)
	if loc == nil {
		loc = w.Default
	}
	y, m, d := c.Start.Date()
	day := time.Date(y, m, d+c.DayOf(n), 0, 0, 0, 0, loc)
	return w.NextOpen(day, loc)
}

// dueAfter is when lesson next is due for reader r once the lesson before
// it was sent at sent: on its cohort day when that is still ahead, else
// the lesson's delay after sent, in the reader's window.
func dueAfter(c *course.Course, r Reader, sent time.Time, next *course.Lesson) time.Time {
	loc := Zone(r.Timezone, c.Timezone)
	if InCohort(c, r.Joined) {
		if due := CohortDue(c, next.Number, loc); !due.Before(sent.Add(minGap)) {
			return due
		}
	}
	return WindowOf(c).NextDue(sent, next.Delay, loc)
}
