package bounce

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// BenchmarkParse parses the whole corpus once per iteration.
func BenchmarkParse(b *testing.B) {
	var msgs [][]byte
	size := 0
	for _, name := range corpus(b) {
		raw, err := os.ReadFile(name + ".eml")
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, raw)
		size += len(raw)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, raw := range msgs {
			Parse(raw, Options{Domain: testDomain})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/msg")
}

// BenchmarkParseHostile times shapes of hostile input at 1 MB and 10 MB:
// linear work shows as the same MB/s at both sizes.
func BenchmarkParseHostile(b *testing.B) {
	shapes := map[string]func(n int) []byte{
		"folded-field": func(n int) []byte {
			return []byte("From: a@example.org\nX-A: b\n" + strings.Repeat(" c\n", n/3))
		},
		"header-fields": func(n int) []byte {
			return []byte("From: a@example.org\n" + strings.Repeat("X-A: b\n", n/7))
		},
		"delimiters": func(n int) []byte {
			return []byte("From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n" + strings.Repeat("--b\n\n", n/5))
		},
		"text-bounce": func(n int) []byte {
			line := "<r@example.org>: 550 5.1.1 user unknown 192.0.2.1 5.5.5.5 b+x@bounces.example.com\n"
			return []byte("From: MAILER-DAEMON@example.org\nSubject: Mail delivery failed\n\n" + strings.Repeat(line, n/len(line)))
		},
		"dsn-fields": func(n int) []byte {
			return bytes.Repeat([]byte("Final-Recipient: rfc822; a@example.org\n"), n/39)
		},
		"no-newlines": func(n int) []byte {
			return []byte("From: a@example.org\n\n" + strings.Repeat("<a@example.org> 550 ", n/20))
		},
	}
	for name, make := range shapes {
		for _, mb := range []int{1, 10} {
			raw := make(mb<<20 - 4096)
			b.Run(fmt.Sprintf("%s/%dMB", name, mb), func(b *testing.B) {
				b.SetBytes(int64(len(raw)))
				for b.Loop() {
					Parse(raw, Options{Domain: testDomain})
				}
			})
		}
	}
}
