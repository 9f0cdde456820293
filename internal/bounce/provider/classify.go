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

// kindOf classifies one failure from the provider's verdict and the
// enhanced status code, and says whether the failure is about our sending
// rather than the reader's address.
//
// It is a small stand-in for bounce.Classify, kept here until that policy
// is available: x.7.x (policy, authentication, block lists) never charges
// the reader; 5.2.2 (mailbox full) is soft; otherwise the provider's own
// verdict decides, and without one only a bad-mailbox code (5.1.x, 5.2.1)
// is hard.
func kindOf(v verdict, status string) (bounce.Kind, bool) {
	if statusSubject(status) == "7" {
		return bounce.Soft, true
	}
	if strings.HasSuffix(status, ".2.2") {
		return bounce.Soft, false
	}
	switch v {
	case permanent:
		return bounce.Hard, false
	case transient:
		return bounce.Soft, false
	}
	if strings.HasPrefix(status, "5.1.") || status == "5.2.1" {
		return bounce.Hard, false
	}
	return bounce.Soft, false
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
