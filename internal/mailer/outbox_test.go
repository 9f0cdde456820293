package mailer_test

import (
	"context"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/mailer"
)

func TestOutboxWritesOneFilePerSend(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox", "nested")
	o, err := mailer.NewOutbox(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 5
	ids := map[string]bool{}
	for i := range n {
		// The same Date for every message: file names must still differ.
		id := fmt.Sprintf("l%d.x/y@example.test", i)
		ids["<"+id+">"] = true
		if err := o.Send(context.Background(), testMessage(id)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != n {
		t.Fatalf("outbox holds %d files, want %d", len(entries), n)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".eml") || strings.HasPrefix(name, ".") {
			t.Errorf("unexpected file %q", name)
			continue
		}
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(f)
		if err != nil {
			f.Close()
			t.Fatalf("%s: %v", name, err)
		}
		id := msg.Header.Get("Message-ID")
		if !ids[id] {
			t.Errorf("%s: Message-ID %q not one we sent, or seen twice", name, id)
		}
		delete(ids, id)
		if to, err := msg.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "sam@example.org" {
			t.Errorf("%s: To = %v, %v", name, to, err)
		}
		checkAlternative(t, msg.Header.Get("Content-Type"), msg.Body)
		f.Close()
	}
}

func TestOutboxRefusesInjection(t *testing.T) {
	dir := t.TempDir()
	o, err := mailer.NewOutbox(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := testMessage("i@example.test")
	m.Subject = "Hi\r\nBcc: victim@example.net"
	if err := o.Send(context.Background(), m); err == nil {
		t.Fatal("Send accepted a subject with CRLF")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("outbox holds %d files after a refused message", len(entries))
	}
}

func TestNewOutboxOnAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := mailer.NewOutbox(file, nil); err == nil {
		t.Error("NewOutbox on a regular file succeeded")
	}
}
