package admin

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"

	"github.com/dripcourse/dripcourse/internal/mailer"
)

// emlMessage is an .eml file taken apart the way a mail client shows it:
// a flowed plain-text part is unflowed (mailer.Unflow), so its paragraphs
// read as one line each, wrapped to the page.
type emlMessage struct {
	From, To, Subject, Date string
	Text, HTML              string
}

var wordDecoder = &mime.WordDecoder{}

// decodeHeader undoes RFC 2047 encoding; a header it cannot decode is
// shown as it is.
func decodeHeader(v string) string {
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// readEMLHeader reads only the headers of a message.
func readEMLHeader(r io.Reader) (*emlMessage, *mail.Message, error) {
	msg, err := mail.ReadMessage(bufio.NewReader(r))
	if err != nil {
		return nil, nil, fmt.Errorf("read message: %w", err)
	}
	h := msg.Header
	return &emlMessage{From: decodeHeader(h.Get("From")), To: decodeHeader(h.Get("To")),
		Subject: decodeHeader(h.Get("Subject")), Date: h.Get("Date")}, msg, nil
}

// parseEML reads a whole message: its headers and its text and HTML
// parts, decoded.
func parseEML(b []byte) (*emlMessage, error) {
	m, msg, err := readEMLHeader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	if err := m.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, 0); err != nil {
		return nil, err
	}
	return m, nil
}

// walk finds the first text/plain and text/html parts, descending into
// multipart bodies (not too deep: the file could be anything).
func (m *emlMessage) walk(contentType, cte string, body io.Reader, depth int) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") && depth < 4 {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart() // undoes quoted-printable by itself
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read message part: %w", err)
			}
			if err := m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1); err != nil {
				return err
			}
		}
	}
	if strings.EqualFold(strings.TrimSpace(cte), "base64") {
		body = base64.NewDecoder(base64.StdEncoding, body) // it skips the line breaks itself
	}
	b, err := io.ReadAll(io.LimitReader(body, 4<<20))
	if err != nil {
		return fmt.Errorf("read message body: %w", err)
	}
	switch {
	case mt == "text/plain" && m.Text == "" && strings.EqualFold(params["format"], "flowed"):
		m.Text = mailer.Unflow(string(b), strings.EqualFold(params["delsp"], "yes"))
	case mt == "text/plain" && m.Text == "":
		m.Text = string(b)
	case mt == "text/html" && m.HTML == "":
		m.HTML = string(b)
	}
	return nil
}
