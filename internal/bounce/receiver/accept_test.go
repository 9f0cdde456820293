package receiver_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/textproto"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/bounce/receiver"
	"github.com/dripcourse/dripcourse/internal/token"
)

const dsn = "From: MAILER-DAEMON@mx.example.net\r\n" +
	"To: b@bounces.example.org\r\n" +
	"Subject: Undelivered Mail Returned to Sender\r\n" +
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n" +
	"\r\n" +
	"--b\r\n" +
	"\r\n" +
	".a line that starts with a dot, stuffed on the wire\r\n" +
	"..and one that starts with two\r\n" +
	"--b--\r\n"

func TestAcceptsAValidToken(t *testing.T) {
	f := start(t, receiver.Config{})
	rcpt := f.verp(token.BounceLesson, 42)
	if err := f.send("", rcpt, []byte(dsn)); err != nil {
		t.Fatalf("send: %v", err)
	}
	got, calls := f.received()
	if calls != 1 || len(got) != 1 {
		t.Fatalf("Accept called %d times with %d messages, want 1", calls, len(got))
	}
	m := got[0]
	if m.From != "" || m.To != rcpt || m.Client != "127.0.0.1" || m.Helo != "mta.example.net" || m.Received.IsZero() {
		t.Errorf("envelope = from %q to %q client %q helo %q at %v; want from <> to %q from 127.0.0.1",
			m.From, m.To, m.Client, m.Helo, m.Received, rcpt)
	}
	if string(m.Data) != dsn {
		t.Errorf("data = %q, want exactly %q", m.Data, dsn)
	}
}

func TestAcceptsAnySenderAndAnyCase(t *testing.T) {
	f := start(t, receiver.Config{})
	rcpt := f.verp(token.BounceConfirmation, 7)
	local, _, _ := strings.Cut(rcpt, "@")
	tests := []struct{ from, to string }{
		{"", rcpt},
		{"postmaster@mx.example.net", rcpt},
		{"", strings.ToUpper(rcpt)},
		{"", local + "@Bounces.Example.ORG"},
		{"", "B+" + strings.ToUpper(local[2:]) + "@" + domain},
	}
	for _, tt := range tests {
		if err := f.send(tt.from, tt.to, []byte(dsn)); err != nil {
			t.Errorf("MAIL FROM:<%s> RCPT TO:<%s>: %v", tt.from, tt.to, err)
		}
	}
	if got, _ := f.received(); len(got) != len(tests) {
		t.Fatalf("accepted %d messages, want %d", len(got), len(tests))
	}
}

func TestEachRecipientIsAcceptedOnce(t *testing.T) {
	f := start(t, receiver.Config{})
	a, b := f.verp(token.BounceLesson, 1), f.verp(token.BounceLesson, 2)
	c := f.client()
	if err := c.Mail(""); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{a, "stranger@" + domain, b} {
		c.Rcpt(r)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(w, dsn)
	if err := w.Close(); err != nil {
		t.Fatalf("end of data: %v", err)
	}
	got, _ := f.received()
	if len(got) != 2 || got[0].To != a || got[1].To != b {
		t.Fatalf("accepted %+v, want one message for %s and one for %s", got, a, b)
	}
}

func TestAcceptErrorAsksForARetry(t *testing.T) {
	f := start(t, receiver.Config{})
	rcpt := f.verp(token.BounceLesson, 3)
	fails := 1
	f.acceptFn = func(context.Context, receiver.Message) error {
		if fails > 0 {
			fails--
			return errors.New("database is locked")
		}
		return nil
	}
	c := f.client()
	err := sendOn(c, "", rcpt, []byte(dsn))
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code != 451 || !strings.HasPrefix(te.Msg, "4.3.0") {
		t.Fatalf("first attempt: err = %v, want 451 4.3.0", err)
	}
	if got, calls := f.received(); len(got) != 0 || calls != 1 {
		t.Fatalf("after the failure: %d recorded, %d calls; want 0 and 1", len(got), calls)
	}
	if err := sendOn(c, "", rcpt, []byte(dsn)); err != nil {
		t.Fatalf("retry on the same connection: %v", err)
	}
	if got, _ := f.received(); len(got) != 1 || string(got[0].Data) != dsn {
		t.Fatalf("after the retry: %d recorded, want the message once", len(got))
	}
}

func TestCallbackPanicsAreContained(t *testing.T) {
	f := start(t, receiver.Config{})
	good := f.verp(token.BounceLesson, 4)
	f.acceptFn = func(_ context.Context, m receiver.Message) error {
		if strings.Contains(string(m.Data), "boom") {
			panic("accept blew up")
		}
		return nil
	}
	c, _ := f.dial()
	c.cmd("EHLO mta.example.net")
	c.cmd("MAIL FROM:<>")
	expect(t, "RCPT when Valid panics", c.cmd("RCPT TO:<b+panic@"+domain+">"), "451 4.3.0")
	expect(t, "RCPT", c.cmd("RCPT TO:<"+good+">"), "250")
	c.cmd("DATA")
	expect(t, "end of data when Accept panics", c.write("Subject: boom\r\n\r\n.\r\n"), "451 4.3.0")
	c.cmd("MAIL FROM:<>")
	c.cmd("RCPT TO:<" + good + ">")
	c.cmd("DATA")
	expect(t, "the same connection afterwards", c.write(dsn+".\r\n"), "250")
	for _, msg := range []string{"bounce receiver: Valid panicked", "bounce receiver: Accept panicked"} {
		if n := f.logs.count(msg); n != 1 {
			t.Errorf("logged %q %d times, want once", msg, n)
		}
	}
	if n := len(f.logs.recovered()); n != 0 {
		t.Errorf("go-smtp recovered from %d panics, want none", n)
	}
}

func TestEHLOOffersNoAuthAndNoTLS(t *testing.T) {
	f := start(t, receiver.Config{})
	c, greeting := f.dial()
	expect(t, "greeting", greeting, "220 "+domain+" ESMTP")
	ehlo := c.cmd("EHLO mta.example.net")
	expect(t, "EHLO", ehlo, "250-")
	for _, ext := range []string{"AUTH", "STARTTLS"} {
		if strings.Contains(ehlo, ext) {
			t.Errorf("EHLO offers %s:\n%s", ext, ehlo)
		}
	}
	if !strings.Contains(ehlo, "SIZE ") {
		t.Errorf("EHLO does not state the size cap:\n%s", ehlo)
	}
	expect(t, "AUTH PLAIN", c.cmd("AUTH PLAIN AGFsaWNlAHNlY3JldA=="), "5")
	expect(t, "STARTTLS", c.cmd("STARTTLS"), "502 5.5.1")
}

// binaryLines is n random bytes (every value but CR and LF), in CRLF lines
// of up to 900 bytes, some beginning with a dot.
func binaryLines(rng *rand.Rand, n int) []byte {
	var b bytes.Buffer
	for b.Len() < n {
		line := make([]byte, 1+rng.IntN(900))
		for i := range line {
			for line[i] = byte(rng.UintN(256)); line[i] == '\r' || line[i] == '\n'; {
				line[i] = byte(rng.UintN(256))
			}
		}
		if rng.IntN(4) == 0 {
			line[0] = '.'
		}
		b.Write(line)
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

func TestBinaryBodyOverDATAPassesUnchanged(t *testing.T) {
	f := start(t, receiver.Config{})
	rcpt := f.verp(token.BounceLesson, 5)
	blob := binaryLines(rand.New(rand.NewPCG(1, 2)), 200_000)
	if err := f.send("", rcpt, blob); err != nil {
		t.Fatalf("send: %v", err)
	}
	got, _ := f.received()
	if len(got) != 1 || !bytes.Equal(got[0].Data, blob) {
		t.Fatalf("the blob did not arrive unchanged (%d messages)", len(got))
	}
}

func TestBinaryBodyOverBDATPassesUnchanged(t *testing.T) {
	f := start(t, receiver.Config{})
	rcpt := f.verp(token.BounceLesson, 6)
	// Every byte value, bare CR and LF, NUL and DATA's terminator; a LF
	// at least every 1000 bytes, since go-smtp counts line length on
	// what it reads ahead.
	rng := rand.New(rand.NewPCG(3, 4))
	var blob []byte
	for len(blob) < 100_000 {
		chunk := make([]byte, 999)
		for i := range chunk {
			chunk[i] = byte(rng.UintN(256))
		}
		blob = append(append(blob, chunk...), '\n')
	}
	blob = append(blob, "\r\n.\r\n\x00\r"...)
	c, _ := f.dial()
	c.cmd("EHLO mta.example.net")
	expect(t, "MAIL", c.cmd("MAIL FROM:<> BODY=8BITMIME"), "250")
	expect(t, "RCPT", c.cmd("RCPT TO:<"+rcpt+">"), "250")
	half := len(blob) / 2
	expect(t, "BDAT", c.write(fmt.Sprintf("BDAT %d\r\n%s", half, blob[:half])), "250")
	expect(t, "BDAT LAST", c.write(fmt.Sprintf("BDAT %d LAST\r\n%s", len(blob)-half, blob[half:])), "250")
	got, _ := f.received()
	if len(got) != 1 || !bytes.Equal(got[0].Data, blob) {
		t.Fatalf("the blob did not arrive unchanged (%d messages)", len(got))
	}
}

// TestNoReportIsRefusedForGood: a message Accept says holds no report
// (ErrNoReport) is answered 554 5.6.0, so its sender does not queue it
// for days, and the connection goes on.
func TestNoReportIsRefusedForGood(t *testing.T) {
	f := start(t, receiver.Config{})
	rcpt := f.verp(token.BounceLesson, 5)
	f.acceptFn = func(_ context.Context, m receiver.Message) error {
		if strings.Contains(string(m.Data), "Subject: hello") {
			return fmt.Errorf("intake: %w", receiver.ErrNoReport)
		}
		return nil
	}
	c, _ := f.dial()
	c.cmd("EHLO mta.example.net")
	c.cmd("MAIL FROM:<someone@example.net>")
	c.cmd("RCPT TO:<" + rcpt + ">")
	c.cmd("DATA")
	expect(t, "a person's message", c.write("Subject: hello\r\n\r\nhi\r\n.\r\n"), "554 5.6.0")
	c.cmd("MAIL FROM:<>")
	c.cmd("RCPT TO:<" + rcpt + ">")
	c.cmd("DATA")
	expect(t, "a bounce afterwards", c.write(dsn+".\r\n"), "250")
}
