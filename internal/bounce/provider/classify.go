package provider

import (
	"strings"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

// verdict is what a provider itself says of a failure.
type verdict int

const (
	undetermined verdict = iota
	permanent
	transient
)

// kindOf classifies one failure with the shared policy, bounce.Classify,
// reading the report's action, status and diagnostic, and then weighs the
// provider's own verdict: a provider that calls a failure permanent has
// given up on the address, so a Soft result that is not about our sending
// becomes Hard, except a full mailbox (X.2.2), which empties in time.
func kindOf(v verdict, r *bounce.Report) (bounce.Kind, bool) {
	kind, ours := bounce.Classify(r.Action, r.Status, r.Diagnostic)
	if v == permanent && kind == bounce.Soft && !ours && !strings.HasSuffix(r.Status, ".2.2") {
		return bounce.Hard, false
	}
	return kind, ours
}

// statusSubject is the middle number of an enhanced status code.
func statusSubject(status string) string {
	parts := strings.Split(status, ".")
	if len(parts) != 3 {
		return ""
	}
	return parts[1]
}

// enhancedStatus finds the first enhanced status code (RFC 3463, such as
// "5.1.1") in s, or returns "". A code must stand alone: the digits of an
// IP address or a version number do not count.
func enhancedStatus(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '2' && s[i] != '4' && s[i] != '5' {
			continue
		}
		if i > 0 && (isDigit(s[i-1]) || s[i-1] == '.') {
			continue
		}
		if code, ok := statusAt(s[i:]); ok {
			return code
		}
	}
	return ""
}

// statusAt reads "c.ddd.ddd" at the start of s, refusing one that runs on
// into more digits or dotted parts.
func statusAt(s string) (string, bool) {
	end := 1
	for part := 0; part < 2; part++ {
		if end >= len(s) || s[end] != '.' {
			return "", false
		}
		n := 0
		for end+1+n < len(s) && isDigit(s[end+1+n]) && n < 4 {
			n++
		}
		if n == 0 || n > 3 {
			return "", false
		}
		end += 1 + n
	}
	if end < len(s) && (isDigit(s[end]) || (s[end] == '.' && end+1 < len(s) && isDigit(s[end+1]))) {
		return "", false
	}
	return s[:end], true
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// validStatus returns s when it is an enhanced status code, else "".
func validStatus(s string) string {
	s = strings.TrimSpace(s)
	if code, ok := statusAt(s); ok && code == s && (s[0] == '2' || s[0] == '4' || s[0] == '5') {
		return s
	}
	return ""
}
