package token

import (
	"crypto/hmac"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
)

// Bounce tokens (VERP) name one delivery in the local part of the
// envelope sender, b+TOKEN@bounce-domain, so that a bounce or a complaint
// sent back to that address says which message it is about without
// parsing the report.
//
// A bounce token carries no expiry, unlike the tokens of links. A
// delivery status notification arrives when the remote queue gives up,
// which is up to five days after the send by default (Postfix, Sendmail,
// Exim), and complaints from feedback loops come later still; an expired
// token would lose exactly the reports that matter. Nothing is lost by
// this: the token authorises only "record a report about this delivery",
// which the real recipient's server can do at any time anyway; recording
// is idempotent; and whoever reads a token may refuse an ID whose row no
// longer exists.
//
// The encoding survives what mail systems do to local parts. It is
// lower-case base32 (RFC 4648 alphabet, no padding), so a system that
// changes the case of local parts changes nothing, and it holds only
// letters and digits, valid in a dot-atom. It is short: a kind, the row ID
// as a varint and an 80-bit truncated HMAC, 20 to 32 characters in all.
// An 80-bit tag leaves a forger one chance in 2^80 per guess, and every
// guess costs an SMTP transaction.

// BouncePrefix begins the local part of every VERP address:
// BouncePrefix + token + "@" + bounce domain.
const BouncePrefix = "b+"

// BounceKind says what kind of row a bounce token's ID names. Values are
// part of the wire format: never renumber them.
type BounceKind byte

// The kinds of delivery a bounce can be about.
const (
	// BounceLesson is a lesson delivery.
	BounceLesson BounceKind = iota + 1
	// BounceConfirmation is a confirmation (double opt-in) email.
	BounceConfirmation
)

func (k BounceKind) String() string {
	switch k {
	case BounceLesson:
		return "lesson"
	case BounceConfirmation:
		return "confirmation"
	}
	return fmt.Sprintf("bounce-kind(%d)", byte(k))
}

func (k BounceKind) valid() bool { return k == BounceLesson || k == BounceConfirmation }

// BounceRef names the one delivery a bounce token stands for.
type BounceRef struct {
	Kind BounceKind
	ID   int64 // the row's ID, 1 or more
}

const (
	bounceMACSize  = 10 // 80 bits
	bounceMinBytes = 1 + 1 + bounceMACSize
	bounceMaxBytes = 1 + 9 + bounceMACSize // a positive int64 is at most 9 varint bytes
	bounceMinChars = (bounceMinBytes*8 + 4) / 5
	bounceMaxChars = (bounceMaxBytes*8 + 4) / 5
)

// bounceDomain separates the MAC input of bounce tokens from that of any
// Claims token signed under the Bounce key, whose first byte is always the
// purpose (12), never 'v'.
const bounceDomain = "verp"

var bounceEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// BounceToken returns the token for r: lower-case letters and digits.
func (s *Signer) BounceToken(r BounceRef) (string, error) {
	if !r.Kind.valid() || r.ID < 1 {
		return "", fmt.Errorf("%w: bounce reference %v #%d", ErrMalformed, r.Kind, r.ID)
	}
	var buf [bounceMaxBytes]byte
	b := append(buf[:0], byte(r.Kind))
	b = binary.AppendUvarint(b, uint64(r.ID))
	b = s.bounceMAC(b, b)
	return bounceEncoding.EncodeToString(b), nil
}

// BounceLocalPart returns the local part of r's VERP address, "b+" and
// the token.
func (s *Signer) BounceLocalPart(r BounceRef) (string, error) {
	tok, err := s.BounceToken(r)
	if err != nil {
		return "", err
	}
	return BouncePrefix + tok, nil
}

// bounceMAC appends body's truncated tag under the Bounce key to dst.
func (s *Signer) bounceMAC(dst, body []byte) []byte {
	var in [len(bounceDomain) + bounceMaxBytes]byte
	msg := append(append(in[:0], bounceDomain...), body...)
	var sum [macSize]byte
	tag := s.mac(sum[:0], Bounce, msg)
	return append(dst, tag[:bounceMACSize]...)
}

// ParseBounce checks a bounce token and returns the delivery it names. It
// accepts upper or mixed case, since mail systems may change the case of
// a local part, and refuses every other spelling than the one BounceToken
// makes. The caller should still check that the row exists.
func (s *Signer) ParseBounce(tok string) (BounceRef, error) {
	b, err := decodeBounce(tok)
	if err != nil {
		return BounceRef{}, err
	}
	body, tag := b[:len(b)-bounceMACSize], b[len(b)-bounceMACSize:]
	r, err := decodeBounceBody(body)
	if err != nil {
		return BounceRef{}, err
	}
	var sum [bounceMACSize]byte
	if !hmac.Equal(tag, s.bounceMAC(sum[:0], body)) {
		return BounceRef{}, ErrSignature
	}
	return r, nil
}

// ParseBounceLocalPart is ParseBounce for a whole local part, "b+" (in
// either case) and the token.
func (s *Signer) ParseBounceLocalPart(local string) (BounceRef, error) {
	if len(local) < len(BouncePrefix) || !strings.EqualFold(local[:len(BouncePrefix)], BouncePrefix) {
		return BounceRef{}, ErrMalformed
	}
	return s.ParseBounce(local[len(BouncePrefix):])
}

// decodeBounce lower-cases tok (ASCII only: strings.ToLower would map the
// Kelvin sign to 'k') and decodes it, refusing any text that is not
// exactly what encoding the bytes again gives.
func decodeBounce(tok string) ([]byte, error) {
	if len(tok) < bounceMinChars || len(tok) > bounceMaxChars {
		return nil, ErrMalformed
	}
	var low [bounceMaxChars]byte
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'):
		default:
			return nil, ErrMalformed
		}
		low[i] = c
	}
	text := low[:len(tok)]
	b := make([]byte, bounceEncoding.DecodedLen(len(text)))
	n, err := bounceEncoding.Decode(b, text)
	if err != nil || n < bounceMinBytes || bounceEncoding.EncodeToString(b[:n]) != string(text) {
		return nil, ErrMalformed
	}
	return b[:n], nil
}

// decodeBounceBody reads the kind and the ID, refusing unknown kinds,
// IDs below 1, trailing bytes and over-long varints.
func decodeBounceBody(body []byte) (BounceRef, error) {
	k := BounceKind(body[0])
	id, n := binary.Uvarint(body[1:])
	if !k.valid() || n <= 0 || 1+n != len(body) || id < 1 || id > 1<<63-1 {
		return BounceRef{}, ErrMalformed
	}
	var canon [binary.MaxVarintLen64]byte
	if n != binary.PutUvarint(canon[:], id) {
		return BounceRef{}, ErrMalformed
	}
	return BounceRef{Kind: k, ID: int64(id)}, nil
}
