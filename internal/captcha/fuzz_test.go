package captcha

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParsePayload checks that no input panics, that every refusal is
// ErrMalformed, and that whatever is accepted has the shapes Verify relies
// on and encodes back to the same Payload. The seed corpus is in
// testdata/fuzz/FuzzParsePayload.
func FuzzParsePayload(f *testing.F) {
	f.Add(rawPayload(goodJSON))
	f.Add(strings.TrimRight(rawPayload(goodJSON), "="))
	f.Add(rawPayload(with(`"number":42`, `"number":42,"took":12.5`)))
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePayload(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("refusal %v is not ErrMalformed", err)
			}
			return
		}
		if len(s) > MaxPayload || p.Algorithm != Algorithm || !isLowerHex(p.Challenge, 64) ||
			!isLowerHex(p.Signature, 64) || p.Number < 0 || !utf8.ValidString(p.Salt) {
			t.Fatalf("accepted %q as %+v", s, p)
		}
		if _, err := saltExpiry(p.Salt); err != nil {
			t.Fatalf("accepted salt %q: %v", p.Salt, err)
		}
		again, err := ParsePayload(reencode(p))
		if err != nil || again != p {
			t.Fatalf("%+v encodes to %+v, %v", p, again, err)
		}
	})
}

func reencode(p Payload) string {
	b, _ := json.Marshal(map[string]any{"algorithm": p.Algorithm, "challenge": p.Challenge,
		"number": p.Number, "salt": p.Salt, "signature": p.Signature})
	return rawPayload(string(b))
}

// FuzzVerify checks that Verify never panics and accepts nothing that is
// not a solution of a challenge it signed: the fuzzer cannot forge the
// HMAC, so every input but the seeded right answer is refused.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f, 1000)
	// A fixed challenge, so that every fuzzing process has the same one.
	salt := "00112233445566778899aabbccddeeff?expires=" + strconv.FormatInt(start.Add(5*time.Minute).Unix(), 10) + "&"
	c := Challenge{Algorithm: Algorithm, Challenge: hashHex(salt, 421), MaxNumber: 1000, Salt: salt}
	c.Signature = fx.is.sign(c.Challenge)
	f.Add(rawPayload(validJSON(c, 421)))
	f.Add(rawPayload(validJSON(c, 0)))
	f.Add(rawPayload(goodJSON))
	f.Fuzz(func(t *testing.T, s string) {
		fresh := newFixture(t, 1000) // so the right answer is never a replay
		err := fresh.is.Verify(context.Background(), s)
		if err == nil {
			p, _ := ParsePayload(s)
			if p.Challenge != c.Challenge || p.Number != 421 {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}
