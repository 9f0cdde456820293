package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/net/idna"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// How an address becomes the key a reader is kept under.
//
// The key must be the address mail goes to, and nothing else: two
// spellings share a key only if they reach one mailbox. So:
//
//   - the local part keeps every character as typed, except that ASCII
//     letters are lower-cased. RFC 5321 lets a server tell "Ada" from
//     "ada", but every provider folds ASCII case, and readers type their
//     address in any case. Nothing else is folded: a Unicode lower-casing
//     would make U+0130 (İ) an "i" and U+212A (KELVIN SIGN) a "k", so a
//     look-alike address would share the key of a real one;
//   - the domain is the name DNS looks up: IDNA (UTS #46, non-transitional
//     lookup) maps it and turns it into its ASCII form, so "bücher.de",
//     "BÜCHER.de" and "xn--bcher-kva.de" are one domain. A trailing dot
//     (the root) is dropped.
//
// The address dripcourse stores, and mails, is CanonicalEmail's: the local
// part as typed, the domain in IDNA's Unicode form. Its key is EmailKey.

// domainProfile is IDNA's lookup mapping, with DNS's length rules, so an
// empty label or an over-long name is refused rather than keyed.
func domainProfile() *idna.Profile {
	return idna.New(idna.MapForLookup(), idna.BidiRule(), idna.VerifyDNSLength(true), idna.Transitional(false))
}

// ErrBadDomain is returned for an address whose domain IDNA refuses.
var ErrBadDomain = fmt.Errorf("the address's domain is not a valid domain name: %w", drip.ErrInvalid)

// EmailKey is the one form of an address under which a reader is found:
// the local part with ASCII case folded, the domain in IDNA's ASCII form.
// Signup, import, the admin search and erasure hashes all use it. Text
// that is not a whole address (a search) has only its ASCII case folded.
func EmailKey(email string) string {
	local, domain, ok := splitAddress(email)
	if !ok {
		return asciiLower(strings.TrimSpace(email))
	}
	a, err := asciiDomain(domain)
	if err != nil {
		a = asciiLower(domain)
	}
	return asciiLower(local) + "@" + a
}

// CanonicalEmail is the address as it is stored and mailed: trimmed, the
// local part as typed, the domain without a trailing dot, and a domain
// that is not plain ASCII in IDNA's Unicode form (lower-case, every
// look-alike mapped). It fails for a domain IDNA refuses (ErrBadDomain).
func CanonicalEmail(email string) (string, error) {
	local, domain, ok := splitAddress(email)
	if !ok {
		return "", fmt.Errorf("no @ in the address: %w", drip.ErrInvalid)
	}
	domain = strings.TrimSuffix(domain, ".")
	a, err := asciiDomain(domain)
	if err != nil {
		return "", err
	}
	if isASCII(domain) {
		return local + "@" + domain, nil // the name DNS looks up, in the reader's case
	}
	u, err := domainProfile().ToUnicode(a)
	if err != nil {
		return "", errors.Join(ErrBadDomain, err)
	}
	return local + "@" + u, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// canonicalOr is CanonicalEmail, or email itself when IDNA refuses it: the
// store keeps any address a caller vouches for, and its key still never
// folds anything but ASCII case.
func canonicalOr(email string) string {
	if c, err := CanonicalEmail(email); err == nil {
		return c
	}
	return strings.TrimSpace(email)
}

// splitAddress cuts an address at its last @ (a local part may hold an @
// only when quoted).
func splitAddress(email string) (local, domain string, ok bool) {
	email = strings.TrimSpace(email)
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return "", "", false
	}
	return email[:i], email[i+1:], true
}

func asciiDomain(domain string) (string, error) {
	domain = strings.TrimSuffix(domain, ".")
	a, err := domainProfile().ToASCII(domain)
	if err != nil || a == "" {
		return "", errors.Join(ErrBadDomain, err)
	}
	return a, nil
}

// asciiLower lower-cases A to Z and leaves every other byte as it is.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// dotBlind names the inbox domain of the providers known to ignore dots
// in the local part: "a.da@gmail.com" and "ada@googlemail.com" are one
// Gmail inbox. (Other providers treat a dot as part of the name.)
func dotBlind(domain string) (string, bool) {
	switch domain {
	case "gmail.com", "googlemail.com":
		return "gmail.com", true
	}
	return "", false
}

// MailboxKey names the inbox an address lands in, for the cap on
// confirmation emails only: the key with any "+tag" dropped from the local
// part (on every domain), and, on the providers that ignore them
// (dotBlind), the dots too. A
// reader is still kept, and mailed, under EmailKey.
func MailboxKey(email string) string {
	key := EmailKey(email)
	local, domain, ok := splitAddress(key)
	if !ok {
		return key
	}
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	if d, ok := dotBlind(domain); ok {
		local, domain = strings.ReplaceAll(local, ".", ""), d
	}
	return local + "@" + domain
}

// EmailHash is what is kept of an erased reader's address.
func EmailHash(email string) string {
	return hashKey(EmailKey(email))
}

// oldRuleHash is the hash an erasure made before keys followed EmailKey,
// when a key was the address lower-cased by Unicode's rules. Suppressions
// from then are marked old_rule, and matched by this hash too.
func oldRuleHash(email string) string {
	return hashKey(strings.ToLower(strings.TrimSpace(email)))
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
