// Package course loads a course from a directory of files: a course.yaml
// that describes it, and one Markdown file per lesson, named NN-slug.md, with
// YAML front matter. The slug (the file name without its number and
// extension) is a lesson's permanent identity; the number only orders the
// course. Every problem found is reported with the file and line it is on,
// so an operator can fix a course without reading Go.
//
// The package reads from an fs.FS and knows nothing of where the files come
// from: the copy built into the binary, or a directory an operator edits.
package course

import (
	"fmt"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Course is a loaded, validated course.
type Course struct {
	Slug        string
	Title       string
	Tagline     string
	Description string
	Promises    []string
	SenderName  string
	Timezone    *time.Location
	Window      Window
	Weekdays    [7]bool // indexed by time.Weekday
	// WaitForWindow makes even the first lesson wait for the reader's send
	// window, instead of going out right after confirmation.
	WaitForWindow bool
	Discreet      bool
	// DiscreetSenderName and DiscreetSubject replace the sender name and
	// subject in discreet mode; "{{n}}" in the subject is the lesson number.
	DiscreetSenderName string
	DiscreetSubject    string
	// ReplyTo is where readers' replies to this course's mail go; empty
	// for the instance's own setting.
	ReplyTo string
	// Start is a cohort course's first day, a date at midnight UTC (use
	// StartIn for the instant it begins somewhere); zero for an
	// evergreen course, which each reader starts when they confirm.
	Start time.Time
	// LateClosed makes a cohort course take no signups once it has
	// started; otherwise a late reader starts at lesson 1 at once.
	LateClosed bool
	// Next is the slug of the course offered to a reader who finishes
	// this one; empty for none.
	Next string
	// Dir is the course's folder in a directory of courses; empty for a
	// course alone at the top.
	Dir     string
	Lessons []*Lesson
	bySlug  map[string]*Lesson
	lines   keyLines // where some keys are, for problems found later
}

// keyLines are the course.yaml lines of the keys that a set checks
// against the other courses.
type keyLines struct{ slug, next int }

// Window is the time of day, in the reader's own timezone, when lessons may
// be sent: from Start up to End, as offsets from midnight.
type Window struct {
	Start, End time.Duration
}

func (w Window) String() string {
	f := func(d time.Duration) string { return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60) }
	return f(w.Start) + "-" + f(w.End)
}

// Lesson finds a lesson by slug.
func (c *Course) Lesson(slug string) (*Lesson, bool) {
	l, ok := c.bySlug[slug]
	return l, ok
}

// Index returns the position of the lesson with slug, or -1.
func (c *Course) Index(slug string) int {
	if l, ok := c.bySlug[slug]; ok {
		return l.Number - 1
	}
	return -1
}

// Slugs returns the lesson slugs in course order.
func (c *Course) Slugs() []string {
	out := make([]string, len(c.Lessons))
	for i, l := range c.Lessons {
		out[i] = l.Slug
	}
	return out
}

// Subject is the subject line a lesson is sent with, which in discreet mode
// gives nothing of the course away.
func (c *Course) Subject(l *Lesson) string {
	if !c.Discreet {
		return l.Subject
	}
	return strings.ReplaceAll(c.DiscreetSubject, "{{n}}", fmt.Sprint(l.Number))
}

// From is the sender's display name.
func (c *Course) From() string {
	if c.Discreet {
		return c.DiscreetSenderName
	}
	return c.SenderName
}

// Problem and Problems are the drip types, named here for convenience.
type (
	Problem  = drip.Problem
	Problems = drip.Problems
)
