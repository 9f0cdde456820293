package schedule

import (
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
)

// Reader is where one reader stands in a course, as the rules need it.
type Reader struct {
	Timezone string
	// Joined is when the reader joined the course (a cohort's first run
	// is those who joined before it began); zero when unknown.
	Joined time.Time
	// NextDue is when the reader's next lesson is due (for a reader just
	// claimed: the due time the claim replaced with its lease).
	NextDue  time.Time
	Received []drip.Received
}

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
func Project(c *course.Course, a Reader, until time.Time) []Planned {
	received := append([]drip.Received(nil), a.Received...)
	due := a.NextDue
	var out []Planned
	for {
		l := NextLesson(c, received)
		if l == nil || (!until.IsZero() && due.After(until)) {
			return out
		}
		out = append(out, Planned{Lesson: l, Due: due})
		received = append(received, drip.Received{Slug: l.Slug, Status: drip.DeliverySent})
		next := NextLesson(c, received)
		if next == nil {
			return out
		}
		due = dueAfter(c, a, due, next)
	}
}

// nextDelay is the delay of the lesson that would follow received, or 0.
func nextDelay(c *course.Course, received []drip.Received) time.Duration {
	if l := NextLesson(c, received); l != nil {
		return l.Delay
	}
	return 0
}

// DueWeek is how far ahead `dripcourse schedule` and the admin's
// dashboard look: DueByDay from now to now plus DueWeek.
const DueWeek = 7 * 24 * time.Hour

// DueSummary totals what DueByDay found, and says it in the words the
// schedule command and the dashboard share.
func DueSummary(counts map[string]map[string]int, readers int) (total int, words string) {
	for _, day := range counts {
		for _, n := range day {
			total += n
		}
	}
	return total, fmt.Sprintf("%d lessons due over the next 7 days for %d active readers", total, readers)
}

// DueByDay counts the lessons readers are expected to get from now until
// until, by day (UTC, as 2006-01-02) and lesson slug: what `dripcourse
// schedule` shows. A reader already overdue counts from now, since the
// next pass sends their lesson.
func DueByDay(c *course.Course, readers []Reader, now, until time.Time) map[string]map[string]int {
	counts := map[string]map[string]int{} // day -> slug -> readers
	for _, r := range readers {
		if r.NextDue.Before(now) {
			r.NextDue = now
		}
		for _, p := range Project(c, r, until) {
			day := p.Due.Format("2006-01-02")
			if counts[day] == nil {
				counts[day] = map[string]int{}
			}
			counts[day][p.Lesson.Slug]++
		}
	}
	return counts
}
