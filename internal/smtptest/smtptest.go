// Package smtptest runs a real SMTP server on 127.0.0.1 inside a test or a
// benchmark, built on emersion/go-smtp. It keeps every message it accepts,
// can be told to answer any command with any reply, and can hide
// extensions to stand in for an older server, so the mail path is tested
// against the protocol, not a mock of it.
package smtptest

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	"net/mail"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	From     string
	To       []string
	Data     []byte
	UTF8     bool // MAIL FROM carried SMTPUTF8
	EightBit bool // MAIL FROM carried BODY=8BITMIME
}

// Header parses the message's headers.
func (m Message) Header() mail.Header {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return mail.Header{}
	}
	return msg.Header
}

// Stage is the SMTP command a Rule is asked about.
type Stage int

// Stages of a transaction.
const (
	StageMail Stage = iota
	StageRcpt
	StageData
)

// Rule decides the reply at a stage for a recipient (empty at StageMail);
// nil means accept. Return Reply(...) for an SMTP error; a rule may also
// block to simulate a stalled server.
type Rule func(stage Stage, rcpt string) error

// ErrDrop, returned by a Rule, makes the server close the connection at
// once without replying, like a server that crashes or a network that
// fails mid-transaction.
var ErrDrop = errors.New("smtptest: drop the connection")

// Reply is an SMTP error reply such as Reply(550, "5.1.1", "no such user").
func Reply(code int, enhanced, text string) error {
	e := &smtp.SMTPError{Code: code, Message: text}
	if enhanced != "" {
		var ec smtp.EnhancedCode
		for i, part := range bytes.Split([]byte(enhanced), []byte(".")) {
			if i < 3 {
				ec[i], _ = strconv.Atoi(string(part))
			}
		}
		e.EnhancedCode = ec
	} else {
		e.EnhancedCode = smtp.NoEnhancedCode
	}
	return e
}

// Server is a running SMTP server.
type Server struct {
	Addr string
	Host string
	Port int

	srv  *smtp.Server
	mu   sync.Mutex
	msgs []Message
	rule Rule
	// discard keeps counting but drops message bodies, for long runs.
	discard   bool
	discarded int
	// arrived is signalled after every accepted message.
	arrived chan struct{}
	// hidden lists extensions left out of the EHLO reply.
	hidden []string
	// sessions counts open sessions; past limit (when above zero) a new
	// one is refused at EHLO, as a relay that caps connections per client
	// does.
	sessions, limit int
}

// Start listens on a free port of 127.0.0.1. Stop it with Close.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{arrived: make(chan struct{}, 1)}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "sink.test"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 30*time.Second, 30*time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 100
	s.srv.AllowInsecureAuth = true
	s.srv.EnableSMTPUTF8 = true
	// Clients that are killed or time out on purpose make the server log
	// resets; the tests assert on outcomes, not on this noise.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	addr := ln.Addr().(*net.TCPAddr)
	s.Addr, s.Host, s.Port = addr.String(), "127.0.0.1", addr.Port
	go s.srv.Serve(hidingListener{ln, s})
	return s, nil
}

// Hide leaves extensions such as PIPELINING or CHUNKING out of the EHLO
// reply to connections made from now on, to stand in for an older server.
// go-smtp always offers them, so the reply is edited on its way out.
func (s *Server) Hide(ext ...string) {
	s.mu.Lock()
	s.hidden = append(s.hidden, ext...)
	s.mu.Unlock()
}

// Discard makes the server count messages without keeping them, so a
// benchmark of many messages does not measure our memory for theirs.
func (s *Server) Discard() {
	s.mu.Lock()
	s.discard = true
	s.mu.Unlock()
}

// URL is the DRIP_SMTP_URL for this server.
func (s *Server) URL() string { return "smtp://" + s.Addr + "?tls=none" }

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// SetRule replaces the rule for the next commands.
func (s *Server) SetRule(r Rule) {
	s.mu.Lock()
	s.rule = r
	s.mu.Unlock()
}

func (s *Server) check(stage Stage, rcpt string) error {
	s.mu.Lock()
	r := s.rule
	s.mu.Unlock()
	if r == nil {
		return nil
	}
	return r(stage, rcpt)
}

// Messages returns a copy of every message accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Arrivals is signalled after messages are accepted (several arrivals
// may share one signal), for a test waiting on more than one server.
func (s *Server) Arrivals() <-chan struct{} { return s.arrived }

// Count is how many messages were accepted.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs) + s.discarded
}

// Reset forgets the messages accepted so far.
func (s *Server) Reset() {
	s.mu.Lock()
	s.msgs = nil
	s.mu.Unlock()
}

// Wait blocks until at least n messages have been accepted or d passes,
// and reports whether n were.
func (s *Server) Wait(n int, d time.Duration) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for s.Count() < n {
		select {
		case <-s.arrived:
		case <-deadline.C:
			return s.Count() >= n
		}
	}
	return true
}

// hidingListener hands out connections that drop the hidden extensions'
// lines from what the server writes.
type hidingListener struct {
	net.Listener
	s *Server
}

func (l hidingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.s.mu.Lock()
	hidden := append([]string(nil), l.s.hidden...)
	l.s.mu.Unlock()
	if len(hidden) == 0 {
		return c, nil
	}
	return hidingConn{c, hidden}, nil
}

type hidingConn struct {
	net.Conn
	hidden []string
}

// Write removes "250-EXT" lines. go-smtp writes the EHLO reply in one
// piece and never lists these extensions last, so a line is never split
// across writes and the reply's final line stays intact.
func (c hidingConn) Write(p []byte) (int, error) {
	q := p
	for _, ext := range c.hidden {
		q = bytes.ReplaceAll(q, []byte("250-"+ext+"\r\n"), nil)
	}
	if _, err := c.Conn.Write(q); err != nil {
		return 0, err
	}
	return len(p), nil
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if b.s.limit > 0 && b.s.sessions >= b.s.limit {
		return nil, Reply(421, "4.7.0", "too many connections from your address")
	}
	b.s.sessions++
	return &session{s: b.s, conn: c}, nil
}

// Limit makes the server refuse more than n connections at once.
func (s *Server) Limit(n int) {
	s.mu.Lock()
	s.limit = n
	s.mu.Unlock()
}

type session struct {
	s    *Server
	conn *smtp.Conn
	cur  Message
}

// check asks the rule, and carries out a drop.
func (x *session) check(stage Stage, rcpt string) error {
	err := x.s.check(stage, rcpt)
	if errors.Is(err, ErrDrop) {
		x.conn.Conn().Close()
	}
	return err
}

func (x *session) Mail(from string, opts *smtp.MailOptions) error {
	if err := x.check(StageMail, ""); err != nil {
		return err
	}
	x.cur.From = from
	if opts != nil {
		x.cur.UTF8, x.cur.EightBit = opts.UTF8, opts.Body == smtp.Body8BitMIME
	}
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := x.check(StageRcpt, to); err != nil {
		return err
	}
	x.cur.To = append(x.cur.To, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	x.s.mu.Lock()
	discard := x.s.discard
	x.s.mu.Unlock()
	var b []byte
	var err error
	if discard {
		_, err = io.Copy(io.Discard, r)
	} else {
		b, err = io.ReadAll(r)
	}
	if err != nil {
		return err
	}
	rcpt := ""
	if len(x.cur.To) > 0 {
		rcpt = x.cur.To[0]
	}
	if err := x.check(StageData, rcpt); err != nil {
		return err
	}
	x.s.mu.Lock()
	if x.s.discard {
		x.s.discarded++
	} else {
		x.cur.Data = b
		x.s.msgs = append(x.s.msgs, x.cur)
	}
	x.s.mu.Unlock()
	select {
	case x.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (x *session) Reset() { x.cur = Message{} }

func (x *session) Logout() error {
	x.s.mu.Lock()
	x.s.sessions--
	x.s.mu.Unlock()
	return nil
}
