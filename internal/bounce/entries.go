package bounce

import (
	"regexp"
	"strings"
)

// entry is one failed address read from a bounce's text.
type entry struct {
	addr, status, diag string
}

// leadAddr matches a line that starts with an address, as text bounces
// list their failures: "<a@b>: host ... said: 550 ..." (Postfix), "<a@b>:"
// (qmail, Yahoo), "  a@b" (Exim, Gmail), "a@b<mailto:a@b>" (Exchange).
var leadAddr = regexp.MustCompile(`^[ \t]*<?(` + addrRe.String() + `)>?(?:[\s:<(,;]|\.\.\.|$)`)

// entries reads the failure section: each line that starts with an
// address opens that address's entry, and the lines up to the next one
// are its text, where the first SMTP reply is its status and diagnostic.
// Addresses seen twice (Exchange lists each one for users and again for
// administrators) are merged. When no line starts with an address, the one
// address the text names, if it names exactly one, takes the first reply.
func (m *message) entries(failure string) []entry {
	var ents []entry
	cur := -1
	var buf []string
	flush := func() {
		if cur >= 0 {
			ents[cur].absorb(strings.Join(buf, "\n"))
		}
		buf = buf[:0]
	}
	for _, line := range strings.Split(failure, "\n") {
		// A wrapped reply may start a line with the same address again
		// (Postfix); that continues the entry.
		if a := m.leadAddress(line); a != "" && (cur < 0 || a != ents[cur].addr) {
			flush()
			cur = indexOf(&ents, a)
			if cur < 0 {
				break
			}
			line = line[strings.Index(strings.ToLower(line), a)+len(a):]
		}
		if cur >= 0 {
			buf = append(buf, line)
		}
	}
	flush()
	if len(ents) == 0 {
		ents = m.failedHeader(failure)
	}
	if len(ents) == 0 {
		ents = m.loneEntry(failure)
	}
	return ents
}

// failedHeader reads X-Failed-Recipients, the header Exim (and others
// after it) put on a bounce. A lone address takes the text's first reply.
func (m *message) failedHeader(failure string) []entry {
	var ents []entry
	for _, v := range m.header.all("X-Failed-Recipients") {
		for _, a := range addrRe.FindAllString(v, maxRecipients) {
			if a = strings.ToLower(a); !m.foreign(a) {
				indexOf(&ents, a)
			}
		}
	}
	if len(ents) == 1 {
		ents[0].absorb(failure)
	}
	return ents
}

// leadAddress returns the address a line starts with, lower-cased, unless
// it is one that is never the failed recipient.
func (m *message) leadAddress(line string) string {
	sub := leadAddr.FindStringSubmatch(line)
	if sub == nil {
		return ""
	}
	a := strings.ToLower(sub[1])
	if m.foreign(a) {
		return ""
	}
	return a
}

// foreign reports an address that a bounce names but that never failed:
// the bounce's own sender and recipients, our VERP address, a mail
// daemon's.
func (m *message) foreign(a string) bool {
	local, domain, _ := strings.Cut(a, "@")
	return a == m.from || local == "mailer-daemon" || strings.HasPrefix(local, "b+") ||
		(m.domain != "" && domain == m.domain) || m.addressedTo(a)
}

// addressedTo reports whether the bounce itself was sent to a: our own
// sender address, when no bounce domain is set.
func (m *message) addressedTo(a string) bool {
	for _, k := range []string{"To", "Cc"} {
		for _, v := range m.header.all(k) {
			for _, b := range addrRe.FindAllString(v, 20) {
				if strings.EqualFold(a, b) {
					return true
				}
			}
		}
	}
	return false
}

// indexOf returns a's entry, adding it if new; -1 past maxRecipients.
func indexOf(ents *[]entry, a string) int {
	for i, e := range *ents {
		if e.addr == a {
			return i
		}
	}
	if len(*ents) >= maxRecipients {
		return -1
	}
	*ents = append(*ents, entry{addr: a})
	return len(*ents) - 1
}

// absorb takes the first reply in an entry's text, unless it has one.
func (e *entry) absorb(text string) {
	if e.status != "" {
		return
	}
	if st, diag := reply(text); st != "" {
		e.status, e.diag = st, diag
	} else if e.diag == "" {
		// No code, but the words still say why ("retry timeout exceeded").
		e.diag = paragraph(strings.TrimLeft(text, " \t\n:>."))
	}
}

// loneEntry handles text that names its failed address inside a sentence
// ("Your message wasn't delivered to a@b because ..."): when exactly one
// address qualifies, it gets the text's first reply.
func (m *message) loneEntry(failure string) []entry {
	var found string
	for _, a := range addrRe.FindAllString(failure, 200) {
		a = strings.ToLower(a)
		switch {
		case m.foreign(a) || a == found:
		case found != "":
			return nil
		default:
			found = a
		}
	}
	if found == "" {
		return nil
	}
	e := entry{addr: found}
	e.absorb(failure)
	return []entry{e}
}

// reply finds the first SMTP reply in text and returns its status and the
// diagnostic: the reply's words up to the end of its paragraph, or up to
// a line that bounce texts add after it.
func reply(text string) (status, diag string) {
	st, at := findReply(text)
	if at < 0 {
		return "", ""
	}
	rest := text[at:]
	if at > 0 && text[at-1] == '\'' {
		rest = quoted(rest)
	}
	return st, paragraph(rest)
}

// quoted cuts a reply that Exchange quotes ("returned '550 5.1.10 ...'")
// at its closing quote: one followed by white space or the end, since an
// apostrophe inside a word is followed by a letter.
func quoted(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' && (i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\n' || s[i+1] == '\r' || s[i+1] == '\t') {
			return s[:i]
		}
	}
	return s
}

// paragraph returns the first paragraph of text on one line: up to a
// blank line or a line that bounce texts add after a reply.
func paragraph(rest string) string {
	var words []string
	for len(rest) > 0 && len(words) < 40 {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		t := strings.TrimSpace(line)
		if len(words) > 0 && (t == "" || matchAny(strings.ToLower(t), diagStops)) {
			break
		}
		words = append(words, t)
	}
	d := strings.Join(words, " ")
	d = strings.TrimRight(strings.TrimSpace(d), "#' \"")
	return strings.TrimLeft(d, "#'\" ")
}

// diagStops start lines that follow a reply in bounce texts but are not
// part of it.
var diagStops = []string{
	"giving up on", "i'm not going to try again", "generating server", "original message headers",
	"diagnostic information for administrators", "--- below this line", "------ this is a copy",
}
