package token_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/token"
)

var (
	secret = []byte("0123456789abcdef0123456789abcdef")
	now    = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
)

var allPurposes = []token.Purpose{
	token.Confirm, token.Unsubscribe, token.Resubscribe, token.Open, token.Click,
	token.View, token.Next, token.Pause, token.Admin, token.Form,
}

func sameClaims(a, b token.Claims) bool {
	return a.Purpose == b.Purpose && a.Subscriber == b.Subscriber && a.Delivery == b.Delivery &&
		a.Expires.Equal(b.Expires) && a.Data == b.Data
}

func TestRoundTripEveryPurpose(t *testing.T) {
	s := token.NewSigner(secret)
	for _, p := range allPurposes {
		t.Run(p.String(), func(t *testing.T) {
			in := token.Claims{Purpose: p, Subscriber: 42, Delivery: 7, Expires: now.Add(time.Hour), Data: "d"}
			tok := s.Sign(in)
			if strings.ContainsAny(tok, "+/=") {
				t.Errorf("token %q is not URL-safe", tok)
			}
			got, err := s.Verify(tok, p, now)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !sameClaims(got, in) {
				t.Errorf("claims = %+v, want %+v", got, in)
			}
		})
	}
}

func TestRoundTripValues(t *testing.T) {
	s := token.NewSigner(secret)
	tests := []struct {
		name string
		in   token.Claims
	}{
		{"zero ids, never expires", token.Claims{Purpose: token.View}},
		{"large ids", token.Claims{Purpose: token.View, Subscriber: 1 << 62, Delivery: 1<<63 - 1}},
		{"unicode url data", token.Claims{Purpose: token.Click, Subscriber: 3, Delivery: 9, Expires: now.Add(time.Minute),
			Data: "https://example.com/caf\u00e9/\u65e5\u672c?q=r\u00e9sum\u00e9&x=1%202#frag"}},
		{"data with NUL and newline", token.Claims{Purpose: token.Click, Data: "a\x00b\nc"}},
		{"long data", token.Claims{Purpose: token.Click, Data: strings.Repeat("x", 3000)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Verify(s.Sign(tt.in), tt.in.Purpose, now)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !sameClaims(got, tt.in) {
				t.Errorf("claims = %+v, want %+v", got, tt.in)
			}
		})
	}
}

// tamper decodes tok, flips one bit of byte i (negative counts from the
// end) and re-encodes it.
func tamper(t *testing.T, tok string, i int) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	if i < 0 {
		i += len(b)
	}
	b[i] ^= 0x01
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestVerifyRefuses(t *testing.T) {
	s := token.NewSigner(secret)
	good := s.Sign(token.Claims{Purpose: token.Unsubscribe, Subscriber: 5, Delivery: 6, Expires: now.Add(time.Hour), Data: "x"})
	tests := []struct {
		name string
		tok  string
		want []error // any of these
	}{
		{"empty", "", []error{token.ErrMalformed}},
		{"tampered last signature byte", tamper(t, good, -1), []error{token.ErrSignature}},
		{"tampered first signature byte", tamper(t, good, -16), []error{token.ErrSignature}},
		{"tampered subscriber", tamper(t, good, 1), []error{token.ErrSignature}},
		{"tampered purpose byte", tamper(t, good, 0), []error{token.ErrSignature, token.ErrPurpose}},
		{"truncated by one char", good[:len(good)-1], []error{token.ErrMalformed, token.ErrSignature}},
		{"truncated by four chars", good[:len(good)-4], []error{token.ErrMalformed, token.ErrSignature}},
		{"half", good[:len(good)/2], []error{token.ErrMalformed, token.ErrSignature}},
		{"extra char", good + "A", []error{token.ErrMalformed, token.ErrSignature}},
		{"not base64", "!!!!not-a-token!!!!", []error{token.ErrMalformed}},
		{"std base64 padding", good + "==", []error{token.ErrMalformed}},
		{"short junk", "AAAA", []error{token.ErrMalformed}},
		{"long valid base64 junk", strings.Repeat("QUFB", 30), []error{token.ErrMalformed, token.ErrSignature}},
		{"very long", strings.Repeat("A", 1<<20), []error{token.ErrMalformed}},
		{"spaces", " " + good, []error{token.ErrMalformed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := s.Verify(tt.tok, token.Unsubscribe, now)
			if err == nil {
				t.Fatalf("Verify accepted %q: %+v", tt.tok, c)
			}
			for _, w := range tt.want {
				if errors.Is(err, w) {
					return
				}
			}
			t.Errorf("err = %v, want one of %v", err, tt.want)
		})
	}
}

func TestVerifyExpiry(t *testing.T) {
	s := token.NewSigner(secret)
	exp := now.Add(time.Hour)
	tok := s.Sign(token.Claims{Purpose: token.Confirm, Subscriber: 1, Expires: exp})
	tests := []struct {
		name string
		at   time.Time
		want error
	}{
		{"well before", now, nil},
		{"one second before", exp.Add(-time.Second), nil},
		{"exactly at expiry", exp, token.ErrExpired},
		{"after", exp.Add(time.Second), token.ErrExpired},
		{"a year after", exp.AddDate(1, 0, 0), token.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Verify(tok, token.Confirm, tt.at)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	past := s.Sign(token.Claims{Purpose: token.Confirm, Expires: now.Add(-time.Minute)})
	if _, err := s.Verify(past, token.Confirm, now); !errors.Is(err, token.ErrExpired) {
		t.Errorf("token expired a minute ago: err = %v, want ErrExpired", err)
	}
}

func TestVerifyOtherPurposeNeverSucceeds(t *testing.T) {
	s := token.NewSigner(secret)
	for _, signed := range allPurposes {
		tok := s.Sign(token.Claims{Purpose: signed, Subscriber: 1})
		for _, asked := range allPurposes {
			if asked == signed {
				continue
			}
			_, err := s.Verify(tok, asked, now)
			if !errors.Is(err, token.ErrPurpose) && !errors.Is(err, token.ErrSignature) {
				t.Errorf("%v token verified as %v: err = %v, want ErrPurpose or ErrSignature", signed, asked, err)
			}
		}
	}
}

func TestVerifyUnknownPurpose(t *testing.T) {
	s := token.NewSigner(secret)
	tok := s.Sign(token.Claims{Purpose: token.View, Subscriber: 1})
	for _, p := range []token.Purpose{0, 11, 255} {
		if _, err := s.Verify(tok, p, now); !errors.Is(err, token.ErrPurpose) {
			t.Errorf("Verify as %v: err = %v, want ErrPurpose", p, err)
		}
	}
}

func TestSignUnknownPurposePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Sign with purpose 0 did not panic")
		}
	}()
	token.NewSigner(secret).Sign(token.Claims{})
}

func TestVerifyOtherSecret(t *testing.T) {
	a := token.NewSigner(secret)
	b := token.NewSigner([]byte("another secret, also 32 bytes.."))
	for _, p := range allPurposes {
		tok := a.Sign(token.Claims{Purpose: p, Subscriber: 9, Delivery: 1})
		if _, err := b.Verify(tok, p, now); !errors.Is(err, token.ErrSignature) {
			t.Errorf("%v: err = %v, want ErrSignature", p, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	s := token.NewSigner(secret)
	valid := []token.Claims{
		{Purpose: token.Click, Subscriber: 1, Delivery: 2, Expires: now.Add(time.Hour), Data: "https://example.com/\u00e9?a=b"},
		{Purpose: token.Click},
		{Purpose: token.Click, Subscriber: 1 << 40, Expires: now.Add(-time.Hour)},
		{Purpose: token.Unsubscribe, Subscriber: 3},
	}
	for _, c := range valid {
		f.Add(s.Sign(c))
	}
	for _, junk := range []string{"", "A", "AAAA", "====", "!!", strings.Repeat("_", 64), "QUFBQUFBQUFBQUFBQUFBQUFBQUFB"} {
		f.Add(junk)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := s.Verify(tok, token.Click, now)
		if err != nil {
			if !errors.Is(err, token.ErrMalformed) && !errors.Is(err, token.ErrSignature) &&
				!errors.Is(err, token.ErrPurpose) && !errors.Is(err, token.ErrExpired) {
				t.Fatalf("Verify(%q): unexpected error %v", tok, err)
			}
			return
		}
		again, err := s.Verify(tok, token.Click, now)
		if err != nil || !sameClaims(again, c) {
			t.Fatalf("re-verify of accepted %q: %+v, %v; first gave %+v", tok, again, err, c)
		}
		resigned, err := s.Verify(s.Sign(c), token.Click, now)
		if err != nil || !sameClaims(resigned, c) {
			t.Fatalf("re-signed claims %+v verify as %+v, %v", c, resigned, err)
		}
	})
}

// A token has one spelling. The last character of unpadded base64 can
// carry bits that decode to nothing; a lenient decoder maps such a
// variant to the same bytes, so it would verify as a second, different
// string for the same token (a second key for anything that keys on the
// token's text). Padding is not part of the spelling either.
func TestVerifyRefusesNonCanonicalBase64(t *testing.T) {
	s := token.NewSigner(secret)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	tried := 0
	for _, data := range []string{"", "x", "xy"} {
		tok := s.Sign(token.Claims{Purpose: token.Click, Subscriber: 42, Delivery: 7, Data: data})
		raw, _ := base64.RawURLEncoding.DecodeString(tok)
		if _, err := s.Verify(tok, token.Click, now); err != nil {
			t.Fatalf("the token as signed: %v", err)
		}
		for _, pad := range []string{"=", "=="} {
			if _, err := s.Verify(tok+pad, token.Click, now); err == nil {
				t.Errorf("%q with padding %q verified", tok, pad)
			}
		}
		if len(raw)%3 == 0 {
			continue // every bit of the last character carries data
		}
		last := strings.IndexByte(alphabet, tok[len(tok)-1])
		variant := tok[:len(tok)-1] + string(alphabet[last|1])
		if same, err := base64.RawURLEncoding.DecodeString(variant); err != nil || string(same) != string(raw) {
			t.Fatalf("the variant %q should decode leniently to the same bytes: %v", variant, err)
		}
		tried++
		if _, err := s.Verify(variant, token.Click, now); !errors.Is(err, token.ErrMalformed) {
			t.Errorf("%q, a non-canonical spelling of %q, verified or failed otherwise: %v", variant, tok, err)
		}
	}
	if tried == 0 {
		t.Fatal("no token had spare bits in its last character: the test tried nothing")
	}
}
