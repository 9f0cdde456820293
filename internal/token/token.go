// Package token makes and checks the signed links dripcourse puts in its
// emails: confirm, unsubscribe, re-subscribe, open, click, view, next lesson,
// pause and enroll. A token names one purpose, one reader, optionally one
// delivery and a piece of data (a click's destination, a course's slug),
// and an expiry. It is signed
// with HMAC-SHA-256 under a key derived for its purpose, so a token made for
// one purpose never verifies for another even if its bytes were edited.
//
// Tokens are not encrypted: they carry only IDs, which are not secret, and a
// click's destination, which the reader can already see.
package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"
)

// Purpose binds a token to the one action it may authorise.
type Purpose byte

// The purposes. Values are part of the wire format: never renumber them.
const (
	Confirm Purpose = iota + 1
	Unsubscribe
	Resubscribe
	Open
	Click
	View
	Next
	Pause
	Admin
	Form
	AdminDevice
	Bounce // the VERP address of one delivery (bounce.go)
	Enroll // a reader's own link that enrolls them in the course Data names
)

var purposeNames = map[Purpose]string{
	Confirm: "confirm", Unsubscribe: "unsubscribe", Resubscribe: "resubscribe", Open: "open",
	Click: "click", View: "view", Next: "next", Pause: "pause", Admin: "admin", Form: "form",
	AdminDevice: "admin-device", Bounce: "bounce", Enroll: "enroll",
}

func (p Purpose) String() string {
	if n, ok := purposeNames[p]; ok {
		return n
	}
	return fmt.Sprintf("purpose(%d)", p)
}

// Errors from Verify. All of them mean "refuse": they are distinct only so
// that logs and pages can say why.
var (
	ErrMalformed = errors.New("token: malformed")
	ErrSignature = errors.New("token: bad signature")
	ErrPurpose   = errors.New("token: wrong purpose")
	ErrExpired   = errors.New("token: expired")
)

// Claims is what a token says.
type Claims struct {
	Purpose    Purpose
	Subscriber int64
	Delivery   int64
	Expires    time.Time // zero: never
	Data       string
}

const (
	macSize = 16 // 128-bit tag: ample for links, and keeps URLs short
	maxData = 4096
)

// canonical decodes only the one spelling Sign writes: a lenient decoder
// also takes a last character with stray low bits, a second string for the
// same token.
var canonical = base64.RawURLEncoding.Strict()

// Signer signs and verifies tokens under one secret.
type Signer struct {
	// macs keeps keyed HMACs for each purpose's key, for reuse: every
	// lesson signs half a dozen links, and keying an HMAC costs two hash
	// blocks.
	macs map[Purpose]*sync.Pool
}

// NewSigner derives a key per purpose from secret, which should be at least
// 32 random bytes.
func NewSigner(secret []byte) *Signer {
	s := &Signer{macs: make(map[Purpose]*sync.Pool, len(purposeNames))}
	for p, name := range purposeNames {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte("dripcourse token v1 " + name))
		key := m.Sum(nil)
		s.macs[p] = &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}
	}
	return s
}

// Sign returns the URL-safe token for c.
func (s *Signer) Sign(c Claims) string {
	if s.macs[c.Purpose] == nil {
		panic("token: sign with unknown purpose " + c.Purpose.String())
	}
	b := make([]byte, 0, 32+len(c.Data)+macSize)
	b = append(b, byte(c.Purpose))
	b = binary.AppendUvarint(b, uint64(c.Subscriber))
	b = binary.AppendUvarint(b, uint64(c.Delivery))
	var exp int64
	if !c.Expires.IsZero() {
		exp = c.Expires.Unix()
	}
	b = binary.AppendVarint(b, exp)
	b = append(b, c.Data...)
	b = s.mac(b, c.Purpose, b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// mac appends msg's tag under p's key to dst; p must be known.
func (s *Signer) mac(dst []byte, p Purpose, msg []byte) []byte {
	pool := s.macs[p]
	m := pool.Get().(hash.Hash)
	m.Reset()
	m.Write(msg)
	var sum [sha256.Size]byte
	dst = append(dst, m.Sum(sum[:0])[:macSize]...)
	pool.Put(m)
	return dst
}

// Verify checks tok's signature for purpose p and its expiry at now, and
// returns its claims.
func (s *Signer) Verify(tok string, p Purpose, now time.Time) (Claims, error) {
	if len(tok) > 2*maxData {
		return Claims{}, ErrMalformed
	}
	b, err := canonical.DecodeString(tok)
	if err != nil || len(b) < 1+3+macSize {
		return Claims{}, ErrMalformed
	}
	body, tag := b[:len(b)-macSize], b[len(b)-macSize:]
	if s.macs[p] == nil {
		return Claims{}, ErrPurpose
	}
	var sum [macSize]byte
	if claimed := Purpose(body[0]); claimed != p {
		// Check the signature under the claimed purpose first, so that a
		// forged token is reported as forged, not as misdirected.
		if s.macs[claimed] != nil && hmac.Equal(tag, s.mac(sum[:0], claimed, body)) {
			return Claims{}, ErrPurpose
		}
		return Claims{}, ErrSignature
	}
	if !hmac.Equal(tag, s.mac(sum[:0], p, body)) {
		return Claims{}, ErrSignature
	}
	c, err := decode(body)
	if err != nil {
		return Claims{}, err
	}
	if !c.Expires.IsZero() && !now.Before(c.Expires) {
		return c, ErrExpired
	}
	return c, nil
}

func decode(body []byte) (Claims, error) {
	c := Claims{Purpose: Purpose(body[0])}
	rest := body[1:]
	sub, n := binary.Uvarint(rest)
	if n <= 0 {
		return c, ErrMalformed
	}
	rest = rest[n:]
	del, n := binary.Uvarint(rest)
	if n <= 0 {
		return c, ErrMalformed
	}
	rest = rest[n:]
	exp, n := binary.Varint(rest)
	if n <= 0 {
		return c, ErrMalformed
	}
	c.Subscriber, c.Delivery, c.Data = int64(sub), int64(del), string(rest[n:])
	if exp != 0 {
		c.Expires = time.Unix(exp, 0).UTC()
	}
	return c, nil
}
