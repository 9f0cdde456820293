package schedule

import (
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
)

// Choice is what a claim does with one reader who is due.
type Choice struct {
	// Lesson is the lesson to send now. Nil, with Later zero, means the
	// course is over for the reader.
	Lesson *course.Lesson
	// Later, when not zero, means nothing now: the reader is due again
	// then.
	Later time.Time
}

// Choose decides what reader r, claimed at now as due at r.NextDue, gets:
// the next lesson (NextLesson), unless the course is over for them, or
// unless the lesson is late (Window.Late) and waits for the reader's next
// window rather than reach them at night.
func Choose(c *course.Course, r Reader, now time.Time) Choice {
	l := NextLesson(c, r.Received)
	if l == nil {
		return Choice{}
	}
	if later, late := WindowOf(c).Late(r.NextDue, now, Zone(r.Timezone, c.Timezone)); late {
		return Choice{Later: later}
	}
	return Choice{Lesson: l}
}
