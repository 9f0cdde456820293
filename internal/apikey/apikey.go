// Package apikey makes, reads and checks the keys of dripcourse's JSON
// API, and names their scopes. A key is "drip_", a prefix that finds its
// row, "_" and 256 random bits; the store keeps the prefix and the
// SHA-256 of the whole key, never the key.
//
// SHA-256, not bcrypt or argon2: those slow down guessing a password a
// person chose, which has little entropy. A key has 256 random bits, so
// no hash speed makes guessing it feasible, while a deliberately slow
// hash would cost every API request tens of milliseconds of CPU, and let
// anyone with a made-up key burn that CPU at will.
package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The scopes a key may hold.
const (
	SubscribersRead  = "subscribers:read"  // read readers and their enrollments
	SubscribersWrite = "subscribers:write" // add readers (double opt-in), pause, resume, move, unsubscribe, erase
	EnrollConfirmed  = "enroll:confirmed"  // enroll a reader as already confirmed (consent taken elsewhere)
	CoursesRead      = "courses:read"      // the courses and their per-lesson stats
)

// Scopes lists every scope, in the order the documentation gives them.
func Scopes() []string {
	return []string{SubscribersRead, SubscribersWrite, EnrollConfirmed, CoursesRead}
}

// DefaultScopes are a new key's when none are asked for: everything but
// enrolling readers as confirmed, which must be asked for by name.
func DefaultScopes() []string { return []string{SubscribersRead, SubscribersWrite, CoursesRead} }

// ParseScopes reads scopes separated by commas or spaces, each one Scopes
// knows, and returns them in Scopes' order without repeats; none gives
// DefaultScopes.
func ParseScopes(s string) ([]string, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	if len(fields) == 0 {
		return DefaultScopes(), nil
	}
	for _, f := range fields {
		if !slices.Contains(Scopes(), f) {
			return nil, fmt.Errorf("apikey: unknown scope %q (known: %s)", f, strings.Join(Scopes(), ", "))
		}
	}
	var out []string
	for _, sc := range Scopes() {
		if slices.Contains(fields, sc) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// Prefix begins every key, so that a key found in a log or a repository
// is recognised (and secret scanners can be taught it).
const Prefix = "drip_"

// ErrMalformed is a key that cannot be one of ours.
var ErrMalformed = errors.New("apikey: not a dripcourse API key")

// Key is a new key: the whole key, shown once, and what the store keeps.
type Key struct {
	Secret string // the whole key, drip_<prefix>_<random>
	Prefix string // finds the key's row
	Hash   string // hex SHA-256 of Secret
}

// New makes a key.
func New() Key {
	id := strings.ToLower(rand.Text()[:10])
	secret := Prefix + id + "_" + strings.ToLower(rand.Text()+rand.Text())
	return Key{Secret: secret, Prefix: id, Hash: Hash(secret)}
}

// Hash is the hex SHA-256 of a key, as the store keeps it.
func Hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// PrefixOf returns the prefix part of a key given in a request, or
// ErrMalformed. It checks the shape only; Match checks the key.
func PrefixOf(key string) (string, error) {
	rest, ok := strings.CutPrefix(key, Prefix)
	id, random, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(id) != 10 || len(random) < 40 || len(key) > 128 {
		return "", ErrMalformed
	}
	return id, nil
}

// Match reports, in constant time, whether key hashes to hash.
func Match(key, hash string) bool {
	return subtle.ConstantTimeCompare([]byte(Hash(key)), []byte(hash)) == 1
}
