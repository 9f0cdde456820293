package mailer_test

import (
	"context"
	"errors"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/mailer"
)

// scripted runs one SMTP conversation per connection by hand, for the
// servers go-smtp will not imitate. It greets, answers EHLO with exts, and
// hands over; what the client sent is kept in lines.
type scripted struct {
	port  int
	mu    sync.Mutex
	lines []string
}

func startScripted(t *testing.T, exts []string, converse func(s *scripted, c *textproto.Conn)) *scripted {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &scripted{port: ln.Addr().(*net.TCPAddr).Port}
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				c := textproto.NewConn(nc)
				defer c.Close()
				c.PrintfLine("220 script.test ESMTP")
				if l := s.read(c); !strings.HasPrefix(l, "EHLO") {
					return
				}
				reply := "250-script.test"
				for _, e := range exts {
					reply += "\r\n250-" + e
				}
				c.PrintfLine("%s\r\n250 ENHANCEDSTATUSCODES", reply)
				converse(s, c)
			}()
		}
	}()
	return s
}

// read returns the client's next line, noting it.
func (s *scripted) read(c *textproto.Conn) string {
	l, err := c.ReadLine()
	if err != nil {
		return ""
	}
	s.mu.Lock()
	s.lines = append(s.lines, l)
	s.mu.Unlock()
	return l
}

func (s *scripted) saw(line string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.lines {
		if l == line {
			return true
		}
	}
	return false
}

// TestSMTPDataAcceptedAfterRefusedRecipient: a server that answers DATA
// with 354 although the only recipient was refused (RFC 2920 allows it)
// gets a lone dot, then RSET; the refusal comes back as a bounce, at once,
// and the connection carries on.
func TestSMTPDataAcceptedAfterRefusedRecipient(t *testing.T) {
	srv := startScripted(t, []string{"PIPELINING"}, func(s *scripted, c *textproto.Conn) {
		for s.read(c) != "DATA" {
		}
		c.PrintfLine("250 2.1.0 ok\r\n550 5.1.1 no such user\r\n354 go ahead")
		for s.read(c) != "." {
		}
		c.PrintfLine("554 5.5.1 no valid recipients")
		if s.read(c) == "RSET" {
			c.PrintfLine("250 2.0.0 reset")
		}
		s.read(c) // QUIT, or the next message
	})
	s := newSender(t, srv.port)
	err := sendNow(t, s, testMessage("gone@example.test"))
	var me *mailer.Error
	if !errors.As(err, &me) || me.Code != 550 || !me.Bounce() {
		t.Fatalf("err = %v, want the 550 5.1.1 bounce", err)
	}
	if !srv.saw(".") || !srv.saw("RSET") {
		t.Errorf("the server saw %q; want a lone dot, then RSET", srv.lines)
	}
}

// TestSMTPRefusalBeforeHangUp: a server that refuses the envelope and
// hangs up without reading a large body still has its refusal reported,
// not the broken pipe, so the message is not retried for days.
func TestSMTPRefusalBeforeHangUp(t *testing.T) {
	for _, exts := range [][]string{{"PIPELINING", "CHUNKING"}, {"PIPELINING"}} {
		t.Run(strings.Join(exts, "+"), func(t *testing.T) {
			srv := startScripted(t, exts, func(s *scripted, c *textproto.Conn) {
				s.read(c)
				s.read(c)
				c.PrintfLine("250 2.1.0 ok\r\n554 5.7.1 sender blocked")
			})
			s := newSender(t, srv.port)
			m := testMessage("big@example.test")
			m.Text = strings.Repeat("a long lesson line that goes on and on\n", 100000)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := s.Send(ctx, m)
			var me *mailer.Error
			if !errors.As(err, &me) || me.Code != 554 || me.Temporary {
				t.Fatalf("err = %v, want the permanent 554 5.7.1", err)
			}
		})
	}
}

// TestSMTPEightBitMessage: a raw message that is not ASCII goes out with
// BODY=8BITMIME and SMTPUTF8 where the server offers them.
func TestSMTPEightBitMessage(t *testing.T) {
	for _, sv := range servers {
		t.Run(sv.name, func(t *testing.T) {
			srv := startServer(t, sv.hide...)
			s := newSender(t, srv.Port)
			raw := []byte("From: a@example.test\r\nTo: b@example.org\r\nSubject: caf\xc3\xa9\r\n\r\ncaf\xc3\xa9\r\n")
			if err := s.SendRaw(context.Background(), "a@example.test", "b@example.org", raw); err != nil {
				t.Fatal(err)
			}
			got := srv.Messages()[0]
			if !got.EightBit || !got.UTF8 {
				t.Errorf("BODY=8BITMIME %v, SMTPUTF8 %v; want both", got.EightBit, got.UTF8)
			}
		})
	}
}

// TestSMTPEnvelopeGuard: an address that could break the envelope is a
// permanent refusal made before anything is sent. (Send's MIME writer
// refuses such addresses too; SendRaw has only this check.)
func TestSMTPEnvelopeGuard(t *testing.T) {
	srv := startServer(t)
	raw := []byte("Subject: x\r\n\r\nx\r\n")
	for _, to := range []string{"sam>@example.org", "sam@example.org>\r\nRCPT TO:<other@example.org"} {
		err := newSender(t, srv.Port).SendRaw(context.Background(), "a@example.test", to, raw)
		var me *mailer.Error
		if !errors.As(err, &me) || me.Temporary || me.Code != 0 {
			t.Errorf("to %q: err = %v, want a permanent refusal made here, not a server's reply", to, err)
		}
	}
	if srv.Count() != 0 {
		t.Errorf("the server accepted %d messages", srv.Count())
	}
}
