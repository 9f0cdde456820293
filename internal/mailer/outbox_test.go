package mailer_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// sendTo writes one message to ann or whoever to is, dated at.
func sendTo(t *testing.T, o *mailer.Outbox, to, id string, at time.Time) {
	t.Helper()
	m := testMessage(id)
	m.ToAddr, m.Date = to, at
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

func TestOutboxListsAndOpensOnlyItsMessages(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "outbox")
	o, err := mailer.NewOutbox(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sendTo(t, o, "old@example.org", "old@example.test", day)
	sendTo(t, o, "new@example.org", "new@example.test", day.Add(time.Hour))
	os.WriteFile(filepath.Join(dir, ".tmp-123"), []byte("Subject: half\r\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not mail"), 0o600)
	os.WriteFile(filepath.Join(root, "secret.eml"), []byte("Subject: secret\r\n\r\nkeep out"), 0o600)
	os.Symlink(filepath.Join(root, "secret.eml"), filepath.Join(dir, "link.eml"))
	os.Mkdir(filepath.Join(dir, "folder.eml"), 0o700)
	names, err := o.List()
	if err != nil || len(names) != 2 || !strings.Contains(names[0], "T100000Z") || !strings.Contains(names[1], "T090000Z") {
		t.Fatalf("List = %v, %v; want the two messages, newest first", names, err)
	}
	f, err := o.Open(names[0])
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if to, err := msg.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "new@example.org" {
		t.Fatalf("Open(%s): To %v, %v", names[0], to, err)
	}
	for _, name := range []string{"../secret.eml", "..", "secret.eml", "link.eml", "folder.eml", ".tmp-123", "notes.txt", "",
		"sub/../" + names[0], `..\secret.eml`} {
		if f, err := o.Open(name); !errors.Is(err, fs.ErrNotExist) {
			if f != nil {
				f.Close()
			}
			t.Errorf("Open(%q): %v, want fs.ErrNotExist", name, err)
		}
	}
	empty := &mailer.Outbox{Dir: filepath.Join(root, "never-written")}
	if names, err := empty.List(); err != nil || len(names) != 0 {
		t.Fatalf("an outbox nothing was written to: %v, %v", names, err)
	}
}

// Erase removes the copies sent to one address, whatever the case of its
// ASCII letters, and nothing sent to an address that only looks like it.
func TestOutboxErase(t *testing.T) {
	o, err := mailer.NewOutbox(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i, to := range []string{"Kate@Example.org", "kate@example.org", "\u212Aate@example.org", "other@example.org"} {
		sendTo(t, o, to, fmt.Sprintf("m%d@example.test", i), at)
	}
	n, err := o.Erase("kate@example.ORG")
	if err != nil || n != 2 {
		t.Fatalf("Erase: %d, %v; want 2", n, err)
	}
	names, _ := o.List()
	if len(names) != 2 {
		t.Fatalf("%d messages left, want the look-alike's and the other's", len(names))
	}
}
