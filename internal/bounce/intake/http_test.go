package intake_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
	"github.com/dripcourse/dripcourse/internal/bounce/bouncetest"
	"github.com/dripcourse/dripcourse/internal/bounce/intake"
	"github.com/dripcourse/dripcourse/internal/bounce/provider"
	"github.com/dripcourse/dripcourse/internal/drip"
)

const rawSecret = "raw-endpoint-secret-0123456789"

func post(t *testing.T, url, auth string, body io.Reader, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, body)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestRawEndpoint: the raw endpoint takes a message only with the bearer
// token, refuses a body over 10 MB (declared or not) and a message that
// holds no report, each with a clear answer, and answers a report with its
// JSON line.
func TestRawEndpoint(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.in.RawHandler(rawSecret))
	defer srv.Close()
	dsn := bouncetest.DSN(bouncetest.Original{ReturnPath: f.verp(f.del), Recipient: "ann@example.org"}, "failed", "4.2.2", "452 4.2.2 mailbox full", "raw")
	for _, auth := range []string{"", "Bearer wrong", "Basic " + rawSecret, "Bearer " + rawSecret + "x"} {
		if code, _ := post(t, srv.URL, auth, bytes.NewReader(dsn)); code != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d, want 401", auth, code)
		}
	}
	if n := f.logs.count("no valid bearer token"); n != 1 {
		t.Errorf("refused requests logged %d times, want once a minute", n)
	}
	big := io.MultiReader(bytes.NewReader(dsn), bytes.NewReader(bytes.Repeat([]byte("x"), bounce.MaxSize)))
	if code, _ := post(t, srv.URL, "Bearer "+rawSecret, big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("an 10 MB body: %d, want 413", code)
	}
	for name, body := range map[string][]byte{"blob": {0, 1, 2, 0xff}, "a person": []byte("Subject: hi\r\n\r\nhello\r\n")} {
		if code, text := post(t, srv.URL, "Bearer "+rawSecret, bytes.NewReader(body)); code != http.StatusUnprocessableEntity || text == "" {
			t.Errorf("%s: %d %q, want 422 with the reason", name, code, text)
		}
	}
	if s := f.status(f.ann); s != drip.StatusActive {
		t.Fatalf("reader %s after refused requests", s)
	}
	code, text := post(t, srv.URL, "Bearer "+rawSecret, bytes.NewReader(dsn))
	var l intake.Line
	if err := json.Unmarshal([]byte(text), &l); code != http.StatusOK || err != nil || l.Kind != "soft" || l.Reader == nil || *l.Reader != f.ann {
		t.Fatalf("a report: %d %q (%v)", code, text, err)
	}
}

const genericSecret = "generic-webhook-secret-0123"

// signedGeneric is a generic webhook request body and its headers, signed
// with secret at now.
func signedGeneric(secret, body string, now time.Time) []string {
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, ts+"."+body)
	return []string{provider.GenericTimestampHeader, ts, provider.GenericSignatureHeader, "sha256=" + hex.EncodeToString(mac.Sum(nil)),
		"Content-Type", "application/json"}
}

// TestWebhooks: a provider's signed event is recorded once however often
// it is sent; a request that fails authentication changes nothing and a
// flood of them is logged once; an unknown provider is 404.
func TestWebhooks(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	g, err := provider.NewGeneric(provider.GenericConfig{Secret: genericSecret, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.in.Webhooks([]provider.Provider{g}))
	defer srv.Close()
	event := func(id string) string {
		return fmt.Sprintf(`{"events":[{"id":%q,"type":"complaint","recipient":"ann@example.org","message_id":"<dann@example.org>"}]}`, id)
	}
	for i := range 20 {
		body := event(fmt.Sprint("forged", i))
		if code, _ := post(t, srv.URL+"/webhooks/bounce/generic", "", strings.NewReader(body), signedGeneric("not-the-secret-at-all", body, now)...); code != http.StatusUnauthorized {
			t.Fatalf("forged request: %d, want 401", code)
		}
	}
	if n := f.logs.count("generic webhook request was refused"); n != 1 {
		t.Errorf("20 refused requests logged %d times, want once", n)
	}
	if s := f.status(f.ann); s != drip.StatusActive {
		t.Fatalf("reader %s after forged requests", s)
	}
	for range 2 {
		body := event("ev-1")
		// Each send is signed afresh, as a provider's retry is: the
		// replay memory refuses only the very same signature.
		now = now.Add(time.Second)
		if code, text := post(t, srv.URL+"/webhooks/bounce/generic", "", strings.NewReader(body), signedGeneric(genericSecret, body, now)...); code != http.StatusOK {
			t.Fatalf("signed event: %d %s", code, text)
		}
	}
	if s := f.status(f.ann); s != drip.StatusComplained {
		t.Fatalf("reader %s after a complaint event, want complained", s)
	}
	if reports, _ := f.db.ReportsOf(t.Context(), f.ann); len(reports) != 1 {
		t.Errorf("the event sent twice was kept %d times, want once", len(reports))
	}
	if code, _ := post(t, srv.URL+"/webhooks/bounce/nobody", "", strings.NewReader("{}")); code != http.StatusNotFound {
		t.Errorf("unknown provider: %d, want 404", code)
	}
}
