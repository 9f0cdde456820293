package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Two vectors, both checked with openssl outside Go: the one published
// with the Standard Webhooks reference libraries, and one over the
// specification's own example message with the key bytes 0..31.
func TestSignVectors(t *testing.T) {
	cases := []struct {
		secret Secret
		id     string
		unix   int64
		body   string
		want   string
	}{
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
			`{"test": 2432232314}`, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
		{"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", 1674087231,
			`{"type":"contact.created","timestamp":"2022-11-03T20:26:10.344522Z","data":{"id":"1f81eb52-5198-4599-803e-771906343485"}}`,
			"v1,4PMU5Dl90B4kgwxDpwuMZ/cnZ5ztf+Y+kviYQD66rJg="},
	}
	for _, c := range cases {
		got, err := Sign(c.secret, c.id, time.Unix(c.unix, 0), []byte(c.body))
		if err != nil || got != c.want {
			t.Errorf("Sign(%s) = %q, %v; want %q", c.id, got, err, c.want)
		}
	}
}

// The algorithm as the specification words it, written out step by step.
func TestSignByHand(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	secret := Secret("whsec_" + base64.StdEncoding.EncodeToString(key))
	ts := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	body := []byte(`{"type":"lesson.sent","timestamp":"2026-03-01T09:30:00Z","data":{}}`)
	signed := "msg_abc." + strconv.FormatInt(ts.Unix(), 10) + "." + string(body)
	h := hmac.New(sha256.New, key)
	h.Write([]byte(signed))
	want := "v1," + base64.StdEncoding.EncodeToString(h.Sum(nil))
	got, err := Sign(secret, "msg_abc", ts, body)
	if err != nil || got != want {
		t.Fatalf("Sign = %q, %v; want %q", got, err, want)
	}
}

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	if !strings.HasPrefix(string(a), "whsec_") {
		t.Fatalf("secret %q lacks the prefix", string(a))
	}
	key, err := a.key()
	if err != nil || len(key) != 32 {
		t.Fatalf("key: %d bytes, %v", len(key), err)
	}
	if _, err := ParseSecret(" " + string(a) + "\n"); err != nil {
		t.Fatalf("ParseSecret of a fresh secret: %v", err)
	}
}

func TestParseSecretRefuses(t *testing.T) {
	for _, s := range []string{"", "whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2hvcnQ=",
		"whsec_!!!notbase64!!!", "whsec_" + strings.Repeat("QUFB", 30)} {
		_, err := ParseSecret(s)
		if !errors.Is(err, ErrBadSecret) {
			t.Errorf("ParseSecret(%q) = %v, want ErrBadSecret", s, err)
		}
		if raw := strings.TrimPrefix(s, "whsec_"); raw != "" && strings.Contains(err.Error(), raw) {
			t.Errorf("error %q quotes the secret", err)
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret()
	raw := strings.TrimPrefix(string(s), "whsec_")
	d := struct {
		ID     string
		Secret Secret
	}{"msg_x", s}
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%s %v %q %x %d %#v", s, s, s, s, s, s),
		fmt.Sprintf("%+v", d), fmt.Sprintf("%#v", d), s.LogValue().String(),
	} {
		if strings.Contains(out, raw) {
			t.Errorf("printed secret: %s", out)
		}
	}
}

func signedHeader(t *testing.T, s Secret, id string, ts time.Time, body []byte) http.Header {
	t.Helper()
	sig, err := Sign(s, id, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return h
}

func TestVerify(t *testing.T) {
	s, other := NewSecret(), NewSecret()
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"type":"x","timestamp":"t","data":{}}`)
	good := signedHeader(t, s, "msg_1", now, body)
	otherSig := signedHeader(t, other, "msg_1", now, body).Get(HeaderSignature)
	with := func(k, v string) http.Header { h := good.Clone(); h.Set(k, v); return h }
	cases := []struct {
		name string
		h    http.Header
		body []byte
		now  time.Time
		want error
	}{
		{"valid", good, body, now, nil},
		{"several signatures, one valid", with(HeaderSignature, otherSig+" v1a,AAAA v2,xyz "+good.Get(HeaderSignature)), body, now, nil},
		{"just inside the tolerance", good, body, now.Add(5 * time.Minute), nil},
		{"too old", good, body, now.Add(5*time.Minute + time.Second), ErrTimestamp},
		{"from the future", good, body, now.Add(-5*time.Minute - time.Second), ErrTimestamp},
		{"other secret", with(HeaderSignature, otherSig), body, now, ErrNoSignature},
		{"body changed", good, append([]byte(" "), body...), now, ErrNoSignature},
		{"id changed", with(HeaderID, "msg_2"), body, now, ErrNoSignature},
		{"timestamp changed", with(HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10)), body, now, ErrNoSignature},
		{"signed timestamp with a sign", with(HeaderTimestamp, "+"+strconv.FormatInt(now.Unix(), 10)), body, now, ErrBadTimestamp},
		{"timestamp not a number", with(HeaderTimestamp, "soon"), body, now, ErrBadTimestamp},
		{"missing signature", with(HeaderSignature, ""), body, now, ErrMissingHeader},
		{"missing id", with(HeaderID, ""), body, now, ErrMissingHeader},
		{"only a v1a signature", with(HeaderSignature, "v1a,"+strings.TrimPrefix(good.Get(HeaderSignature), "v1,")), body, now, ErrNoSignature},
	}
	for _, c := range cases {
		err := Verify(s, c.h, c.body, c.now, 0)
		if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s: Verify = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestSignRefusesBadIDs(t *testing.T) {
	for _, id := range []string{"", "msg.1", "msg 1", "msg\r\n1", "a,b", strings.Repeat("a", 257)} {
		if _, err := Sign(NewSecret(), id, time.Now(), nil); !errors.Is(err, ErrBadID) {
			t.Errorf("Sign(id %q) = %v, want ErrBadID", id, err)
		}
	}
	if id := NewMessageID(); checkID(id) != nil || !strings.HasPrefix(id, "msg_") || len(id) != 30 {
		t.Errorf("NewMessageID() = %q", id)
	}
}

// Ids made later sort after earlier ones, whatever their random part.
func TestMessageIDsSortInTimeOrder(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for _, step := range []time.Duration{time.Millisecond, time.Second, 24 * time.Hour, 10 * 365 * 24 * time.Hour} {
		a, b := newMessageID(t0), newMessageID(t0.Add(step))
		if a >= b {
			t.Errorf("id at t0 %q does not sort before id %v later %q", a, step, b)
		}
	}
	if a, b := newMessageID(t0), newMessageID(t0); a == b {
		t.Errorf("two ids in one millisecond are equal: %q", a)
	}
}
