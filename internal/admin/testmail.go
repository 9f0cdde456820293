package admin

import (
	"fmt"
	"html"
	"strings"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/mailer"
)

// markTest makes a lesson sent with "Send me a test" say that it is one:
// "[Test]" before its subject, and a note at the top of both parts. Its
// links are the test reader's (sampleReader), which lead to a page that
// says the message was a test.
func markTest(m *mailer.Message, l *course.Lesson) {
	text, body := m.Bodies()
	note := fmt.Sprintf("This is a test of lesson %d, sent from the admin pages with \"Send me a test\". "+
		"Its links lead to a page that says so.", l.Number)
	m.Subject = "[Test] " + m.Subject
	// Flowed text: each line but the last ends in a space, a soft break,
	// so a phone joins them into one paragraph.
	m.Text = fmt.Sprintf("TEST MESSAGE: this is a test of lesson %d, \n"+
		"sent from the admin pages with \"Send me a test\". Its links \n"+
		"lead to a page that says so.\n\n", l.Number) + text
	m.HTML = withBanner(body, `<p style="margin:0 0 16px;padding:12px 16px;border:2px dashed #9f2a24;color:#9f2a24;font:600 15px/1.4 sans-serif">`+
		"Test message. "+html.EscapeString(note)+"</p>")
	m.TextParts, m.HTMLParts = nil, nil
}

// withBanner puts banner first inside the email's main landmark (or its
// body), where a reader's eye starts.
func withBanner(doc, banner string) string {
	for _, tag := range []string{"<main", "<body"} {
		if i := strings.Index(doc, tag); i >= 0 {
			if j := strings.IndexByte(doc[i:], '>'); j >= 0 {
				at := i + j + 1
				return doc[:at] + banner + doc[at:]
			}
		}
	}
	return banner + doc
}
