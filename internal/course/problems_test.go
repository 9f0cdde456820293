package course_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/course"
)

func TestLoadProblems(t *testing.T) {
	ok := lessonFile("subject: Fine\n", "Body.\n")
	second := func(front, body string) map[string]string {
		return map[string]string{"01-a.md": ok, "02-b.md": lessonFile(front, body)}
	}
	withCourse := func(extra string) map[string]string {
		return map[string]string{"course.yaml": courseYAML + extra, "01-a.md": ok}
	}
	tests := []struct {
		name  string
		files map[string]string
		want  string // a line of the error, up to the message's first words
	}{
		{"missing course.yaml", map[string]string{"course.yaml": "", "01-a.md": ok}, "course.yaml: missing"},
		{"no lessons", map[string]string{}, ".: no lessons"},
		{"course yaml syntax", map[string]string{"course.yaml": "slug: t\ntitle: a: b\n", "01-a.md": ok}, `course.yaml:2: a value contains ": "`},
		{"course yaml unclosed quote", withCourse("tagline: \"Short\n"), "course.yaml:3: a quoted value is not closed"},
		{"course yaml tab", withCourse("\ttagline: x\n"), "course.yaml:3: a line is indented with a tab"},
		{"course yaml is a list", map[string]string{"course.yaml": "- slug\n- title\n", "01-a.md": ok}, "course.yaml:1: each line here is a setting"},
		{"course yaml not UTF-8", map[string]string{"course.yaml": courseYAML + "tagline: caf\xe9\n", "01-a.md": ok}, "course.yaml:3: this line is not UTF-8"},
		{"course bad slug", map[string]string{"course.yaml": "slug: Not A Slug\ntitle: T\n", "01-a.md": ok}, `course.yaml:1: slug "Not A Slug" is not lower-case words`},
		{"course missing slug", map[string]string{"course.yaml": "title: T\n", "01-a.md": ok}, "course.yaml:1: slug is missing"},
		{"course missing title", map[string]string{"course.yaml": "slug: t\n", "01-a.md": ok}, "course.yaml:1: title is missing"},
		{"course unknown key", withCourse("colour: red\n"), "course.yaml:3: colour is not a course.yaml setting; the settings are slug, title,"},
		{"course mistyped key", withCourse("timezon: UTC\n"), "course.yaml:3: timezon is not a course.yaml setting: did you mean timezone?"},
		{"course key twice", withCourse("title: Again\n"), "course.yaml:3: title is set twice (first on line 2)"},
		{"course title a list", map[string]string{"course.yaml": "slug: t\ntitle: [a, b]\n", "01-a.md": ok}, "course.yaml:2: title is a list here"},
		{"course tagline two lines", withCourse("tagline: |\n  one\n  two\n"), "course.yaml:3: tagline must be one line"},
		{"course promises not a list", withCourse("promises: one thing\n"), "course.yaml:3: promises must be a list"},
		{"course promise not text", withCourse("promises:\n  - a\n  - [b]\n"), "course.yaml:5: promises: item 2 is not plain text"},
		{"course discreet maybe", withCourse("discreet: maybe\n"), `course.yaml:3: discreet is "maybe"; write true or false`},
		{"course discreet subject two lines", withCourse("discreet_subject: \"a\\nb\"\n"), "course.yaml:3: discreet_subject must be one line"},
		{"course bad zone", withCourse("timezone: Mars/Olympus\n"), `course.yaml:3: timezone "Mars/Olympus" is not a time zone name`},
		{"course zone Local", withCourse("timezone: Local\n"), `course.yaml:3: timezone "Local" is not a time zone name`},
		{"course window backwards", withCourse("send_window: 10:00-08:00\n"), `course.yaml:3: send_window "10:00-08:00" does not end after it starts`},
		{"course window empty", withCourse("send_window: 09:00-09:00\n"), `course.yaml:3: send_window "09:00-09:00" does not end after it starts`},
		{"course window not a range", withCourse("send_window: mornings\n"), `course.yaml:3: send_window "mornings" is not a time range`},
		{"course bad weekday", withCourse("weekdays: [mon, funday]\n"), `course.yaml:3: weekdays: "funday" is not a day`},
		{"course weekday on its line", withCourse("weekdays:\n  - mon\n  - monkey\n"), `course.yaml:5: weekdays: "monkey" is not a day`},
		{"course weekdays not a list", withCourse("weekdays: mon\n"), "course.yaml:3: weekdays must be a list, like [mon, wed, fri]"},
		{"course bad first_lesson", withCourse("\nfirst_lesson: later\n"), `course.yaml:4: first_lesson is "later"; write immediate`},
		{"front matter syntax", map[string]string{"01-a.md": lessonFile("subject: s\ntitle: a: b\n", "Body.\n")}, `01-a.md:3: a value contains ": "`},
		{"front matter tab", map[string]string{"01-a.md": lessonFile("subject: s\n\tdelay: 1d\n", "Body.\n")}, "01-a.md:3: a line is indented with a tab"},
		{"front matter unclosed list", map[string]string{"01-a.md": lessonFile("subject: [unclosed\ndelay: 1d\n", "Body.\n")}, "01-a.md:2: a list opened with [ is not closed"},
		{"front matter reference", map[string]string{"01-a.md": lessonFile("subject: *bold*\n", "Body.\n")}, "01-a.md:2: a value starts with & or *"},
		{"front matter backslash", map[string]string{"01-a.md": lessonFile("subject: \"C:\\path\"\n", "Body.\n")}, "01-a.md:2: a backslash in double quotes"},
		{"front matter line without key", map[string]string{"01-a.md": lessonFile("subject: s\njust words\ndelay: 1d\n", "Body.\n")}, "01-a.md:3: a line is not a setting"},
		{"missing subject", map[string]string{"01-a.md": lessonFile("delay: 1d\n", "Body.\n")}, "01-a.md:1: subject is missing"},
		{"subject a mapping", map[string]string{"01-a.md": lessonFile("subject:\n  one: two\n", "Body.\n")}, "01-a.md:3: subject has settings indented under it"},
		{"two-line subject", map[string]string{"01-a.md": lessonFile("delay: 1d\nsubject: |\n  one\n  two\n", "Body.\n")}, "01-a.md:3: subject must be one line"},
		{"long subject", map[string]string{"01-a.md": lessonFile("subject: "+strings.Repeat("x", 151)+"\n", "Body.\n")}, "01-a.md:2: subject is 151 characters; the most is 150"},
		{"two-line title", map[string]string{"01-a.md": lessonFile("subject: s\ntitle: \"a\\nb\"\n", "Body.\n")}, "01-a.md:3: title must be one line"},
		{"two-line preheader", map[string]string{"01-a.md": lessonFile("subject: s\npreheader: \"a\\nb\"\n", "Body.\n")}, "01-a.md:3: preheader must be one line"},
		{"delay 2x", map[string]string{"01-a.md": lessonFile("subject: s\ndelay: 2x\n", "Body.\n")}, `01-a.md:3: delay "2x" has the unit "x"; use d (days)`},
		{"delay abc", map[string]string{"01-a.md": lessonFile("subject: s\n\ndelay: abc\n", "Body.\n")}, `01-a.md:4: delay "abc" is not a delay; write it like 2d, 36h or 90m`},
		{"delay too long", map[string]string{"01-a.md": lessonFile("subject: s\ndelay: 400d\n", "Body.\n")}, `01-a.md:3: delay "400d" is more than a year`},
		{"delay empty", map[string]string{"01-a.md": lessonFile("subject: s\ndelay:\n", "Body.\n")}, "01-a.md:3: delay is empty"},
		{"delay a list", map[string]string{"01-a.md": lessonFile("subject: s\ndelay: [2d]\n", "Body.\n")}, "01-a.md:3: delay is a list here"},
		{"delay missing after the first", second("subject: s\n", "Body.\n"), "02-b.md:1: delay is missing: every lesson after the first needs one"},
		{"unknown front matter key", map[string]string{"01-a.md": lessonFile("subject: s\nauthor: me\n", "Body.\n")}, "01-a.md:3: author is not a lesson setting; the settings are title, subject, preheader and delay"},
		{"mistyped front matter key", map[string]string{"01-a.md": lessonFile("subject: s\nSubjet: me\n", "Body.\n")}, "01-a.md:3: Subjet is not a lesson setting: did you mean subject?"},
		{"front matter key twice", map[string]string{"01-a.md": lessonFile("subject: s\nsubject: t\n", "Body.\n")}, "01-a.md:3: subject is set twice (first on line 2)"},
		{"no front matter", map[string]string{"01-a.md": "Just a body.\n"}, "01-a.md:1: a lesson starts with front matter"},
		{"front matter not closed", map[string]string{"01-a.md": "---\nsubject: s\nBody.\n"}, "01-a.md:1: front matter is not closed"},
		{"duplicate slug", map[string]string{"01-a.md": ok, "02-a.md": lessonFile("subject: s\ndelay: 1d\n", "B.\n")}, `02-a.md:1: duplicate slug "a": 01-a.md has it too`},
		{"name without number", map[string]string{"01-a.md": ok, "intro.md": ok}, "intro.md: lesson file names"},
		{"name with capitals", map[string]string{"01-a.md": ok, "02-Intro.md": ok}, "02-Intro.md: lesson file names"},
		{"name with underscore", map[string]string{"01-a.md": ok, "03_intro.md": ok}, "03_intro.md: lesson file names"},
		{"javascript link", map[string]string{"01-a.md": lessonFile("subject: s\n", "\nSee [this](javascript:alert(1)).\n")}, `01-a.md:5: link "javascript:alert(1)" is not allowed`},
		{"relative link", map[string]string{"01-a.md": lessonFile("subject: s\n", "See [this](/about).\n")}, `01-a.md:4: link "/about" is not allowed`},
		{"ftp link", map[string]string{"01-a.md": lessonFile("subject: s\n", "Text.\n\nSee <ftp://example.com/f>.\n")}, `01-a.md:6: link "ftp://example.com/f" is not allowed`},
		{"top-level heading", map[string]string{"01-a.md": lessonFile("subject: s\n", "Intro.\n\n# Big title\n")}, `01-a.md:6: a top-level heading ("# Big title")`},
		{"underlined top-level heading", map[string]string{"01-a.md": lessonFile("subject: s\n", "Big title\n=========\n\nText.\n")}, `01-a.md:4: a top-level heading ("# Big title")`},
		{"raw HTML block", map[string]string{"01-a.md": lessonFile("subject: s\n", "Text.\n\n<div class=\"box\">\nx\n</div>\n")}, `01-a.md:6: raw HTML ("<div class=\"box\">") would be left out`},
		{"raw HTML inline", map[string]string{"01-a.md": lessonFile("subject: s\n", "Text.\nA <b>bold</b> word.\n")}, `01-a.md:5: raw HTML ("<b>") would be left out`},
		{"empty body", map[string]string{"01-a.md": lessonFile("subject: s\n", "\n   \n\n")}, "01-a.md:4: the lesson has no text after its front matter"},
		{"no body at all", map[string]string{"01-a.md": "---\nsubject: s\n---"}, "01-a.md:4: the lesson has no text after its front matter"},
		{"not UTF-8", map[string]string{"01-a.md": lessonFile("subject: s\n", "fine\ncaf\xe9\n")}, "01-a.md:5: this line is not UTF-8 text"},
		{"too big", map[string]string{"01-a.md": lessonFile("subject: s\n", strings.Repeat("x", 1<<20))}, "01-a.md: the file is over 1 MB"},
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

// TestLoadReportsEveryProblemInAFile: one file with a problem in each
// part gets all of them, in line order, each on its own line.
func TestLoadReportsEveryProblemInAFile(t *testing.T) {
	_, err := course.Load(mapFS(map[string]string{
		"course.yaml": "slug: Bad Slug\ntitle: T\ncolour: red\nweekdays: [mon, funday]\ntimezone: Mars/Olympus\n",
		"01-a.md":     lessonFile("subject: Fine\n", "Body.\n"),
		"02-b.md": lessonFile("author: me\ndelay: soon\npreheader: |\n  one\n  two\n",
			"Intro.\n\n# Title again\n\nSee [x](ftp://example.com) and <span>this</span>.\n"),
	}))
	want := []string{
		"course.yaml:1: slug \"Bad Slug\"",
		"course.yaml:3: colour is not",
		"course.yaml:4: weekdays: \"funday\"",
		"course.yaml:5: timezone \"Mars/Olympus\"",
		"02-b.md:1: subject is missing",
		"02-b.md:2: author is not a lesson setting",
		"02-b.md:3: delay \"soon\" is not a delay",
		"02-b.md:4: preheader must be one line",
		"02-b.md:10: a top-level heading",
		"02-b.md:12: link \"ftp://example.com\"",
		"02-b.md:12: raw HTML (\"<span>\")",
	}
	if err == nil {
		t.Fatal("Load succeeded")
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		t.Errorf("%d problems, want %d:\n%v", len(got), len(want), err)
	}
	for i := range min(len(got), len(want)) {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d = %q, want it to start with %q", i+1, got[i], want[i])
		}
	}
}

// TestMessagesSpeakOperatorLanguage: whatever is wrong, no message names a
// Go type or repeats the YAML parser's wording.
func TestMessagesSpeakOperatorLanguage(t *testing.T) {
	fronts := []string{
		"subject: [a\n", "subject: {a\n", "subject: \"a\n", "subject: 'a\n", "subject: a: b\n", "subject: @x\n",
		"subject: `x\n", "subject: %x\n", "subject: *x\n", "subject: &\n", "subject: \"\\q\"\n", "- a\n", "just text\n",
		"subject: s\nx\n  - y\n", "subject: s\n  indented: 1\n", "? [a]\n: b\n", "subject: !!binary x\n", "subject: s\x0c\n",
		"subject: [a, b]\n", "subject: {a: b}\n", "delay: [1d]\n", "title: {x: y}\n", "subject: s\ndelay: 2\n",
		"subject: s\ndelay: 99999d\n", "subject: s\ndelay: d\n", "subject: s\ndelay: 2é\n", "subject: s\nsubject: t\n",
	}
	courses := []string{
		"weekdays: mon\n", "weekdays: [[mon]]\n", "promises: {a: b}\n", "discreet: 2\n", "discreet: [true]\n",
		"send_window: [8, 10]\n", "timezone: 3\n", "first_lesson: {}\n", "slug: [a]\n", "title: a\n  b: c\n",
	}
	var all []error
	for _, f := range fronts {
		_, err := course.Load(mapFS(map[string]string{"01-a.md": lessonFile(f, "Body.\n")}))
		all = append(all, err)
	}
	for _, c := range courses {
		_, err := course.Load(mapFS(map[string]string{"course.yaml": courseYAML + c, "01-a.md": lessonFile("subject: s\n", "B.\n")}))
		all = append(all, err)
	}
	jargon := []string{"!!", "unmarshal", "yaml", "course.", "[]string", "time.", "struct", "field ", "mapping",
		"did not find", "token", "octet", "stream", "node", "anchor", "%!", `""`}
	for i, err := range all {
		var ps course.Problems
		if err != nil && !errors.As(err, &ps) {
			t.Errorf("input %d: %v is not Problems", i, err)
		}
		for _, p := range ps {
			if p.Line == 0 || strings.HasPrefix(p.Msg, " ") {
				t.Errorf("input %d: no line, or no subject: %s", i, p)
			}
			for _, j := range jargon {
				if strings.Contains(p.Msg, j) {
					t.Errorf("input %d: message has %q in it: %s", i, j, p)
				}
			}
			t.Log(p)
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

// TestUnreadableDirectory: a lessons directory that cannot be listed is
// one problem in plain words, not a Go error.
func TestUnreadableDirectory(t *testing.T) {
	_, err := course.Load(os.DirFS(filepath.Join(t.TempDir(), "gone")))
	if want := ".: the lessons directory cannot be read: no such file or directory"; fmt.Sprint(err) != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}
