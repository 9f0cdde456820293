package receiver_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce/receiver"
	"github.com/dripcourse/dripcourse/internal/token"
)

// sendUntilAccept starts a message on c and returns once the server has
// received all of it (the message itself is dsn).
func sendUntilAccept(t *testing.T, c *raw, rcpt string) {
	t.Helper()
	c.cmd("EHLO mta.example.net")
	expect(t, "MAIL", c.cmd("MAIL FROM:<>"), "250")
	expect(t, "RCPT", c.cmd("RCPT TO:<"+rcpt+">"), "250")
	expect(t, "DATA", c.cmd("DATA"), "354")
	if _, err := io.WriteString(c.conn, dsn+".\r\n"); err != nil {
		t.Fatal(err)
	}
}

func TestShutdownLetsAMessageFinish(t *testing.T) {
	f := start(t, receiver.Config{})
	rcpt := f.verp(token.BounceLesson, 1)
	entered, release := make(chan struct{}), make(chan struct{})
	f.acceptFn = func(context.Context, receiver.Message) error {
		close(entered)
		<-release
		return nil
	}
	busy, _ := f.dial()
	idle, _ := f.dial()
	expect(t, "EHLO", idle.cmd("EHLO mta.example.net"), "250")
	sendUntilAccept(t, busy, rcpt)
	<-entered

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done <- f.srv.Shutdown(ctx)
	}()
	expect(t, "idle connection", idle.reply(), "421 4.4.2")
	expect(t, "idle connection, after the 421", idle.reply(), "EOF")
	close(release)
	expect(t, "message in progress", busy.reply(), "250")
	if rest := busy.untilEOF(); len(rest) > 2 {
		t.Errorf("after its reply the busy connection heard %q, want it closed", rest)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got, _ := f.received(); len(got) != 1 {
		t.Fatalf("recorded %d messages, want 1", len(got))
	}
	if c, err := net.Dial("tcp", f.addr); err == nil {
		c.Close()
		t.Errorf("a connection was accepted after Shutdown")
	}
}

func TestShutdownDeadlineClosesTheRest(t *testing.T) {
	f := start(t, receiver.Config{})
	rcpt := f.verp(token.BounceLesson, 1)
	entered, cancelled := make(chan struct{}), make(chan error, 1)
	f.acceptFn = func(ctx context.Context, _ receiver.Message) error {
		close(entered)
		<-ctx.Done()
		cancelled <- ctx.Err()
		return ctx.Err()
	}
	busy, _ := f.dial()
	sendUntilAccept(t, busy, rcpt)
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.srv.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown with an ended context: %v, want context.Canceled", err)
	}
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("Accept's context: %v, want cancelled", err)
	}
	// The client never hears 250, so it sends the message again later.
	if rest := busy.untilEOF(); strings.HasPrefix(rest[0], "250") {
		t.Fatalf("the client was told %q", rest)
	}
}

func TestServeAfterClose(t *testing.T) {
	srv, err := receiver.New(receiver.Config{Domain: domain, Valid: func(string) bool { return true },
		Accept: func(context.Context, receiver.Message) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(ln); !errors.Is(err, receiver.ErrServerClosed) {
		t.Fatalf("Serve after Close: %v, want ErrServerClosed", err)
	}
	if _, err := ln.Accept(); err == nil {
		t.Fatal("Serve left the listener open")
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	valid := func(string) bool { return true }
	accept := func(context.Context, receiver.Message) error { return nil }
	tests := []struct {
		name string
		cfg  receiver.Config
	}{
		{"no domain", receiver.Config{Valid: valid, Accept: accept}},
		{"an address for a domain", receiver.Config{Domain: "@" + domain, Valid: valid, Accept: accept}},
		{"a domain with a space", receiver.Config{Domain: "bounces example.org", Valid: valid, Accept: accept}},
		{"a trailing dot", receiver.Config{Domain: domain + ".", Valid: valid, Accept: accept}},
		{"no Valid", receiver.Config{Domain: domain, Accept: accept}},
		{"no Accept", receiver.Config{Domain: domain, Valid: valid}},
		{"a negative size", receiver.Config{Domain: domain, Valid: valid, Accept: accept, MaxBytes: -1}},
		{"a negative timeout", receiver.Config{Domain: domain, Valid: valid, Accept: accept, ReadTimeout: -time.Second}},
	}
	for _, tt := range tests {
		if _, err := receiver.New(tt.cfg); err == nil || !strings.HasPrefix(err.Error(), "receiver: ") {
			t.Errorf("%s: err = %v, want a receiver: error", tt.name, err)
		}
	}
}
