package provider

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

const mailgunKey = "key-0123456789abcdef0123456789abcdef"

// mailgunSigned returns the body in testdata/file signed with key at
// stamp with token, as Mailgun signs: hex HMAC-SHA256(key, timestamp+token).
func mailgunSigned(t *testing.T, file, key string, stamp time.Time, token string) []byte {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal([]byte(readFile(t, file)), &body); err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(stamp.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(ts + token))
	body["signature"] = map[string]string{"timestamp": ts, "token": token, "signature": hex.EncodeToString(mac.Sum(nil))}
	return jsonBody(t, body)
}

func newTestMailgun(t *testing.T) *Mailgun {
	t.Helper()
	m, err := NewMailgun(MailgunConfig{SigningKey: mailgunKey, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mailgunPost(m *Mailgun, body []byte) ([]bounce.Report, error) {
	return m.Reports(httptest.NewRequest("POST", "/webhooks/mailgun", nil), body)
}

func TestMailgunReports(t *testing.T) {
	m := newTestMailgun(t)
	tests := []struct {
		file string
		want []bounce.Report
	}{
		{"mailgun-failed-permanent.json", []bounce.Report{{
			Recipient: "reader.thirteen@example.com", Status: "5.1.1", Action: "failed", Kind: bounce.Hard,
			Diagnostic: "550 5.1.1 The email account that you tried to reach does not exist.",
			MessageID:  "d60.l1.1741600500@mail.example.com", Source: "mailgun",
			At: time.Unix(1773143880, 329574000).UTC(), EventID: "G9Bn5sl1TC6nu79C8C0bwg",
		}}},
		{"mailgun-failed-temporary.json", []bounce.Report{{
			Recipient: "reader.fourteen@example.com", Status: "4.2.2", Action: "delayed", Kind: bounce.Ignore,
			Diagnostic: "452 4.2.2 The email account that you tried to reach is over quota.",
			MessageID:  "d61.l2.1741600600@mail.example.com", Source: "mailgun",
			At: time.Unix(1773143000, 0).UTC(), EventID: "Fs7-5t81S2ioMgIu0r6BLg",
		}}},
		{"mailgun-complained.json", []bounce.Report{{
			Recipient: "reader.fifteen@example.com", Action: "complaint", Kind: bounce.Complaint,
			MessageID: "d62.l3.1741600700@mail.example.com", Source: "mailgun",
			At: time.Unix(1773142000, 500000000).UTC(), EventID: "-Agny091SquKnsrW2NEKUA",
		}}},
		{"mailgun-delivered.json", []bounce.Report{{
			Recipient: "reader.sixteen@example.com", Action: "delivered", Kind: bounce.Ignore, Diagnostic: "250 OK",
			MessageID: "d63.l4.1741600800@mail.example.com", Source: "mailgun",
			At: time.Unix(1773141000, 0).UTC(), EventID: "CPgfbmQMTCKtHW6uIWtuVe",
		}}},
		{"mailgun-opened.json", nil},
	}
	for i, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			body := mailgunSigned(t, tc.file, mailgunKey, testNow.Add(-time.Minute), fmt.Sprintf("token-%050d", i))
			reports, err := mailgunPost(m, body)
			if err != nil {
				t.Fatal(err)
			}
			checkReports(t, reports, tc.want)
		})
	}
}

func TestMailgunRefusals(t *testing.T) {
	const file = "mailgun-failed-permanent.json"
	good := func(token string) []byte { return mailgunSigned(t, file, mailgunKey, testNow, token) }
	edit := func(body []byte, f func(map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(body, &m)
		f(m)
		return jsonBody(t, m)
	}
	tests := []struct {
		name string
		body []byte
		want error
	}{
		{"wrong key", mailgunSigned(t, file, "key-not-ours", testNow, "tok-1"), ErrUnauthenticated},
		{"bad signature", edit(good("tok-2"), func(m map[string]any) {
			m["signature"].(map[string]any)["signature"] = "00" + m["signature"].(map[string]any)["signature"].(string)[2:]
		}), ErrUnauthenticated},
		{"signature not hex", edit(good("tok-3"), func(m map[string]any) { m["signature"].(map[string]any)["signature"] = "zz" }), ErrUnauthenticated},
		{"token swapped", edit(good("tok-4"), func(m map[string]any) { m["signature"].(map[string]any)["token"] = "tok-5" }), ErrUnauthenticated},
		{"timestamp moved", edit(good("tok-6"), func(m map[string]any) { m["signature"].(map[string]any)["timestamp"] = "1773144001" }), ErrUnauthenticated},
		{"no signature", edit(good("tok-7"), func(m map[string]any) { delete(m, "signature") }), ErrUnauthenticated},
		{"stale timestamp", mailgunSigned(t, file, mailgunKey, testNow.Add(-16*time.Minute), "tok-8"), ErrUnauthenticated},
		{"future timestamp", mailgunSigned(t, file, mailgunKey, testNow.Add(16*time.Minute), "tok-9"), ErrUnauthenticated},
		{"malformed JSON", []byte(`{"signature": {"timestamp": "1"`), ErrMalformed},
		{"signed but no event", edit(good("tok-10"), func(m map[string]any) { delete(m, "event-data") }), ErrMalformed},
		// The event is outside the signature: Mailgun signs only the
		// timestamp and token, so an edited event cannot be detected;
		// the token makes the captured signature single-use.
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reports, err := mailgunPost(newTestMailgun(t), tc.body)
			if !errors.Is(err, tc.want) || len(reports) != 0 {
				t.Fatalf("got %d reports, err %v; want none and %v", len(reports), err, tc.want)
			}
		})
	}
}

func TestMailgunReplayAndRetry(t *testing.T) {
	m := newTestMailgun(t)
	body := mailgunSigned(t, "mailgun-failed-permanent.json", mailgunKey, testNow, "tok-replay")
	if _, err := mailgunPost(m, body); err != nil {
		t.Fatal(err)
	}
	if reports, err := mailgunPost(m, body); !errors.Is(err, ErrUnauthenticated) || len(reports) != 0 {
		t.Fatalf("replay: %d reports, err %v", len(reports), err)
	}
	// A request whose reports the store could not take is released, so
	// that Mailgun's retry of it is taken.
	h := &Handler{Provider: m, Accept: func(_ context.Context, _ []bounce.Report) error { return errors.New("store down") }}
	retry := mailgunSigned(t, "mailgun-failed-permanent.json", mailgunKey, testNow, "tok-retry")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", bytes.NewReader(retry)))
	if rec.Code != 503 {
		t.Fatalf("store down: %d, want 503", rec.Code)
	}
	if _, err := mailgunPost(m, retry); err != nil {
		t.Fatalf("retry after a failed Accept refused: %v", err)
	}
}

func TestMailgunParentSignature(t *testing.T) {
	var body map[string]any
	json.Unmarshal(mailgunSigned(t, "mailgun-complained.json", mailgunKey, testNow, "tok-sub"), &body)
	sig := body["signature"].(map[string]any)
	sig["parent-signature"], sig["signature"] = sig["signature"], "0000"
	if _, err := mailgunPost(newTestMailgun(t), jsonBody(t, body)); err != nil {
		t.Fatalf("parent-signature under the configured key refused: %v", err)
	}
}
