package schedule

import (
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
)

// Start is when a reader who joins course c at at (confirming their
// address, starting it from their own link, or imported as confirmed)
// gets the first lesson: on a cohort course's start date in their window
// when they join before it begins; else at once, unless the course waits
// for the reader's window.
func Start(c *course.Course, timezone string, at time.Time) time.Time {
	loc := Zone(timezone, c.Timezone)
	if InCohort(c, at) {
		return CohortDue(c, 1, loc)
	}
	return WindowOf(c).FirstDue(at, c.WaitForWindow, loc)
}

// Resume is when a reader whose course runs again from at (resumed after
// a pause by the operator, in the admin or the CLI, or back through
// their own re-subscribe link) gets the next lesson: at their next send
// window, so a long pause never ends at night or in a burst. A resumed
// pause keeps the later of this and the due time the reader already had
// (store.DB.ResumeEnrollment).
func Resume(c *course.Course, timezone string, at time.Time) time.Time {
	return WindowOf(c).NextOpen(at, Zone(timezone, c.Timezone))
}

// Unpause is when a reader whose own pause (their "pause a week" link) is
// ended early gets the next lesson: when it would have come had they not
// paused, the lesson's delay after the last one sent, and no earlier
// than their next send window.
func Unpause(c *course.Course, timezone string, received []drip.Received, lastSent, at time.Time) time.Time {
	due := Resume(c, timezone, at)
	if lastSent.IsZero() {
		return due
	}
	natural := WindowOf(c).NextDue(lastSent, nextDelay(c, received), Zone(timezone, c.Timezone))
	if natural.After(due) {
		return natural
	}
	return due
}
