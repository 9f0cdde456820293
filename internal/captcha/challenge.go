package captcha

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Algorithm is the only hash the protocol is spoken with.
const Algorithm = "SHA-256"

// Defaults for a zero Config field.
const (
	// DefaultMaxNumber makes a challenge that a mid-range phone solves in
	// about half a second on average. The search covers half of maxnumber
	// on average; headless Chromium searched 95,000 to 145,000 numbers a
	// second with one worker on a quiet 2-core server, and a phone is
	// taken to be 4x slower, about 28,000 a second; the page's own thread
	// slowed 4x by Chromium's throttling searched 28,000 to 33,000
	// (TestMeasureSolve; docs/performance.md).
	DefaultMaxNumber = 30_000
	// DefaultLifetime is how long a challenge may be solved and posted. The
	// script fetches a new one when a reader leaves the form for longer.
	DefaultLifetime = 10 * time.Minute
)

// MaxMaxNumber bounds the difficulty a Config may ask for: beyond it a
// phone would take minutes.
const MaxMaxNumber = 100_000_000

// minKeySize is HMAC-SHA-256's block of security: a shorter key is a typo.
const minKeySize = 32

// Config sets up an Issuer.
type Config struct {
	// Key signs challenges. Derive it from the app's secret for this one
	// purpose; at least 32 bytes.
	Key []byte
	// MaxNumber is the difficulty: the secret number is drawn below it, and
	// a browser tries on average half as many hashes. Zero means
	// DefaultMaxNumber.
	MaxNumber int64
	// Lifetime is how long a challenge stays valid. Zero means
	// DefaultLifetime.
	Lifetime time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Spender records solutions that were used, so each is accepted once.
	Spender Spender
}

// Issuer makes challenges and verifies their solutions. It is safe for
// concurrent use.
type Issuer struct {
	key      []byte
	max      int64
	lifetime time.Duration
	now      func() time.Time
	spender  Spender
}

// Challenge is what the challenge URL serves, in ALTCHA's field names.
type Challenge struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	MaxNumber int64  `json:"maxnumber"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
}

// New checks cfg and returns an Issuer.
func New(cfg Config) (*Issuer, error) {
	if len(cfg.Key) < minKeySize {
		return nil, fmt.Errorf("captcha: the key has %d bytes, want at least %d", len(cfg.Key), minKeySize)
	}
	if cfg.Spender == nil {
		return nil, errors.New("captcha: no Spender: solutions could be replayed")
	}
	is := &Issuer{key: append([]byte(nil), cfg.Key...), max: cfg.MaxNumber, lifetime: cfg.Lifetime,
		now: cfg.Now, spender: cfg.Spender}
	if is.max == 0 {
		is.max = DefaultMaxNumber
	}
	if is.max < 1 || is.max > MaxMaxNumber {
		return nil, fmt.Errorf("captcha: maxnumber %d is outside 1..%d", cfg.MaxNumber, MaxMaxNumber)
	}
	if is.lifetime == 0 {
		is.lifetime = DefaultLifetime
	}
	if is.lifetime < time.Minute || is.lifetime > 24*time.Hour {
		return nil, fmt.Errorf("captcha: lifetime %s is outside 1m..24h", cfg.Lifetime)
	}
	if is.now == nil {
		is.now = time.Now
	}
	return is, nil
}

// MaxNumber is the difficulty the Issuer asks for.
func (is *Issuer) MaxNumber() int64 { return is.max }

// Challenge makes a new challenge, valid for the Issuer's lifetime.
func (is *Issuer) Challenge() Challenge {
	var nonce [16]byte
	rand.Read(nonce[:]) // never fails (crypto/rand, Go 1.24+)
	expires := is.now().Add(is.lifetime).Unix()
	salt := hex.EncodeToString(nonce[:]) + "?expires=" + strconv.FormatInt(expires, 10) + "&"
	challenge := hashHex(salt, uniformBelow(is.max))
	return Challenge{Algorithm: Algorithm, Challenge: challenge, MaxNumber: is.max, Salt: salt,
		Signature: is.sign(challenge)}
}

// Handler serves a fresh challenge as JSON on GET. It sets no CORS headers:
// wrap it with the trusted origins' CORS.
func (is *Issuer) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "captcha: the challenge is fetched with GET", http.StatusMethodNotAllowed)
			return
		}
		body, _ := json.Marshal(is.Challenge()) // plain strings and an int: cannot fail
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		w.Write(body)
	})
}

// sign is the challenge's signature: hex HMAC-SHA-256 under the key.
func (is *Issuer) sign(challenge string) string {
	m := hmac.New(sha256.New, is.key)
	m.Write([]byte(challenge))
	return hex.EncodeToString(m.Sum(nil))
}

// hashHex is the challenge for a salt and a number.
func hashHex(salt string, number int64) string {
	buf := make([]byte, 0, len(salt)+20)
	buf = strconv.AppendInt(append(buf, salt...), number, 10)
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// uniformBelow draws a number uniformly from [0, n) with crypto/rand,
// rejecting the top of the 64-bit range that would bias it.
func uniformBelow(n int64) int64 {
	limit := ^uint64(0) - ^uint64(0)%uint64(n)
	var b [8]byte
	for {
		rand.Read(b[:])
		if v := binary.LittleEndian.Uint64(b[:]); v < limit {
			return int64(v % uint64(n))
		}
	}
}
