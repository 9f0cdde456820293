package captcha

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var saltShape = regexp.MustCompile(`^[0-9a-f]{32}\?expires=([0-9]+)&$`)

func TestChallengeIsSignedAndExpires(t *testing.T) {
	f := newFixture(t, 1000)
	c := f.is.Challenge()
	m := saltShape.FindStringSubmatch(c.Salt)
	if m == nil {
		t.Fatalf("salt %q is not <32 hex>?expires=<unix>&", c.Salt)
	}
	if want := strconv.FormatInt(start.Add(10*time.Minute).Unix(), 10); m[1] != want {
		t.Errorf("expires=%s, want now+lifetime %s", m[1], want)
	}
	mac := hmac.New(sha256.New, testKey)
	mac.Write([]byte(c.Challenge))
	if c.Signature != hex.EncodeToString(mac.Sum(nil)) {
		t.Errorf("signature %s is not the HMAC-SHA-256 of the challenge", c.Signature)
	}
	if c.Algorithm != "SHA-256" || c.MaxNumber != 1000 {
		t.Errorf("algorithm %q, maxnumber %d", c.Algorithm, c.MaxNumber)
	}
	if c2 := f.is.Challenge(); c2.Salt == c.Salt {
		t.Errorf("two challenges share the salt %q", c.Salt)
	}
}

// The secret number is below maxnumber, and every value below it comes up.
func TestChallengeNumberIsBelowMaxNumber(t *testing.T) {
	f := newFixture(t, 8)
	seen := map[int64]int{}
	for range 400 {
		n := solve(t, f.is.Challenge())
		if n < 0 || n >= 8 {
			t.Fatalf("number %d is not below maxnumber 8", n)
		}
		seen[n]++
	}
	if len(seen) != 8 {
		t.Errorf("400 challenges drew only %v", seen)
	}
}

func TestVerifyAcceptsEachBase64(t *testing.T) {
	f := newFixture(t, 100)
	for _, tc := range []struct {
		name   string
		encode func([]byte) string
	}{
		{"btoa", func(b []byte) string { return rawPayload(string(b)) }},
		{"url", func(b []byte) string { return strings.NewReplacer("+", "-", "/", "_").Replace(rawPayload(string(b))) }},
		{"url unpadded", func(b []byte) string { return strings.TrimRight(rawPayload(string(b)), "=") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := f.is.Challenge()
			js := validJSON(c, solve(t, c))
			if err := f.is.Verify(context.Background(), tc.encode([]byte(js))); err != nil {
				t.Fatalf("a right solution is refused: %v", err)
			}
		})
	}
}

// The ALTCHA widget adds how long it took; that is accepted and ignored.
func TestVerifyAcceptsAltchaWidgetTook(t *testing.T) {
	f := newFixture(t, 100)
	s := solved(t, f.is.Challenge())
	s["took"] = 412
	if err := f.is.Verify(context.Background(), s.encode()); err != nil {
		t.Fatalf("a payload with took is refused: %v", err)
	}
}

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

func TestNewRefusesBadConfig(t *testing.T) {
	sp := NewMemorySpender(10, nil)
	for name, cfg := range map[string]Config{
		"short key":        {Key: []byte("short"), Spender: sp},
		"no spender":       {Key: testKey},
		"negative max":     {Key: testKey, Spender: sp, MaxNumber: -1},
		"huge max":         {Key: testKey, Spender: sp, MaxNumber: MaxMaxNumber + 1},
		"short lifetime":   {Key: testKey, Spender: sp, Lifetime: time.Second},
		"endless lifetime": {Key: testKey, Spender: sp, Lifetime: 48 * time.Hour},
	} {
		if _, err := New(cfg); err == nil || !strings.HasPrefix(err.Error(), "captcha: ") {
			t.Errorf("%s: New = %v, want a captcha: error", name, err)
		}
	}
	is, err := New(Config{Key: testKey, Spender: sp})
	if err != nil || is.MaxNumber() != DefaultMaxNumber {
		t.Fatalf("defaults: %v, maxnumber %v", err, is)
	}
}

func TestHandlerServesAFreshChallenge(t *testing.T) {
	f := newFixture(t, 200)
	srv := httptest.NewServer(f.is.Handler())
	t.Cleanup(srv.Close)
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET: %d %v", res.StatusCode, res.Header)
	}
	var c Challenge
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if err := f.is.Verify(context.Background(), rawPayload(validJSON(c, solve(t, c)))); err != nil {
		t.Fatalf("the served challenge's solution is refused: %v", err)
	}
	res, err = http.Post(srv.URL, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}
