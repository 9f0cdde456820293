package course_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
)

// setFS builds a directory from files, named from its root.
func setFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

const lesson1 = "---\nsubject: One\ndelay: 0d\n---\nBody.\n"
const lesson2 = "---\nsubject: Two\ndelay: 2d\n---\nBody.\n"

func TestLoadSetOneCourseAtTheTop(t *testing.T) {
	s, err := course.LoadSet(setFS(map[string]string{"course.yaml": "slug: solo\ntitle: Solo\n", "01-a.md": lesson1}))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Single() || s.Default().Slug != "solo" || s.Default().Dir != "" {
		t.Fatalf("set of %d, default %q in %q", len(s.Courses), s.Default().Slug, s.Default().Dir)
	}
}

func TestLoadSetCoursesInFolders(t *testing.T) {
	s, err := course.LoadSet(setFS(map[string]string{
		"README.md":               "# notes, ignored",
		"b-second/course.yaml":    "slug: second\ntitle: Second\nnext: first\nreply_to: replies@example.com\n",
		"b-second/01-a.md":        lesson1,
		"a-first/course.yaml":     "slug: first\ntitle: First\nstart: 2027-01-11\nlate_join: closed\n",
		"a-first/01-a.md":         lesson1,
		"a-first/02-b.md":         lesson2,
		"_drafts/01-x.md":         "not even a lesson",
		".git/config":             "ignored",
		"b-second/drafts/01-x.md": "ignored, as in a single course",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Courses) != 2 || s.Courses[0].Slug != "first" || s.Courses[1].Slug != "second" {
		t.Fatalf("courses not in folder order: %v", s.Courses)
	}
	first, _ := s.Course("first")
	second, ok := s.Course("second")
	if !ok || second.Next != "first" || second.ReplyTo != "replies@example.com" || second.Dir != "b-second" {
		t.Errorf("second = %+v", second)
	}
	if !first.Cohort() || !first.LateClosed || first.Start != time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC) {
		t.Errorf("first: cohort %v closed %v start %v", first.Cohort(), first.LateClosed, first.Start)
	}
	if _, ok := s.Course("nope"); ok {
		t.Error("a course that is not there was found")
	}
}

func TestLoadSetProblems(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // each a problem's start, in order
	}{
		{"problems name the course folder", map[string]string{
			"one/course.yaml": "slug: one\ntitle: One\n", "one/01-a.md": lesson1, "one/02-b.md": "---\nsubject: B\n---\nx\n",
			"two/course.yaml": "slug: two\n", "two/01-a.md": lesson1,
		}, []string{"one/02-b.md:1: delay is missing", "two/course.yaml:1: title is missing"}},
		{"two courses with one slug", map[string]string{
			"one/course.yaml": "title: One\nslug: same\n", "one/01-a.md": lesson1,
			"two/course.yaml": "title: Two\nslug: same\n", "two/01-a.md": lesson1,
		}, []string{`two/course.yaml:2: slug "same" is also the slug of one/course.yaml`}},
		{"next names no course", map[string]string{
			"one/course.yaml": "slug: one\ntitle: One\nnext: nowhere\n", "one/01-a.md": lesson1,
			"two/course.yaml": "slug: two\ntitle: Two\n", "two/01-a.md": lesson1,
		}, []string{`one/course.yaml:3: next is "nowhere", but no course here has that slug; the slugs are one and two`}},
		{"next names itself", map[string]string{
			"one/course.yaml": "slug: one\ntitle: One\n\nnext: one\n", "one/01-a.md": lesson1,
		}, []string{"one/course.yaml:4: next names this course itself"}},
		{"a folder that is not a course", map[string]string{
			"one/course.yaml": "slug: one\ntitle: One\n", "one/01-a.md": lesson1, "notes/01-a.md": lesson1,
		}, []string{"notes: this folder has no course.yaml"}},
		{"lessons left at the top", map[string]string{
			"one/course.yaml": "slug: one\ntitle: One\n", "one/01-a.md": lesson1, "01-a.md": lesson1,
		}, []string{".: lesson files at the top of a directory of courses"}},
		{"nothing at all", map[string]string{"README.md": "x"},
			[]string{"course.yaml: missing", ".: no lessons"}},
		{"new keys checked", map[string]string{
			"one/course.yaml": "slug: one\ntitle: One\nreply_to: Sam <sam@example.com>\nstart: next monday\nlate_join: maybe\nnext: Not A Slug\n",
			"one/01-a.md":     lesson1,
		}, []string{"one/course.yaml:3: reply_to", "one/course.yaml:4: start \"next monday\" is not a date", "one/course.yaml:5: late_join is \"maybe\"", "one/course.yaml:6: next \"Not A Slug\" is not a course slug"}},
		{"late_join without start", map[string]string{
			"course.yaml": "slug: one\ntitle: One\nlate_join: open\n", "01-a.md": lesson1,
		}, []string{"course.yaml:3: late_join only means something for a course with a start date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := course.LoadSet(setFS(tt.files))
			var ps course.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v, want problems", err)
			}
			if len(ps) != len(tt.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(ps), len(tt.want), err)
			}
			for i, p := range ps {
				if !strings.HasPrefix(p.String(), tt.want[i]) {
					t.Errorf("problem %d = %q, want it to start %q", i, p.String(), tt.want[i])
				}
			}
		})
	}
}

func TestCohortDays(t *testing.T) {
	s, err := course.LoadSet(setFS(map[string]string{
		"course.yaml": "slug: c\ntitle: C\nstart: 2027-03-28\ntimezone: Europe/London\n",
		"01-a.md":     lesson1,
		"02-b.md":     "---\nsubject: B\ndelay: 36h\n---\nx\n",
		"03-c.md":     "---\nsubject: C\ndelay: 11h\n---\nx\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	c := s.Default()
	// Lesson 2: 36 h is a day and a half, rounded to 2; lesson 3: 47 h, 2.
	for n, want := range map[int]int{1: 0, 2: 2, 3: 2} {
		if got := c.DayOf(n); got != want {
			t.Errorf("DayOf(%d) = %d, want %d", n, got, want)
		}
	}
	london, _ := time.LoadLocation("Europe/London")
	if c.Started(time.Date(2027, 3, 27, 23, 59, 0, 0, time.UTC)) {
		t.Error("started before midnight London time")
	}
	if !c.Started(time.Date(2027, 3, 28, 0, 0, 0, 0, london)) || c.Closed(time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("not started at midnight London time, or closed without late_join: closed")
	}
}

func TestSetDefault(t *testing.T) {
	c := func(slug, next string) *course.Course { return &course.Course{Slug: slug, Next: next} }
	tests := []struct {
		name    string
		courses []*course.Course
		want    string
	}{
		{"one course", []*course.Course{c("only", "")}, "only"},
		{"the first in order", []*course.Course{c("a", ""), c("b", "")}, "a"},
		{"not a course another leads to", []*course.Course{c("after", ""), c("before", "after")}, "before"},
		{"a chain of three", []*course.Course{c("a", ""), c("b", "c"), c("c", "a")}, "b"},
		{"a cycle: the first", []*course.Course{c("a", "b"), c("b", "a")}, "a"},
	}
	for _, tt := range tests {
		if got := course.NewSet(tt.courses...).Default().Slug; got != tt.want {
			t.Errorf("%s: default %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestLateJoinWords: late_join says whether late readers may join, so
// YAML's true and false say it as well as open and closed.
func TestLateJoinWords(t *testing.T) {
	after := time.Date(2027, 1, 12, 0, 0, 0, 0, time.UTC)
	for word, closed := range map[string]bool{"open": false, "true": false, "closed": true, "false": true} {
		s, err := course.LoadSet(setFS(map[string]string{
			"course.yaml": "slug: one\ntitle: One\nstart: 2027-01-11\nlate_join: " + word + "\n", "01-a.md": lesson1,
		}))
		if err != nil {
			t.Fatalf("late_join: %s: %v", word, err)
		}
		if got := s.Default().Closed(after); got != closed {
			t.Errorf("late_join: %s: closed after the start is %v, want %v", word, got, closed)
		}
	}
}

// A course alone in its folder may name a next course that is not here,
// as a course.yaml at the top may: the built-in Rebuilding Trust, copied
// on its own, names After the Breakup, and its readers are offered
// nothing until that course is added.
func TestLoneCourseMayNameAnAbsentNext(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"at the top":  {"course.yaml": {Data: []byte("slug: one\ntitle: One\nnext: later\n")}, "01-a.md": {Data: []byte(lesson1)}},
		"in a folder": {"one/course.yaml": {Data: []byte("slug: one\ntitle: One\nnext: later\n")}, "one/01-a.md": {Data: []byte(lesson1)}},
	} {
		set, err := course.LoadSet(fsys)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if _, ok := set.Course(set.Courses[0].Next); ok {
			t.Errorf("%s: next %q found a course", name, set.Courses[0].Next)
		}
	}
}
