// Package schedule holds the rules of when mail goes, as pure functions of
// a course, a reader's timezone and lessons, and the time: send windows
// and timezones, which lesson is next after a course edit, retries, what a
// send attempt leads to, when a reader starts or resumes, and the
// projections behind `dripcourse schedule` and `check --against-live`. It
// does no I/O: the store keeps the state, and delivery, web and the
// commands ask these functions what it should become.
package schedule

import (
	"sync"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
)

// Window is when a course may send: daily hours in the reader's own
// timezone, on some days of the week.
type Window struct {
	Hours    course.Window
	Weekdays [7]bool
	Default  *time.Location // for readers whose timezone is unknown
}

// WindowOf returns a course's send window.
func WindowOf(c *course.Course) Window {
	return Window{Hours: c.Window, Weekdays: c.Weekdays, Default: c.Timezone}
}

// NextOpen returns the earliest moment at or after t that falls inside the
// send window on an allowed day, in loc. Wall-clock times are built with
// time.Date on each calendar day, so a window keeps its local hours across
// daylight-saving changes, including half-hour and 45-minute zones.
func (w Window) NextOpen(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = w.Default
	}
	local := t.In(loc)
	startH, startM := int(w.Hours.Start.Hours()), int(w.Hours.Start.Minutes())%60
	endH, endM := int(w.Hours.End.Hours()), int(w.Hours.End.Minutes())%60
	y, m, d := local.Date()
	for i := range 8 {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, loc)
		if !w.Weekdays[day.Weekday()] {
			continue
		}
		dy, dm, dd := day.Date()
		start := time.Date(dy, dm, dd, startH, startM, 0, 0, loc)
		end := time.Date(dy, dm, dd, endH, endM, 0, 0, loc)
		if !t.Before(end) {
			continue
		}
		if t.Before(start) {
			return start.UTC()
		}
		return t.UTC()
	}
	// No allowed day at all: never happens for a loaded course, which
	// always allows at least one day.
	return t.UTC()
}

// minGap keeps two lessons to one reader at least this far apart, so no
// pass ever sends one reader two lessons.
const minGap = time.Minute

// NextDue is when the lesson after one sent at sent becomes due: the sent
// time plus the next lesson's delay, moved into the reader's window.
func (w Window) NextDue(sent time.Time, delay time.Duration, loc *time.Location) time.Time {
	due := w.NextOpen(sent.Add(delay), loc)
	if due.Before(sent.Add(minGap)) {
		due = w.NextOpen(sent.Add(minGap), loc)
	}
	return due
}

// lateGrace is how long after its window closes a lesson due in that
// window may still go out: the tail of a long or rate-limited pass
// finishes within it.
const lateGrace = time.Hour

// Late reports whether a lesson that was due at due, inside the reader's
// window (or within lateGrace after it: the end of a lease taken in the
// window, when a crashed send is taken up again), is being claimed at now
// more than lateGrace after a window closed (the service was down, say),
// and if so when it should go instead: at the next window, rather than
// reach the reader in the night. A lesson due well outside the window (an
// immediate first lesson, one the reader asked for at night with "send me
// the next lesson now") is never late: it was meant for that moment.
func (w Window) Late(due, now time.Time, loc *time.Location) (time.Time, bool) {
	if w.onTime(now, loc) || due.After(now) || !w.onTime(due, loc) {
		return time.Time{}, false
	}
	return w.NextOpen(now, loc), true
}

// onTime reports whether now is inside the window, or within lateGrace
// after it closed.
func (w Window) onTime(now time.Time, loc *time.Location) bool {
	return !w.NextOpen(now.Add(-lateGrace), loc).After(now)
}

// FirstDue is when a newly confirmed reader's first lesson is due: at once,
// unless the course waits for the reader's window.
func (w Window) FirstDue(confirmed time.Time, wait bool, loc *time.Location) time.Time {
	if !wait {
		return confirmed.UTC()
	}
	return w.NextOpen(confirmed, loc)
}

var zones sync.Map // name -> *time.Location

// Zone returns the named IANA location, or def when name is empty or
// unknown. Locations are cached: loading one reads the zone database.
func Zone(name string, def *time.Location) *time.Location {
	if name == "" {
		return def
	}
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return def
	}
	zones.Store(name, l)
	return l
}
