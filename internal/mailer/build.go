package mailer

import (
	"bytes"

	"github.com/wneessen/go-mail"
)

// wire renders m to the bytes that go to the server (or the outbox),
// DKIM-signed when d is set.
func wire(m *Message, d *DKIM) ([]byte, error) {
	msg, err := build(m)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(m.Text) + len(m.HTML) + 2048)
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, &Error{Text: "cannot write message: " + err.Error()}
	}
	if d == nil {
		return buf.Bytes(), nil
	}
	return d.sign(buf.Bytes())
}

// build turns a Message into a go-mail message: multipart/alternative with
// the plain-text part first, a fixed Message-ID, and no header naming the
// library.
func build(m *Message) (*mail.Msg, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent(), mail.WithEncoding(mail.EncodingQP))
	if err := msg.FromFormat(m.FromName, m.FromAddr); err != nil {
		return nil, &Error{Text: "bad From address: " + err.Error()}
	}
	if err := msg.AddToFormat(m.ToName, m.ToAddr); err != nil {
		return nil, &Error{Code: 0, Text: "bad recipient address: " + err.Error()}
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	if m.Date.IsZero() {
		msg.SetDate()
	} else {
		msg.SetDateWithValue(m.Date)
	}
	for _, h := range m.Headers {
		msg.SetGenHeader(mail.Header(h.Name), h.Value)
	}
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}
