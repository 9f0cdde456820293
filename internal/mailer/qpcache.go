package mailer

import (
	"strings"
	"sync"
	"sync/atomic"
)

// A lesson's body comes in pieces (Message.TextParts), and most of it is
// literal text that every reader's copy shares. Quoted-printable encoding
// starts afresh after every line break, so the whole lines inside such a
// piece encode the same way in every message; they are encoded once and
// kept here. Encoding had been a twentieth of a dispatch pass's CPU.
//
// Only pieces long enough to be worth it are looked up, and the cache is
// emptied when it holds more than qpCacheBytes, so pieces that vary from
// message to message cost time but never unbounded memory.

// qpLines is a piece's whole lines, encoded: the piece is
// s[:first] + lines + s[last:], where first and last are just past its
// first and last line breaks.
type qpLines struct {
	first, last int
	enc         []byte
}

const (
	qpCacheMin   = 256     // bytes of whole lines worth keeping
	qpCacheBytes = 8 << 20 // a course's frames take a few hundred KB
)

var (
	qpCache     sync.Map     // qpKey -> *qpLines
	qpCacheSize atomic.Int64 // bytes of pieces and encodings held
)

// qpKey is a piece and how it is encoded: a flowed part's lines are
// space-stuffed, an HTML part's are not.
type qpKey struct {
	piece  string
	flowed bool
}

// cachedLines returns p's encoded whole lines, or nil when p has too few.
func cachedLines(p string, flowed bool) *qpLines {
	if len(p) < qpCacheMin {
		return nil
	}
	if l, ok := qpCache.Load(qpKey{p, flowed}); ok {
		return l.(*qpLines)
	}
	first, last := strings.IndexByte(p, '\n')+1, strings.LastIndexByte(p, '\n')+1
	if last-first < qpCacheMin {
		return nil
	}
	l := &qpLines{first: first, last: last, enc: appendQP(nil, p[first:last], flowed)}
	size := int64(len(p) + len(l.enc))
	if qpCacheSize.Add(size) > qpCacheBytes {
		qpCache.Clear()
		qpCacheSize.Store(size)
	}
	// A copy, so that the key does not keep alive the whole rendering it
	// was cut from, which the count would not see.
	qpCache.Store(qpKey{strings.Clone(p), flowed}, l)
	return l
}

// appendQPParts appends the pieces of a body, encoded as if joined. What
// lies between cached whole lines is joined into a reused buffer first:
// the encoder looks ahead across what would be the joins. Every stretch
// handed to appendQP starts at the start of a line (the body's, or one
// after a cached piece's last line break), as its space-stuffing needs.
func appendQPParts(dst []byte, parts []string, flowed bool) []byte {
	j := joinBuffers.Get().(*[]byte)
	pending := (*j)[:0]
	for _, p := range parts {
		l := cachedLines(p, flowed)
		if l == nil {
			pending = append(pending, p...)
			continue
		}
		pending = append(pending, p[:l.first]...)
		dst = append(appendQP(dst, pending, flowed), l.enc...)
		pending = append(pending[:0], p[l.last:]...)
	}
	dst = appendQP(dst, pending, flowed)
	if cap(pending) <= maxKeptBuffer {
		*j = pending
		joinBuffers.Put(j)
	}
	return dst
}
