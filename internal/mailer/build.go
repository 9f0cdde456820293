package mailer

import (
	"bytes"
)

// wire renders m to the bytes that go to the server (or the outbox),
// DKIM-signed when d is set.
func wire(m *Message, d *DKIM) ([]byte, error) {
	var buf bytes.Buffer
	return wireInto(&buf, m, d)
}

// wireInto is wire writing into buf, which the caller may reuse once it
// is done with the bytes.
func wireInto(buf *bytes.Buffer, m *Message, d *DKIM) ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	buf.Grow((m.textBody().size()+m.htmlBody().size())*11/10 + 2048)
	if err := writeMIME(buf, m); err != nil {
		return nil, err
	}
	if d == nil {
		return buf.Bytes(), nil
	}
	return d.sign(buf.Bytes())
}
