package captcha

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
