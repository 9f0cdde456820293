package schedule_test

import (
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/schedule"
)

// courseOf loads a course whose lessons have the given slugs, in order.
func courseOf(t *testing.T, slugs ...string) *course.Course {
	t.Helper()
	fsys := fstest.MapFS{"course.yaml": {Data: []byte("slug: test\ntitle: Test course\n")}}
	for i, s := range slugs {
		body := fmt.Sprintf("---\nsubject: Lesson %s\ndelay: 1d\n---\nThe body of %s.\n", s, s)
		fsys[fmt.Sprintf("%02d-%s.md", i+1, s)] = &fstest.MapFile{Data: []byte(body)}
	}
	c, err := course.Load(fsys)
	if err != nil {
		t.Fatalf("load course %v: %v", slugs, err)
	}
	return c
}

// receivedOf lists received lessons: "a" is sent, "a!" failed, "a~" sending,
// "a?" awaiting retry and "a-" skipped by the operator.
func receivedOf(specs ...string) []drip.Received {
	var rs []drip.Received
	for _, s := range specs {
		r := drip.Received{Slug: s, Status: drip.DeliverySent}
		switch s[len(s)-1] {
		case '!':
			r.Status = drip.DeliveryFailed
		case '~':
			r.Status = drip.DeliverySending
		case '?':
			r.Status = drip.DeliveryRetry
		case '-':
			r.Status = drip.DeliverySkipped
		}
		if r.Status != drip.DeliverySent {
			r.Slug = s[:len(s)-1]
		}
		rs = append(rs, r)
	}
	return rs
}

func TestNextLesson(t *testing.T) {
	tests := []struct {
		name     string
		course   []string
		received []drip.Received
		want     string // "" for nil
	}{
		{"fresh reader gets the first", []string{"a", "b", "c"}, nil, "a"},
		{"after a and b comes c", []string{"a", "b", "c"}, receivedOf("a", "b"), "c"},
		{"in flight: sending is returned again", []string{"a", "b", "c"}, receivedOf("a", "b~"), "b"},
		{"in flight: retry is returned again", []string{"a", "b", "c"}, receivedOf("a", "b?"), "b"},
		{"a skipped lesson is never sent later", []string{"a", "b", "c"}, receivedOf("a", "b-"), "c"},
		{"skipped from the start: on after them", []string{"a", "b", "c"}, receivedOf("a-", "b-"), "c"},
		{"skipped to the end: nothing left", []string{"a", "b"}, receivedOf("a", "b-"), ""},
		{"in flight first lesson", []string{"a", "b", "c"}, receivedOf("a?"), "a"},
		{"in flight lesson removed: move on", []string{"a", "c"}, receivedOf("a", "b~"), "c"},
		{"inserted before the last one: skipped", []string{"a", "x", "b", "c"}, receivedOf("a", "b"), "c"},
		{"inserted at the start: skipped", []string{"x", "a", "b", "c"}, receivedOf("a", "b"), "c"},
		{"inserted after the last one: sent", []string{"a", "b", "x", "c"}, receivedOf("a", "b"), "x"},
		{"appended after the end: sent", []string{"a", "b", "x"}, receivedOf("a", "b"), "x"},
		{"reordered", []string{"a", "c", "b", "d"}, receivedOf("a", "b"), "d"},
		{"next lesson deleted", []string{"a", "b", "d"}, receivedOf("a", "b"), "d"},
		{"last received deleted", []string{"a", "c", "d"}, receivedOf("a", "b"), "c"},
		{"every received deleted", []string{"x", "y"}, receivedOf("a", "b"), "x"},
		{"all received", []string{"a", "b", "c"}, receivedOf("a", "b", "c"), ""},
		{"all received, one failed", []string{"a", "b", "c"}, receivedOf("a", "b!", "c"), ""},
		{"failed counts as done", []string{"a", "b", "c"}, receivedOf("a", "b!"), "c"},
		{"failed last lesson ends the course", []string{"a", "b"}, receivedOf("a", "b!"), ""},
		{"got a lesson out of order via next", []string{"a", "b", "c", "d"}, receivedOf("a", "c"), "d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := schedule.NextLesson(courseOf(t, tt.course...), tt.received)
			switch {
			case l == nil && tt.want != "":
				t.Errorf("NextLesson = nil, want %q", tt.want)
			case l != nil && l.Slug != tt.want:
				t.Errorf("NextLesson = %q, want %q", l.Slug, tt.want)
			}
		})
	}
}

// TestNextLessonNeverRepeats plays a reader through a course, then checks
// that every lesson was chosen once and in order.
func TestNextLessonNeverRepeats(t *testing.T) {
	c := courseOf(t, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k")
	var received []drip.Received
	for range len(c.Lessons) + 1 {
		l := schedule.NextLesson(c, received)
		if l == nil {
			break
		}
		received = append(received, drip.Received{Slug: l.Slug, Status: drip.DeliverySent})
	}
	var order []string
	for _, r := range received {
		order = append(order, r.Slug)
	}
	if fmt.Sprint(order) != fmt.Sprint(c.Slugs()) {
		t.Errorf("lessons sent %v, want %v", order, c.Slugs())
	}
}
