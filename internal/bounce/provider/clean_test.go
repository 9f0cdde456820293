package provider

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleaning(t *testing.T) {
	addresses := map[string]string{
		" <Reader@Example.ORG> ":       "reader@example.org",
		"reader@example.org\r\nBcc: x": "",
		"two words@example.org":        "",
		strings.Repeat("a", 321):       "",
		"\xff@example.org":             "",
	}
	for in, want := range addresses {
		if got := address(in); got != want {
			t.Errorf("address(%q) = %q, want %q", in, got, want)
		}
	}
	if got := messageID(" <a.b@c> "); got != "a.b@c" {
		t.Errorf("messageID = %q", got)
	}
	if got := text("line one\r\n\tline two\x00 \xff", 100); got != "line one line two \uFFFD" {
		t.Errorf("text = %q", got)
	}
	long := text(strings.Repeat("é", 600), maxDiagnostic)
	if len(long) > maxDiagnostic || !utf8.ValidString(long) {
		t.Errorf("text cut to %d bytes, valid UTF-8 %v", len(long), utf8.ValidString(long))
	}
	a, b := ident(strings.Repeat("x", 300)+"a"), ident(strings.Repeat("x", 300)+"b")
	if a == b || len(a) > maxEventID || !strings.HasPrefix(a, "sha256:") {
		t.Errorf("long ids: %q and %q", a, b)
	}
	if got := ident("short-id"); got != "short-id" {
		t.Errorf("ident kept %q", got)
	}
	if !unixTime(1e12).IsZero() || !unixTime(-1).IsZero() {
		t.Error("absurd Unix times were kept")
	}
}
