package receiver_test

import (
	"io"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce/receiver"
	"github.com/dripcourse/dripcourse/internal/clock"
	"github.com/dripcourse/dripcourse/internal/token"
)

func TestRateLimitPerClient(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	f := start(t, receiver.Config{MessagesPerMinute: 2, Now: clk.Now})
	rcpt := f.verp(token.BounceLesson, 1)
	a, _ := f.dial()
	a.cmd("EHLO mta.example.net")
	for range 2 {
		expect(t, "MAIL within the rate", a.cmd("MAIL FROM:<>"), "250")
		expect(t, "RSET", a.cmd("RSET"), "250")
	}
	expect(t, "third MAIL in the minute", a.cmd("MAIL FROM:<>"), "450 4.7.1")
	expect(t, "RCPT after a refused MAIL", a.cmd("RCPT TO:<"+rcpt+">"), "502 5.5.1")

	b, _ := f.dial() // the same client address on another connection
	b.cmd("EHLO mta.example.net")
	expect(t, "MAIL on a second connection", b.cmd("MAIL FROM:<>"), "450 4.7.1")

	clk.Advance(30 * time.Second) // two a minute: one more is due
	expect(t, "MAIL after 30 s", b.cmd("MAIL FROM:<>"), "250")
	expect(t, "and another at once", a.cmd("MAIL FROM:<>"), "450 4.7.1")
	if n := f.logs.count("bounce receiver: client over its message rate"); n != 3 {
		t.Errorf("logged %d rate refusals, want 3", n)
	}
}

func TestConnectionCapPerClient(t *testing.T) {
	f := start(t, receiver.Config{MaxConnsPerClient: 2})
	a, g := f.dial()
	expect(t, "first", g, "220")
	_, g = f.dial()
	expect(t, "second", g, "220")
	c, g := f.dial()
	expect(t, "third", g, "421 4.7.0")
	expect(t, "third, after the 421", c.reply(), "EOF")
	a.quit()
	_, g = f.dial()
	expect(t, "after one left", g, "220")
}

func TestSessionCap(t *testing.T) {
	f := start(t, receiver.Config{MaxSessions: 2, MaxConnsPerClient: 10})
	a, g := f.dial()
	expect(t, "first", g, "220")
	_, g = f.dial()
	expect(t, "second", g, "220")
	c, g := f.dial()
	expect(t, "third", g, "421 4.3.2")
	expect(t, "third, after the 421", c.reply(), "EOF")
	a.quit()
	_, g = f.dial()
	expect(t, "after one left", g, "220")
}

func TestRecipientCap(t *testing.T) {
	f := start(t, receiver.Config{MaxRecipients: 2})
	c, _ := f.dial()
	c.cmd("EHLO mta.example.net")
	c.cmd("MAIL FROM:<>")
	for i := range int64(2) {
		expect(t, "RCPT within the cap", c.cmd("RCPT TO:<"+f.verp(token.BounceLesson, i+1)+">"), "250")
	}
	expect(t, "RCPT past the cap", c.cmd("RCPT TO:<"+f.verp(token.BounceLesson, 3)+">"), "452 4.5.3")
}

func TestIdleClientTimesOut(t *testing.T) {
	f := start(t, receiver.Config{ReadTimeout: 200 * time.Millisecond})
	c, _ := f.dial()
	// The client says nothing; the server's deadline ends the session.
	expect(t, "silence", c.reply(), "421 4.4.2")
	expect(t, "after the 421", c.reply(), "EOF")
}

func TestStalledDataTimesOut(t *testing.T) {
	f := start(t, receiver.Config{ReadTimeout: 200 * time.Millisecond})
	rcpt := f.verp(token.BounceLesson, 1)
	c, _ := f.dial()
	c.cmd("EHLO mta.example.net")
	c.cmd("MAIL FROM:<>")
	c.cmd("RCPT TO:<" + rcpt + ">")
	expect(t, "DATA", c.cmd("DATA"), "354")
	if _, err := io.WriteString(c.conn, "Subject: half a message\r\n"); err != nil {
		t.Fatal(err)
	}
	replies := c.untilEOF()
	if len(replies) < 2 || replies[0] != "451 4.4.2 Message not received in full, try again later" {
		t.Fatalf("a client stalled in DATA heard %q, want a 451 4.4.2 and the connection closed", replies)
	}
	if _, calls := f.received(); calls != 0 {
		t.Fatalf("Accept called %d times for a message cut short", calls)
	}
}
