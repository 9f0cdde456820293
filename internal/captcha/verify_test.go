package captcha

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestVerifyRefuses(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		want error
		edit func(t *testing.T, f *fixture, c Challenge, s solution) string
	}{
		{"replayed", ErrReplayed, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			if err := f.is.Verify(ctx, s.encode()); err != nil {
				t.Fatalf("first use refused: %v", err)
			}
			return s.encode()
		}},
		{"replayed in URL base64", ErrReplayed, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			if err := f.is.Verify(ctx, s.encode()); err != nil {
				t.Fatalf("first use refused: %v", err)
			}
			return strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(s.encode()), "=")
		}},
		{"replayed with took", ErrReplayed, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			if err := f.is.Verify(ctx, s.encode()); err != nil {
				t.Fatalf("first use refused: %v", err)
			}
			s["took"] = 1
			return s.encode()
		}},
		{"expired", ErrExpired, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			f.clock.Advance(10 * time.Minute)
			return s.encode()
		}},
		{"wrong number", ErrWrongAnswer, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			s["number"] = (s["number"].(int64) + 1) % 1000
			return s.encode()
		}},
		{"number above maxnumber", ErrWrongAnswer, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			s["number"] = 1001
			return s.encode()
		}},
		{"forged signature", ErrSignature, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			mac := hmac.New(sha256.New, []byte("another server's key, 32 bytes!!"))
			mac.Write([]byte(c.Challenge))
			s["signature"] = hex.EncodeToString(mac.Sum(nil))
			return s.encode()
		}},
		{"challenge of our own making", ErrSignature, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			s["number"] = 7
			s["challenge"] = hashHex(c.Salt, 7)
			return s.encode()
		}},
		{"changed salt", ErrWrongAnswer, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			s["salt"] = "ffffffffffffffffffffffffffffffff" + c.Salt[32:]
			return s.encode()
		}},
		{"later expiry in the salt", ErrWrongAnswer, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			s["salt"] = c.Salt[:32] + "?expires=" + strconv.FormatInt(start.Add(9*time.Minute).Unix(), 10) + "&"
			return s.encode()
		}},
		{"digits moved into the salt", ErrMalformed, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			n := strconv.FormatInt(s["number"].(int64), 10)
			s["salt"], s["number"] = c.Salt+n[:1], 0
			return s.encode()
		}},
		{"expiry beyond the lifetime", ErrExpired, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			long, err := New(Config{Key: testKey, MaxNumber: 1000, Lifetime: time.Hour, Now: f.clock.Now, Spender: f.spent})
			if err != nil {
				t.Fatal(err)
			}
			return solved(t, long.Challenge()).encode()
		}},
		{"maxnumber raised by another issuer", ErrWrongAnswer, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			hard, err := New(Config{Key: testKey, MaxNumber: 5000, Now: f.clock.Now, Spender: f.spent})
			if err != nil {
				t.Fatal(err)
			}
			for {
				if s := solved(t, hard.Challenge()); s["number"].(int64) > 1000 {
					return s.encode()
				}
			}
		}},
		{"missing", ErrMissing, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			return ""
		}},
		{"unknown algorithm", ErrMalformed, func(t *testing.T, f *fixture, c Challenge, s solution) string {
			s["algorithm"] = "SHA-1"
			return s.encode()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 1000)
			c := f.is.Challenge()
			payload := tc.edit(t, f, c, solved(t, c))
			err := f.is.Verify(ctx, payload)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// The maxnumber a client sees is not part of what is signed: lowering it
// only hides the answer from the client, and the answer still verifies.
func TestChangedMaxNumberChangesNothing(t *testing.T) {
	f := newFixture(t, 1000)
	c := f.is.Challenge()
	n := solve(t, c)
	c.MaxNumber = 1
	if n > 1 {
		if _, err := tryAll(c); err == nil {
			t.Fatalf("a search up to the lowered maxnumber found an answer")
		}
	}
	if err := f.is.Verify(context.Background(), rawPayload(validJSON(c, n))); err != nil {
		t.Fatalf("the answer is refused: %v", err)
	}
}

func tryAll(c Challenge) (int64, error) {
	for n := int64(0); n <= c.MaxNumber; n++ {
		if hashHex(c.Salt, n) == c.Challenge {
			return n, nil
		}
	}
	return 0, errors.New("not found")
}

// A refused payload spends nothing: the right answer still counts after a
// wrong one.
func TestWrongAnswerSpendsNothing(t *testing.T) {
	f := newFixture(t, 1000)
	c := f.is.Challenge()
	n := solve(t, c)
	if err := f.is.Verify(context.Background(), rawPayload(validJSON(c, (n+1)%1000))); !errors.Is(err, ErrWrongAnswer) {
		t.Fatalf("wrong number: %v", err)
	}
	if err := f.is.Verify(context.Background(), rawPayload(validJSON(c, n))); err != nil {
		t.Fatalf("the right number after a wrong one: %v", err)
	}
	if f.spent.Len() != 1 {
		t.Errorf("%d keys spent, want 1", f.spent.Len())
	}
}

type failingSpender struct{}

func (failingSpender) Spend(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("database is locked")
}

// A Spender that fails is not a refusal of the reader: the error is none of
// the sentinels, so the page can answer "try again".
func TestSpenderFailureIsNotARefusal(t *testing.T) {
	is, err := New(Config{Key: testKey, MaxNumber: 50, Now: func() time.Time { return start }, Spender: failingSpender{}})
	if err != nil {
		t.Fatal(err)
	}
	err = is.Verify(context.Background(), solved(t, is.Challenge()).encode())
	for _, s := range []error{ErrMissing, ErrMalformed, ErrSignature, ErrWrongAnswer, ErrExpired, ErrReplayed} {
		if errors.Is(err, s) {
			t.Fatalf("Verify = %v, which reads as a refusal", err)
		}
	}
	if err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("Verify = %v, want the Spender's error", err)
	}
}

// Many requests posting one solution at once: exactly one is accepted.
func TestConcurrentReplaysAcceptOne(t *testing.T) {
	f := newFixture(t, 1000)
	payload := solved(t, f.is.Challenge()).encode()
	errs := make(chan error, 16)
	for range 16 {
		go func() { errs <- f.is.Verify(context.Background(), payload) }()
	}
	accepted := 0
	for range 16 {
		switch err := <-errs; {
		case err == nil:
			accepted++
		case !errors.Is(err, ErrReplayed):
			t.Errorf("a concurrent replay: %v", err)
		}
	}
	if accepted != 1 {
		t.Fatalf("%d of 16 concurrent uses accepted, want 1", accepted)
	}
}
