package delivery_test

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
)

// lessonsFS builds a course whose lessons are the given slugs, in order,
// one day apart.
func lessonsFS(slugs ...string) fstest.MapFS {
	fs := fstest.MapFS{"course.yaml": {Data: []byte("slug: short\ntitle: Short course\ntimezone: UTC\n")}}
	for i, s := range slugs {
		delay := "1d"
		if i == 0 {
			delay = "0d"
		}
		fs[fmtName(i+1, s)] = &fstest.MapFile{Data: []byte("---\nsubject: " + s + "\ndelay: " + delay + "\n---\nLesson " + s + ".\n")}
	}
	return fs
}

func fmtName(n int, slug string) string {
	return string(rune('0'+n/10)) + string(rune('0'+n%10)) + "-" + slug + ".md"
}

// TestLiveCourseEdits sends a reader two lessons, edits the course under
// them, and runs the course to its end: nothing is sent twice, a removed
// lesson is never sent, and the reader continues after their last lesson
// in the new order.
func TestLiveCourseEdits(t *testing.T) {
	cases := []struct {
		name  string
		after []string // the course once the reader has a and b
		want  []string // every subject the reader receives, in order
	}{
		{"insert before", []string{"new", "a", "b", "c", "d"}, []string{"a", "b", "c", "d"}},
		{"insert after", []string{"a", "b", "new", "c", "d"}, []string{"a", "b", "new", "c", "d"}},
		{"reorder", []string{"a", "c", "b", "d"}, []string{"a", "b", "d"}},
		{"delete next", []string{"a", "b", "d"}, []string{"a", "b", "d"}},
		{"delete received", []string{"a", "c", "d"}, []string{"a", "b", "c", "d"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, lessonsFS("a", "b", "c", "d"), time.Second)
			f.reader(addr(1))
			f.run(2 * 24 * time.Hour) // a on day 0, b on day 1
			edited, err := course.Load(lessonsFS(c.after...))
			if err != nil {
				t.Fatal(err)
			}
			old := f.runner.Content()
			tpl := old.Templates
			f.runner.Content = func() *compose.Content { return &compose.Content{Set: course.NewSet(edited), Templates: tpl} }
			f.run(10 * 24 * time.Hour)
			var got []string
			for _, m := range f.smtp.Messages() {
				got = append(got, m.Header().Get("Subject"))
			}
			if len(got) != len(c.want) {
				t.Fatalf("received %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("received %v, want %v", got, c.want)
				}
			}
		})
	}
}

// run runs a pass every six hours for d; starting at 08:30 UTC, one pass
// a day falls in the 08:00-10:00 window.
func (f *fixture) run(d time.Duration) {
	for end := f.clock.Now().Add(d); f.clock.Now().Before(end); f.clock.Advance(6 * time.Hour) {
		f.pass()
	}
}
