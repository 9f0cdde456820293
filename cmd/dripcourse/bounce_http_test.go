package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce/bouncetest"
	"github.com/dripcourse/dripcourse/internal/bounce/provider"
	"github.com/dripcourse/dripcourse/internal/drip"
)

// postTo posts body to the harness's web server with headers (name,
// value pairs) and returns the status and the answer.
func (b *bounceHarness) postTo(path string, body io.Reader, headers ...string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.web.URL+path, body)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	text, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(text)
}

// TestBounceRawEndpoint: POST /bounces/raw, mounted by serve, takes a
// raw message only with the bearer token, up to 10 MB (beyond the public
// pages' 64 KB), from any origin (it is no browser form), and refuses the
// rest with a clear status.
func TestBounceRawEndpoint(t *testing.T) {
	b := newBounceHarness(t)
	ann := b.firstLessons("ann@example.org")["ann@example.org"]
	dsn := bouncetest.DSN(original(ann), "failed", "5.1.1", "550 5.1.1 user unknown", "h1")
	padded := append([]byte("X-Note: "+strings.Repeat("p", 100<<10)+"\r\n"), dsn...)
	if code, _ := b.postTo("/bounces/raw", bytes.NewReader(padded), "Authorization", "Bearer not-the-token"); code != http.StatusUnauthorized {
		t.Errorf("a wrong token: %d, want 401", code)
	}
	if code, _ := b.postTo("/bounces/raw", bytes.NewReader(append(padded, bytes.Repeat([]byte("x"), 10<<20)...)), "Authorization", "Bearer "+rawToken); code != http.StatusRequestEntityTooLarge {
		t.Errorf("over 10 MB: %d, want 413", code)
	}
	if code, text := b.postTo("/bounces/raw", bytes.NewReader([]byte{0, 1, 0xff}), "Authorization", "Bearer "+rawToken); code != http.StatusUnprocessableEntity {
		t.Errorf("a blob: %d %q, want 422", code, text)
	}
	if st := b.status("ann@example.org"); st != drip.StatusActive {
		t.Fatalf("ann is %s after refused requests", st)
	}
	code, text := b.postTo("/bounces/raw", bytes.NewReader(padded), "Authorization", "Bearer "+rawToken, "Origin", "https://elsewhere.example")
	var l struct{ Kind, Recipient string }
	if code != http.StatusOK || json.Unmarshal([]byte(text), &l) != nil || l.Kind != "hard" || b.status("ann@example.org") != drip.StatusBounced {
		t.Fatalf("a 100 KB DSN: %d %q; ann %s", code, text, b.status("ann@example.org"))
	}
}

// signGeneric returns the headers of a generic webhook request.
func signGeneric(secret, body string, now time.Time) []string {
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, ts+"."+body)
	return []string{provider.GenericTimestampHeader, ts, provider.GenericSignatureHeader, "sha256=" + hex.EncodeToString(mac.Sum(nil)),
		"Content-Type", "application/json"}
}

// TestBounceWebhooks: the provider routes serve mounts are authenticated
// the providers' way. A generic event sent twice counts once; an SNS
// message with a bad signature, or a certificate from a host that is not
// Amazon's, is refused and changes nothing; a correctly signed SES bounce
// is matched by the Message-ID dripcourse set.
func TestBounceWebhooks(t *testing.T) {
	b := newBounceHarness(t)
	ls := b.firstLessons("ann@example.org", "ben@example.org")
	ann, ben := original(ls["ann@example.org"]), original(ls["ben@example.org"])
	complaint := fmt.Sprintf(`{"events":[{"id":"fbl-1","type":"complaint","recipient":%q,"message_id":"<%s>"}]}`, ben.Recipient, ben.MessageID)
	for i := range 2 {
		now := b.clock.Now().Add(time.Duration(i) * time.Second) // a retry is signed afresh
		if code, text := b.postTo("/webhooks/bounce/generic", strings.NewReader(complaint), signGeneric(genericSecret, complaint, now)...); code != http.StatusOK {
			t.Fatalf("generic event, time %d: %d %s", i+1, code, text)
		}
	}
	if st, n := b.status("ben@example.org"), b.reportCount("ben@example.org"); st != drip.StatusComplained || n != 1 {
		t.Fatalf("ben after the complaint sent twice: %s with %d reports, want complained with 1", st, n)
	}
	ses := fmt.Sprintf(`{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",
		"bouncedRecipients":[{"emailAddress":%q,"action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],
		"timestamp":"2026-12-01T15:00:00.000Z","feedbackId":"ses-feedback-1"},
		"mail":{"messageId":"ses-own-id","commonHeaders":{"messageId":"<%s>"}}}`, ann.Recipient, ann.MessageID)
	tampered := snsNotification(t, b.snsKey, sesCertURL, ses)
	tampered["Message"] = strings.Replace(ses, "5.1.1", "5.1.2", 1)
	foreign := snsNotification(t, b.snsKey, "https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem", ses)
	for name, env := range map[string]map[string]string{"a bad signature": tampered, "a foreign certificate host": foreign} {
		body, _ := json.Marshal(env)
		if code, _ := b.postTo("/webhooks/bounce/ses", bytes.NewReader(body), "x-amz-sns-message-type", "Notification"); code != http.StatusUnauthorized && code != http.StatusForbidden {
			t.Errorf("%s: %d, want 401 or 403", name, code)
		}
	}
	if st, n := b.status("ann@example.org"), b.reportCount("ann@example.org"); st != drip.StatusActive || n != 0 {
		t.Fatalf("ann after refused SNS messages: %s with %d reports", st, n)
	}
	body, _ := json.Marshal(snsNotification(t, b.snsKey, sesCertURL, ses))
	if code, text := b.postTo("/webhooks/bounce/ses", bytes.NewReader(body), "x-amz-sns-message-type", "Notification"); code != http.StatusOK {
		t.Fatalf("a signed SES bounce: %d %s", code, text)
	}
	if st := b.status("ann@example.org"); st != drip.StatusBounced {
		t.Fatalf("ann is %s after an SES bounce, want bounced", st)
	}
	if code, _ := b.postTo("/webhooks/bounce/postmark", strings.NewReader("{}")); code != http.StatusNotFound {
		t.Errorf("a provider without settings: %d, want 404 (not mounted)", code)
	}
}
