package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds on what an event may put into a report, so that a provider's
// (or a forger's) long strings cannot bloat the reader's timeline.
const (
	maxAddress    = 320
	maxMessageID  = 998
	maxDiagnostic = 1000
	maxEventID    = 200
	maxShort      = 64
)

// address cleans a recipient address: trimmed, angle brackets dropped,
// lower-cased, and empty when it is too long or holds controls or spaces.
func address(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	if len(s) > maxAddress || strings.IndexFunc(s, badAddressRune) >= 0 {
		return ""
	}
	return strings.ToLower(s)
}

func badAddressRune(r rune) bool {
	return unicode.IsControl(r) || unicode.IsSpace(r) || r == utf8.RuneError
}

// messageID cleans a Message-ID: trimmed, without angle brackets, and
// empty when it is too long or holds controls or spaces.
func messageID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	if len(s) > maxMessageID || strings.IndexFunc(s, badAddressRune) >= 0 {
		return ""
	}
	return s
}

// text cleans a free-text field (a diagnostic): valid UTF-8, controls and
// runs of white space turned into single spaces, trimmed, and cut at a
// rune boundary within max bytes.
func text(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// short cleans an identifier-like field (event ids, feedback types).
func short(s string, max int) string {
	s = text(s, max)
	if strings.ContainsRune(s, ' ') {
		return strings.ReplaceAll(s, " ", "_")
	}
	return s
}

// unixTime turns seconds since the epoch into a UTC time; zero stays the
// zero time, and absurd values (before 2000, after 2200) are dropped.
func unixTime(sec float64) time.Time {
	if sec < 946684800 || sec > 7258118400 {
		return time.Time{}
	}
	// Providers give at most microseconds; rounding to them drops the
	// float's noise.
	whole := int64(sec)
	micros := int64(math.Round((sec - float64(whole)) * 1e6))
	return time.Unix(whole, micros*1000).UTC()
}

// isoTime parses an RFC 3339 time as providers write it, or zero.
func isoTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// firstOf returns the first non-empty string.
func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// ident cleans a provider's event id. One too long to keep whole is
// replaced by its hash rather than cut, so that two ids sharing a long
// prefix stay distinct.
func ident(s string) string {
	s = short(s, len(s))
	if len(s) <= maxEventID {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// eventID makes a report's event id from the provider's id of an event
// that may name several recipients, so that each recipient's report has
// its own id: "<id>/<recipient>".
func eventID(id, recipient string) string {
	if id == "" {
		return ""
	}
	return ident(id + "/" + recipient)
}

// firstTime returns the first non-zero time.
func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
