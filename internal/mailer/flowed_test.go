package mailer

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
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

// textPart writes m and returns its plain-text part's Content-Type and
// its body as sent (still quoted-printable).
func textPart(t *testing.T, m *Message) (contentType string, raw []byte) {
	t.Helper()
	b, err := Raw(m)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if mt != "multipart/alternative" {
		body, _ := io.ReadAll(msg.Body)
		return msg.Header.Get("Content-Type"), body
	}
	p, err := multipart.NewReader(msg.Body, params["boundary"]).NextRawPart()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(p)
	return p.Header.Get("Content-Type"), body
}

// TestTextPartIsFlowed: the plain-text part says it is format=flowed, its
// soft breaks' spaces survive quoted-printable as =20, and the lines that
// need it are space-stuffed, in a multipart message and a text-only one.
func TestTextPartIsFlowed(t *testing.T) {
	for _, html := range []string{"<p>Hello</p>", ""} {
		m := &Message{FromAddr: "a@example.org", ToAddr: "b@example.org", MessageID: "m@example.org", Text: flowedText, HTML: html}
		ct, raw := textPart(t, m)
		if ct != "text/plain; charset=utf-8; format=flowed" {
			t.Errorf("Content-Type = %q", ct)
		}
		for _, want := range []string{"goes on=20\r\n", "goes=20\r\n", "\r\n--=20\r\n"} {
			if !bytes.Contains(raw, []byte(want)) {
				t.Errorf("quoted-printable body lacks %q:\n%s", want, raw)
			}
		}
		dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		want := "A paragraph that goes on \r\nafter a soft break.\r\n From here on, a line a mailbox would mangle.\r\n" +
			"     indented code\r\n> a quote that goes \r\n> on\r\n-- \r\nThe signature\r\n"
		if string(dec) != want {
			t.Errorf("decoded text part:\n%q\nwant\n%q", dec, want)
		}
	}
}

// TestHTMLPartIsNotStuffed: space-stuffing is for the flowed part only.
func TestHTMLPartIsNotStuffed(t *testing.T) {
	html := "<p>x</p>\n From <b>y</b>\n"
	b, err := Raw(&Message{FromAddr: "a@example.org", ToAddr: "b@example.org", MessageID: "m@example.org", Text: "x\n", HTML: html})
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
