package course

import (
	"bytes"
	"fmt"
	"html"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Lesson is one lesson of a course, parsed and rendered once at load.
type Lesson struct {
	Slug      string
	File      string
	Number    int // 1-based position in the course
	Title     string
	Subject   string
	Preheader string
	Delay     time.Duration
	Markdown  string
	Words     int
	// Links are the destinations of the body's links, in order. The
	// rendered parts hold a marker where each goes, so that every delivery
	// can give them its own tracked URLs without rendering again.
	Links  []string
	html   []string
	text   []string
	course *Course
}

// Course is the course the lesson belongs to.
func (l *Lesson) Course() *Course { return l.course }

// lessonFront is a lesson's front matter as written.
type lessonFront struct {
	Title, Subject, Preheader, Delay string
}

func (f *lessonFront) settings(file string) settingsFile {
	return settingsFile{file: file, kind: "lesson setting", offset: 1, settings: []setting{
		{name: "title", text: &f.Title},
		{name: "subject", text: &f.Subject},
		{name: "preheader", text: &f.Preheader},
		{name: "delay", text: &f.Delay},
	}}
}

const maxSubject = 150

// loadLesson reads, checks and renders one lesson file. It reports every
// problem it finds in the file; the lesson is usable only when there are
// none. first is set for the course's first lesson, the only one that may
// go without a delay.
func loadLesson(fsys fs.FS, name string, first bool) (*Lesson, Problems) {
	body, err := readLimited(fsys, name)
	if err != nil {
		return nil, Problems{readProblem(name, err)}
	}
	if p := notUTF8(name, body, 0); p != nil {
		return nil, Problems{*p}
	}
	front, md, bodyLine, p := splitFrontMatter(name, body)
	if p != nil {
		return nil, Problems{*p}
	}
	var f lessonFront
	lines, refused, ps := f.settings(name).decode(front)
	m := lessonName.FindStringSubmatch(name)
	l := &Lesson{Slug: m[2], File: name, Title: strings.TrimSpace(f.Title), Subject: strings.TrimSpace(f.Subject),
		Preheader: strings.TrimSpace(f.Preheader), Markdown: string(md)}
	if lines != nil { // the front matter could be read
		ps = append(ps, l.checkFront(&f, lines, refused, first)...)
	}
	doc, src := parseMarkdown(l)
	ps = append(ps, checkBody(l, doc, src, bodyLine)...)
	if len(ps) > 0 {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
		return nil, ps
	}
	if err := l.render(doc, src); err != nil {
		return nil, Problems{{File: name, Line: bodyLine, Msg: err.Error()}}
	}
	return l, nil
}

// checkFront checks the front matter's values and sets the lesson's delay.
// Keys in refused were reported already.
func (l *Lesson) checkFront(f *lessonFront, lines map[string]int, refused map[string]bool, first bool) Problems {
	var ps Problems
	bad := func(key, msg string) {
		if !refused[key] {
			ps = append(ps, Problem{File: l.File, Line: max(lines[key], 1), Msg: msg})
		}
	}
	switch n := utf8.RuneCountInString(l.Subject); {
	case l.Subject == "":
		bad("subject", "subject is missing: every lesson needs the subject line its email is sent with")
	case hasLineBreak(l.Subject):
		bad("subject", "subject must be one line")
	case n > maxSubject:
		bad("subject", fmt.Sprintf("subject is %d characters; the most is %d (mail apps show the first 60 or so)", n, maxSubject))
	}
	if hasLineBreak(l.Title) {
		bad("title", "title must be one line")
	}
	if hasLineBreak(l.Preheader) {
		bad("preheader", "preheader must be one line")
	}
	if l.Title == "" {
		l.Title = l.Subject
	}
	_, given := lines["delay"]
	var err error
	switch {
	case given:
		if l.Delay, err = ParseDelay(strings.TrimSpace(f.Delay)); err != nil {
			bad("delay", err.Error())
		}
	case !first:
		bad("delay", "delay is missing: every lesson after the first needs one, the wait after the lesson before it, like delay: 2d")
	}
	return ps
}

// splitFrontMatter separates the YAML between the opening and closing ---
// lines from the Markdown after them, and says on which line the body starts.
func splitFrontMatter(name string, b []byte) (front, body []byte, bodyLine int, p *Problem) {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(b, []byte("---\n")) {
		return nil, nil, 0, &Problem{File: name, Line: 1, Msg: "a lesson starts with front matter: a line ---, then subject: and delay:, then ---"}
	}
	rest := b[4:]
	end := bytes.Index(rest, []byte("\n---\n"))
	if end < 0 {
		if bytes.HasSuffix(rest, []byte("\n---")) {
			end = len(rest) - 4
		} else {
			return nil, nil, 0, &Problem{File: name, Line: 1, Msg: "front matter is not closed: add a line --- after it"}
		}
	}
	front = rest[:end+1]
	body = rest[min(end+5, len(rest)):]
	bodyLine = 2 + bytes.Count(front, []byte("\n")) + 1
	return front, body, bodyLine, nil
}

// linkMarker stands where link i goes in the rendered parts.
func linkMarker(i int) string { return "\x00" + strconv.Itoa(i) + "\x00" }

// splitMarkers cuts rendered output at the link markers: the result
// alternates text and link index, starting and ending with text.
func splitMarkers(s string) []string { return strings.Split(s, "\x00") }

// fill joins parts, putting href(i) where link i goes.
func fill(parts []string, links []string, href func(dest string) string, escape bool) string {
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 0 {
			b.WriteString(p)
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n >= len(links) {
			continue // cannot happen: render makes every marker
		}
		u := href(links[n])
		if escape {
			u = html.EscapeString(u)
		}
		b.WriteString(u)
	}
	return b.String()
}

// HTML is the lesson body as HTML, with each link's destination passed
// through href (which may return it unchanged).
func (l *Lesson) HTML(href func(dest string) string) string { return fill(l.html, l.Links, href, true) }

// Text is the lesson body as plain text wrapped at 72 columns, with its
// links listed at the end, each passed through href.
func (l *Lesson) Text(href func(dest string) string) string {
	return fill(l.text, l.Links, href, false)
}

// Plain returns a destination unchanged, for untracked rendering.
func Plain(dest string) string { return dest }
