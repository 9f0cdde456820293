package captcha

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Errors from Verify. All of them mean "refuse"; they are distinct so that
// a page can say why. An error that wraps none of them is the Spender's
// (a database that is down) and means "try again later".
var (
	ErrMissing     = errors.New("captcha: no solution was sent (the form needs JavaScript)")
	ErrMalformed   = errors.New("captcha: malformed solution")
	ErrSignature   = errors.New("captcha: not a challenge of this server")
	ErrWrongAnswer = errors.New("captcha: wrong answer")
	ErrExpired     = errors.New("captcha: challenge expired")
	ErrReplayed    = errors.New("captcha: solution already used")
)

// clockSkew is how far past its lifetime an expiry may lie: instances'
// clocks differ by a little, never by this much.
const clockSkew = time.Minute

// Verify accepts a posted payload once: it must be a solution of a
// challenge this server signed, not expired, and not used before. The
// cost is one SHA-256, one HMAC-SHA-256 and one Spend, which comes last so
// that no refused payload spends anything.
func (is *Issuer) Verify(ctx context.Context, payload string) error {
	sol, err := is.Check(payload)
	if err != nil {
		return err
	}
	fresh, err := is.spender.Spend(ctx, sol.Key, sol.Until)
	if err != nil {
		return fmt.Errorf("captcha: spend: %w", err)
	}
	if !fresh {
		return ErrReplayed
	}
	return nil
}

// Solution is a checked payload not yet spent: spend Key until Until, and
// refuse the payload (ErrReplayed) if it was spent before.
type Solution struct {
	Key   string // the challenge: 64 lower-case hex digits
	Until time.Time
}

// Check is Verify without the Spend, for a caller that spends the
// solution itself, in a transaction with what the solution pays for (a
// signup): the signature, the hash and the expiry.
func (is *Issuer) Check(payload string) (Solution, error) {
	if payload == "" {
		return Solution{}, ErrMissing
	}
	p, err := ParsePayload(payload)
	if err != nil {
		return Solution{}, err
	}
	if !hmac.Equal([]byte(is.sign(p.Challenge)), []byte(p.Signature)) {
		return Solution{}, ErrSignature
	}
	// The salt and number are trusted only once they hash to the signed
	// challenge; the expiry is read from the salt after that.
	if p.Number > is.max || !hashEqual(p.Salt, p.Number, p.Challenge) {
		return Solution{}, ErrWrongAnswer
	}
	until, err := is.checkExpiry(p.Salt)
	if err != nil {
		return Solution{}, err
	}
	return Solution{Key: p.Challenge, Until: until}, nil
}

// checkExpiry returns the salt's expiry if it has not passed and is not
// further ahead than a challenge made now could be.
func (is *Issuer) checkExpiry(salt string) (time.Time, error) {
	exp, err := saltExpiry(salt)
	if err != nil {
		return time.Time{}, err
	}
	now := is.now()
	until := time.Unix(exp, 0)
	if !now.Before(until) {
		return time.Time{}, ErrExpired
	}
	if until.After(now.Add(is.lifetime + clockSkew)) {
		return time.Time{}, fmt.Errorf("%w: expiry %s is beyond the lifetime", ErrExpired, until.UTC().Format(time.RFC3339))
	}
	return until, nil
}

// hashEqual says whether SHA-256(salt + decimal(number)) is the challenge,
// without building the hex string.
func hashEqual(salt string, number int64, challenge string) bool {
	var want [sha256.Size]byte
	if _, err := hex.Decode(want[:], []byte(challenge)); err != nil {
		return false
	}
	buf := make([]byte, 0, 80)
	buf = strconv.AppendInt(append(buf, salt...), number, 10)
	return sha256.Sum256(buf) == want
}
