package mailer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Outbox writes each message as an .eml file in a directory, for a machine
// with no mail server: a newcomer can open the files, or read them in the
// admin pages through List and Open. Files are written under a temporary
// name (starting with a dot) and renamed, so a reader of the directory
// never sees half a message. A message's file name starts with its date,
// so the names sort as the messages do.
type Outbox struct {
	Dir  string
	DKIM *DKIM
	seq  atomic.Uint64
}

// NewOutbox creates dir if needed.
func NewOutbox(dir string, dkim *DKIM) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("mailer: outbox: %w", err)
	}
	return &Outbox{Dir: dir, DKIM: dkim}, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Send writes m to the outbox, headed by the Return-Path a receiving
// server would add: the envelope sender, where bounces would go.
func (o *Outbox) Send(_ context.Context, m *Message) error {
	raw, err := wire(m, o.DKIM)
	if err != nil {
		return err
	}
	if strings.ContainsAny(m.ReturnPath(), "<>") {
		return &Error{Text: "message refused: the envelope sender contains an angle bracket"}
	}
	raw = append([]byte("Return-Path: <"+m.ReturnPath()+">\r\n"), raw...)
	at := m.Date
	if at.IsZero() {
		at = time.Now()
	}
	id := unsafeName.ReplaceAllString(strings.SplitN(m.MessageID, "@", 2)[0], "_")
	name := fmt.Sprintf("%s-%06d-%s.eml", at.UTC().Format("20060102T150405Z"), o.seq.Add(1)%1000000, id)
	tmp, err := os.CreateTemp(o.Dir, ".tmp-*")
	if err != nil {
		return &Error{Text: "outbox: " + err.Error(), Temporary: true, Stage: StageConnect}
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return &Error{Text: "outbox: " + err.Error(), Temporary: true, Stage: StageConnect}
	}
	if err := tmp.Close(); err != nil {
		return &Error{Text: "outbox: " + err.Error(), Temporary: true, Stage: StageConnect}
	}
	if err := os.Rename(tmp.Name(), filepath.Join(o.Dir, name)); err != nil {
		return &Error{Text: "outbox: " + err.Error(), Temporary: true, Stage: StageConnect}
	}
	return nil
}

// Close does nothing: the outbox holds no connection.
func (o *Outbox) Close() error { return nil }

// List returns the names of the messages in the outbox, newest first.
// Half-written messages (temporary files, which start with a dot) and
// anything but regular .eml files are left out.
func (o *Outbox) List() ([]string, error) {
	entries, err := os.ReadDir(o.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // nothing written yet
	}
	if err != nil {
		return nil, fmt.Errorf("mailer: outbox: %w", err)
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && isMessageName(n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	slices.Reverse(names)
	return names, nil
}

// isMessageName reports whether name could be a message List shows: a
// plain file name in the outbox itself, never a path.
func isMessageName(name string) bool {
	return strings.HasSuffix(name, ".eml") && !strings.HasPrefix(name, ".") && !strings.ContainsAny(name, `/\`) &&
		filepath.Base(name) == name
}

// Open opens the message called name, one of the names List gives. Any
// other name, whatever it points at, is an error wrapping fs.ErrNotExist:
// no name can reach a file outside the outbox, or one that is not a
// message.
func (o *Outbox) Open(name string) (io.ReadCloser, error) {
	if !isMessageName(name) {
		return nil, fmt.Errorf("mailer: outbox: %q: %w", name, fs.ErrNotExist)
	}
	root, err := os.OpenRoot(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("mailer: outbox: %w", err)
	}
	defer root.Close()
	if fi, err := root.Lstat(name); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("mailer: outbox: %q: %w", name, fs.ErrNotExist)
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, fmt.Errorf("mailer: outbox: %w", err)
	}
	return f, nil
}

// Erase removes every message addressed to address, so a reader who asks
// to be forgotten leaves no copy on disk, and returns how many went. The
// address matches whatever the case of its ASCII letters; other letters
// must match exactly, so a look-alike address never erases another's
// mail.
func (o *Outbox) Erase(address string) (int, error) {
	names, err := o.List()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, name := range names {
		if !o.addressedTo(name, address) {
			continue
		}
		if err := os.Remove(filepath.Join(o.Dir, name)); err != nil {
			return n, fmt.Errorf("mailer: outbox: %w", err)
		}
		n++
	}
	return n, nil
}

// addressedTo reports whether the message called name has address among
// its To addresses. A file that cannot be read as a message is nobody's.
func (o *Outbox) addressedTo(name, address string) bool {
	f, err := o.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	msg, err := mail.ReadMessage(io.LimitReader(f, 64<<10))
	if err != nil {
		return false
	}
	to, _ := msg.Header.AddressList("To")
	for _, a := range to {
		if equalFoldASCII(a.Address, address) {
			return true
		}
	}
	return false
}

// equalFoldASCII compares two strings ignoring the case of ASCII letters
// only (strings.EqualFold would also match, say, the Kelvin sign to k).
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
