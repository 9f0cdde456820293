package bounce

import (
	"regexp"
	"strings"
)

// textBounce reads a non-standard bounce: one whose only account of the
// failure is text written for people. It needs a sign that a mail system
// wrote it (a known opening sentence or a bounce subject), or a mail
// daemon's From and an SMTP reply in the text. A reply or a forward
// ("Re:", "Fwd:") is a person's, whatever it quotes.
func (m *message) textBounce() []Report {
	if prefixAny(m.subject, replyPrefixes) {
		return nil
	}
	low := strings.ToLower(m.humanText())
	source := signature(low)
	if source == "" && !prefixAny(m.subject, bounceSubjects) {
		if !m.fromDaemon() {
			return nil
		}
		rs := m.textReports("heuristic", false)
		if len(rs) == 0 || rs[0].Status == "" {
			return nil
		}
		return rs
	}
	if source == "" {
		source = "heuristic"
	}
	return m.textReports(source, true)
}

// textReports reads the failure section of the text into reports with the
// given source: one per address it lists, or one for the single address it
// names, or (when always is set) one with no recipient.
func (m *message) textReports(source string, always bool) []Report {
	text := m.humanText()
	failure, returned := splitReturned(text)
	if m.returned == nil {
		m.returned = inlineHeader(returned, text)
	}
	action := "failed"
	if m.delayed(strings.ToLower(failure)) {
		action = "delayed"
	}
	ents := m.entries(failure)
	if len(ents) == 0 && !always {
		return nil
	}
	if len(ents) == 0 {
		ents = []entry{{}}
	}
	out := make([]Report, 0, len(ents))
	for _, e := range ents {
		out = append(out, Report{Recipient: e.addr, Status: e.status, Diagnostic: e.diag, Action: action, Source: source})
	}
	return out
}

// fillFromText completes DSN reports that lack a diagnostic from the
// human-readable part, matched by recipient.
func (m *message) fillFromText(rs []Report) {
	missing := false
	for _, r := range rs {
		missing = missing || r.Diagnostic == ""
	}
	if !missing {
		return
	}
	failure, _ := splitReturned(m.humanText())
	ents := m.entries(failure)
	for i := range rs {
		for _, e := range ents {
			if rs[i].Diagnostic == "" && e.addr == rs[i].Recipient {
				rs[i].Diagnostic = e.diag
				rs[i].Status = refine(rs[i].Status, e.diag)
			}
		}
	}
}

// humanText is the report's text for people: the first text/plain leaf,
// else the first text/html leaf reduced to text, at most maxText bytes.
func (m *message) humanText() string {
	if !m.textRead {
		m.text, m.textRead = m.readText(), true
	}
	return m.text
}

func (m *message) readText() string {
	var html string
	for _, p := range m.parts {
		switch p.mediaType {
		case "text/plain":
			// An empty text part beside an HTML one says nothing.
			if t := normalize(p.text(maxText)); strings.TrimSpace(t) != "" {
				return t
			}
		case "text/html":
			if html == "" {
				html = p.text(4 * maxText)
			}
		}
	}
	return normalize(htmlText(html))
}

// normalize bounds text and gives it LF line ends.
func normalize(s string) string {
	s = cut(s, maxText)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// splitReturned cuts the text where the copy of the original message
// starts, so that its addresses and codes are not read as the failure's.
func splitReturned(text string) (failure, returned string) {
	low := strings.ToLower(text)
	at := -1
	for _, mk := range returnMarkers {
		if i := strings.Index(low, mk); i >= 0 && (at < 0 || i < at) {
			at = i
		}
	}
	if at < 0 {
		return text, ""
	}
	return text[:at], text[at:]
}

// messageIDLine finds a Message-ID field at a line start in text.
var messageIDLine = regexp.MustCompile(`(?mi)^message-id:[ \t]*(<[^>\n]{1,998}>)`)

// inlineHeader reads the original header that a text bounce quotes after
// its marker line. Without a marker, a Message-ID line anywhere in the
// text is the original's: the bounce's own is in its header, not its body.
func inlineHeader(returned, text string) header {
	if returned == "" {
		if m := messageIDLine.FindStringSubmatch(text); m != nil {
			return header{{key: "Message-Id", value: m[1]}}
		}
		return nil
	}
	_, rest := nextLine([]byte(returned))
	for i := 0; i < 20 && len(rest) > 0; i++ {
		line, next := nextLine(rest)
		if _, _, ok := splitField(line); ok {
			h, _ := readHeader(rest)
			return h
		}
		rest = next
	}
	return nil
}

// delayed reports a warning that the message is still being retried.
func (m *message) delayed(lowFailure string) bool {
	return prefixAny(m.subject, delaySubjects) || matchAny(lowFailure, delayPhrases)
}

// fromDaemon reports a From of a mail system's own account.
func (m *message) fromDaemon() bool {
	local, _, _ := strings.Cut(m.from, "@")
	return local == "mailer-daemon" || local == "postmaster" || local == "mail-daemon"
}

// signature names the mail system whose known opening sentence the text
// has, or "".
func signature(low string) string {
	for _, s := range signatures {
		if strings.Contains(low, s.phrase) {
			return s.source
		}
	}
	return ""
}

// prefixAny reports whether s starts with one of the phrases. Subjects
// are matched only at their start: a bounce's subject quotes the lesson's
// ("Undeliverable: Lesson 4: Your vacation"), and a reply's quotes it
// after "Re:", so words later in it say nothing about the message.
func prefixAny(s string, phrases []string) bool {
	s = strings.TrimSpace(s)
	for _, p := range phrases {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func matchAny(s string, phrases []string) bool {
	for _, p := range phrases {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
