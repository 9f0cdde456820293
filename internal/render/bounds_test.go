package render_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dripcourse/dripcourse/internal/render"
)

// hostile is the shipped templates with one file replaced by src.
func hostile(t *testing.T, file, src string) fstest.MapFS {
	m := realTemplates(t)
	m[file] = &fstest.MapFile{Data: []byte(src)}
	return m
}

// TestHostileTemplatesAreRefusedAtLoad: what could loop without writing
// is refused with its file and line before it ever runs, so the load
// (and every check of a draft) returns.
func TestHostileTemplatesAreRefusedAtLoad(t *testing.T) {
	cases := []struct{ name, file, src, want string }{
		{"huge range", "email/lesson.html", "<p>hi</p>\n{{range 100000000}}{{end}}", "range over 100000000"},
		{"huge range with output", "email/lesson.txt", "x\n{{range $i := 100000000}}{{$i}}{{end}}", "range over 100000000"},
		{"nested ranges", "email/lesson.txt", "{{range 100}}\n{{range 100}}{{end}}{{end}}", "10000 times in all"},
		{"range over a variable", "email/lesson.txt", "{{$n := 99999999}}\n{{range $n}}{{end}}", "range over 99999999"},
		{"range over add", "email/lesson.txt", "x\n{{range add 1 2}}{{end}}", "worked out with add"},
		{"recursion", "email/lesson.html", "x\n{{define \"r\"}}{{template \"r\" .}}{{end}}{{template \"r\" .}}", `template "r" calls itself`},
		{"mutual recursion", "pages/course.html", "{{define \"content\"}}{{template \"a\" .}}{{end}}\n{{define \"a\"}}{{template \"b\" .}}{{end}}{{define \"b\"}}{{template \"a\" .}}{{end}}", "calls itself through"},
		{"unknown function", "email/lesson.html", "<p>\n{{nosuch .Name}}</p>", `function "nosuch" not defined`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := render.Load(hostile(t, c.file, c.src))
			ps := problems(t, err)
			found := false
			for _, p := range ps {
				if p.File == c.file && p.Line == 2 && strings.Contains(p.Msg, c.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("problems = %v, want %s:2 saying %q", ps, c.file, c.want)
			}
		})
	}
}

// TestSmallRangesLoad: ranges the bound allows still work.
func TestSmallRangesLoad(t *testing.T) {
	tpl, err := render.Load(hostile(t, "email/lesson.txt", "{{range $i := 3}}{{$i}}{{end}} {{range .Course.Lessons}}{{.Title}}{{end}}\n{{.UnsubscribeURL}}"))
	if err != nil {
		t.Fatal(err)
	}
	_, text, err := tpl.Email("lesson", render.SampleEmail(render.SampleCourse))
	if err != nil || !strings.HasPrefix(text, "012 First lessonSecond lesson") {
		t.Errorf("text = %q, %v", text, err)
	}
}

// TestOutputBound: a render that writes past MaxOutput stops with an
// error naming the template, and returns no half email.
func TestOutputBound(t *testing.T) {
	tpl, err := render.Load(realTemplates(t))
	if err != nil {
		t.Fatal(err)
	}
	e := render.SampleEmail(render.SampleCourse)
	e.BodyText = strings.Repeat("a long lesson ", render.MaxOutput/10)
	html, text, err := tpl.Email("lesson", e)
	if !errors.Is(err, render.ErrTooBig) || html != "" || text != "" {
		t.Fatalf("err = %v, want ErrTooBig and no parts", err)
	}
	if !strings.Contains(err.Error(), "template email/lesson.txt: the output passed 2 MB (a loop?)") {
		t.Errorf("err = %q, want the file and the bound", err)
	}
}

// TestWithinReturnsAtItsDeadline: a render stuck where no write can stop
// it still lets the request return, with an error that says why.
func TestWithinReturnsAtItsDeadline(t *testing.T) {
	stuck := make(chan struct{})
	defer close(stuck)
	err := render.Within(context.Background(), 20*time.Millisecond, "email/lesson.html", func() error { <-stuck; return nil })
	var be *render.BoundError
	if !errors.As(err, &be) || !errors.Is(err, render.ErrTooSlow) {
		t.Fatalf("err = %v, want a BoundError for time", err)
	}
	if err.Error() != "template email/lesson.html: rendering took longer than 20ms (a loop?)" {
		t.Errorf("err = %q", err)
	}
}

// TestWithinTurnsAPanicIntoAnError: a draft must never take the server
// down.
func TestWithinTurnsAPanicIntoAnError(t *testing.T) {
	err := render.Within(context.Background(), time.Second, "lessons/x/01-a.md", func() error { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "lessons/x/01-a.md: rendering failed: boom") {
		t.Errorf("err = %v", err)
	}
	if err := render.Within(context.Background(), time.Second, "x", func() error { return nil }); err != nil {
		t.Errorf("a quick render: %v", err)
	}
}
