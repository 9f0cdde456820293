package course

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"time"
)

// CourseFile is the name of the course description in a lessons directory.
const CourseFile = "course.yaml"

// courseYAML is course.yaml as written.
type courseYAML struct {
	Slug, Title, Tagline, Description, SenderName string
	Timezone, SendWindow, FirstLesson             string
	DiscreetSenderName, DiscreetSubject           string
	ReplyTo, Start, LateJoin, Next                string
	Promises, Weekdays                            []string
	Discreet                                      bool
	dayLines                                      []int // the line of each of Weekdays
}

func (y *courseYAML) settings() settingsFile {
	return settingsFile{file: CourseFile, kind: "course.yaml setting", settings: []setting{
		{name: "slug", text: &y.Slug},
		{name: "title", text: &y.Title},
		{name: "tagline", text: &y.Tagline},
		{name: "description", text: &y.Description},
		{name: "promises", list: &y.Promises, example: "[First promise, Second promise] or one \"- item\" a line below it"},
		{name: "sender_name", text: &y.SenderName},
		{name: "timezone", text: &y.Timezone},
		{name: "send_window", text: &y.SendWindow},
		{name: "weekdays", list: &y.Weekdays, example: "[mon, wed, fri]", itemLines: &y.dayLines},
		{name: "first_lesson", text: &y.FirstLesson},
		{name: "discreet", flag: &y.Discreet},
		{name: "discreet_sender_name", text: &y.DiscreetSenderName},
		{name: "discreet_subject", text: &y.DiscreetSubject},
		{name: "reply_to", text: &y.ReplyTo},
		{name: "start", text: &y.Start},
		{name: "late_join", text: &y.LateJoin},
		{name: "next", text: &y.Next},
	}}
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

func loadCourseFile(fsys fs.FS, c *Course) Problems {
	const file = CourseFile
	body, err := readLimited(fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		return Problems{{File: file, Msg: "missing: every course needs a course.yaml with at least slug and title"}}
	}
	if err != nil {
		return Problems{readProblem(file, err)}
	}
	if p := notUTF8(file, body, 0); p != nil {
		return Problems{*p}
	}
	var y courseYAML
	lines, refused, ps := y.settings().decode(body)
	if lines == nil {
		return ps
	}
	v := &courseCheck{lines: lines, refused: refused}
	v.apply(c, &y)
	c.lines = keyLines{slug: max(lines["slug"], 1), next: max(lines["next"], 1)}
	ps = append(ps, v.ps...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
	return ps
}

// courseCheck checks course.yaml's values, each problem on its key's line
// (the first line for a key that is missing).
type courseCheck struct {
	lines   map[string]int
	refused map[string]bool // keys already reported
	ps      Problems
}

func (v *courseCheck) bad(key, msg string) {
	if !v.refused[key] {
		v.ps = append(v.ps, Problem{File: CourseFile, Line: max(v.lines[key], 1), Msg: msg})
	}
}

func (v *courseCheck) apply(c *Course, y *courseYAML) {
	c.Slug, c.Title, c.Tagline, c.Description = y.Slug, strings.TrimSpace(y.Title), y.Tagline, strings.TrimSpace(y.Description)
	c.Promises, c.SenderName, c.Discreet = y.Promises, orDefault(y.SenderName, c.Title), y.Discreet
	switch {
	case y.Slug == "":
		v.bad("slug", "slug is missing: name the course in lower-case words joined by dashes, like slug: rebuilding-trust")
	case !slugPattern.MatchString(y.Slug):
		v.bad("slug", fmt.Sprintf("slug %q is not lower-case words joined by dashes; write it like rebuilding-trust", y.Slug))
	}
	if c.Title == "" {
		v.bad("title", "title is missing: the course's name, shown on its page and in every email")
	}
	v.oneLine("title", c.Title)
	v.oneLine("tagline", c.Tagline)
	v.oneLine("sender_name", c.SenderName)
	var err error
	if c.Timezone, err = loadZone(y.Timezone); err != nil {
		v.bad("timezone", err.Error())
	}
	if c.Window, err = parseWindow(y.SendWindow); err != nil {
		v.bad("send_window", err.Error())
	}
	v.weekdays(y.Weekdays, y.dayLines, &c.Weekdays)
	switch y.FirstLesson {
	case "", "immediate":
	case "window":
		c.WaitForWindow = true
	default:
		v.bad("first_lesson", fmt.Sprintf("first_lesson is %q; write immediate (right after confirming) or window (in the reader's next send window)", y.FirstLesson))
	}
	c.DiscreetSenderName, c.DiscreetSubject = orDefault(y.DiscreetSenderName, "Weekly notes"), orDefault(y.DiscreetSubject, "Your weekly notes, part {{n}}")
	v.oneLine("discreet_sender_name", c.DiscreetSenderName)
	v.oneLine("discreet_subject", c.DiscreetSubject)
	v.cohort(c, y)
	v.links(c, y)
}

func (v *courseCheck) oneLine(key, s string) {
	if hasLineBreak(s) {
		v.bad(key, key+" must be one line")
	}
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func hasLineBreak(s string) bool { return strings.ContainsAny(s, "\r\n") }

func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, fmt.Errorf("timezone %q is not a time zone name; write one like Europe/London or America/New_York", name)
	}
	return loc, nil
}

func parseWindow(s string) (Window, error) {
	if s == "" {
		return Window{Start: 8 * time.Hour, End: 10 * time.Hour}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	start, err1 := time.Parse("15:04", strings.TrimSpace(from))
	end, err2 := time.Parse("15:04", strings.TrimSpace(to))
	if !ok || err1 != nil || err2 != nil {
		return Window{}, fmt.Errorf("send_window %q is not a time range; write it like \"08:00-10:00\" (24-hour times, in quotes)", s)
	}
	w := Window{
		Start: time.Duration(start.Hour())*time.Hour + time.Duration(start.Minute())*time.Minute,
		End:   time.Duration(end.Hour())*time.Hour + time.Duration(end.Minute())*time.Minute,
	}
	if w.End <= w.Start {
		return Window{}, fmt.Errorf("send_window %q does not end after it starts; the end must be later in the same day, like \"08:00-10:00\"", s)
	}
	return w, nil
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// weekdays sets days from the names given (every day when none are),
// reporting each name that is not a day.
func (v *courseCheck) weekdays(names []string, lines []int, days *[7]bool) {
	if len(names) == 0 {
		*days = [7]bool{true, true, true, true, true, true, true}
		return
	}
	for i, n := range names {
		d, ok := dayNames[strings.ToLower(strings.TrimSpace(n))]
		if !ok {
			v.ps = append(v.ps, Problem{File: CourseFile, Line: lines[i], Msg: fmt.Sprintf("weekdays: %q is not a day; write mon, tue, wed, thu, fri, sat or sun", n)})
			continue
		}
		days[d] = true
	}
}
