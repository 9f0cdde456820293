package bounce

import (
	"net/mail"
	"strings"
	"time"
	"unicode"
)

// Bounds on what a report may carry.
const (
	maxRecipients = 100
	maxDiagnostic = 1000
	maxIDLen      = 998
	maxText       = 256 << 10
)

// message is one incoming message, read once: its header, its leaf parts,
// and what the readings share.
type message struct {
	header   header
	subject  string // decoded, lower-cased
	from     string // address, lower-cased
	parts    []entity
	returned header // the original message's header, when found
	altID    string // a Message-ID the report names outside the returned header
	domain   string // the bounce domain, lower-case
	text     string // humanText, once read
	textRead bool
}

// knownFields are header fields that every real message has some of. A
// first line that happens to look like a field does not make a message.
var knownFields = []string{
	"From", "To", "Subject", "Date", "Received", "Return-Path", "Message-Id",
	"Content-Type", "Mime-Version", "Delivered-To", "Sender",
}

func newMessage(raw []byte) (*message, bool) {
	top := newEntity(raw, false)
	if !hasKnownField(top.header) {
		return nil, false
	}
	m := &message{header: top.header, parts: leaves(top)}
	m.subject = strings.ToLower(decodeWords(top.header.get("Subject")))
	m.from = firstAddress(top.header.get("From"))
	m.returned = m.returnedHeader()
	return m, true
}

func hasKnownField(h header) bool {
	for _, k := range knownFields {
		if h.get(k) != "" {
			return true
		}
	}
	return false
}

// returnedHeader finds the part that returns the original message or its
// header (RFC 3464 section 2, RFC 5965 section 2, RFC 6532 and 6533 for
// the message/global forms) and reads its header.
func (m *message) returnedHeader() header {
	for _, p := range m.parts {
		switch p.mediaType {
		case "message/rfc822", "message/global", "text/rfc822-headers",
			"message/rfc822-headers", "message/global-headers", "text/rfc822-header":
			if h, _ := readHeader(p.decoded()); len(h) > 0 {
				return h
			}
		}
	}
	return nil
}

// part returns the first leaf of one of the given media types.
func (m *message) part(types ...string) (entity, bool) {
	for _, p := range m.parts {
		for _, t := range types {
			if p.mediaType == t {
				return p, true
			}
		}
	}
	return entity{}, false
}

// originalID is the returned message's Message-ID without angle
// brackets, else the one the report names elsewhere.
func (m *message) originalID() string {
	if id := messageID(m.returned.get("Message-Id")); id != "" {
		return id
	}
	if id := messageID(m.altID); id != "" {
		return id
	}
	return m.answered()
}

// answered is the Message-ID a message says it answers: In-Reply-To,
// else the last References entry. Auto-replies set them, and so do
// Exim's bounces.
func (m *message) answered() string {
	if id := messageID(m.header.get("In-Reply-To")); id != "" {
		return id
	}
	refs := strings.Fields(m.header.get("References"))
	if len(refs) == 0 {
		return ""
	}
	return messageID(refs[len(refs)-1])
}

// messageID takes the id out of a Message-ID or In-Reply-To value.
func messageID(v string) string {
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.TrimSpace(v[i+1 : i+j])
		}
	}
	f := strings.Fields(v)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// firstAddress returns the first address in an address-list header value,
// lower-cased, reading it leniently when net/mail cannot.
func firstAddress(v string) string {
	if v == "" {
		return ""
	}
	if a, err := mail.ParseAddress(v); err == nil {
		return strings.ToLower(a.Address)
	}
	if loc := addrRe.FindString(v); loc != "" {
		return strings.ToLower(loc)
	}
	return ""
}

// parseDate reads an RFC 5322 date, dropping a trailing comment that
// net/mail refuses; the zero time when it cannot.
func parseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if i := strings.IndexByte(v, '('); i > 0 {
		v = strings.TrimSpace(v[:i])
	}
	t, err := mail.ParseDate(v)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// clean makes text safe to keep: valid UTF-8, control characters and runs
// of white space turned into single spaces, at most max bytes cut on a
// rune boundary.
func clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var sb strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = sb.Len() > 0
			continue
		}
		if space {
			sb.WriteByte(' ')
			space = false
		}
		if sb.Len()+len(string(r)) > max {
			break
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// cleanAddress lower-cases an address and drops the brackets and quotes
// that reports put around it. What is not local@domain.tld (a redacted
// "x@redacted", an X.400 name, words) gives "".
func cleanAddress(a string) string {
	a = strings.Trim(strings.TrimSpace(a), "<>\"' ")
	local, domain, ok := strings.Cut(a, "@")
	if !ok || local == "" || !strings.Contains(strings.Trim(domain, "."), ".") ||
		strings.ContainsAny(a, " \t<>") {
		return ""
	}
	return clean(strings.ToLower(a), 254)
}
