package receiver_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/smtp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce/receiver"
	"github.com/dripcourse/dripcourse/internal/token"
)

const domain = "bounces.example.org"

var secret = []byte("0123456789abcdef0123456789abcdef")

// fixture is a receiver on 127.0.0.1 whose Valid checks tokens with a real
// signer against a set of existing rows, and whose Accept records what it
// gets.
type fixture struct {
	t      testing.TB
	srv    *receiver.Server
	addr   string
	signer *token.Signer
	served chan error
	logs   *logRecorder

	mu       sync.Mutex
	rows     map[token.BounceRef]bool
	got      []receiver.Message
	calls    int
	acceptFn func(ctx context.Context, m receiver.Message) error
}

// start runs a receiver with cfg's limits (Domain, Valid and Accept are
// filled in) and closes it when the test ends.
func start(t testing.TB, cfg receiver.Config) *fixture {
	t.Helper()
	f := &fixture{t: t, signer: token.NewSigner(secret), served: make(chan error, 1),
		rows: map[token.BounceRef]bool{}, logs: &logRecorder{}}
	cfg.Domain, cfg.Valid, cfg.Accept = domain, f.valid, f.accept
	cfg.Log = slog.New(f.logs)
	srv, err := receiver.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.srv, f.addr = srv, ln.Addr().String()
	go func() { f.served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-f.served; !errors.Is(err, receiver.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		if p := f.logs.panics(); len(p) > 0 {
			t.Errorf("the server logged panics: %q", p)
		}
	})
	return f
}

// valid panics for the local part "b+panic", to stand in for a bug in
// the caller's check.
func (f *fixture) valid(local string) bool {
	if local == "b+panic" {
		panic("valid blew up")
	}
	r, err := f.signer.ParseBounceLocalPart(local)
	if err != nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rows[r]
}

func (f *fixture) accept(ctx context.Context, m receiver.Message) error {
	f.mu.Lock()
	f.calls++
	fn := f.acceptFn
	f.mu.Unlock()
	if fn != nil {
		if err := fn(ctx, m); err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.got = append(f.got, m)
	f.mu.Unlock()
	return nil
}

// reset forgets what was recorded and logged so far.
func (f *fixture) reset() {
	f.mu.Lock()
	f.got, f.calls = nil, 0
	f.mu.Unlock()
	f.logs.mu.Lock()
	f.logs.records = nil
	f.logs.mu.Unlock()
}

// verp makes a row exist and returns its VERP address.
func (f *fixture) verp(kind token.BounceKind, id int64) string {
	f.t.Helper()
	local, err := f.signer.BounceLocalPart(token.BounceRef{Kind: kind, ID: id})
	if err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	f.rows[token.BounceRef{Kind: kind, ID: id}] = true
	f.mu.Unlock()
	return local + "@" + domain
}

// received returns the messages Accept recorded and how often it was called.
func (f *fixture) received() ([]receiver.Message, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]receiver.Message(nil), f.got...), f.calls
}

// client is a net/smtp client that has said EHLO.
func (f *fixture) client() *smtp.Client {
	f.t.Helper()
	c, err := smtp.Dial(f.addr)
	if err != nil {
		f.t.Fatalf("dial: %v", err)
	}
	f.t.Cleanup(func() { c.Close() })
	if err := c.Hello("mta.example.net"); err != nil {
		f.t.Fatalf("EHLO: %v", err)
	}
	return c
}

// send delivers data from MAIL FROM:<from> to rcpt over a new connection.
func (f *fixture) send(from, rcpt string, data []byte) error {
	f.t.Helper()
	return sendOn(f.client(), from, rcpt, data)
}

func sendOn(c *smtp.Client, from, rcpt string, data []byte) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	return w.Close()
}

// raw is a line-level SMTP client, for what net/smtp will not send.
type raw struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

// dial connects and returns the client with the greeting's first line.
func (f *fixture) dial() (*raw, string) {
	f.t.Helper()
	return f.dialFor(f.t)
}

// dialFor is dial for a subtest t.
func (f *fixture) dialFor(t testing.TB) (*raw, string) {
	t.Helper()
	conn, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	// A test that goes wrong fails on this deadline instead of hanging.
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	c := &raw{t: t, conn: conn, r: bufio.NewReader(conn)}
	return c, c.reply()
}

// quit says QUIT and waits for the server to close the connection, after
// which its place under the connection caps is free.
func (c *raw) quit() {
	c.t.Helper()
	expect(c.t, "QUIT", c.cmd("QUIT"), "221")
	expect(c.t, "after QUIT", c.reply(), "EOF")
}

// reply reads one reply, joining its lines, or returns "EOF" when the
// server has closed the connection.
func (c *raw) reply() string {
	c.t.Helper()
	var lines []string
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
				return strings.Join(append(lines, "EOF"), "\n")
			}
			c.t.Fatalf("reading a reply: %v", err)
		}
		line = strings.TrimRight(line, "\r\n")
		lines = append(lines, line)
		if len(line) < 4 || line[3] != '-' {
			return strings.Join(lines, "\n")
		}
	}
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// cmd sends one line and returns the reply.
func (c *raw) cmd(line string) string {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, line+"\r\n"); err != nil {
		c.t.Fatalf("sending %q: %v", line, err)
	}
	return c.reply()
}

// untilEOF reads replies until the server closes the connection, and
// returns them with the final "EOF".
func (c *raw) untilEOF() []string {
	c.t.Helper()
	var replies []string
	for {
		r := c.reply()
		replies = append(replies, r)
		if strings.HasSuffix(r, "EOF") {
			return replies
		}
	}
}

// write sends s as it is and returns the reply.
func (c *raw) write(s string) string {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatalf("sending: %v", err)
	}
	return c.reply()
}

// expect fails the test unless got starts with want.
func expect(t testing.TB, what, got, want string) {
	t.Helper()
	if !strings.HasPrefix(got, want) {
		t.Errorf("%s: reply %q, want %q", what, got, want)
	}
}
