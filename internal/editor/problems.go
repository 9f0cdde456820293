package editor

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// ProblemsHeader is the response header in which a preview sends the
// problems of the text it previewed.
const ProblemsHeader = "X-Editor-Problems"

// Limits of what SetProblems puts in a header: proxies refuse responses
// with large headers (nginx's default buffer is 4 KB or 8 KB for all of
// them), and the page lists every problem anyway after a save.
const (
	maxHeaderJSON  = 3000
	maxMessageRune = 200
)

// Problem is one thing the checks found wrong in an editor's text.
type Problem struct {
	// Line is the 1-based line of the textarea's text; out-of-range lines
	// are shown on the nearest line.
	Line int `json:"line"`
	// Message says what is wrong, in words an operator understands.
	Message string `json:"message"`
	// Field is the textarea's name when a form has several editors; empty
	// means the form's first editor.
	Field string `json:"field,omitempty"`
	// Severity is "warning" for a problem that does not stop a publish;
	// empty means an error.
	Severity string `json:"severity,omitempty"`
}

// ProblemsAttr is the value of a textarea's data-problems attribute (the
// template escapes it like any attribute value).
func ProblemsAttr(problems []Problem) string {
	if len(problems) == 0 {
		return "[]"
	}
	b, err := json.Marshal(problems)
	if err != nil { // a struct of ints and strings always marshals
		return "[]"
	}
	return string(b)
}

// SetProblems sets the ProblemsHeader of a preview response: JSON with
// every non-ASCII character escaped (header values are bytes, not UTF-8),
// long messages shortened, and, past about 3 KB, the rest counted in one
// last problem instead of listed. No problems sets "[]", which clears the
// editor's markers; not calling SetProblems leaves them as they are.
func SetProblems(h http.Header, problems []Problem) {
	out := []byte{'['}
	for i, p := range problems {
		p.Message = shorten(p.Message, maxMessageRune)
		item := asciiJSON(p)
		if len(out)+len(item) > maxHeaderJSON && i > 0 {
			rest := Problem{Line: p.Line, Message: fmt.Sprintf("%d more problems not shown here: save the draft to see them all", len(problems)-i)}
			out = append(append(out, ','), asciiJSON(rest)...)
			break
		}
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, item...)
	}
	h.Set(ProblemsHeader, string(append(out, ']')))
}

// asciiJSON encodes a problem as JSON in which every character outside
// ASCII is a \u escape, so the header survives any proxy and the script
// reads it back exactly.
func asciiJSON(p Problem) []byte {
	b, err := json.Marshal(p)
	if err != nil { // a struct of ints and strings always marshals
		return []byte(`{"line":1,"message":"?"}`)
	}
	out := make([]byte, 0, len(b))
	for _, r := range string(b) {
		switch {
		case r < utf8.RuneSelf:
			out = append(out, byte(r))
		case r > 0xFFFF:
			r -= 0x10000
			out = appendEscape(appendEscape(out, 0xD800+(r>>10)), 0xDC00+(r&0x3FF))
		default:
			out = appendEscape(out, r)
		}
	}
	return out
}

func appendEscape(b []byte, r rune) []byte {
	s := strconv.FormatInt(int64(r), 16)
	b = append(b, `\u`...)
	for range 4 - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}

// shorten cuts s to at most n runes, marking the cut with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}
