package receiver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/emersion/go-smtp"

	"github.com/dripcourse/dripcourse/internal/token"
)

// The replies the server gives of its own accord. A Data error that is
// not an *smtp.SMTPError would become a permanent 554, which would make a
// bounce be thrown away, so every failure has its own reply here.
var (
	errNoMailbox = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "No such mailbox here"}
	errTooLarge = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
		Message: "Message too large"}
	errRateLimited = &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
		Message: "Too many messages from your address, try again later"}
	errNotRecorded = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Could not record the message, try again later"}
	errIncomplete = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 2},
		Message: "Message not received in full, try again later"}
	errNotChecked = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Could not check the recipient, try again later"}
	errNestedMail = &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1},
		Message: "Nested MAIL command"}
	errTooManyRefusals = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Too many refused commands, closing connection"}
	errNoReport = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: "Not a bounce, a complaint or an auto-reply: nothing to record"}
)

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	cc := connOf(c.Conn())
	if cc == nil {
		return nil, errors.New("receiver: connection not made by this server")
	}
	return &session{s: b.s, conn: c, c: cc}, nil
}

// maxRefusals is how many recipients and messages a connection may have
// refused before the server hangs up, so that a client probing for
// tokens or ignoring its rate has to reconnect, under the connection caps.
const maxRefusals = 20

// session is one connection's transaction state. Its fields are locked:
// with BDAT, go-smtp runs Data in a goroutine of its own while the
// connection goes on reading commands, RSET among them.
type session struct {
	s    *Server
	conn *smtp.Conn
	c    *clientConn

	mu      sync.Mutex
	mailed  bool // MAIL accepted: a transaction is open
	helo    string
	from    string
	to      []string
	refused int
}

// Mail accepts any sender, the null sender included, within the client's
// rate and the size cap.
func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	switch {
	case ss.mailed:
		// go-smtp would keep the recipients of the open transaction.
		return errNestedMail
	case opts != nil && opts.Size > ss.s.cfg.MaxBytes:
		ss.log().Info("bounce receiver: message too large", "from", from, "size", opts.Size)
		return errTooLarge
	case !ss.s.rate.allow(ss.c.key, ss.s.cfg.Now()):
		ss.log().Debug("bounce receiver: client over its message rate", "from", from)
		return ss.refuse(errRateLimited)
	}
	ss.c.rearm(budget(ss.s.cfg.MaxBytes))
	// go-smtp's Hostname is not safe to read from the goroutine it runs
	// BDAT's Data in; Mail runs on the connection's own.
	ss.mailed, ss.helo, ss.from, ss.to = true, ss.conn.Hostname(), from, nil
	return nil
}

// Rcpt accepts only a VERP address on the bounce domain with a valid token.
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ok, err := ss.s.recipientOK(to)
	if err != nil {
		ss.log().Error("bounce receiver: recipient not checked", "to", to, "err", err)
		return errNotChecked
	}
	if !ok {
		ss.log().Debug("bounce receiver: recipient refused", "from", ss.from, "to", to)
		return ss.refuse(errNoMailbox)
	}
	ss.to = append(ss.to, to)
	return nil
}

// refuse counts a refusal and returns reply, or the last reply before the
// server hangs up.
func (ss *session) refuse(reply error) error {
	if ss.refused++; ss.refused < maxRefusals {
		return reply
	}
	ss.log().Info("bounce receiver: too many refusals, hanging up")
	ss.c.hangUpAfterReply()
	return errTooManyRefusals
}

// recipientOK reports whether to is b+TOKEN@Domain with a token Valid
// accepts. Case is folded for ASCII only, so no look-alike letter (the
// Kelvin sign, the long s) passes for a domain's.
func (s *Server) recipientOK(to string) (bool, error) {
	at := strings.LastIndexByte(to, '@')
	if at < 0 {
		return false, nil
	}
	local, domain := to[:at], to[at+1:]
	p := len(token.BouncePrefix)
	if !asciiEqualFold(domain, s.cfg.Domain) || len(local) <= p || len(local) > 64 ||
		!asciiEqualFold(local[:p], token.BouncePrefix) {
		return false, nil
	}
	return s.valid(local)
}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Data reads the message and hands it to Accept once per recipient; the
// client hears 250 only when every call succeeded.
func (ss *session) Data(r io.Reader) error {
	ss.c.beginData(ss.s.cfg.ReadTimeout)
	defer ss.c.endData()
	ss.mu.Lock()
	helo, from, to := ss.helo, ss.from, append([]string(nil), ss.to...)
	ss.mu.Unlock()
	log := ss.log().With("from", from, "to", to)
	data, err := ss.read(r, log)
	if err != nil {
		return err
	}
	if len(to) == 0 { // go-smtp asks for a recipient first; never lose a message all the same
		return errNotRecorded
	}
	for _, rcpt := range to {
		m := Message{From: from, To: rcpt, Data: data, Client: ss.c.ip, Helo: helo, Received: ss.s.cfg.Now()}
		if err := ss.accept(m); errors.Is(err, ErrNoReport) {
			log.Info("bounce receiver: message refused", "recipient", rcpt, "err", err)
			return ss.refuse(errNoReport)
		} else if err != nil {
			log.Error("bounce receiver: message not recorded", "recipient", rcpt, "err", err)
			return errNotRecorded
		}
	}
	log.Info("bounce receiver: message accepted", "bytes", len(data))
	return nil
}

// read takes the whole message, or says why not: too large (go-smtp
// stops at MaxBytes+1), or cut short by the client or a timeout.
func (ss *session) read(r io.Reader, log *slog.Logger) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(r)
	if errors.Is(err, smtp.ErrDataTooLarge) || int64(buf.Len()) > ss.s.cfg.MaxBytes {
		log.Info("bounce receiver: message too large")
		return nil, errTooLarge
	}
	if err != nil {
		log.Info("bounce receiver: message cut short", "err", err)
		return nil, errIncomplete
	}
	return buf.Bytes(), nil
}

func (ss *session) accept(m Message) error {
	ctx, cancel := context.WithTimeout(ss.s.ctx, ss.s.cfg.AcceptTimeout)
	defer cancel()
	return ss.s.accept(ctx, m)
}

// log is the server's logger with the client's address.
func (ss *session) log() *slog.Logger { return ss.s.cfg.Log.With("client", ss.c.ip) }

// Reset forgets the transaction, after a message, RSET or a new EHLO.
func (ss *session) Reset() {
	ss.mu.Lock()
	ss.mailed, ss.from, ss.to = false, "", nil
	ss.mu.Unlock()
}

// Logout has nothing to free: the connection closes itself.
func (ss *session) Logout() error { return nil }
