package mailer_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/smtptest"
)

func startServer(t *testing.T, hide ...string) *smtptest.Server {
	t.Helper()
	srv, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	srv.Hide(hide...)
	t.Cleanup(func() { srv.Close() })
	return srv
}

// servers are the three ways a transaction can go: pipelined with BDAT,
// pipelined with DATA, and one command at a time.
var servers = []struct {
	name string
	hide []string
}{
	{"pipelining and chunking", nil},
	{"pipelining only", []string{"CHUNKING"}},
	{"neither", []string{"PIPELINING", "CHUNKING"}},
}

func newSender(t *testing.T, port int) *mailer.SMTP {
	t.Helper()
	s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: "127.0.0.1", Port: port, TLS: mailer.TLSNone, Timeout: 5 * time.Second, Connections: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testMessage(id string) *mailer.Message {
	return &mailer.Message{
		FromName: "Rebuilding Trust", FromAddr: "lessons@example.test",
		ToName: "Sam Reader", ToAddr: "sam@example.org",
		Subject: "Lesson 1: Welcome", MessageID: id,
		Date: time.Date(2026, 3, 8, 8, 0, 0, 0, time.UTC),
		Text: "Hello in plain text.\n", HTML: "<p>Hello in <b>HTML</b>.</p>",
		Headers: []mailer.Header{{Name: "List-Unsubscribe", Value: "<https://example.test/u/tok>"}},
	}
}

func sendNow(t *testing.T, s *mailer.SMTP, m *mailer.Message) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Send(ctx, m)
}

func TestSMTPSendSuccess(t *testing.T) {
	srv := startServer(t)
	s := newSender(t, srv.Port)
	if err := sendNow(t, s, testMessage("l1.abc123@example.test")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !srv.Wait(1, 5*time.Second) {
		t.Fatal("no message arrived")
	}
	got := srv.Messages()[0]
	if got.From != "lessons@example.test" || len(got.To) != 1 || got.To[0] != "sam@example.org" {
		t.Errorf("envelope from %q to %v", got.From, got.To)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	h := msg.Header
	if id := h.Get("Message-ID"); id != "<l1.abc123@example.test>" {
		t.Errorf("Message-ID = %q, want <l1.abc123@example.test>", id)
	}
	if subj := h.Get("Subject"); subj != "Lesson 1: Welcome" {
		t.Errorf("Subject = %q", subj)
	}
	if lu := h.Get("List-Unsubscribe"); lu != "<https://example.test/u/tok>" {
		t.Errorf("List-Unsubscribe = %q", lu)
	}
	for _, name := range []string{"User-Agent", "X-Mailer"} {
		if v := h.Get(name); v != "" {
			t.Errorf("%s header present: %q", name, v)
		}
	}
	if bytes.Contains(bytes.ToLower(got.Data), []byte("go-mail")) {
		t.Error("message names go-mail")
	}
	checkAlternative(t, h.Get("Content-Type"), msg.Body)
}

// checkAlternative asserts a multipart/alternative body with text/plain
// first and text/html second.
func checkAlternative(t *testing.T, contentType string, body io.Reader) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", contentType, err)
	}
	mr := multipart.NewReader(body, params["boundary"])
	var types []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, pt)
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Errorf("parts = %v, want [text/plain text/html]", types)
	}
}

func TestSMTPSendErrors(t *testing.T) {
	for _, sv := range servers {
		t.Run(sv.name, func(t *testing.T) {
			tests := []struct {
				name      string
				stage     smtptest.Stage
				code      int
				enhanced  string
				temporary bool
				bounce    bool
				ours      bool
				at        mailer.Stage
			}{
				{"451 at RCPT", smtptest.StageRcpt, 451, "4.2.1", true, false, false, mailer.StageRcpt},
				{"550 no such user", smtptest.StageRcpt, 550, "5.1.1", false, true, false, mailer.StageRcpt},
				{"552 mailbox full at RCPT", smtptest.StageRcpt, 552, "5.2.2", false, false, false, mailer.StageRcpt},
				{"552 mailbox full at DATA", smtptest.StageData, 552, "5.2.2", false, false, false, mailer.StageData},
				{"554 policy at DATA", smtptest.StageData, 554, "5.7.1", false, false, true, mailer.StageData},
				{"421 at MAIL", smtptest.StageMail, 421, "4.7.0", true, false, true, mailer.StageMail},
				// Our sender's domain, refused at MAIL FROM: not the reader's
				// address, however much it looks like 5.1.x.
				{"553 5.1.8 at MAIL", smtptest.StageMail, 553, "5.1.8", false, false, false, mailer.StageMail},
				{"550 5.1.1 at MAIL", smtptest.StageMail, 550, "5.1.1", false, false, false, mailer.StageMail},
				{"553 5.1.7 at RCPT", smtptest.StageRcpt, 553, "5.1.7", false, false, false, mailer.StageRcpt},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					srv := startServer(t, sv.hide...)
					srv.SetRule(func(stage smtptest.Stage, _ string) error {
						if stage == tt.stage {
							return smtptest.Reply(tt.code, tt.enhanced, "test says no")
						}
						return nil
					})
					err := sendNow(t, newSender(t, srv.Port), testMessage("e1@example.test"))
					var me *mailer.Error
					if !errors.As(err, &me) {
						t.Fatalf("err = %v (%T), want *mailer.Error", err, err)
					}
					if me.Code != tt.code || me.Enhanced != tt.enhanced || me.Temporary != tt.temporary {
						t.Errorf("got code %d enhanced %q temporary %v, want %d %q %v", me.Code, me.Enhanced, me.Temporary, tt.code, tt.enhanced, tt.temporary)
					}
					if me.Bounce() != tt.bounce || me.Ours() != tt.ours {
						t.Errorf("Bounce() %v Ours() %v, want %v %v", me.Bounce(), me.Ours(), tt.bounce, tt.ours)
					}
					if me.Stage != tt.at || me.Setup() != (tt.at == mailer.StageMail) {
						t.Errorf("stage %d, Setup() %v; want stage %d", me.Stage, me.Setup(), tt.at)
					}
					if srv.Count() != 0 {
						t.Errorf("server accepted %d messages", srv.Count())
					}
				})
			}
		})
	}
}

func TestSMTPConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	err = sendNow(t, newSender(t, port), testMessage("r1@example.test"))
	var me *mailer.Error
	if !errors.As(err, &me) {
		t.Fatalf("err = %v (%T), want *mailer.Error", err, err)
	}
	if !me.Temporary || me.Code != 0 || me.Bounce() || !me.Setup() {
		t.Errorf("got %+v, want a temporary failure of our setup, with Code 0 and no bounce", me)
	}
}

// TestSMTPRecoversAfterFailure fails one message and then sends more than
// there are connections, so the failed connection must be used again.
func TestSMTPRecoversAfterFailure(t *testing.T) {
	for _, sv := range servers {
		t.Run(sv.name, func(t *testing.T) {
			for _, stage := range []smtptest.Stage{smtptest.StageMail, smtptest.StageRcpt, smtptest.StageData} {
				t.Run([]string{"MAIL", "RCPT", "DATA"}[stage], func(t *testing.T) {
					srv := startServer(t, sv.hide...)
					s := newSender(t, srv.Port)
					if err := sendNow(t, s, testMessage("warm@example.test")); err != nil {
						t.Fatalf("first send: %v", err)
					}
					srv.SetRule(func(st smtptest.Stage, _ string) error {
						if st == stage {
							return smtptest.Reply(554, "5.6.0", "bad content")
						}
						return nil
					})
					if err := sendNow(t, s, testMessage("fail@example.test")); err == nil {
						t.Fatal("send under a failing rule succeeded")
					}
					srv.SetRule(nil)
					for i := range 3 {
						if err := sendNow(t, s, testMessage("after@example.test")); err != nil {
							t.Fatalf("send %d after the failure: %v", i+1, err)
						}
					}
					if !srv.Wait(4, 5*time.Second) {
						t.Fatalf("server has %d messages, want 4", srv.Count())
					}
				})
			}
		})
	}
}

func TestSMTPRefusesHeaderInjection(t *testing.T) {
	tests := []struct {
		name string
		edit func(m *mailer.Message)
	}{
		{"CRLF in subject", func(m *mailer.Message) { m.Subject = "Hi\r\nBcc: victim@example.net" }},
		{"LF in subject", func(m *mailer.Message) { m.Subject = "Hi\nBcc: victim@example.net" }},
		{"CRLF in ToName", func(m *mailer.Message) { m.ToName = "Sam\r\nBcc: victim@example.net" }},
		{"CR in FromName", func(m *mailer.Message) { m.FromName = "Us\rX-Evil: 1" }},
		{"CRLF in extra header", func(m *mailer.Message) {
			m.Headers = append(m.Headers, mailer.Header{Name: "List-Id", Value: "x\r\nBcc: victim@example.net"})
		}},
		{"CRLF in Message-ID", func(m *mailer.Message) { m.MessageID = "a@b\r\nBcc: victim@example.net" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t)
			m := testMessage("inj@example.test")
			tt.edit(m)
			if err := sendNow(t, newSender(t, srv.Port), m); err == nil {
				t.Fatal("Send accepted a header with a line break")
			}
			if n := srv.Count(); n != 0 {
				t.Errorf("server received %d messages", n)
			}
		})
	}
}

// TestSMTPConnectionDropped has the server hang up mid-transaction: the
// failure is temporary with no reply code, and the next message re-dials.
func TestSMTPConnectionDropped(t *testing.T) {
	for _, sv := range servers {
		t.Run(sv.name, func(t *testing.T) {
			for _, stage := range []smtptest.Stage{smtptest.StageRcpt, smtptest.StageData} {
				t.Run([]string{"MAIL", "RCPT", "DATA"}[stage], func(t *testing.T) {
					srv := startServer(t, sv.hide...)
					s := newSender(t, srv.Port)
					srv.SetRule(func(st smtptest.Stage, _ string) error {
						if st == stage {
							return smtptest.ErrDrop
						}
						return nil
					})
					err := sendNow(t, s, testMessage("drop@example.test"))
					var me *mailer.Error
					if !errors.As(err, &me) || !me.Temporary || me.Code != 0 {
						t.Fatalf("err = %v, want a temporary *mailer.Error with Code 0", err)
					}
					srv.SetRule(nil)
					for i := range 3 {
						if err := sendNow(t, s, testMessage("after@example.test")); err != nil {
							t.Fatalf("send %d after the drop: %v", i+1, err)
						}
					}
					if n := srv.Count(); n != 3 {
						t.Errorf("server has %d messages, want 3", n)
					}
				})
			}
		})
	}
}

// TestSMTPBodyArrivesExactly sends lines that begin with dots, which DATA
// must stuff and BDAT must not, and checks the text arrives unchanged
// whichever way the server lets it travel.
func TestSMTPBodyArrivesExactly(t *testing.T) {
	text := ".\n..\n.hidden line\nmiddle\n. \n...end\n"
	for _, sv := range servers {
		t.Run(sv.name, func(t *testing.T) {
			srv := startServer(t, sv.hide...)
			if got := ehloExtensions(t, srv.Addr); slices.Contains(got, "CHUNKING") == slices.Contains(sv.hide, "CHUNKING") ||
				slices.Contains(got, "PIPELINING") == slices.Contains(sv.hide, "PIPELINING") {
				t.Fatalf("server offers %v with %v hidden", got, sv.hide)
			}
			m := testMessage("dots@example.test")
			m.Text = text
			if err := sendNow(t, newSender(t, srv.Port), m); err != nil {
				t.Fatal(err)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(srv.Messages()[0].Data))
			if err != nil {
				t.Fatal(err)
			}
			_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
			p, err := multipart.NewReader(msg.Body, params["boundary"]).NextPart() // decodes quoted-printable
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(p)
			if want := strings.ReplaceAll(text, "\n", "\r\n"); string(got) != want {
				t.Errorf("text part arrived as %q, want %q", got, want)
			}
		})
	}
}

// ehloExtensions dials addr and returns the extension keywords its EHLO
// reply lists.
func ehloExtensions(t *testing.T, addr string) []string {
	t.Helper()
	c, err := textproto.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	id, err := c.Cmd("EHLO client.test")
	if err != nil {
		t.Fatal(err)
	}
	c.StartResponse(id)
	_, msg, err := c.ReadResponse(250)
	c.EndResponse(id)
	if err != nil {
		t.Fatal(err)
	}
	var exts []string
	for _, line := range strings.Split(msg, "\n")[1:] {
		exts = append(exts, strings.Fields(line)[0])
	}
	return exts
}

// TestSMTPInternationalAddress: an address that is not ASCII goes out
// with SMTPUTF8 (RFC 6531) on a server that offers it.
func TestSMTPInternationalAddress(t *testing.T) {
	for _, sv := range servers {
		t.Run(sv.name, func(t *testing.T) {
			srv := startServer(t, sv.hide...)
			m := testMessage("intl@example.test")
			m.ToAddr = "josé@example.org"
			if err := sendNow(t, newSender(t, srv.Port), m); err != nil {
				t.Fatal(err)
			}
			got := srv.Messages()[0]
			if got.To[0] != "josé@example.org" || !got.UTF8 {
				t.Errorf("envelope to %q, SMTPUTF8 %v; want josé@example.org with SMTPUTF8", got.To[0], got.UTF8)
			}
		})
	}
}
