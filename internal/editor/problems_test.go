package editor

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSetProblemsRoundTrip(t *testing.T) {
	in := []Problem{
		{Line: 3, Message: "“{{.Nmae}}” is not a field: did you mean Name? 😀"},
		{Line: 7, Message: "line\nbreak and \"quotes\" <b>", Field: "body", Severity: "warning"},
	}
	h := http.Header{}
	SetProblems(h, in)
	v := h.Get(ProblemsHeader)
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			t.Fatalf("header has byte %#x at %d: %q", v[i], i, v)
		}
	}
	var out []Problem
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		t.Fatalf("header %q: %v", v, err)
	}
	if len(out) != 2 || out[0] != in[0] || out[1] != in[1] {
		t.Fatalf("round trip:\n got %+v\nwant %+v", out, in)
	}
}

func TestSetProblemsNone(t *testing.T) {
	h := http.Header{}
	SetProblems(h, nil)
	if got := h.Get(ProblemsHeader); got != "[]" {
		t.Fatalf("no problems: %q, want [] (which clears the markers)", got)
	}
	if got := ProblemsAttr(nil); got != "[]" {
		t.Fatalf("ProblemsAttr(nil) = %q", got)
	}
}

func TestSetProblemsBounded(t *testing.T) {
	var many []Problem
	for i := 1; i <= 500; i++ {
		many = append(many, Problem{Line: i, Message: strings.Repeat("é", 1000)})
	}
	h := http.Header{}
	SetProblems(h, many)
	v := h.Get(ProblemsHeader)
	if len(v) > 4096 {
		t.Fatalf("header of %d bytes, want at most 4 KB", len(v))
	}
	var out []Problem
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		t.Fatal(err)
	}
	if len(out) < 2 {
		t.Fatalf("%d problems kept", len(out))
	}
	last, first := out[len(out)-1], out[0]
	if want := "more problems not shown here"; !strings.Contains(last.Message, want) || !strings.HasPrefix(last.Message, strconv.Itoa(500-len(out)+1)+" ") {
		t.Errorf("last entry %q: want the count of the %d left out", last.Message, 500-len(out)+1)
	}
	if n := utf8.RuneCountInString(first.Message); n != maxMessageRune || !strings.HasSuffix(first.Message, "…") {
		t.Errorf("a long message kept %d runes, want %d ending in an ellipsis", n, maxMessageRune)
	}
}
