package bounce

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// dsnWith builds a DSN whose delivery-status part holds n recipients.
func dsnWith(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: MAILER-DAEMON@mx.example.org\nTo: b+TOKEN@bounces.example.com\n" +
		"Subject: Undelivered Mail Returned to Sender\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"x\"\n\n" +
		"--x\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "\nFinal-Recipient: rfc822; r%d@example.org\nAction: failed\nStatus: 5.1.1\n", i)
	}
	b.WriteString("\n--x--\n")
	return b.Bytes()
}

func TestParseBounds(t *testing.T) {
	t.Run("too large", func(t *testing.T) {
		raw := append([]byte("From: a@example.org\n\n"), make([]byte, MaxSize)...)
		if _, err := Parse(raw, Options{}); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
	t.Run("recipients per report", func(t *testing.T) {
		rs, err := Parse(dsnWith(1000), Options{Domain: testDomain})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != maxRecipients {
			t.Fatalf("got %d reports, want the cap %d", len(rs), maxRecipients)
		}
		if rs[0].Recipient != "r0@example.org" || rs[0].Token != "TOKEN" || rs[0].Kind != Hard {
			t.Errorf("first report = %+v", rs[0])
		}
	})
	t.Run("addresses in a text bounce", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("From: MAILER-DAEMON@mx.example.org\nSubject: Mail delivery failed\n\n")
		for i := 0; i < 5000; i++ {
			fmt.Fprintf(&b, "<r%d@example.org>: 550 5.1.1 User unknown\n", i)
		}
		rs, err := Parse([]byte(b.String()), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != maxRecipients {
			t.Fatalf("got %d reports, want the cap %d", len(rs), maxRecipients)
		}
	})
	t.Run("diagnostic length", func(t *testing.T) {
		long := strings.Repeat("very long words ", 2000)
		raw := bytes.Replace(dsnWith(1), []byte("Status: 5.1.1\n"),
			[]byte("Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 "+long+"\n"), 1)
		rs, err := Parse(raw, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(rs[0].Diagnostic); n == 0 || n > maxDiagnostic {
			t.Fatalf("diagnostic is %d bytes, want 1..%d", n, maxDiagnostic)
		}
	})
}

func TestParseDeepNesting(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: MAILER-DAEMON@mx.example.org\nSubject: x\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i)
	}
	b.WriteString("Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; deep@example.org\nAction: failed\nStatus: 5.1.1\n")
	rs, err := Parse([]byte(b.String()), Options{})
	// The DSN lies below maxDepth, so it is not read; what matters is a
	// clear answer and no runaway recursion.
	if err == nil {
		t.Fatalf("a DSN 5000 levels deep was read: %+v", rs)
	}
	if !errors.Is(err, ErrNotReport) {
		t.Fatalf("err = %v, want ErrNotReport", err)
	}
}

func TestParseManyParts(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail Returned to Sender\n" +
		"Content-Type: multipart/mixed; boundary=\"p\"\n\n")
	for i := 0; i < 20000; i++ {
		b.WriteString("--p\nContent-Type: text/plain\n\nfiller\n")
	}
	top := newEntity([]byte(b.String()), false)
	if n := len(leaves(top)); n != maxParts {
		t.Fatalf("walked %d leaves, want the cap %d", n, maxParts)
	}
	if _, err := Parse([]byte(b.String()), Options{}); err != nil {
		t.Fatalf("a bounce subject with filler parts: %v", err)
	}
}

func TestParseHugeHeader(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("From: MAILER-DAEMON@mx.example.org\nX-Long: start\n")
	for b.Len() < 4<<20 {
		b.WriteString(" folded\n")
	}
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&b, "Received: hop %d\n", i)
	}
	b.WriteString("Subject: Undelivered Mail Returned to Sender\n\n<a@example.org>: 550 5.1.1 no such user\n")
	h, _ := readHeader(b.Bytes())
	if len(h) != maxFields {
		t.Errorf("kept %d fields, want the cap %d", len(h), maxFields)
	}
	if v := h.get("X-Long"); len(v) > maxFieldLen {
		t.Errorf("a folded field kept %d bytes, want at most %d", len(v), maxFieldLen)
	}
	// The subject is past the field cap; the bounce is still read by its
	// From and its reply.
	rs, err := Parse(b.Bytes(), Options{})
	if err != nil || len(rs) != 1 || rs[0].Recipient != "a@example.org" {
		t.Fatalf("Parse = %+v, %v", rs, err)
	}
}

func TestParseBadInput(t *testing.T) {
	cases := map[string]struct {
		raw  string
		want error
	}{
		"empty":         {"", ErrNotMessage},
		"blank lines":   {"\n\n\n", ErrNotMessage},
		"not a header":  {"hello world\nthis is text\n", ErrNotMessage},
		"only a colon":  {"x: y\n\n", ErrNotMessage},
		"header only":   {"From: a@example.org\nSubject: hi", ErrNotReport},
		"mbox line":     {"From a@example.org Mon Jan  1 00:00:00 2024\nFrom: a@example.org\n\nhi", ErrNotReport},
		"nul bytes":     {"From: a@example.org\n\n\x00\x00\x00", ErrNotReport},
		"no boundary":   {"From: a@example.org\nContent-Type: multipart/report\n\nx", ErrNotReport},
		"bad ctype":     {"From: a@example.org\nContent-Type: ;;;==\"\n\nx", ErrNotReport},
		"cr only lines": {"From: a@example.org\rSubject: x\r\rbody", ErrNotReport},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			rs, err := Parse([]byte(c.raw), Options{Domain: testDomain})
			if !errors.Is(err, c.want) {
				t.Fatalf("Parse = %+v, %v; want %v", rs, err, c.want)
			}
		})
	}
}

func TestParseKeepsTextValid(t *testing.T) {
	raw := "From: MAILER-DAEMON@mx.example.org\nSubject: Mail delivery failed\n" +
		"Content-Type: text/plain; charset=x-unknown-charset\n\n" +
		"<a@example.org>: 550 5.1.1 \xff\xfe bad \x01\x02 bytes\tand\ttabs\n"
	rs, err := Parse([]byte(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := rs[0].Diagnostic
	if !utf8.ValidString(d) || strings.ContainsAny(d, "\x01\x02\t\n") {
		t.Fatalf("diagnostic not cleaned: %q", d)
	}
	if !strings.HasPrefix(d, "550 5.1.1 ") || !strings.HasSuffix(d, "bad bytes and tabs") {
		t.Fatalf("diagnostic = %q", d)
	}
}
