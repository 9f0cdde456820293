package course_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
)

const courseYAML = "slug: test-course\ntitle: Test course\n"

// mapFS builds a course directory; a course.yaml is added unless files
// names one (an empty string leaves it out).
func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	if _, ok := files["course.yaml"]; !ok {
		fsys["course.yaml"] = &fstest.MapFile{Data: []byte(courseYAML)}
	}
	for name, body := range files {
		if name == "course.yaml" && body == "" {
			continue
		}
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

func lessonFile(front, body string) string { return "---\n" + front + "---\n" + body }

func TestLoadValidCourse(t *testing.T) {
	fsys := mapFS(map[string]string{
		"course.yaml": "slug: rebuilding-trust\ntitle: Rebuilding Trust\ntagline: Short\npromises:\n  - one\n  - two\n" +
			"timezone: Europe/London\nsend_window: \"07:30-09:00\"\nweekdays: [mon, Wednesday, FRI]\nfirst_lesson: window\n",
		"01-welcome.md": lessonFile("title: Welcome aboard\nsubject: Welcome\npreheader: Start here\ndelay: 0d\n",
			"Hello there, reader.\n\nRead [this](https://example.com/a) first.\n"),
		"02-second-step.md": "\ufeff---\r\nsubject: Step two\r\ndelay: 2d\r\n---\r\nTwo words.\r\n",
		"README.md":         "# Not a lesson\n",
		"notes.txt":         "ignored",
		"drafts/03-x.md":    "ignored too",
	})
	c, err := course.Load(fsys)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Slug != "rebuilding-trust" || c.Title != "Rebuilding Trust" || c.SenderName != "Rebuilding Trust" {
		t.Errorf("course = %q %q sender %q", c.Slug, c.Title, c.SenderName)
	}
	if c.Timezone.String() != "Europe/London" || c.Window.String() != "07:30-09:00" || !c.WaitForWindow {
		t.Errorf("timezone %v window %v wait %v", c.Timezone, c.Window, c.WaitForWindow)
	}
	wantDays := [7]bool{time.Monday: true, time.Wednesday: true, time.Friday: true}
	if c.Weekdays != wantDays {
		t.Errorf("weekdays = %v, want %v", c.Weekdays, wantDays)
	}
	if got := strings.Join(c.Slugs(), ","); got != "welcome,second-step" {
		t.Fatalf("slugs = %s", got)
	}
	w, s := c.Lessons[0], c.Lessons[1]
	if w.Number != 1 || w.Title != "Welcome aboard" || w.Subject != "Welcome" || w.Preheader != "Start here" || w.Delay != 0 {
		t.Errorf("welcome = %+v", w)
	}
	if len(w.Links) != 1 || w.Links[0] != "https://example.com/a" || w.Words != 6 {
		t.Errorf("welcome links %v words %d", w.Links, w.Words)
	}
	if s.Number != 2 || s.Title != "Step two" || s.Delay != 48*time.Hour || s.File != "02-second-step.md" {
		t.Errorf("second = number %d title %q delay %v file %q", s.Number, s.Title, s.Delay, s.File)
	}
	if l, ok := c.Lesson("second-step"); !ok || l != s || c.Index("second-step") != 1 || c.Index("nope") != -1 {
		t.Error("lookup by slug is wrong")
	}
}

func TestLoadDefaultsAndDiscreet(t *testing.T) {
	c, err := course.Load(mapFS(map[string]string{
		"course.yaml": courseYAML + "discreet: true\n",
		"07-only.md":  lessonFile("subject: Secret subject\n", "Body.\n"),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Timezone != time.UTC || c.Window.String() != "08:00-10:00" || c.Weekdays != [7]bool{true, true, true, true, true, true, true} {
		t.Errorf("defaults: zone %v window %v days %v", c.Timezone, c.Window, c.Weekdays)
	}
	l := c.Lessons[0]
	if l.Number != 1 {
		t.Errorf("a lesson's number is its position, got %d", l.Number)
	}
	if got := c.Subject(l); got != "Your weekly notes, part 1" || c.From() != "Weekly notes" {
		t.Errorf("discreet subject %q from %q", got, c.From())
	}
}

func TestLoadOrdersNumerically(t *testing.T) {
	files := map[string]string{}
	var want []string
	for i := 1; i <= 12; i++ {
		name := fmt.Sprintf("%d-l%d.md", i, i) // 1-l1.md sorts before 10-l10.md by name
		if i == 8 || i == 9 {
			name = fmt.Sprintf("%02d-l%d.md", i, i)
		}
		files[name] = lessonFile(fmt.Sprintf("subject: Lesson %d\ndelay: 1d\n", i), "Body.\n")
		if i == 1 {
			files[name] = lessonFile("subject: Lesson 1\n", "Body.\n") // the first may go without a delay
		}
		want = append(want, fmt.Sprintf("l%d", i))
	}
	c, err := course.Load(mapFS(files))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Slugs(), ","); got != strings.Join(want, ",") {
		t.Errorf("order = %s\nwant    %s", got, strings.Join(want, ","))
	}
	for i, l := range c.Lessons {
		if l.Number != i+1 {
			t.Errorf("%s: Number %d, want %d", l.Slug, l.Number, i+1)
		}
	}
}

func FuzzLoadLesson(f *testing.F) {
	f.Add([]byte(lessonFile("subject: Hello\ndelay: 2d\n", "# Title\n\nSome *text* with [a link](https://example.com).\n")))
	f.Add([]byte(lessonFile("subject: s\n", "> quote\n\n- a\n- b\n\n1. one\n\n```\ncode\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")))
	f.Add([]byte(lessonFile("subject: [\n", "x")))
	f.Add([]byte(lessonFile("subject: s\n", "<mailto:a@b.c> <https://x.y> [j](javascript:x)")))
	f.Add([]byte("---\r\nsubject: s\r\n---"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := course.Load(fstest.MapFS{
			"course.yaml": {Data: []byte(courseYAML)},
			"01-a.md":     {Data: data},
		})
		if err != nil {
			var ps course.Problems
			if c != nil || !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Load: course %v, err %v (%T): want Problems and no course", c, err, err)
			}
			for _, p := range ps {
				if p.File == "" || p.Msg == "" {
					t.Fatalf("problem without file or message: %+v", p)
				}
			}
			return
		}
		if c == nil || len(c.Lessons) != 1 {
			t.Fatalf("Load: no error but course %v", c)
		}
		l := c.Lessons[0]
		_ = l.HTML(course.Plain)
		_ = l.Text(course.Plain)
	})
}
