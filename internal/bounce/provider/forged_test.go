package provider

import (
	"crypto/elliptic"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

// TestForgedRequestsRecordNothing sends, through the real handler over
// HTTP, each provider's sample with no valid credentials, then one over
// the size cap, then the valid request: the first two are refused with
// the right status, Refused hears of each once, and only the last one
// reaches Accept.
func TestForgedRequestsRecordNothing(t *testing.T) {
	f := newSNSFixture(t)
	ec := newECKey(t, elliptic.P256())
	sendgrid := newTestSendGrid(t, publicKeyB64(t, &ec.PublicKey))
	brevo, _ := NewBrevo(BrevoConfig{Token: brevoToken})
	sesBody := jsonBody(t, f.notification(t, readFile(t, "ses-bounce.json"), "2"))
	forgedSES := strings.Replace(string(sesBody), `"Signature":"`, `"Signature":"AAAA`, 1)
	sgBody := []byte(readFile(t, "sendgrid-events.json"))
	genericBody := []byte(readFile(t, "generic-events.json"))
	tests := []struct {
		name          string
		p             Provider
		forged, valid func() *http.Request
		status        int
	}{
		{"ses", f.ses(t),
			func() *http.Request { return httptest.NewRequest("POST", "/", strings.NewReader(forgedSES)) },
			func() *http.Request { return httptest.NewRequest("POST", "/", strings.NewReader(string(sesBody))) }, 401},
		{"postmark", newTestPostmark(t),
			func() *http.Request { return postmarkRequest(readFile(t, "postmark-bounce.json"), "postmark", "guess") },
			func() *http.Request {
				return postmarkRequest(readFile(t, "postmark-bounce.json"), "postmark", "s3cret-webhook-password")
			}, 401},
		{"mailgun", newTestMailgun(t),
			func() *http.Request {
				return withBody(mailgunSigned(t, "mailgun-failed-permanent.json", "key-guess", testNow, "tok-f"))
			},
			func() *http.Request {
				return withBody(mailgunSigned(t, "mailgun-failed-permanent.json", mailgunKey, testNow, "tok-v"))
			}, 401},
		{"sendgrid", sendgrid,
			func() *http.Request {
				return withHeaders(sendgridRequest(t, newECKey(t, elliptic.P256()), testNow, sgBody), sgBody)
			},
			func() *http.Request { return withHeaders(sendgridRequest(t, ec, testNow, sgBody), sgBody) }, 401},
		{"brevo", brevo,
			func() *http.Request { return withAuth("Bearer guess", readFile(t, "brevo-hard-bounce.json")) },
			func() *http.Request { return withAuth("Bearer "+brevoToken, readFile(t, "brevo-hard-bounce.json")) }, 401},
		{"generic", newTestGeneric(t),
			func() *http.Request { return genericRequest("a guessed secret value", testNow, genericBody) },
			func() *http.Request { return genericRequest(genericSecret, testNow, genericBody) }, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var accepted []bounce.Report
			var refused []int
			h := &Handler{Provider: tc.p, Accept: acceptInto(&accepted),
				Refused: func(_ *http.Request, status int, _ error) { refused = append(refused, status) }}
			if got := serve(h, tc.forged()); got != tc.status {
				t.Fatalf("forged: %d, want %d", got, tc.status)
			}
			big := tc.valid()
			big.Body = io.NopCloser(io.MultiReader(big.Body, strings.NewReader(strings.Repeat(" ", 2<<20))))
			big.ContentLength = -1
			if got := serve(h, big); got != http.StatusRequestEntityTooLarge {
				t.Fatalf("2 MB body: %d, want 413", got)
			}
			if len(accepted) != 0 || len(refused) != 2 {
				t.Fatalf("after refusals: %d reports accepted, Refused told %d times", len(accepted), len(refused))
			}
			if got := serve(h, tc.valid()); got != http.StatusOK || len(accepted) == 0 {
				t.Fatalf("valid: %d with %d reports", got, len(accepted))
			}
		})
	}
}

func serve(h http.Handler, r *http.Request) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code
}

func withBody(body []byte) *http.Request {
	return httptest.NewRequest("POST", "/", strings.NewReader(string(body)))
}

func withHeaders(signed *http.Request, body []byte) *http.Request {
	r := withBody(body)
	r.Header = signed.Header.Clone()
	return r
}

func withAuth(auth, body string) *http.Request {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Authorization", auth)
	return r
}
