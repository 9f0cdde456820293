package mailer

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// SMTP sends through a mail server over a pool of connections, one message
// at a time on each. A connection is dialled when first needed, kept for
// the next message, and dropped after any failure that may have left it in
// an unknown state; the next message on that slot dials afresh.
type SMTP struct {
	cfg    SMTPConfig
	dkim   *DKIM
	client *mail.Client // configuration only; connections are in slots
	slots  chan *conn
	live   atomic.Int32 // slots with an open connection

	mu      sync.Mutex
	resting map[*conn]*time.Timer // slots out of use for a while (rest)

	// stopping ends when Shutdown begins: a dial or greeting in progress
	// gives up, and no connection is made after. cutting ends when
	// Shutdown's context does: connections still carrying a message are
	// closed under it.
	stopping, cutting context.Context
	stop, cut         context.CancelFunc
}

// conn is one pooled connection; sc is nil while it is closed.
type conn struct {
	sc       *smtp.Client
	lastUsed time.Time
	buf      []byte // the wire bytes of the last pipelined write, reused
}

// idleCheck is how long a connection may sit unused before it is probed
// with NOOP: servers close idle connections, and a message must not fail
// because of one that died quietly between passes.
const idleCheck = 5 * time.Second

// NewSMTP prepares a sender; it does not connect until the first Send.
func NewSMTP(cfg SMTPConfig, dkim *DKIM) (*SMTP, error) {
	if cfg.Connections < 1 {
		cfg.Connections = 1
	}
	s := &SMTP{cfg: cfg, dkim: dkim, slots: make(chan *conn, cfg.Connections), resting: map[*conn]*time.Timer{}}
	s.stopping, s.stop = context.WithCancel(context.Background())
	s.cutting, s.cut = context.WithCancel(context.Background())
	c, err := s.newClient()
	if err != nil {
		return nil, err
	}
	s.client = c
	for range cfg.Connections {
		s.slots <- &conn{}
	}
	return s, nil
}

func (s *SMTP) newClient() (*mail.Client, error) {
	opts := []mail.Option{mail.WithPort(s.cfg.Port), mail.WithTimeout(s.cfg.Timeout), mail.WithoutNoop()}
	switch s.cfg.TLS {
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	}
	if s.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	if s.cfg.HELO != "" {
		opts = append(opts, mail.WithHELO(s.cfg.HELO))
	}
	c, err := mail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mailer: smtp client: %w", err)
	}
	return c, nil
}

// Send delivers m on a free connection, waiting for one if all are busy.
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	buf := wireBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxKeptBuffer {
			buf.Reset()
			wireBuffers.Put(buf)
		}
	}()
	raw, err := wireInto(buf, m, s.dkim)
	if err != nil {
		return err
	}
	return s.SendRaw(ctx, m.ReturnPath(), m.ToAddr, raw)
}

// wireBuffers hold messages on their way to the server: a lesson is about
// 25 KB, and a fresh buffer for each was most of what a send allocated.
var wireBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// SendRaw sends a message already rendered to bytes. The benchmark uses
// it to measure what the server alone can take.
func (s *SMTP) SendRaw(ctx context.Context, from, to string, raw []byte) error {
	var c *conn
	select {
	case c = <-s.slots:
	case <-ctx.Done():
		return &Error{Text: "send cancelled: " + ctx.Err().Error(), Temporary: true}
	}
	if strings.ContainsAny(from+to, "\r\n<>") {
		s.slots <- c
		return &Error{Text: "message refused: an envelope address contains a line break or angle bracket"}
	}
	if c.sc != nil && time.Since(c.lastUsed) > idleCheck && s.probe(c) != nil {
		s.drop(c)
	}
	if c.sc == nil {
		sc, err := s.dial(ctx)
		var cancelled *Error
		if errors.As(err, &cancelled) {
			s.slots <- c
			return cancelled
		}
		if err != nil {
			e := dialError(err)
			if e.Code < 500 && s.live.Load() > 0 {
				// Refused, or not reached, while other connections
				// work: most likely a cap on connections per client.
				// The message waits for one of them instead.
				s.rest(c)
				return s.SendRaw(ctx, from, to, raw)
			}
			s.slots <- c
			return e
		}
		c.sc = sc
		s.live.Add(1)
	}
	defer func() { s.slots <- c }()
	c.lastUsed = time.Now()
	unguard := s.guard(c.sc)
	inSync, err := s.transact(ctx, c, from, to, raw)
	unguard()
	if err != nil {
		e := sendError(err)
		if !inSync || e.Code == 0 || e.Code == 421 {
			s.drop(c)
		}
		return e
	}
	return nil
}

// dial connects, greets and logs in. It gives up as soon as ctx ends or
// Shutdown begins, even while the server says nothing: go-mail's greeting
// waits out its timeout whatever the context, so the attempt is left to
// end in the background, and a connection it makes after all is closed.
func (s *SMTP) dial(ctx context.Context) (*smtp.Client, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(s.stopping, func() { cancel(errShuttingDown) })
	defer stop()
	type dialled struct {
		sc  *smtp.Client
		err error
	}
	done := make(chan dialled, 1)
	go func() {
		sc, err := s.client.DialToSMTPClientWithContext(ctx)
		done <- dialled{sc, err}
	}()
	select {
	case d := <-done:
		return d.sc, d.err
	case <-ctx.Done():
		go func() {
			if d := <-done; d.sc != nil {
				d.sc.Close()
			}
		}()
		return nil, &Error{Text: "send cancelled: " + context.Cause(ctx).Error(), Temporary: true, Stage: StageConnect}
	}
}

// errShuttingDown is why a dial ends when Shutdown begins.
var errShuttingDown = errors.New("the sender is shutting down")

// guard closes sc's connection if Shutdown's time runs out while sc is in
// use, so that a server gone silent cannot hold the process; the caller
// sees the failure and drops the connection. Call the returned function
// once sc is no longer in use.
func (s *SMTP) guard(sc *smtp.Client) func() {
	stop := context.AfterFunc(s.cutting, func() { sc.Text.Close() })
	return func() { stop() }
}

// probe checks with NOOP that an idle connection still works.
func (s *SMTP) probe(c *conn) error {
	defer s.guard(c.sc)()
	return c.sc.Noop()
}

// transact runs one SMTP transaction, pipelined when the server allows.
// A refused transaction is reset so the connection can carry the next
// message; inSync is false when the connection is in an unknown state
// (a failure without a reply, or a failed reset), and SendRaw drops it.
//
// The whole transaction must end within the timeout, or by ctx's deadline
// if that is sooner: a lesson must not still be going out when its lease
// lets another instance send it.
func (s *SMTP) transact(ctx context.Context, c *conn, from, to string, raw []byte) (inSync bool, err error) {
	timeout := s.cfg.Timeout
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	if timeout <= 0 {
		return true, &Error{Text: "send cancelled: no time left", Temporary: true}
	}
	sc := c.sc
	if err := sc.UpdateDeadline(timeout); err != nil {
		return false, err
	}
	if ok, _ := sc.Extension("PIPELINING"); ok {
		chunking, _ := sc.Extension("CHUNKING")
		inSync, err = pipelined(sc.Text, &c.buf, from, mailParams(sc, from+to, raw), to, raw, chunking)
		if cap(c.buf) > maxKeptBuffer {
			c.buf = nil
		}
	} else {
		inSync, err = stepwise(sc, from, to, raw)
	}
	if err != nil && inSync && refused(err) {
		inSync = sc.Reset() == nil
	}
	return inSync, err
}

// maxKeptBuffer is the largest buffer kept for the next message (a
// connection's write buffer, a pooled wire buffer): one unusually large
// message does not pin its size.
const maxKeptBuffer = 256 << 10

// mailParams are MAIL FROM's parameters for a message: as go-mail does,
// BODY=8BITMIME and SMTPUTF8 (RFC 6152, RFC 6531) where the server offers
// them, but only for a message or address that is not ASCII. dripcourse's
// own messages are ASCII (quoted-printable bodies, RFC 2047 headers).
func mailParams(sc *smtp.Client, addrs string, raw []byte) string {
	if isASCII([]byte(addrs)) && isASCII(raw) {
		return ""
	}
	p := ""
	for _, ext := range []struct{ name, param string }{{"8BITMIME", " BODY=8BITMIME"}, {"SMTPUTF8", " SMTPUTF8"}} {
		if ok, _ := sc.Extension(ext.name); ok {
			p += ext.param
		}
	}
	return p
}

// isASCII reads b eight bytes at a time: it runs over every message.
func isASCII(b []byte) bool {
	for ; len(b) >= 8; b = b[8:] {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// stepwise runs a transaction one command at a time, for servers without
// PIPELINING.
func stepwise(sc *smtp.Client, from, to string, raw []byte) (inSync bool, err error) {
	if err := sc.Mail("<" + from + ">"); err != nil {
		return true, at(StageMail, err)
	}
	if err := sc.Rcpt("<" + to + ">"); err != nil {
		return true, at(StageRcpt, err)
	}
	w, err := sc.Data()
	if err != nil {
		return true, at(StageData, err)
	}
	// After a failed write the body is incomplete: closing the writer
	// would send the final "." and could deliver half a message. The
	// error has no reply code, so SendRaw drops the connection instead,
	// and the server discards what it got.
	if _, err := w.Write(raw); err != nil {
		return false, at(StageData, err)
	}
	return true, at(StageData, w.Close())
}

// dialError classifies a failure to set up a connection. Whatever its
// code, it is temporary: a refused login or greeting is not about any
// message (see Error.Setup).
func dialError(err error) *Error {
	e := sendError(err)
	if e.Code == 0 {
		e.Text = "cannot reach the mail server: " + e.Text
	}
	e.Stage, e.Temporary = StageConnect, true
	return e
}

// stageError marks the step of the exchange an error came from.
type stageError struct {
	stage Stage
	err   error
}

func (e *stageError) Error() string { return e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// at marks err, if any, as the failure of stage.
func at(stage Stage, err error) error {
	if err == nil {
		return nil
	}
	return &stageError{stage, err}
}

// sendError classifies a go-mail error by the server's reply.
func sendError(err error) *Error {
	var me *Error
	if errors.As(err, &me) {
		return me
	}
	e := replyError(err)
	var st *stageError
	if errors.As(err, &st) {
		e.Stage = st.stage
	}
	return e
}

func replyError(err error) *Error {
	var se *mail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		return &Error{Code: se.ErrorCode(), Enhanced: se.EnhancedStatusCode(), Text: replyText(err), Temporary: se.ErrorCode() < 500}
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		enh, text := splitEnhanced(te.Msg)
		return &Error{Code: te.Code, Enhanced: enh, Text: text, Temporary: te.Code < 500}
	}
	var ne net.Error
	text := replyText(err)
	if (errors.As(err, &ne) && ne.Timeout()) || strings.Contains(text, "i/o timeout") {
		text = "timed out: " + text
	}
	return &Error{Text: text, Temporary: true}
}

// replyText extracts the server's words from a go-mail error, dropping
// the library's own framing.
func replyText(err error) string {
	s := err.Error()
	for _, tail := range []string{", affected recipient", ", affected message ID"} {
		if i := strings.Index(s, tail); i >= 0 {
			s = s[:i]
		}
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		_, text := splitEnhanced(te.Msg)
		return text
	}
	return s
}
