package mailer

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"testing"
)

func checkQP(t *testing.T, in string, flowed bool) {
	t.Helper()
	enc := appendQP(nil, in, flowed)
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
	if flowed {
		want = stuffed(want)
	}
	if string(dec) != want {
		t.Fatalf("round trip of %q gave %q", want, dec)
	}
}

func TestQuotedPrintableRoundTrip(t *testing.T) {
	fixed := []string{"", "plain", "a = b", "trailing space \nnext", "tab\t\n", strings.Repeat("x", 200),
		strings.Repeat("é", 100), "crlf\r\nline\r\n", "end with space ", "lone\rreturn", strings.Repeat("a=", 80),
		"From here\n From\nFrom\n> quote\n-- \nsig", " ", "\n \n", strings.Repeat(" ", 80) + "\n" + strings.Repeat("y ", 50)}
	for _, s := range fixed {
		checkQP(t, s, false)
		checkQP(t, s, true)
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", " ", "\t", "=", "\n", "\r\n", "é", "<", "\x00", "\xff", "z", "~", "From ", ">", "\r"}
	for range 2000 {
		var b strings.Builder
		for range r.IntN(300) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		checkQP(t, b.String(), r.IntN(2) == 0)
	}
}

// stuffed is text (with CRLF line breaks) with a space before each line
// that starts with a space or "From ", as a flowed part is written.
func stuffed(text string) string {
	lines := strings.Split(text, "\r\n")
	for i, l := range lines {
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "From ") {
			lines[i] = " " + l
		}
	}
	return strings.Join(lines, "\r\n")
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

// TestBodiesInParts: a message whose bodies come in pieces is written
// byte for byte as the same message with whole bodies, wherever the cuts
// fall (inside a line break, before trailing spaces, ...).
func TestBodiesInParts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "b", " ", "\t", "\r\n", "\n", "\r", "=", "é", ".", strings.Repeat("x", 80), "From ", ">"}
	piece := func(tokens int) string {
		var b strings.Builder
		for range r.IntN(tokens) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	// Long pieces that recur, as a lesson's literal text does, take the
	// path of the encoder's cache of whole lines.
	var recurring []string
	for range 20 {
		recurring = append(recurring, piece(60))
	}
	for range 2000 {
		var text, html []string
		for _, parts := range []*[]string{&text, &html} {
			for range r.IntN(12) {
				p := piece(8)
				if r.IntN(3) == 0 {
					p = recurring[r.IntN(len(recurring))]
				}
				*parts = append(*parts, p)
			}
		}
		whole := &Message{FromAddr: "a@example.org", ToAddr: "b@example.org", MessageID: "m@example.org",
			Text: strings.Join(text, ""), HTML: strings.Join(html, "")}
		inParts := *whole
		inParts.Text, inParts.HTML, inParts.TextParts, inParts.HTMLParts = "", "", text, html
		a, err1 := Raw(whole)
		b, err2 := Raw(&inParts)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if got, want := sameBoundary(b), sameBoundary(a); got != want {
			t.Fatalf("parts %q / %q:\nwhole:\n%s\nin parts:\n%s", text, html, want, got)
		}
		if gotText, gotHTML := inParts.Bodies(); gotText != whole.Text || gotHTML != whole.HTML {
			t.Fatalf("Bodies() = %q, %q; want %q, %q", gotText, gotHTML, whole.Text, whole.HTML)
		}
	}
}

// sameBoundary replaces a message's random MIME boundary and date, which
// differ between two writes of one message.
func sameBoundary(raw []byte) string {
	s := string(raw)
	if i := strings.Index(s, "boundary="); i >= 0 {
		b := s[i+len("boundary=") : i+len("boundary=")+32]
		s = strings.ReplaceAll(s, b, "BOUNDARY")
	}
	if i := strings.Index(s, "Date: "); i >= 0 {
		s = s[:i] + s[i+strings.Index(s[i:], "\r\n"):]
	}
	return s
}

// TestLineCacheIsBounded: pieces that vary from message to message cannot
// make the encoder's cache of whole lines grow without bound.
func TestLineCacheIsBounded(t *testing.T) {
	lines := strings.Repeat(strings.Repeat("y", 70)+"\n", 400)
	for i := range 2 * qpCacheBytes / len(lines) {
		p := fmt.Sprintf("%d\n%s", i, lines)
		if l := cachedLines(p, true); l == nil || string(l.enc) != string(appendQP(nil, p[l.first:l.last], true)) {
			t.Fatalf("piece %d: lines %+v", i, l)
		}
		held := 0
		qpCache.Range(func(k, v any) bool {
			held += len(k.(qpKey).piece) + len(v.(*qpLines).enc)
			return true
		})
		if held > qpCacheBytes {
			t.Fatalf("cache holds %d bytes; the bound is %d", held, qpCacheBytes)
		}
	}
}
