package receiver_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/bounce/receiver"
	"github.com/dripcourse/dripcourse/internal/token"
)

func TestRefusesEveryOtherRecipientAtRCPT(t *testing.T) {
	f := start(t, receiver.Config{})
	good := f.verp(token.BounceLesson, 10)
	local, _, _ := strings.Cut(good, "@")
	forged, _ := token.NewSigner([]byte("another secret, also 32 bytes..")).BounceLocalPart(token.BounceRef{Kind: token.BounceLesson, ID: 10})
	unknown, _ := f.signer.BounceLocalPart(token.BounceRef{Kind: token.BounceLesson, ID: 11}) // valid, but no such row
	otherKind, _ := f.signer.BounceLocalPart(token.BounceRef{Kind: token.BounceConfirmation, ID: 10})
	tests := []struct{ name, rcpt string }{
		{"forged token", forged + "@" + domain},
		{"token for a row that does not exist", unknown + "@" + domain},
		{"token of the other kind", otherKind + "@" + domain},
		{"valid token on another domain", local + "@example.org"},
		{"valid token on a subdomain", local + "@x." + domain},
		{"valid token on a look-alike domain", local + "@bounce\u017f.example.org"},
		{"valid token with a trailing dot", good + "."},
		{"token without the prefix", local[2:] + "@" + domain},
		{"prefix alone", "b+@" + domain},
		{"plain address", "alice@" + domain},
		{"postmaster", "postmaster@" + domain},
		{"relay attempt", "someone@gmail.com"},
		{"relay with the domain as a source route", "<@" + domain + ":someone@gmail.com>"},
		{"percent hack", "someone%gmail.com@" + domain},
		{"no domain", local},
		{"token with a character changed", changeAt(local, 5) + "@" + domain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := f.dialFor(t)
			defer c.quit()
			c.cmd("EHLO mta.example.net")
			expect(t, "MAIL", c.cmd("MAIL FROM:<>"), "250")
			rcpt := tt.rcpt
			if !strings.HasPrefix(rcpt, "<") {
				rcpt = "<" + rcpt + ">"
			}
			got := c.cmd("RCPT TO:" + rcpt)
			if !strings.HasPrefix(got, "550 5.1.1") && !(tt.name == "no domain" && strings.HasPrefix(got, "501")) {
				t.Errorf("RCPT TO:%s: %q, want 550 5.1.1", rcpt, got)
			}
			expect(t, "DATA", c.cmd("DATA"), "502 5.5.1")
		})
	}
	if got, calls := f.received(); calls != 0 {
		t.Errorf("Accept was called %d times (%+v), want never", calls, got)
	}
}

func TestHangsUpAfterTooManyRefusals(t *testing.T) {
	f := start(t, receiver.Config{})
	c, _ := f.dial()
	c.cmd("EHLO mta.example.net")
	c.cmd("MAIL FROM:<>")
	for i := range 19 {
		expect(t, fmt.Sprintf("refusal %d", i+1), c.cmd(fmt.Sprintf("RCPT TO:<b+guess%d@%s>", i, domain)), "550 5.1.1")
	}
	expect(t, "refusal 20", c.cmd("RCPT TO:<b+guess@"+domain+">"), "421 4.7.0")
	expect(t, "after the 421", c.reply(), "EOF")
}

func TestNestedMAILIsRefused(t *testing.T) {
	f := start(t, receiver.Config{})
	rcpt := f.verp(token.BounceLesson, 1)
	c, _ := f.dial()
	c.cmd("EHLO mta.example.net")
	expect(t, "MAIL", c.cmd("MAIL FROM:<>"), "250")
	expect(t, "RCPT", c.cmd("RCPT TO:<"+rcpt+">"), "250")
	expect(t, "second MAIL", c.cmd("MAIL FROM:<other@example.net>"), "503 5.5.1")
	expect(t, "DATA", c.cmd("DATA"), "354")
	expect(t, "end of data", c.write(dsn+".\r\n"), "250")
	got, _ := f.received()
	if len(got) != 1 || got[0].From != "" || got[0].To != rcpt {
		t.Fatalf("recorded %+v, want the message from <> to %s", got, rcpt)
	}
}

func TestRefusesAnOversizedMessage(t *testing.T) {
	f := start(t, receiver.Config{MaxBytes: 1000})
	rcpt := f.verp(token.BounceLesson, 1)
	c := f.client()
	exact := bytes.Repeat([]byte("x"), 998)
	exact = append(exact, "\r\n"...)
	if err := sendOn(c, "", rcpt, exact); err != nil {
		t.Fatalf("a message of exactly MaxBytes: %v", err)
	}
	over := append([]byte("y"), exact...)
	err := sendOn(c, "", rcpt, over)
	if te := (*textproto.Error)(nil); !errors.As(err, &te) || te.Code != 552 || !strings.HasPrefix(te.Msg, "5.3.4") {
		t.Fatalf("one byte over MaxBytes: err = %v, want 552 5.3.4", err)
	}
	if err := sendOn(c, "", rcpt, exact); err != nil {
		t.Fatalf("the connection is usable after a 552: %v", err)
	}
	got, calls := f.received()
	if calls != 2 || len(got) != 2 || !bytes.Equal(got[0].Data, exact) {
		t.Fatalf("Accept called %d times; want twice, both with the message of MaxBytes", calls)
	}
}

func TestRefusesADeclaredSizeAtMAIL(t *testing.T) {
	f := start(t, receiver.Config{MaxBytes: 1000})
	c, _ := f.dial()
	c.cmd("EHLO mta.example.net")
	expect(t, "SIZE over", c.cmd("MAIL FROM:<> SIZE=1001"), "552 5.3.4")
	expect(t, "SIZE at the cap", c.cmd("MAIL FROM:<> SIZE=1000"), "250")
}

func TestRefusesAMessageOverTenMegabytesByDefault(t *testing.T) {
	f := start(t, receiver.Config{})
	rcpt := f.verp(token.BounceLesson, 1)
	line := strings.Repeat("z", 1022) + "\r\n"
	body := strings.Repeat(line, 10<<10) + "one more line\r\n" // 10 MiB and 15 bytes
	err := f.send("", rcpt, []byte(body))
	if te := (*textproto.Error)(nil); !errors.As(err, &te) || te.Code != 552 {
		t.Fatalf("a message over 10 MiB: err = %v, want 552", err)
	}
	if _, calls := f.received(); calls != 0 {
		t.Fatalf("Accept called %d times, want never", calls)
	}
}

// TestAcceptsAFullyDotStuffedMessage: dot-stuffing makes a message of
// only "." lines a third larger on the wire; the read allowance has room.
func TestAcceptsAFullyDotStuffedMessage(t *testing.T) {
	const max = 6 << 20
	f := start(t, receiver.Config{MaxBytes: max})
	rcpt := f.verp(token.BounceLesson, 1)
	body := bytes.Repeat([]byte(".\r\n"), max/3)
	if err := f.send("", rcpt, body); err != nil {
		t.Fatalf("a message of %d bytes of dots: %v", len(body), err)
	}
	if got, _ := f.received(); len(got) != 1 || !bytes.Equal(got[0].Data, body) {
		t.Fatal("the message did not arrive unchanged")
	}
}

// TestStopsReadingAnEndlessMessage shows the server reads no more than
// its allowance: a client that keeps sending gets 552 and the connection
// closed long before it has sent what it meant to.
func TestStopsReadingAnEndlessMessage(t *testing.T) {
	f := start(t, receiver.Config{MaxBytes: 1000})
	rcpt := f.verp(token.BounceLesson, 1)
	c, _ := f.dial()
	c.cmd("EHLO mta.example.net")
	c.cmd("MAIL FROM:<>")
	c.cmd("RCPT TO:<" + rcpt + ">")
	expect(t, "DATA", c.cmd("DATA"), "354")
	const meant = 256 << 20
	written := make(chan int64, 1)
	go func() {
		line := []byte(strings.Repeat("w", 1000) + "\r\n")
		var n int64
		for n < meant {
			k, err := c.conn.Write(line)
			n += int64(k)
			if err != nil {
				break
			}
		}
		written <- n
	}()
	expect(t, "end", c.reply(), "552 5.3.4")
	expect(t, "after the 552", c.reply(), "EOF")
	n := <-written
	if n >= meant {
		t.Fatalf("the client wrote all %d bytes: the server kept reading", n)
	}
	if _, calls := f.received(); calls != 0 {
		t.Fatalf("Accept called %d times, want never", calls)
	}
	t.Logf("the client got %d bytes out (server allowance and socket buffers) of %d", n, meant)
}

// TestStopsReadingAHugeBDATChunk: go-smtp reads a refused BDAT chunk to
// stay in step, whatever size it declares; the allowance still holds.
func TestStopsReadingAHugeBDATChunk(t *testing.T) {
	f := start(t, receiver.Config{MaxBytes: 1000})
	c, _ := f.dial()
	c.cmd("EHLO mta.example.net")
	if _, err := fmt.Fprintf(c.conn, "BDAT 4294967295 LAST\r\n"); err != nil {
		t.Fatal(err)
	}
	// No MAIL yet, so the chunk is thrown away as it comes. The chunk
	// follows the reply: sent with the command, its first bytes would be
	// read ahead with it and refused as an over-long command line.
	expect(t, "BDAT", c.reply(), "502 5.5.1")
	go io.Copy(c.conn, endless{})
	if rest := c.untilEOF(); len(rest) > 2 {
		t.Fatalf("after the allowance: %q, want at most a 421 and the connection closed", rest)
	}
}

// changeAt returns s with the letter at i changed to another.
func changeAt(s string, i int) string {
	c := byte('a')
	if s[i] == 'a' {
		c = 'b'
	}
	return s[:i] + string(c) + s[i+1:]
}

// endless reads as an unending run of the letter q.
type endless struct{}

func (endless) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = 'q'
	}
	return len(b), nil
}
