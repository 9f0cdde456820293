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
		files[name] = lessonFile(fmt.Sprintf("subject: Lesson %d\n", i), "Body.\n")
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

func TestLoadProblems(t *testing.T) {
	ok := lessonFile("subject: Fine\n", "Body.\n")
	tests := []struct {
		name  string
		files map[string]string
		want  string // a line of the error, up to the message's first words
	}{
		{"missing course.yaml", map[string]string{"course.yaml": "", "01-a.md": ok}, "course.yaml: missing"},
		{"no lessons", map[string]string{}, ".: no lessons"},
		{"course yaml syntax", map[string]string{"course.yaml": "slug: t\ntitle: a: b\n", "01-a.md": ok}, "course.yaml:2: mapping values"},
		{"course bad slug", map[string]string{"course.yaml": "slug: Not A Slug\ntitle: T\n", "01-a.md": ok}, "course.yaml:1: slug must be"},
		{"course missing title", map[string]string{"course.yaml": "slug: t\n", "01-a.md": ok}, "course.yaml: title is missing"},
		{"course unknown key", map[string]string{"course.yaml": courseYAML + "colour: red\n", "01-a.md": ok}, "course.yaml:3: field colour"},
		{"course bad zone", map[string]string{"course.yaml": courseYAML + "timezone: Mars/Olympus\n", "01-a.md": ok}, "course.yaml:3: timezone"},
		{"course window backwards", map[string]string{"course.yaml": courseYAML + "send_window: 10:00-08:00\n", "01-a.md": ok}, "course.yaml:3: send_window"},
		{"course bad weekday", map[string]string{"course.yaml": courseYAML + "weekdays: [mon, funday]\n", "01-a.md": ok}, "course.yaml:3: weekday"},
		{"course bad first_lesson", map[string]string{"course.yaml": courseYAML + "\nfirst_lesson: later\n", "01-a.md": ok}, "course.yaml:4: first_lesson"},
		{"front matter syntax", map[string]string{"01-a.md": lessonFile("subject: s\ntitle: a: b\n", "Body.\n")}, "01-a.md:3: mapping values"},
		{"front matter tab", map[string]string{"01-a.md": lessonFile("subject: s\n\tdelay: 1d\n", "Body.\n")}, "01-a.md:3: found a tab"},
		{"missing subject", map[string]string{"01-a.md": lessonFile("delay: 1d\n", "Body.\n")}, "01-a.md:1: subject is missing"},
		{"two-line subject", map[string]string{"01-a.md": lessonFile("delay: 1d\nsubject: |\n  one\n  two\n", "Body.\n")}, "01-a.md:3: subject must be one line"},
		{"long subject", map[string]string{"01-a.md": lessonFile("subject: "+strings.Repeat("x", 151)+"\n", "Body.\n")}, "01-a.md:2: subject must be"},
		{"delay 2x", map[string]string{"01-a.md": lessonFile("subject: s\ndelay: 2x\n", "Body.\n")}, "01-a.md:3: delay \"2x\": unknown unit"},
		{"delay abc", map[string]string{"01-a.md": lessonFile("subject: s\n\ndelay: abc\n", "Body.\n")}, "01-a.md:4: delay \"abc\""},
		{"delay empty", map[string]string{"01-a.md": lessonFile("subject: s\ndelay:\n", "Body.\n")}, "01-a.md:3: delay is empty"},
		{"unknown front matter key", map[string]string{"01-a.md": lessonFile("subject: s\nauthor: me\n", "Body.\n")}, "01-a.md:3: field author"},
		{"no front matter", map[string]string{"01-a.md": "Just a body.\n"}, "01-a.md:1: a lesson starts with front matter"},
		{"front matter not closed", map[string]string{"01-a.md": "---\nsubject: s\nBody.\n"}, "01-a.md:1: front matter is not closed"},
		{"duplicate slug", map[string]string{"01-a.md": ok, "02-a.md": ok}, "02-a.md:1: duplicate slug \"a\": 01-a.md"},
		{"name without number", map[string]string{"01-a.md": ok, "intro.md": ok}, "intro.md: lesson file names"},
		{"name with capitals", map[string]string{"01-a.md": ok, "02-Intro.md": ok}, "02-Intro.md: lesson file names"},
		{"name with underscore", map[string]string{"01-a.md": ok, "03_intro.md": ok}, "03_intro.md: lesson file names"},
		{"javascript link", map[string]string{"01-a.md": lessonFile("subject: s\n", "\nSee [this](javascript:alert(1)).\n")}, "01-a.md:4: link \"javascript:alert(1)\""},
		{"relative link", map[string]string{"01-a.md": lessonFile("subject: s\n", "See [this](/about).\n")}, "01-a.md:4: link \"/about\""},
		{"ftp link", map[string]string{"01-a.md": lessonFile("subject: s\n", "See <ftp://example.com/f>.\n")}, "01-a.md:4: link \"ftp://example.com/f\""},
		{"empty body", map[string]string{"01-a.md": lessonFile("subject: s\n", "\n   \n\n")}, "01-a.md:4: the lesson has no body"},
		{"no body at all", map[string]string{"01-a.md": "---\nsubject: s\n---"}, "01-a.md:4: the lesson has no body"},
		{"not UTF-8", map[string]string{"01-a.md": lessonFile("subject: s\n", "caf\xe9\n")}, "01-a.md: file is not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := course.Load(mapFS(tt.files))
			if err == nil {
				t.Fatalf("Load succeeded with %d lessons", len(c.Lessons))
			}
			if c != nil {
				t.Error("Load returned a course along with problems")
			}
			var ps course.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("err = %v (%T), want Problems", err, err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if strings.HasPrefix(line, tt.want) {
					return
				}
			}
			t.Errorf("no problem starts with %q in:\n%v", tt.want, err)
		})
	}
}

// TestLoadReportsEveryProblem checks that one bad file does not hide the
// others.
func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := course.Load(mapFS(map[string]string{
		"course.yaml": "slug: t\n",
		"01-a.md":     lessonFile("delay: 1d\n", "Body.\n"),
		"02-b.md":     lessonFile("subject: s\ndelay: soon\n", "Body.\n"),
		"3-C.md":      "x",
	}))
	var ps course.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want Problems", err)
	}
	files := map[string]bool{}
	for _, p := range ps {
		files[p.File] = true
	}
	for _, f := range []string{"course.yaml", "01-a.md", "02-b.md", "3-C.md"} {
		if !files[f] {
			t.Errorf("no problem reported for %s in:\n%v", f, err)
		}
	}
}

func TestLoadOddWeekdayDoesNotPanic(t *testing.T) {
	for _, day := range []string{"\u212a", "\u0130x", "mo", "m"} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("weekday %q: Load panicked: %v", day, r)
				}
			}()
			_, err := course.Load(mapFS(map[string]string{
				"course.yaml": courseYAML + fmt.Sprintf("weekdays: [%q]\n", day),
				"01-a.md":     lessonFile("subject: s\n", "Body.\n"),
			}))
			if err == nil || !strings.Contains(err.Error(), "course.yaml:3: weekday") {
				t.Errorf("weekday %q: err = %v, want a weekday problem on line 3", day, err)
			}
		}()
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
