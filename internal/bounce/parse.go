package bounce

import (
	"errors"
	"strings"
)

// MaxSize is the largest message Parse reads, in bytes. Receivers should
// refuse larger ones before reading them whole.
const MaxSize = 10 << 20

// Errors from Parse. Each means that nothing can be recorded from the
// message; they differ so that the caller can say why.
var (
	// ErrTooLarge refuses a message over MaxSize.
	ErrTooLarge = errors.New("bounce: message larger than 10 MB")
	// ErrNotMessage refuses bytes with no RFC 5322 header (a binary blob).
	ErrNotMessage = errors.New("bounce: not an RFC 5322 message")
	// ErrNotReport refuses a message that is a person's (a reply, a
	// forward) or anything else that reports nothing.
	ErrNotReport = errors.New("bounce: neither a bounce, a complaint nor an auto-reply")
)

// Options say how a message reached us.
type Options struct {
	// Domain is the bounce domain of VERP return addresses
	// (b+TOKEN@Domain). Without it no token is looked for.
	Domain string
	// Envelope is the SMTP envelope recipient (RCPT TO) the message was
	// received for, when the caller knows it. It is searched for the token
	// before any header.
	Envelope string
}

// Parse reads one RFC 5322 message (LF or CRLF line ends) and returns the
// reports it holds: one per recipient of a DSN or complaint, one for a
// non-standard bounce per address it names, one for an auto-reply. Every
// report is classified (Classify, ClassifyFeedback) and carries the VERP
// token and the original Message-ID when the message shows them.
//
// A bounce or complaint that names no recipient is returned as one report
// with an empty Recipient, so that its token or Message-ID can still match
// it; the caller drops it when neither does.
//
// Parse errors only when nothing can be read: ErrTooLarge, ErrNotMessage
// for bytes that have no RFC 5322 header, ErrNotReport for a message that
// is none of the above (a person's reply). It never panics, and its time
// and memory grow linearly with the input.
func Parse(raw []byte, opt Options) ([]Report, error) {
	if len(raw) > MaxSize {
		return nil, ErrTooLarge
	}
	m, ok := newMessage(raw)
	if !ok {
		return nil, ErrNotMessage
	}
	m.domain = normDomain(opt.Domain)
	reports := m.reports()
	if len(reports) == 0 {
		return nil, ErrNotReport
	}
	token := m.token(opt)
	for i := range reports {
		m.finish(&reports[i], token)
	}
	return reports, nil
}

// reports tries each reading in order of how much it can be trusted:
// structured reports first, then a non-standard bounce's text, then
// auto-reply markers. Postfix marks its own bounces Auto-Submitted, so
// that weak marker counts only when no bounce text is found.
func (m *message) reports() []Report {
	if rs := m.feedback(); rs != nil {
		return rs
	}
	if rs := m.dsn(); rs != nil {
		return rs
	}
	if m.autoReplied(true) {
		return m.autoReply()
	}
	if rs := m.textBounce(); rs != nil {
		return rs
	}
	if m.autoReplied(false) {
		return m.autoReply()
	}
	return nil
}

// finish fills in what every report shares and makes it safe to store:
// classification, token, Message-ID, time, and bounded valid text.
func (m *message) finish(r *Report, token string) {
	r.Recipient = cleanAddress(r.Recipient)
	r.Action = clean(strings.ToLower(r.Action), 32)
	r.Status = statusField(r.Status)
	r.Diagnostic = clean(r.Diagnostic, maxDiagnostic)
	r.FeedbackType = clean(strings.ToLower(r.FeedbackType), 64)
	if r.Kind == "" {
		r.Kind, r.OurSending = Classify(r.Action, r.Status, r.Diagnostic)
	}
	if r.Token == "" {
		r.Token = token
	}
	if r.MessageID == "" {
		r.MessageID = m.originalID()
	}
	r.MessageID = clean(r.MessageID, maxIDLen)
	if r.At.IsZero() {
		r.At = parseDate(m.header.get("Date"))
	}
}
