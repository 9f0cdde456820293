package bounce

import (
	"regexp"
	"strings"
)

// Enhanced status codes are class.subject.detail (RFC 3463 section 2):
// class 2, 4 or 5, subject 0 to 7, detail up to three digits. Requiring a
// non-digit, non-dot on each side keeps IP addresses (192.0.2.1) and
// version numbers (4.94.2) out.
var (
	enhancedRe = regexp.MustCompile(`(?m)(?:^|[^0-9.])([245]\.[0-7]\.[0-9]{1,3})(?:[^0-9.]|\.?$|\.[^0-9])`)
	// A basic reply code (RFC 5321 section 4.2) where replies are quoted in
	// reports: at a line start or after a space, quote, bracket, colon or
	// '#', and followed by a space, a hyphen (a multi-line reply), a colon
	// and a space (Yahoo's "554: delivery error") or the line's end.
	basicRe = regexp.MustCompile(`(?m)(?:^|[\s'"(\[:#])([245][0-5][0-9])(?:[ -]|:[ \t]|$)`)
	// The whole status field value is a code, perhaps with a comment.
	statusFieldRe = regexp.MustCompile(`^\s*([245]\.[0-7]\.[0-9]{1,3})\b`)
)

// StatusFromText returns the status code that a diagnostic or reply text
// carries: its enhanced code ("5.1.1") when it has one, else the class of
// its basic reply code as an unspecified status ("550" gives "5.0.0"), else
// "". Provider events that give only a reply text use it too.
func StatusFromText(text string) string {
	st, _ := findReply(text)
	return st
}

// statusField reads a DSN Status field ("5.1.1 (bad mailbox)"), or "".
func statusField(v string) string {
	if m := statusFieldRe.FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return ""
}

// findReply finds the first SMTP reply in text and returns its status and
// the offset where the reply starts (-1 when there is none). A basic code
// followed by an enhanced one ("550 5.1.1", "550-5.1.1") gives the
// enhanced one; an enhanced code alone ("(#5.1.1)") counts from its line's
// start, since the words before it are the reply.
func findReply(text string) (status string, at int) {
	b := basicRe.FindStringSubmatchIndex(text)
	e := enhancedRe.FindStringSubmatchIndex(text)
	switch {
	case b == nil && e == nil:
		return "", -1
	case b != nil && (e == nil || b[2] < e[2]):
		code := text[b[2]:b[3]]
		if e != nil && e[2]-b[3] <= 2 {
			return text[e[2]:e[3]], b[2]
		}
		return code[:1] + ".0.0", b[2]
	}
	return text[e[2]:e[3]], strings.LastIndexByte(text[:e[2]], '\n') + 1
}

// refine prefers the diagnostic's code when the DSN's status is only the
// unspecified X.0.0 of the same class, as Exim and others write while the
// remote server said exactly what was wrong.
func refine(status, diag string) string {
	fromDiag := StatusFromText(diag)
	switch {
	case status == "":
		return fromDiag
	case strings.HasSuffix(status, ".0.0") && fromDiag != "" && fromDiag[0] == status[0]:
		return fromDiag
	}
	return status
}
