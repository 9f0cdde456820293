package mailer_test

import (
	"bytes"
	"context"
	"net/mail"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/mailer"
)

// TestEnvelopeSenderOverSMTP: MAIL FROM is the message's EnvelopeFrom when
// it has one (a VERP address), and its From address otherwise; the From
// header is the sender's either way.
func TestEnvelopeSenderOverSMTP(t *testing.T) {
	srv := startServer(t)
	s := newSender(t, srv.Port)
	verp := testMessage("l1.env@example.test")
	verp.EnvelopeFrom = "b+abc234@bounces.example.test"
	plain := testMessage("l2.env@example.test")
	for _, m := range []*mailer.Message{verp, plain} {
		if err := sendNow(t, s, m); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if !srv.Wait(2, 5*time.Second) {
		t.Fatal("messages did not arrive")
	}
	want := []string{"b+abc234@bounces.example.test", "lessons@example.test"}
	for i, got := range srv.Messages() {
		if got.From != want[i] {
			t.Errorf("message %d: MAIL FROM %q, want %q", i, got.From, want[i])
		}
		if from := got.Header().Get("From"); from != `"Rebuilding Trust" <lessons@example.test>` {
			t.Errorf("message %d: From header %q", i, from)
		}
	}
}

// TestEnvelopeSenderInOutbox: the outbox file starts with the Return-Path
// a receiving server would add, and refuses an envelope sender that could
// add a header of its own.
func TestEnvelopeSenderInOutbox(t *testing.T) {
	dir := t.TempDir()
	o, err := mailer.NewOutbox(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := testMessage("l3.env@example.test")
	m.EnvelopeFrom = "b+xyz567@bounces.example.test"
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d files in the outbox", len(files))
	}
	b, _ := os.ReadFile(files[0])
	msg, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if rp := msg.Header.Get("Return-Path"); rp != "<b+xyz567@bounces.example.test>" {
		t.Errorf("Return-Path = %q", rp)
	}
	for _, bad := range []string{"b+x@y\r\nBcc: evil@example.org", "a>b@example.test"} {
		m := testMessage("l4.env@example.test")
		m.EnvelopeFrom = bad
		if err := o.Send(context.Background(), m); err == nil {
			t.Errorf("envelope sender %q was written", bad)
		}
	}
}
