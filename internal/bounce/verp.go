package bounce

import (
	"regexp"
	"strings"
)

var (
	// addrRe finds a plain ASCII address (RFC 5322 dot-atom local part and
	// a dotted domain) in free text.
	addrRe = regexp.MustCompile("[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+")
	// verpRe finds b+TOKEN@domain where b starts the local part. The token
	// keeps its case: it is a signed value the caller verifies.
	verpRe = regexp.MustCompile(`(?:^|[\s<,:;"'(])[bB]\+([A-Za-z0-9_=.\-]{1,512})@([A-Za-z0-9.\-]{1,253})`)
)

// token finds the VERP token of the address the report was sent to. It
// looks, in order, at the SMTP envelope recipient the caller gave, the
// headers that receivers set to it (Delivered-To, X-Original-To,
// Envelope-To), To and Cc, and then at where the original message's own
// envelope sender shows: the returned header's Return-Path, a DSN's
// X-Postfix-Sender and an ARF report's Original-Mail-From. Only an address
// on opt.Domain counts; a b+ address elsewhere is someone else's.
func (m *message) token(opt Options) string {
	domain := m.domain
	if domain == "" {
		return ""
	}
	places := []string{opt.Envelope}
	for _, k := range []string{"Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Cc"} {
		places = append(places, m.header.all(k)...)
	}
	places = append(places, m.returned.all("Return-Path")...)
	if t := firstToken(places, domain); t != "" {
		return t
	}
	return firstToken(m.senderFields(), domain)
}

// firstToken returns the token of the first place that has one.
func firstToken(places []string, domain string) string {
	for _, p := range places {
		if t := verpToken(p, domain); t != "" {
			return t
		}
	}
	return ""
}

// normDomain lower-cases a domain and drops a final dot.
func normDomain(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}

// verpToken returns the token of the first b+TOKEN@domain in s.
func verpToken(s, domain string) string {
	for _, m := range verpRe.FindAllStringSubmatch(s, 8) {
		if normDomain(m[2]) == domain {
			return m[1]
		}
	}
	return ""
}

// senderFields are the report fields that carry the original envelope
// sender: Postfix's X-Postfix-Sender in a DSN's per-message block and ARF's
// Original-Mail-From (RFC 5965 section 3.2).
func (m *message) senderFields() []string {
	var out []string
	for _, p := range m.parts {
		switch p.mediaType {
		case "message/delivery-status", "message/global-delivery-status", "message/feedback-report":
			for _, b := range fieldBlocks(p.decoded(), 50) {
				out = append(out, b.all("X-Postfix-Sender")...)
				out = append(out, b.all("Original-Mail-From")...)
			}
		}
	}
	return out
}
