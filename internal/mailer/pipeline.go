package mailer

import (
	"bytes"
	"cmp"
	"errors"
	"net/textproto"
	"strconv"
)

// pipelined runs one transaction on a server that offers PIPELINING
// (RFC 2920). The envelope goes in one write, and with CHUNKING (RFC 3030)
// the body goes with it as a single BDAT LAST: one round trip per message
// instead of four, and no dot-stuffing on either side. Without CHUNKING the
// body follows DATA's 354, dot-stuffed here in one pass.
//
// It returns the first refusal in the order the commands were sent, as
// the server worded it, so a bad recipient still reads as 550 5.1.1 even
// though the BDAT after it was refused too. inSync is false when the
// replies leave the connection in a state the next message cannot trust.
//
// params go after MAIL FROM's address, such as " SMTPUTF8".
func pipelined(t *textproto.Conn, buf *[]byte, from, params, to string, raw []byte, chunking bool) (inSync bool, err error) {
	b := append((*buf)[:0], "MAIL FROM:<"...)
	b = append(b, from...)
	b = append(b, '>')
	b = append(b, params...)
	b = append(b, "\r\nRCPT TO:<"...)
	b = append(b, to...)
	b = append(b, ">\r\n"...)
	if chunking {
		b = append(b, "BDAT "...)
		b = strconv.AppendInt(b, int64(len(raw)), 10)
		b = append(b, " LAST\r\n"...)
		b = append(b, raw...)
	} else {
		b = append(b, "DATA\r\n"...)
	}
	*buf = b
	if err := send(t, b); err != nil {
		// A server may refuse the envelope and hang up before taking the
		// whole body: its reply says more than the broken pipe does.
		return false, cmp.Or(firstRefusal(t, StageMail, StageRcpt), at(StageData, err))
	}
	last := 250
	if !chunking {
		last = 354
	}
	mailErr, rcptErr, lastErr := at(StageMail, reply(t, 250)), at(StageRcpt, reply(t, 25)), at(StageData, reply(t, last))
	if err := cmp.Or(mailErr, rcptErr, lastErr); err != nil {
		// A reply that could not be read leaves the stream unknown.
		inSync = answered(mailErr) && answered(rcptErr) && answered(lastErr)
		if inSync && !chunking && lastErr == nil {
			// DATA accepted after a refused envelope (RFC 2920 section
			// 3.1): the server waits for a body, and a lone dot ends it.
			inSync = send(t, []byte(".\r\n")) == nil && answered(reply(t, 250))
		}
		return inSync, err
	}
	if chunking {
		return true, nil
	}
	*buf = dotStuff((*buf)[:0], raw)
	if err := send(t, *buf); err != nil {
		return false, at(StageData, cmp.Or(firstRefusal(t, StageData), err))
	}
	err = reply(t, 250)
	return answered(err), at(StageData, err)
}

// send writes b and flushes it: one write system call for the lot.
func send(t *textproto.Conn, b []byte) error {
	if _, err := t.W.Write(b); err != nil {
		return err
	}
	return t.W.Flush()
}

// reply reads one reply; a code other than the expected one comes back as
// a *textproto.Error carrying the server's code and words.
func reply(t *textproto.Conn, code int) error {
	_, _, err := t.ReadResponse(code)
	return err
}

// refused reports whether err is a reply the server gave, as opposed to
// a failure to read one.
func refused(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te)
}

// answered reports whether a command got a reply, accepting or not.
func answered(err error) bool { return err == nil || refused(err) }

// firstRefusal reads the replies the server may have sent, to the
// commands of stages, before a write failed, and returns the first
// refusal among them, if any.
func firstRefusal(t *textproto.Conn, stages ...Stage) error {
	for _, st := range stages {
		err := reply(t, 2)
		if refused(err) {
			return at(st, err)
		}
		if err != nil {
			return nil
		}
	}
	return nil
}

// dotStuff appends raw as a DATA body (RFC 5321 section 4.5.2): a line
// that starts with a dot gets another, the body ends with CRLF, and the
// lone dot ends the message. raw's lines already end in CRLF.
func dotStuff(b, raw []byte) []byte {
	if len(raw) > 0 && raw[0] == '.' {
		b = append(b, '.')
	}
	for {
		i := bytes.Index(raw, []byte("\n."))
		if i < 0 {
			break
		}
		b = append(b, raw[:i+1]...)
		b = append(b, '.')
		raw = raw[i+1:]
	}
	b = append(b, raw...)
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		b = append(b, "\r\n"...)
	}
	return append(b, ".\r\n"...)
}
