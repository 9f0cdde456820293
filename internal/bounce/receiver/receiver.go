// Package receiver is the SMTP server of the bounce domain: the MX that
// delivery status notifications and complaints come back to when every
// message's envelope sender is a VERP address, b+TOKEN@bounce-domain.
//
// It only receives. A recipient is accepted only if it is on the bounce
// domain and its token is valid (the caller decides, with the signer and
// the store); anything else is refused at RCPT with 550 5.1.1, so the
// server relays nothing and never accepts mail it would later have to
// bounce. Any envelope sender is accepted, the null sender <> above all,
// since that is what bounces come from. There is no AUTH. Each accepted
// message is handed, with its envelope and exactly the bytes received, to
// a callback that records it; if the callback fails, the client is told
// to try again later (451), so nothing is lost.
//
// The limits are those of a server open to the Internet: a size cap, a
// cap on recipients, read and write timeouts, a cap on sessions, and per
// client address (an IPv4 address or an IPv6 /64) a cap on concurrent
// connections and a rate of messages. A connection is closed after 20
// refused recipients or messages, and once its client has sent more than
// it may for the messages the rate lets it send: a third over MaxBytes
// (dot-stuffing) and 1 MiB, per message.
//
// Parsing reports is the business of package bounce, and recording them
// that of the caller.
package receiver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// Message is one accepted message for one accepted recipient.
type Message struct {
	// From is the envelope sender (MAIL FROM), empty for the null sender
	// <>, which is what bounces come from.
	From string
	// To is the accepted recipient (RCPT TO), b+TOKEN@bounce-domain as
	// the client spelled it.
	To string
	// Data is the message exactly as received: CRLF line ends, with only
	// SMTP's dot-stuffing undone. When a message has several accepted
	// recipients every call shares it: do not modify it.
	Data []byte
	// Client is the IP address of the client that sent it.
	Client string
	// Helo is the name the client gave in EHLO or HELO.
	Helo string
	// Received is when the end of the message arrived.
	Received time.Time
}

// Config sets up a Server. Domain, Valid and Accept are required; every
// other field has a default when zero.
type Config struct {
	// Domain is the bounce domain: recipients must be on it (compared
	// without regard to ASCII case).
	Domain string
	// Valid reports whether a local part on Domain, "b+TOKEN" as the
	// client spelled it, is a delivery's VERP address: the caller checks
	// the token with token.Signer.ParseBounceLocalPart, and may check the
	// row exists. It is asked only about local parts that start with "b+"
	// in either case.
	Valid func(localPart string) bool
	// Accept records a message. It is called once per accepted recipient
	// after the whole message has arrived and before the client is told
	// 250; an error makes the client retry the whole message later (451),
	// so Accept must tolerate seeing the same message again, except an
	// error that wraps ErrNoReport, which refuses the message for good
	// (554 5.6.0). Its context ends after AcceptTimeout, or when the
	// server is closed.
	Accept func(ctx context.Context, m Message) error

	// Hostname is the name in the greeting; Domain when empty.
	Hostname string
	// MaxBytes is the largest message accepted (10 MiB); a larger one is
	// refused with 552 5.3.4, at MAIL when the client declares its SIZE.
	MaxBytes int64
	// MaxRecipients caps recipients per message (10); more get 452 4.5.3.
	MaxRecipients int
	// ReadTimeout bounds the wait for each command, and for the whole of
	// a message's DATA after the DATA command (60 s). WriteTimeout
	// bounds each reply (60 s).
	ReadTimeout, WriteTimeout time.Duration
	// AcceptTimeout bounds each call of Accept (60 s). RFC 5321 has the
	// client wait 10 minutes for the reply to the end of data.
	AcceptTimeout time.Duration
	// MaxSessions caps the connections open at once (100); a connection
	// past it is greeted with 421 4.3.2 and closed.
	MaxSessions int
	// MaxConnsPerClient caps the connections open at once from one client
	// address (5); a connection past it gets 421 4.7.0 and is closed.
	MaxConnsPerClient int
	// MessagesPerMinute is the rate of messages (MAIL commands) allowed
	// from one client address, with a burst of as many (30); a MAIL past
	// it gets 450 4.7.1.
	MessagesPerMinute int
	// TLS, when set, lets clients use STARTTLS. It is never required.
	TLS *tls.Config
	// Log receives a line per refusal, accepted message and failure;
	// nothing when nil.
	Log *slog.Logger
	// Now is the clock of the rate limit; time.Now when nil.
	Now func() time.Time
}

// ErrServerClosed is returned by Serve after Close or Shutdown.
var ErrServerClosed = errors.New("receiver: server closed")

// ErrNoReport, wrapped in Accept's error, refuses a message that holds
// nothing to record (not a bounce, a complaint or an auto-reply): its
// client is told 554 5.6.0 and does not send it again.
var ErrNoReport = errors.New("receiver: the message holds no report")

// withDefaults checks cfg and fills in its zero fields.
func (cfg Config) withDefaults() (Config, error) {
	if err := checkDomain(cfg.Domain); err != nil {
		return cfg, err
	}
	if cfg.Valid == nil || cfg.Accept == nil {
		return cfg, errors.New("receiver: Valid and Accept are required")
	}
	if cfg.MaxBytes < 0 || cfg.MaxRecipients < 0 || cfg.ReadTimeout < 0 || cfg.WriteTimeout < 0 ||
		cfg.AcceptTimeout < 0 || cfg.MaxSessions < 0 || cfg.MaxConnsPerClient < 0 || cfg.MessagesPerMinute < 0 {
		return cfg, errors.New("receiver: limits must not be negative")
	}
	if cfg.Hostname == "" {
		cfg.Hostname = cfg.Domain
	}
	cfg.MaxBytes = or(cfg.MaxBytes, 10<<20)
	cfg.MaxRecipients = or(cfg.MaxRecipients, 10)
	cfg.ReadTimeout = or(cfg.ReadTimeout, time.Minute)
	cfg.WriteTimeout = or(cfg.WriteTimeout, time.Minute)
	cfg.AcceptTimeout = or(cfg.AcceptTimeout, time.Minute)
	cfg.MaxSessions = or(cfg.MaxSessions, 100)
	cfg.MaxConnsPerClient = or(cfg.MaxConnsPerClient, 5)
	cfg.MessagesPerMinute = or(cfg.MessagesPerMinute, 30)
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg, nil
}

func or[T int | int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// checkDomain refuses what cannot be a domain name, so that a setting
// such as "@bounces.example.org" fails at start, not at every RCPT.
func checkDomain(d string) error {
	if d == "" || len(d) > 253 || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
		return fmt.Errorf("receiver: bounce domain %q is not a domain name", d)
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return fmt.Errorf("receiver: bounce domain %q is not a domain name", d)
		}
	}
	return nil
}
