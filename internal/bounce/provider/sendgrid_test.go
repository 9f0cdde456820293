package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

func newECKey(t *testing.T, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// publicKeyB64 is the key as SendGrid shows it: base64 of the DER form.
func publicKeyB64(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// sendgridRequest signs body at stamp as SendGrid does: ECDSA over
// SHA-256 of the timestamp followed by the body, base64 DER.
func sendgridRequest(t *testing.T, key *ecdsa.PrivateKey, stamp time.Time, body []byte) *http.Request {
	t.Helper()
	ts := strconv.FormatInt(stamp.Unix(), 10)
	d := sha256.Sum256(append([]byte(ts), body...))
	sig, err := ecdsa.SignASN1(rand.Reader, key, d[:])
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/webhooks/sendgrid", nil)
	r.Header.Set(sendgridSignature, base64.StdEncoding.EncodeToString(sig))
	r.Header.Set(sendgridTimestamp, ts)
	return r
}

func newTestSendGrid(t *testing.T, key string) *SendGrid {
	t.Helper()
	s, err := NewSendGrid(SendGridConfig{VerificationKey: key, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSendGridReports(t *testing.T) {
	key := newECKey(t, elliptic.P256())
	body := []byte(readFile(t, "sendgrid-events.json"))
	reports, err := newTestSendGrid(t, publicKeyB64(t, &key.PublicKey)).Reports(sendgridRequest(t, key, testNow, body), body)
	if err != nil {
		t.Fatal(err)
	}
	sg := func(r bounce.Report) bounce.Report { r.Source = "sendgrid"; return r }
	checkReports(t, reports, []bounce.Report{
		sg(bounce.Report{Recipient: "reader.seventeen@example.com", Status: "5.1.1", Action: "failed", Kind: bounce.Hard,
			Diagnostic: "550 5.1.1 The email account that you tried to reach does not exist.",
			MessageID:  "d70.l1.1741601000@mail.example.com", At: time.Unix(1773143800, 0).UTC(), EventID: "ZmFrZS1ib3VuY2UtZXZlbnQtMDAwMQ"}),
		sg(bounce.Report{Recipient: "reader.eighteen@example.com", Status: "5.7.1", Action: "failed", Kind: bounce.Soft, OurSending: true,
			Diagnostic: "554 5.7.1 Service unavailable; client host blocked using a block list",
			MessageID:  "d71.l1.1741601000@mail.example.com", At: time.Unix(1773143810, 0).UTC(), EventID: "ZmFrZS1ibG9ja2VkLWV2ZW50LTAwMDI"}),
		sg(bounce.Report{Recipient: "reader.nineteen@example.com", Status: "5.0.0", Action: "failed", Kind: bounce.Hard,
			Diagnostic: "Bounced Address", MessageID: "d72.l1.1741601000@mail.example.com",
			At: time.Unix(1773143820, 0).UTC(), EventID: "ZmFrZS1kcm9wcGVkLWV2ZW50LTAwMDM"}),
		sg(bounce.Report{Recipient: "reader.twenty@example.com", Status: "4.7.0", Action: "delayed", Kind: bounce.Ignore,
			Diagnostic: "421 4.7.0 Try again later, closing connection.", MessageID: "d73.l1.1741601000@mail.example.com",
			At: time.Unix(1773143830, 0).UTC(), EventID: "ZmFrZS1kZWZlcnJlZC1ldmVudC0wMDQ"}),
		sg(bounce.Report{Recipient: "reader.twentyone@example.com", Action: "complaint", Kind: bounce.Complaint,
			MessageID: "d74.l1.1741601000@mail.example.com", At: time.Unix(1773143840, 0).UTC(), EventID: "ZmFrZS1zcGFtcmVwb3J0LWV2ZW50LTU"}),
		sg(bounce.Report{Recipient: "reader.twentytwo@example.com", Status: "2.0.0", Action: "delivered", Kind: bounce.Ignore,
			Diagnostic: "250 2.0.0 OK", MessageID: "d75.l1.1741601000@mail.example.com",
			At: time.Unix(1773143850, 0).UTC(), EventID: "ZmFrZS1kZWxpdmVyZWQtZXZlbnQtNg"}),
	})
}

func TestSendGridKeyForms(t *testing.T) {
	key := newECKey(t, elliptic.P256())
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	body := []byte("[]")
	if _, err := newTestSendGrid(t, pemKey).Reports(sendgridRequest(t, key, testNow, body), body); err != nil {
		t.Fatalf("PEM key: %v", err)
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	for name, k := range map[string]string{
		"empty": "", "not base64": "%%%", "not a key": base64.StdEncoding.EncodeToString([]byte("hello")),
		"P-384": publicKeyB64(t, &newECKey(t, elliptic.P384()).PublicKey), "RSA": publicKeyB64(t, &rsaKey.PublicKey),
	} {
		if _, err := NewSendGrid(SendGridConfig{VerificationKey: k}); err == nil {
			t.Errorf("%s verification key accepted", name)
		}
	}
}

func TestSendGridRefusals(t *testing.T) {
	key := newECKey(t, elliptic.P256())
	other := newECKey(t, elliptic.P256())
	s := newTestSendGrid(t, publicKeyB64(t, &key.PublicKey))
	body := []byte(readFile(t, "sendgrid-events.json"))
	tampered := []byte(strings.Replace(string(body), "reader.nineteen", "reader.nobody", 1))
	type sgCase struct {
		name string
		req  *http.Request
		body []byte
		want error
	}
	tests := []sgCase{
		{"wrong key", sendgridRequest(t, other, testNow, body), body, ErrUnauthenticated},
		{"tampered body", sendgridRequest(t, key, testNow, body), tampered, ErrUnauthenticated},
		{"stale timestamp", sendgridRequest(t, key, testNow.Add(-time.Hour), body), body, ErrUnauthenticated},
		{"future timestamp", sendgridRequest(t, key, testNow.Add(time.Hour), body), body, ErrUnauthenticated},
		{"malformed JSON", sendgridRequest(t, key, testNow, []byte(`[{"event":`)), []byte(`[{"event":`), ErrMalformed},
		{"object, not array", sendgridRequest(t, key, testNow, []byte(`{"event":"bounce"}`)), []byte(`{"event":"bounce"}`), ErrMalformed},
	}
	missingSig := sendgridRequest(t, key, testNow, body)
	missingSig.Header.Del(sendgridSignature)
	missingStamp := sendgridRequest(t, key, testNow, body)
	missingStamp.Header.Del(sendgridTimestamp)
	movedStamp := sendgridRequest(t, key, testNow, body)
	movedStamp.Header.Set(sendgridTimestamp, strconv.FormatInt(testNow.Unix()+1, 10))
	badB64 := sendgridRequest(t, key, testNow, body)
	badB64.Header.Set(sendgridSignature, "not base64!")
	tests = append(tests,
		sgCase{"no signature header", missingSig, body, ErrUnauthenticated},
		sgCase{"no timestamp header", missingStamp, body, ErrUnauthenticated},
		sgCase{"timestamp moved", movedStamp, body, ErrUnauthenticated},
		sgCase{"signature not base64", badB64, body, ErrUnauthenticated},
	)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reports, err := s.Reports(tc.req, tc.body)
			if !errors.Is(err, tc.want) || len(reports) != 0 {
				t.Fatalf("got %d reports, err %v; want none and %v", len(reports), err, tc.want)
			}
		})
	}
}
