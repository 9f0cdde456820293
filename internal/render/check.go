package render

import (
	"bytes"
	"io"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// SampleCourse is course data for previews and template checks.
var SampleCourse = CourseInfo{
	Title:       "Sample course",
	Tagline:     "A sample tagline",
	Description: "A sample description.",
	Promises:    []string{"One promise", "Another promise"},
	Lessons:     []LessonInfo{{Number: 1, Title: "First lesson", Day: 0}, {Number: 2, Title: "Second lesson", Day: 2}},
	Days:        2,
	Slug:        "sample-course", Path: "/courses/sample-course", SignupPath: "/courses/sample-course/subscribe",
	Start: "11 January 2027",
}

// SampleEmail returns email data that exercises every field.
func SampleEmail(c CourseInfo) *Email {
	return &Email{
		Course: c, Name: "Sam", Subject: "Sample subject", Preheader: "Sample preheader", Title: "Sample lesson",
		Number: 1, Total: len(c.Lessons), BodyHTML: "<p>Sample body.</p>", BodyText: "Sample body.\n",
		ConfirmURL: "https://example.com/confirm/x", UnsubscribeURL: "https://example.com/u/x", ViewURL: "https://example.com/v/x",
		NextURL: "https://example.com/next/x", PauseURL: "https://example.com/pause/x", PixelURL: "https://example.com/o/x",
		PostalAddress: "1 Sample Street, Sampletown", NextCourse: c, NextCourseURL: "https://example.com/enroll/x",
	}
}

// SamplePage returns page data that exercises every field, about course
// c: for checks, and for previews of an edited page.
func SamplePage(c CourseInfo) *Page {
	return &Page{Course: c, Title: "Sample", Email: "sam@example.com", Error: "Sample error",
		Action: "/sample", Undo: "/undo", Message: "Sample message", Status: 400, Nonce: "n",
		Courses: []CourseInfo{c, c}, NextCourse: c, NextCourseURL: "/enroll/x"}
}

// selfCheck renders every template with sample data, so that a reference
// to a missing field is reported at load, with its file and line.
func (t *Templates) selfCheck() drip.Problems {
	var ps drip.Problems
	page := SamplePage(SampleCourse)
	for _, name := range t.Pages() {
		if err := check("pages/"+name+".html", func(w io.Writer) error { return t.pages[name].ExecuteTemplate(w, "layout", page) }); err != nil {
			ps = append(ps, templateProblem("pages/", err))
		}
	}
	email := SampleEmail(SampleCourse)
	for name, h := range t.emailHTML {
		x, ok := t.emailText[name]
		if !ok {
			ps = append(ps, drip.Problem{File: "email/" + name + ".txt", Msg: "missing: every email needs both an .html and a .txt part"})
			continue
		}
		if err := check("email/"+name+".html", func(w io.Writer) error { return h.Execute(w, email) }); err != nil {
			ps = append(ps, templateProblem("email/", err))
		}
		if err := check("email/"+name+".txt", func(w io.Writer) error { return x.Execute(w, email) }); err != nil {
			ps = append(ps, templateProblem("email/", err))
		}
	}
	return ps
}

// check renders into a throwaway bounded buffer: the sample data must
// not hang the load either.
func check(file string, run func(io.Writer) error) error {
	var buf bytes.Buffer
	return execute(&buf, file, run)
}
