package dripcourse_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/delivery"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/token"
)

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
// decoded.
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
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	p, err := multipart.NewReader(msg.Body, params["boundary"]).NextRawPart()
	if err != nil {
		t.Fatal(err)
	}
	if ct := p.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8; format=flowed" {
		t.Errorf("plain-text part is %q", ct)
	}
	raw, _ = io.ReadAll(p)
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

// TestLessonTextFlowsBack: in every built-in lesson as sent, each
// paragraph and list item comes back as a single line when a mail client
// unwraps the flowed plain-text part, and the spaces that mark the soft
// breaks survive quoted-printable.
func TestLessonTextFlowsBack(t *testing.T) {
	ct := builtIn(t)
	comp := &delivery.Composer{
		Links:    links.NewMaker("https://example.test", token.NewSigner(make([]byte, 32))),
		FromAddr: "lessons@example.test", PostalAddress: "1 Harbour Road, Portsmouth", Tracking: delivery.TrackOff,
	}
	sub := drip.Subscriber{ID: 12, Email: "sam@example.org", Name: "Sam", Status: drip.StatusActive}
	now := time.Date(2026, 3, 8, 8, 0, 0, 0, time.UTC)
	for _, l := range ct.Course.Lessons {
		m, err := comp.Lesson(ct, l, sub, int64(100+l.Number), "l1.x@example.test", now)
		if err != nil {
			t.Fatalf("%s: %v", l.Slug, err)
		}
		raw, text := plainTextPart(t, m)
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
