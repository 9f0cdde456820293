package mailer

import (
	"github.com/wneessen/go-mail"
)

// build turns a Message into a go-mail message: multipart/alternative with
// the plain-text part first, a fixed Message-ID, and no header naming the
// library.
func build(m *Message, dkim *DKIM) (*mail.Msg, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	opts := []mail.MsgOption{mail.WithNoDefaultUserAgent(), mail.WithEncoding(mail.EncodingQP)}
	if dkim != nil {
		opts = append(opts, mail.WithDKIM(dkim.signer))
	}
	msg := mail.NewMsg(opts...)
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
