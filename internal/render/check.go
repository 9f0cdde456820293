package render

import (
	"fmt"

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
}

// SampleEmail returns email data that exercises every field.
func SampleEmail(c CourseInfo) *Email {
	return &Email{
		Course: c, Name: "Sam", Subject: "Sample subject", Preheader: "Sample preheader", Title: "Sample lesson",
		Number: 1, Total: len(c.Lessons), BodyHTML: "<p>Sample body.</p>", BodyText: "Sample body.\n",
		ConfirmURL: "https://example.com/confirm/x", UnsubscribeURL: "https://example.com/u/x", ViewURL: "https://example.com/v/x",
		NextURL: "https://example.com/next/x", PauseURL: "https://example.com/pause/x", PixelURL: "https://example.com/o/x",
		PostalAddress: "1 Sample Street, Sampletown",
	}
}

// selfCheck renders every template with sample data, so that a reference
// to a missing field is reported at load, with its file.
func (t *Templates) selfCheck() drip.Problems {
	var ps drip.Problems
	page := &Page{Course: SampleCourse, Title: "Sample", Email: "sam@example.com", Error: "Sample error",
		Action: "/sample", Undo: "/undo", Message: "Sample message", Status: 400, Nonce: "n"}
	for name := range t.pages {
		if _, err := t.Page(name, page); err != nil {
			ps = append(ps, drip.Problem{File: "pages/" + name + ".html", Msg: unwrapRender(err)})
		}
	}
	for name := range t.emailHTML {
		if _, ok := t.emailText[name]; !ok {
			ps = append(ps, drip.Problem{File: "email/" + name + ".txt", Msg: "missing: every email needs both an .html and a .txt part"})
			continue
		}
		if _, _, err := t.Email(name, SampleEmail(SampleCourse)); err != nil {
			ps = append(ps, drip.Problem{File: "email/" + name, Msg: unwrapRender(err)})
		}
	}
	return ps
}

func unwrapRender(err error) string {
	return fmt.Sprint(err)
}
