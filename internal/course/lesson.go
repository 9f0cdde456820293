package course

import (
	"bytes"
	"fmt"
	"html"
	"io/fs"
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
	Links []string
	html  []string
	text  []string
}

// lessonFront is a lesson's front matter as written.
type lessonFront struct {
	Title     string `yaml:"title"`
	Subject   string `yaml:"subject"`
	Preheader string `yaml:"preheader"`
	Delay     string `yaml:"delay"`
}

const maxSubject = 150

func loadLesson(fsys fs.FS, name string) (*Lesson, Problems) {
	body, err := readLimited(fsys, name)
	if err != nil {
		return nil, Problems{{File: name, Msg: err.Error()}}
	}
	if !utf8.Valid(body) {
		return nil, Problems{{File: name, Msg: "file is not UTF-8 text"}}
	}
	front, md, bodyLine, p := splitFrontMatter(name, body)
	if p != nil {
		return nil, Problems{*p}
	}
	var f lessonFront
	lines, ps := decodeStrict(name, front, 1, &f)
	if len(ps) > 0 {
		return nil, ps
	}
	m := lessonName.FindStringSubmatch(name)
	l := &Lesson{Slug: m[2], File: name, Title: strings.TrimSpace(f.Title), Subject: strings.TrimSpace(f.Subject),
		Preheader: strings.TrimSpace(f.Preheader), Markdown: string(md)}
	bad := func(key, msg string) {
		line := lines[key]
		if line == 0 {
			line = 1
		}
		ps = append(ps, Problem{File: name, Line: line, Msg: msg})
	}
	switch {
	case l.Subject == "":
		bad("subject", "subject is missing")
	case hasLineBreak(f.Subject) || utf8.RuneCountInString(l.Subject) > maxSubject:
		bad("subject", fmt.Sprintf("subject must be one line of at most %d characters", maxSubject))
	}
	if hasLineBreak(f.Preheader) {
		bad("preheader", "preheader must be one line")
	}
	if l.Title == "" {
		l.Title = l.Subject
	}
	if _, ok := lines["delay"]; ok || f.Delay != "" {
		if l.Delay, err = ParseDelay(strings.TrimSpace(f.Delay)); err != nil {
			bad("delay", err.Error())
		}
	}
	if strings.TrimSpace(l.Markdown) == "" {
		ps = append(ps, Problem{File: name, Line: bodyLine, Msg: "the lesson has no body"})
	}
	if len(ps) > 0 {
		return nil, ps
	}
	if err := l.render(); err != nil {
		return nil, Problems{{File: name, Line: bodyLine, Msg: err.Error()}}
	}
	return l, nil
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
