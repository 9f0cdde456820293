package mailer

import (
	"bytes"
	"io"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"testing"
)

func checkQP(t *testing.T, in string) {
	t.Helper()
	enc := appendQP(nil, in)
	for _, line := range strings.Split(string(enc), "\r\n") {
		if len(line) > 76 {
			t.Fatalf("encoded line of %d characters: %q", len(line), line)
		}
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			t.Fatalf("encoded line ends in white space: %q", line)
		}
	}
	dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(enc)))
	if err != nil {
		t.Fatalf("%q does not decode: %v", enc, err)
	}
	want := strings.ReplaceAll(strings.ReplaceAll(in, "\r\n", "\n"), "\n", "\r\n")
	if string(dec) != want {
		t.Fatalf("round trip of %q gave %q", want, dec)
	}
}

func TestQuotedPrintableRoundTrip(t *testing.T) {
	fixed := []string{"", "plain", "a = b", "trailing space \nnext", "tab\t\n", strings.Repeat("x", 200),
		strings.Repeat("é", 100), "crlf\r\nline\r\n", "end with space ", "lone\rreturn", strings.Repeat("a=", 80)}
	for _, s := range fixed {
		checkQP(t, s)
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", " ", "\t", "=", "\n", "\r\n", "é", "<", "\x00", "\xff", "z", "~"}
	for range 2000 {
		var b strings.Builder
		for range r.IntN(300) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		checkQP(t, b.String())
	}
}

func TestHeaderFolding(t *testing.T) {
	var buf bytes.Buffer
	header(&buf, "Subject", strings.Repeat("word ", 40))
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n") {
		if len(line) > 78 {
			t.Fatalf("header line of %d characters", len(line))
		}
	}
}
