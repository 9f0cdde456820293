package mailer

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"
)

// writeMIME renders m as an RFC 5322 message: multipart/alternative with
// the plain-text part first, both parts quoted-printable. The plain-text
// part is format=flowed (RFC 3676, DelSp=no, the default): the text comes
// with its soft line breaks as trailing spaces (course's wrap makes them),
// and writeMIME space-stuffs the lines that need it, so a phone joins each
// paragraph again and wraps it to its own width. It is written by
// hand rather than with go-mail's builder because it runs once per message
// and the encoding dominated the cost of a send; the pieces that need care
// (address and encoded-word syntax) come from net/mail and mime.
func writeMIME(buf *bytes.Buffer, m *Message) error {
	from, err := address(m.FromName, m.FromAddr)
	if err != nil {
		return &Error{Text: "bad From address: " + err.Error()}
	}
	to, err := address(m.ToName, m.ToAddr)
	if err != nil {
		return &Error{Text: "bad recipient address: " + err.Error()}
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	var b [16]byte
	rand.Read(b[:])
	boundary := hex.EncodeToString(b[:])
	header(buf, "Date", date.Format(time.RFC1123Z))
	header(buf, "MIME-Version", "1.0")
	header(buf, "Message-ID", "<"+m.MessageID+">")
	header(buf, "Subject", mime.QEncoding.Encode("UTF-8", m.Subject))
	header(buf, "From", from)
	header(buf, "To", to)
	for _, h := range m.Headers {
		header(buf, h.Name, h.Value)
	}
	text, html := m.textBody(), m.htmlBody()
	if html.size() == 0 {
		part(buf, textPlain, text)
		return nil
	}
	header(buf, "Content-Type", "multipart/alternative; boundary="+boundary)
	buf.WriteString("\r\n")
	for _, p := range []struct {
		contentType string
		b           body
	}{{textPlain, text}, {textHTML, html}} {
		buf.WriteString("--" + boundary + "\r\n")
		part(buf, p.contentType, p.b)
		buf.WriteString("\r\n")
	}
	buf.WriteString("--" + boundary + "--\r\n")
	return nil
}

// address formats a mailbox, encoding a non-ASCII name as RFC 2047 words.
func address(name, addr string) (string, error) {
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return "", err
	}
	return (&mail.Address{Name: name, Address: a.Address}).String(), nil
}

// The content types of the two parts. Only the plain-text part is flowed.
const (
	textPlain = "text/plain; charset=utf-8; format=flowed"
	textHTML  = "text/html; charset=utf-8"
)

// part writes one body part's headers and its quoted-printable body.
func part(buf *bytes.Buffer, contentType string, b body) {
	flowed := contentType == textPlain
	header(buf, "Content-Transfer-Encoding", "quoted-printable")
	header(buf, "Content-Type", contentType)
	buf.WriteString("\r\n")
	if b.parts == nil {
		buf.Write(appendQP(buf.AvailableBuffer(), b.whole, flowed))
		return
	}
	buf.Write(appendQPParts(buf.AvailableBuffer(), b.parts, flowed))
}

// joinBuffers hold bodies in parts while they are encoded.
var joinBuffers = sync.Pool{New: func() any { return new([]byte) }}

// header writes "Name: value", folded at spaces to keep lines near 78
// characters; a value with no space to fold at stays whole (the hard limit
// is 998). It writes straight into buf: it runs for every header of every
// message.
func header(buf *bytes.Buffer, name, value string) {
	buf.WriteString(name)
	buf.WriteString(": ")
	lineStart := buf.Len() - len(name) - 2
	empty := true // nothing after "Name: " on this line yet
	for value != "" {
		word := value
		if i := strings.IndexByte(value, ' '); i >= 0 {
			word = value[:i+1]
		}
		value = value[len(word):]
		if !empty && buf.Len()-lineStart+len(strings.TrimRight(word, " ")) > 78 {
			trimSpaces(buf)
			buf.WriteString("\r\n")
			lineStart = buf.Len()
			buf.WriteByte(' ')
		}
		buf.WriteString(word)
		empty = false
	}
	buf.WriteString("\r\n")
}

// trimSpaces drops the spaces that end buf.
func trimSpaces(buf *bytes.Buffer) {
	b := buf.Bytes()
	n := len(b)
	for n > 0 && b[n-1] == ' ' {
		n--
	}
	buf.Truncate(n)
}

const hexUpper = "0123456789ABCDEF"

// qpPlain marks the bytes quoted-printable can carry as they are; space
// and tab are plain too, except before a line break.
var qpPlain = func() (t [256]bool) {
	for c := ' '; c <= '~'; c++ {
		t[c] = c != '='
	}
	t['\t'] = true
	return t
}()

// appendQP appends body encoded as quoted-printable (RFC 2045): lines end
// in CRLF, no encoded line is over 76 characters, and spaces before a line
// break are encoded (=20) so no relay can strip them: in a flowed part
// they are the soft line breaks. With flowed set, each line that starts
// with a space or "From " is space-stuffed (RFC 3676 section 4.4), so a
// reader does not take its first space for stuffing and a mailbox does
// not turn "From " into ">From "; lines that start with ">" are left as
// they are, quotes. body must start at the start of a line. It runs for
// every part of every message, so runs of plain bytes are copied whole.
func appendQP[S string | []byte](dst []byte, body S, flowed bool) []byte {
	dst = slices.Grow(dst, len(body)+len(body)/16)
	col, lineStart := 0, true // col counts encoded characters, which a soft break resets
	for i := 0; i < len(body); {
		if lineStart && flowed && needsStuffing(body[i:]) {
			dst = append(dst, ' ')
			col = 1
		}
		lineStart = false
		c := body[i]
		if c == '\n' || c == '\r' && i+1 < len(body) && body[i+1] == '\n' {
			if c == '\r' {
				i++
			}
			i++
			dst = append(dst, '\r', '\n')
			col, lineStart = 0, true
			continue
		}
		if col == 75 {
			dst = append(dst, '=', '\r', '\n')
			col = 0
		}
		j := i
		for end := min(len(body), i+75-col); j < end && qpPlain[body[j]]; j++ {
		}
		if j > i && (body[j-1] == ' ' || body[j-1] == '\t') && lineEndsAt(body, j) {
			j--
		}
		if j > i {
			dst = append(dst, body[i:j]...)
			col += j - i
			i = j
			continue
		}
		if col+3 > 75 {
			dst = append(dst, '=', '\r', '\n')
			col = 0
		}
		dst = append(dst, '=', hexUpper[c>>4], hexUpper[c&15])
		col += 3
		i++
	}
	return dst
}

// needsStuffing reports whether a flowed line that starts line must be
// space-stuffed.
func needsStuffing[S string | []byte](line S) bool {
	return len(line) > 0 && line[0] == ' ' || len(line) >= 5 && string(line[:5]) == "From "
}

// lineEndsAt reports whether a line break or the end of body is at i.
func lineEndsAt[S string | []byte](body S, i int) bool {
	return i == len(body) || body[i] == '\n' || body[i] == '\r'
}
