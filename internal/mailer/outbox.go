package mailer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
)

// Outbox writes each message as an .eml file in a directory, for a machine
// with no mail server: a newcomer can open the files, or read them in the
// admin pages. Files are written under a temporary name and renamed, so a
// reader of the directory never sees half a message.
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
