package course

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// dateLayout is how course.yaml writes a cohort's start date.
const dateLayout = "2006-01-02"

// cohort checks start and late_join.
func (v *courseCheck) cohort(c *Course, y *courseYAML) {
	if s := strings.TrimSpace(y.Start); s != "" {
		d, err := time.Parse(dateLayout, s)
		if err != nil {
			v.bad("start", fmt.Sprintf("start %q is not a date; write it like 2027-01-11 (year, month, day), or leave it out for a course each reader starts when they confirm", y.Start))
		}
		c.Start = d
	}
	// The key says whether late readers may join, so YAML's true and
	// false mean open and closed.
	switch strings.TrimSpace(y.LateJoin) {
	case "", "open", "true":
	case "closed", "false":
		c.LateClosed = true
	default:
		v.bad("late_join", fmt.Sprintf("late_join is %q; write open or true (readers who come after the start begin at lesson 1 at once), or closed or false (the course takes no signups once it has started)", y.LateJoin))
	}
	if y.LateJoin != "" && strings.TrimSpace(y.Start) == "" {
		v.bad("late_join", "late_join only means something for a course with a start date: add start: 2027-01-11, or remove late_join")
	}
}

// links checks reply_to and next, the keys that point elsewhere.
func (v *courseCheck) links(c *Course, y *courseYAML) {
	c.ReplyTo, c.Next = strings.TrimSpace(y.ReplyTo), strings.TrimSpace(y.Next)
	if c.ReplyTo != "" {
		a, err := mail.ParseAddress(c.ReplyTo)
		if err != nil || a.Name != "" || a.Address != c.ReplyTo || hasControl(c.ReplyTo) {
			v.bad("reply_to", fmt.Sprintf("reply_to %q is not a bare email address; write one like replies@example.com, with no name or brackets", y.ReplyTo))
		}
	}
	if c.Next != "" && !slugPattern.MatchString(c.Next) {
		v.bad("next", fmt.Sprintf("next %q is not a course slug; write the slug of another course in this directory, like next: after-the-breakup", y.Next))
	}
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// Cohort reports whether the course starts on a date for everyone.
func (c *Course) Cohort() bool { return !c.Start.IsZero() }

// StartIn is the moment a cohort course's start date begins in loc.
func (c *Course) StartIn(loc *time.Location) time.Time {
	y, m, d := c.Start.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// Started reports whether a cohort course has begun at now, by the
// course's own timezone: from then on, a reader who joins is late.
func (c *Course) Started(now time.Time) bool {
	return c.Cohort() && !now.Before(c.StartIn(c.Timezone))
}

// Closed reports whether the course takes no signups at now: a cohort
// course with late_join: closed that has begun.
func (c *Course) Closed(now time.Time) bool { return c.LateClosed && c.Started(now) }

// Days is the day the last lesson arrives, counted from the first: the
// sum of the delays after it, in whole days.
func (c *Course) Days() int { return c.DayOf(len(c.Lessons)) }

// DayOf is the day lesson n (1-based) arrives, counted from lesson 1: the
// sum of the delays of lessons 2 to n, rounded to whole days.
func (c *Course) DayOf(n int) int {
	if n <= 1 || len(c.Lessons) < 2 {
		return 0
	}
	var sum time.Duration
	for _, l := range c.Lessons[1:min(n, len(c.Lessons))] {
		sum += l.Delay
	}
	return int(sum.Round(24*time.Hour) / (24 * time.Hour))
}
