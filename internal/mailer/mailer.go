// Package mailer builds dripcourse's messages and hands them to a mail
// server. It has one interface, Sender, with two implementations: SMTP,
// which keeps a small pool of connections to a relay through go-mail, and
// Outbox, which writes each message as an .eml file for a machine with no
// mail server yet.
//
// Every failure comes back as an *Error that says whether trying again
// later can help, so the delivery engine never parses reply text. The
// package does not decide what to do about a failure; that is delivery's.
package mailer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Header is one extra header line, such as List-Unsubscribe.
type Header struct {
	Name, Value string
}

// Message is one email, already rendered.
type Message struct {
	FromName, FromAddr string
	ToName, ToAddr     string
	// EnvelopeFrom is the envelope sender (SMTP MAIL FROM, which the
	// receiving server records as Return-Path): where bounces go. Empty
	// means FromAddr.
	EnvelopeFrom string
	Subject      string
	MessageID    string // without angle brackets; fixed per delivery
	Date         time.Time
	// Text is sent as format=flowed (RFC 3676): a line that ends in a
	// space goes on in the next one, and a line that starts with ">" is a
	// quote. Lines that start with a space or "From " are space-stuffed
	// as they are written, so Text holds them as they should read.
	Text, HTML string
	// TextParts and HTMLParts, when set instead of Text and HTML, are the
	// bodies in pieces, joined only as the message is written. Dispatch
	// fills each lesson in from pieces cut once (delivery's frame.go), and
	// joining them into strings first was a third of all it allocated.
	// Long pieces should be text that recurs from message to message: the
	// encoding of their whole lines is kept (qpcache.go).
	TextParts, HTMLParts []string
	Headers              []Header
}

// Bodies returns the text and HTML bodies whole, however they were given.
func (m *Message) Bodies() (text, html string) {
	return m.textBody().String(), m.htmlBody().String()
}

func (m *Message) textBody() body { return body{m.Text, m.TextParts} }
func (m *Message) htmlBody() body { return body{m.HTML, m.HTMLParts} }

// body is one part's text: whole, or in parts when they are set.
type body struct {
	whole string
	parts []string
}

func (b body) String() string {
	if b.parts == nil {
		return b.whole
	}
	return strings.Join(b.parts, "")
}

func (b body) size() int {
	if b.parts == nil {
		return len(b.whole)
	}
	n := 0
	for _, p := range b.parts {
		n += len(p)
	}
	return n
}

// Sender delivers messages. Send is safe to call from several goroutines;
// an SMTP sender sends on as many connections at once as it was given.
type Sender interface {
	Send(ctx context.Context, m *Message) error
	Close() error
}

// Error is a failed send, classified.
type Error struct {
	Code     int    // SMTP reply code, or 0 when no reply was had
	Enhanced string // enhanced status code such as 5.1.1, when given
	Text     string
	// Temporary is true for 4xx replies and for connection trouble: the
	// same message may succeed later.
	Temporary bool
	// Stage is the step of the exchange that failed, when known.
	Stage Stage
}

// Stage is a step of an SMTP exchange: a refusal means something else at
// each one.
type Stage int

const (
	StageUnknown Stage = iota
	// StageConnect is everything before the first message: dialling, the
	// greeting, EHLO, STARTTLS and AUTH (and, for the outbox, writing it).
	StageConnect
	StageMail // MAIL FROM: our sender address
	StageRcpt // RCPT TO: the reader's address
	StageData // DATA or BDAT: the message itself
)

// Setup reports whether the failure is on our side of the exchange and
// certainly took no message: the server refused our connection, our login
// or our sender address, or the outbox could not be written. It says
// nothing about the reader or the message, and the next message would
// fail the same way, so the lesson is not charged an attempt: the pass
// stops and the operator is told. (A wrong password once failed every
// due lesson for good, and a refused sender address bounced every
// reader.)
func (e *Error) Setup() bool {
	return e.Stage == StageConnect || (e.Stage == StageMail && e.Code != 0)
}

func (e *Error) Error() string {
	if e.Code == 0 {
		return "mailer: " + e.Text
	}
	s := fmt.Sprintf("mailer: %d", e.Code)
	if e.Enhanced != "" {
		s += " " + e.Enhanced
	}
	return s + " " + e.Text
}

// Bounce reports whether the reply says the reader's address itself is
// bad (5.1.x, or 5.2.1 for a disabled mailbox), so the reader must not be
// mailed again. Only a refusal of the recipient or of the message counts:
// 5.1.7 and 5.1.8 are about the sender's address, and so is anything
// refused at MAIL FROM.
func (e *Error) Bounce() bool {
	if e.Temporary || e.Code < 500 || e.Setup() || e.Stage == StageMail {
		return false
	}
	if e.Enhanced == "5.1.7" || e.Enhanced == "5.1.8" {
		return false
	}
	return strings.HasPrefix(e.Enhanced, "5.1.") || e.Enhanced == "5.2.1" ||
		(e.Enhanced == "" && (e.Code == 550 || e.Code == 551 || e.Code == 553) && looksLikeNoUser(e.Text))
}

// Retry reports whether the same message should be tried again later:
// a temporary failure, or a refusal that is about our sending (Ours).
func (e *Error) Retry() bool { return e.Temporary || e.Ours() }

// Ours reports whether the reply points at the sender's own setup
// (authentication, policy, reputation: 5.7.x and 4.7.x), which an operator
// must fix and which says nothing against the reader's address. Such a
// refusal is retried like a temporary one: a relay that will not relay
// for us, or a provider that throttles a new sender, would otherwise fail
// every lesson of a pass for good.
func (e *Error) Ours() bool {
	return strings.HasPrefix(e.Enhanced, "5.7.") || strings.HasPrefix(e.Enhanced, "4.7.")
}

func looksLikeNoUser(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "no such user") || strings.Contains(t, "user unknown") || strings.Contains(t, "does not exist")
}

// AsError returns err as an *Error, treating anything unclassified as a
// temporary failure: losing a message to a misread error is worse than
// trying it again.
func AsError(err error) *Error {
	var me *Error
	if errors.As(err, &me) {
		return me
	}
	return &Error{Text: err.Error(), Temporary: true}
}

// headerSafe reports whether s can go into a header as it is: no line
// breaks, so nothing a reader typed can add a header of its own.
func headerSafe(s string) bool { return !strings.ContainsAny(s, "\r\n") }

// ReturnPath is the envelope sender: EnvelopeFrom, or FromAddr when it is
// empty.
func (m *Message) ReturnPath() string {
	if m.EnvelopeFrom != "" {
		return m.EnvelopeFrom
	}
	return m.FromAddr
}

func (m *Message) check() error {
	for _, s := range []string{m.FromName, m.FromAddr, m.EnvelopeFrom, m.ToName, m.ToAddr, m.Subject, m.MessageID} {
		if !headerSafe(s) {
			return &Error{Text: "message refused: a header value contains a line break"}
		}
	}
	for _, h := range m.Headers {
		if !headerSafe(h.Name) || !headerSafe(h.Value) {
			return &Error{Text: "message refused: header " + h.Name + " contains a line break"}
		}
	}
	return nil
}
