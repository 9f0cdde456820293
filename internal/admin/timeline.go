package admin

import (
	"fmt"
	"slices"
	"time"

	"github.com/dripcourse/dripcourse/internal/store"
)

// timelineEntry is one line of a reader's timeline.
type timelineEntry struct {
	At      time.Time
	What    string
	Detail  string
	Replies []string // SMTP replies, for a message
}

// eventWords say what each event kind means, for the timeline.
var eventWords = map[string]string{
	"signup": "Signed up", "confirm": "Confirmed the address", "open": "Opened", "click": "Clicked a link in",
	"unsubscribe": "Unsubscribed", "resubscribe": "Undid the unsubscribe", "bounce": "Address bounced",
	"complaint": "Marked a message as spam", "next": "Asked for the next lesson now", "pause": "Paused", "resume": "Resumed",
	"soft_bounce": "Soft bounce (mailbox full, or the server down for days)", "report": "Report that charges the reader nothing",
	"enroll": "Started a course from their own link", "complete": "Completed the course",
}

// timeline merges a reader's events, confirmation emails and lessons
// into one list, oldest first.
func (s *Server) timeline(rec *store.ReaderRecord) []timelineEntry {
	var out []timelineEntry
	name := s.lessonName
	for _, e := range rec.Events {
		what := eventWords[e.Kind]
		if what == "" {
			what = e.Kind
		}
		if e.Kind == "pause" && e.DeliveryID != 0 {
			what = "Paused for a week (a lesson's link)"
		}
		if e.Lesson != "" && (e.Kind == "open" || e.Kind == "click") {
			what += " " + name(eventCourse(rec, e), e.Lesson)
		}
		detail := e.Detail
		if e.Course != "" && s.several() && e.Lesson == "" {
			detail = join(detail, s.courseTitle(e.Course))
		}
		if e.Machine {
			detail = join(detail, "by a machine (a scanner or mail proxy), not counted as the reader's")
		}
		if e.RolledUp {
			detail = join(detail, "the first; older opens and clicks are kept as daily counts")
		}
		out = append(out, timelineEntry{At: e.At, What: what, Detail: detail})
	}
	for _, c := range rec.Confirmations {
		at := c.CreatedAt
		if !c.SentAt.IsZero() {
			at = c.SentAt
		}
		what := "Confirmation email"
		if s.several() {
			what += " for " + s.courseTitle(c.Course)
		}
		out = append(out, timelineEntry{At: at, What: what + ": " + c.Status, Detail: attemptsNote(c.Attempts), Replies: nonEmpty(c.LastReply)})
	}
	for _, d := range rec.Deliveries {
		at := d.CreatedAt
		if !d.SentAt.IsZero() {
			at = d.SentAt
		}
		status := d.Status
		if d.LastReply == store.SkippedReply {
			status = "skipped by the operator"
		}
		var replies []string
		for _, a := range d.Attempts {
			replies = append(replies, formatTime(a.At)+": "+a.Reply)
		}
		e := timelineEntry{At: at, What: "L" + name(d.Course, d.Lesson)[1:] + ": " + status, Replies: replies}
		if d.MessageID != "" {
			e.Detail = "Message-ID <" + d.MessageID + ">"
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b timelineEntry) int { return a.At.Compare(b.At) })
	return out
}

// lessonName names a lesson of a course by number and title, or by slug
// when it has since been removed from the course; with several courses,
// with the course's title.
func (s *Server) lessonName(courseSlug, slug string) string {
	crs, ok := s.content().Course(courseSlug)
	in := ""
	if s.several() {
		in = " (" + s.courseTitle(courseSlug) + ")"
	}
	if !ok {
		return "lesson " + slug + " of course " + courseSlug
	}
	if l, ok := crs.Lesson(slug); ok {
		return fmt.Sprintf("lesson %d, %s%s", l.Number, l.Title, in)
	}
	return "lesson " + slug + " (no longer in the course)" + in
}

// eventCourse is the course an event is about: the one it names, else
// that of its delivery; "" (the default course) for an event recorded
// before events named courses.
func eventCourse(rec *store.ReaderRecord, e store.EventRecord) string {
	if e.Course != "" {
		return e.Course
	}
	for _, d := range rec.Deliveries {
		if d.ID == e.DeliveryID {
			return d.Course
		}
	}
	return ""
}

func attemptsNote(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
