package provider

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

const genericSecret = "a shared secret of some length"

func genericRequest(secret string, stamp time.Time, body []byte) *http.Request {
	ts := strconv.FormatInt(stamp.Unix(), 10)
	r := httptest.NewRequest("POST", "/webhooks/generic", bytes.NewReader(body))
	r.Header.Set(GenericTimestampHeader, ts)
	r.Header.Set(GenericSignatureHeader, GenericSignature(secret, ts, body))
	return r
}

func newTestGeneric(t *testing.T) *Generic {
	t.Helper()
	g, err := NewGeneric(GenericConfig{Secret: genericSecret, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGenericSignatureIsDocumented(t *testing.T) {
	// HMAC-SHA256 of "1.body" under "key", computed outside Go.
	const want = "sha256=91b5374b153842ad05b2c4eab9349b8321b14703165bd3fb8b034dfb8be98ae5"
	if got := GenericSignature("key", "1", []byte("body")); got != want {
		t.Fatalf("GenericSignature = %q, want %q", got, want)
	}
}

func TestGenericReports(t *testing.T) {
	body := []byte(readFile(t, "generic-events.json"))
	reports, err := newTestGeneric(t).Reports(genericRequest(genericSecret, testNow, body), body)
	if err != nil {
		t.Fatal(err)
	}
	g := func(r bounce.Report) bounce.Report { r.Source = "generic"; return r }
	checkReports(t, reports, []bounce.Report{
		g(bounce.Report{Recipient: "reader.twentythree@example.com", Status: "5.1.1", Action: "failed", Kind: bounce.Hard,
			Diagnostic: "550 5.1.1 <reader.twentythree@example.com>: no such user",
			MessageID:  "d80.l1.1741602000@mail.example.com", At: at("2026-03-10T11:58:00Z"), EventID: "relay-0001"}),
		g(bounce.Report{Recipient: "reader.twentyfour@example.com", Status: "4.2.2", Action: "failed", Kind: bounce.Soft,
			Diagnostic: "452 4.2.2 mailbox full", EventID: "relay-0002"}),
		g(bounce.Report{Recipient: "reader.twentyfive@example.com", Action: "complaint", Kind: bounce.Complaint,
			FeedbackType: "abuse", MessageID: "d82.l1.1741602000@mail.example.com", EventID: "relay-0003"}),
		g(bounce.Report{Action: "delayed", Kind: bounce.Ignore, Diagnostic: "greylisted",
			MessageID: "d83.l1.1741602000@mail.example.com", EventID: "relay-0004"}),
		g(bounce.Report{Recipient: "reader.twentysix@example.com", Action: "delivered", Kind: bounce.Ignore, EventID: "relay-0005"}),
	})
}

func TestGenericRefusals(t *testing.T) {
	body := []byte(readFile(t, "generic-events.json"))
	signed := func(b string) (*http.Request, []byte) {
		return genericRequest(genericSecret, testNow, []byte(b)), []byte(b)
	}
	tests := []struct {
		name string
		req  func() (*http.Request, []byte)
		want error
	}{
		{"wrong secret", func() (*http.Request, []byte) { return genericRequest("another secret entirely", testNow, body), body }, ErrUnauthenticated},
		{"tampered body", func() (*http.Request, []byte) {
			return genericRequest(genericSecret, testNow, body), bytes.Replace(body, []byte("permanent"), []byte("temporary"), 1)
		}, ErrUnauthenticated},
		{"timestamp moved", func() (*http.Request, []byte) {
			r := genericRequest(genericSecret, testNow, body)
			r.Header.Set(GenericTimestampHeader, strconv.FormatInt(testNow.Unix()-1, 10))
			return r, body
		}, ErrUnauthenticated},
		{"no signature", func() (*http.Request, []byte) {
			r := genericRequest(genericSecret, testNow, body)
			r.Header.Del(GenericSignatureHeader)
			return r, body
		}, ErrUnauthenticated},
		{"no sha256= prefix", func() (*http.Request, []byte) {
			r := genericRequest(genericSecret, testNow, body)
			r.Header.Set(GenericSignatureHeader, strings.TrimPrefix(r.Header.Get(GenericSignatureHeader), "sha256="))
			return r, body
		}, ErrUnauthenticated},
		{"stale", func() (*http.Request, []byte) {
			return genericRequest(genericSecret, testNow.Add(-20*time.Minute), body), body
		}, ErrUnauthenticated},
		{"malformed JSON", func() (*http.Request, []byte) { return signed(`{"events": [`) }, ErrMalformed},
		{"unknown field", func() (*http.Request, []byte) {
			return signed(`{"events": [{"id": "1", "type": "bounce", "recipeint": "a@b.c"}]}`)
		}, ErrMalformed},
		{"unknown type", func() (*http.Request, []byte) {
			return signed(`{"events": [{"id": "1", "type": "bonce", "recipient": "a@b.c"}]}`)
		}, ErrMalformed},
		{"bad severity", func() (*http.Request, []byte) {
			return signed(`{"events": [{"id": "1", "type": "bounce", "severity": "hard", "recipient": "a@b.c"}]}`)
		}, ErrMalformed},
		{"no id", func() (*http.Request, []byte) {
			return signed(`{"events": [{"type": "bounce", "recipient": "a@b.c"}]}`)
		}, ErrMalformed},
		{"no recipient or message id", func() (*http.Request, []byte) { return signed(`{"events": [{"id": "1", "type": "bounce"}]}`) }, ErrMalformed},
		{"bad status", func() (*http.Request, []byte) {
			return signed(`{"events": [{"id": "1", "type": "bounce", "recipient": "a@b.c", "status": "550"}]}`)
		}, ErrMalformed},
		{"bad time", func() (*http.Request, []byte) {
			return signed(`{"events": [{"id": "1", "type": "bounce", "recipient": "a@b.c", "at": "yesterday"}]}`)
		}, ErrMalformed},
		{"trailing data", func() (*http.Request, []byte) { return signed(`{"events": []} {"events": []}`) }, ErrMalformed},
		{"too many events", func() (*http.Request, []byte) {
			return signed(`{"events": [` + strings.Repeat(`{"id":"1","type":"delivered","recipient":"a@b.c"},`, maxGenericEvents) + `{"id":"1","type":"delivered","recipient":"a@b.c"}]}`)
		}, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, b := tc.req()
			reports, err := newTestGeneric(t).Reports(req, b)
			if !errors.Is(err, tc.want) || len(reports) != 0 {
				t.Fatalf("got %d reports, err %v; want none and %v", len(reports), err, tc.want)
			}
		})
	}
}

func TestGenericReplay(t *testing.T) {
	g := newTestGeneric(t)
	body := []byte(readFile(t, "generic-events.json"))
	if _, err := g.Reports(genericRequest(genericSecret, testNow, body), body); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Reports(genericRequest(genericSecret, testNow, body), body); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("replay: err %v, want ErrUnauthenticated", err)
	}
	g.release(genericRequest(genericSecret, testNow, body), body)
	if _, err := g.Reports(genericRequest(genericSecret, testNow, body), body); err != nil {
		t.Fatalf("released request refused: %v", err)
	}
}

func TestNewGenericNeedsASecret(t *testing.T) {
	if _, err := NewGeneric(GenericConfig{Secret: "short"}); err == nil {
		t.Fatal("a 5-byte secret was accepted")
	}
}
