package mailer_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/render"
)

// flowedText is a plain-text body as course's wrap writes it: soft breaks
// end in a space, and ">" starts a quote.
const flowedText = "A paragraph that goes on \n" +
	"after a soft break.\n" +
	"From here on, a line a mailbox would mangle.\n" +
	"    indented code\n" +
	"> a quote that goes \n" +
	"> on\n" +
	"-- \n" +
	"The signature\n"

// unflow reads a format=flowed (DelSp=no) text as RFC 3676 says a mail
// client does: the quote depth is the count of leading ">", one space
// after them (or at the start of an unquoted line) is space-stuffing and
// goes, and a line that then ends in a space, unless it is the signature
// separator "-- ", is joined with the next line of the same depth.
func unflow(text string) []string {
	var out []string
	open, depth := false, 0
	for _, line := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n") {
		d := len(line) - len(strings.TrimLeft(line, ">"))
		content := strings.TrimPrefix(line[d:], " ")
		if open && d == depth {
			out[len(out)-1] += content
		} else {
			out = append(out, strings.Repeat(">", d)+map[bool]string{true: " "}[d > 0]+content)
		}
		open, depth = strings.HasSuffix(content, " ") && content != "-- ", d
	}
	return out
}

// plainTextPart writes m as it goes on the wire, checks that its plain-text
// part is declared flowed, and returns that part still quoted-printable and
// decoded. m may be multipart/alternative or plain text alone.
func plainTextPart(t *testing.T, m *mailer.Message) (raw []byte, text string) {
	t.Helper()
	b, err := mailer.Raw(m)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	ct, body := msg.Header.Get("Content-Type"), io.Reader(msg.Body)
	if mt, params, _ := mime.ParseMediaType(ct); mt == "multipart/alternative" {
		p, err := multipart.NewReader(msg.Body, params["boundary"]).NextRawPart()
		if err != nil {
			t.Fatal(err)
		}
		ct, body = p.Header.Get("Content-Type"), p
	}
	if ct != "text/plain; charset=utf-8; format=flowed" {
		t.Errorf("plain-text part is %q", ct)
	}
	raw, _ = io.ReadAll(body)
	dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return raw, string(dec)
}

// plainBlocks returns the lesson's paragraphs and list items that carry no
// Markdown but bold, as the plain-text part writes them: one line each.
func plainBlocks(md string) []string {
	var out []string
	for _, block := range strings.Split(md, "\n\n") {
		for _, item := range strings.Split(block, "\n- ") {
			if !strings.HasPrefix(strings.TrimSpace(item), "- ") && item != block {
				item = "- " + item
			}
			s := strings.Join(strings.Fields(item), " ")
			if s != "" && !strings.ContainsAny(strings.ReplaceAll(strings.TrimPrefix(s, "- "), "**", ""), "*_[]`#>|<&\\") &&
				!strings.ContainsAny(s[:1], "0123456789") {
				out = append(out, strings.ReplaceAll(s, "**", "*"))
			}
		}
	}
	return out
}

// lessonMessage renders lesson l of the shipped course through the shipped
// templates, as delivery does, into a message whose bodies come in pieces
// (the lesson's text is one of them, as in a delivery's frame).
func lessonMessage(t *testing.T, tpl *render.Templates, l *course.Lesson) *mailer.Message {
	t.Helper()
	e := render.SampleEmail(render.SampleCourse)
	e.Title, e.Preheader, e.BodyText = l.Title, l.Preheader, l.Text(course.Plain)
	htmlPart, text, err := tpl.Email("lesson", e)
	if err != nil {
		t.Fatal(err)
	}
	at := strings.Index(text, e.BodyText)
	if at < 0 {
		t.Fatal("the lesson's text is not in the text part")
	}
	return &mailer.Message{FromAddr: "lessons@example.org", ToAddr: "sam@example.org", MessageID: "m@example.org",
		Subject: l.Subject, HTML: htmlPart,
		TextParts: []string{text[:at], e.BodyText, text[at+len(e.BodyText):]}}
}

// TestLessonTextFlowsBack: in every lesson of the shipped course as sent,
// each paragraph and list item comes back as a single line when a mail
// client unwraps the flowed plain-text part, and the spaces that mark the
// soft breaks survive quoted-printable.
func TestLessonTextFlowsBack(t *testing.T) {
	set, err := course.LoadSet(os.DirFS("../../lessons"))
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := render.Load(os.DirFS("../../templates"))
	if err != nil {
		t.Fatal(err)
	}
	var lessons []*course.Lesson
	for _, c := range set.Courses {
		lessons = append(lessons, c.Lessons...)
	}
	for _, l := range lessons {
		raw, text := plainTextPart(t, lessonMessage(t, tpl, l))
		if !bytes.Contains(raw, []byte("=20\r\n")) {
			t.Errorf("%s: no soft break (=20 before a line end) in the quoted-printable text", l.Slug)
		}
		lines := map[string]bool{}
		for _, line := range unflow(text) {
			lines[strings.TrimSuffix(line, " ")] = true
		}
		blocks := plainBlocks(l.Markdown)
		if len(blocks) < 3 {
			t.Fatalf("%s: only %d plain paragraphs to check", l.Slug, len(blocks))
		}
		for _, b := range blocks {
			if !lines[b] {
				t.Errorf("%s: paragraph does not come back as one line: %q\ntext part:\n%s", l.Slug, b, text)
			}
		}
	}
}

// TestTextPartIsFlowed: the plain-text part says it is format=flowed, its
// soft breaks' spaces survive quoted-printable as =20, and the lines that
// need it are space-stuffed, in a multipart message and a text-only one.
func TestTextPartIsFlowed(t *testing.T) {
	for _, html := range []string{"<p>Hello</p>", ""} {
		m := &mailer.Message{FromAddr: "a@example.org", ToAddr: "b@example.org", MessageID: "m@example.org", Text: flowedText, HTML: html}
		raw, dec := plainTextPart(t, m)
		for _, want := range []string{"goes on=20\r\n", "goes=20\r\n", "\r\n--=20\r\n"} {
			if !bytes.Contains(raw, []byte(want)) {
				t.Errorf("quoted-printable body lacks %q:\n%s", want, raw)
			}
		}
		want := "A paragraph that goes on \r\nafter a soft break.\r\n From here on, a line a mailbox would mangle.\r\n" +
			"     indented code\r\n> a quote that goes \r\n> on\r\n-- \r\nThe signature\r\n"
		if string(dec) != want {
			t.Errorf("decoded text part:\n%q\nwant\n%q", dec, want)
		}
		got := strings.Join(unflow(dec), "\n")
		if want := "A paragraph that goes on after a soft break.\nFrom here on, a line a mailbox would mangle.\n" +
			"    indented code\n> a quote that goes on\n-- \nThe signature"; got != want {
			t.Errorf("unflowed:\n%s\nwant:\n%s", got, want)
		}
	}
}

// TestHTMLPartIsNotStuffed: space-stuffing is for the flowed part only.
func TestHTMLPartIsNotStuffed(t *testing.T) {
	html := "<p>x</p>\n From <b>y</b>\n"
	b, err := mailer.Raw(&mailer.Message{FromAddr: "a@example.org", ToAddr: "b@example.org", MessageID: "m@example.org", Text: "x\n", HTML: html})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("Content-Type: text/html; charset=utf-8\r\n")) || !bytes.Contains(b, []byte("\r\n From <b>y</b>\r\n")) {
		t.Errorf("HTML part changed:\n%s", b)
	}
	if strings.Contains(string(b), "\r\n  From <b>") {
		t.Error("HTML part was space-stuffed")
	}
}

// TestUnflow reads a flowed part back as a mail client shows it: the
// stuffing gone, soft breaks joined within one quote depth, the
// signature separator and hard breaks kept.
func TestUnflow(t *testing.T) {
	m := &mailer.Message{FromAddr: "a@example.test", ToAddr: "b@example.test", Subject: "s", MessageID: "u@example.test", Text: flowedText}
	_, wire := plainTextPart(t, m)
	want := "A paragraph that goes on after a soft break.\n" +
		"From here on, a line a mailbox would mangle.\n" +
		"    indented code\n" +
		"> a quote that goes on\n" +
		"-- \n" +
		"The signature\n"
	if got := mailer.Unflow(wire, false); got != want {
		t.Errorf("Unflow =\n%q\nwant\n%q", got, want)
	}
	if got := mailer.Unflow("one \r\ntwo\r\n", true); got != "onetwo\n" {
		t.Errorf("Unflow with DelSp = %q, want the soft break's space gone", got)
	}
	if got := mailer.Unflow("> quoted \r\nnot quoted\r\n", false); got != "> quoted \nnot quoted\n" {
		t.Errorf("a soft break into another quote depth was joined: %q", got)
	}
}
