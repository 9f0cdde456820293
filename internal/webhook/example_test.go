package webhook_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/dripcourse/dripcourse/internal/webhook"
)

// A receiver checks each request before trusting it, on the raw body,
// and deduplicates by webhook-id: delivery is at least once.
func ExampleVerify() {
	secret := webhook.Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") // shown once when the endpoint was added
	body := []byte(`{"type":"lesson.sent","timestamp":"2026-03-02T08:00:00Z","data":{}}`)
	sent := time.Date(2026, 3, 2, 8, 0, 1, 0, time.UTC)
	sig, _ := webhook.Sign(secret, "msg_01", sent, body)

	h := http.Header{}
	h.Set("webhook-id", "msg_01")
	h.Set("webhook-timestamp", fmt.Sprint(sent.Unix()))
	h.Set("webhook-signature", sig)

	fmt.Println(webhook.Verify(secret, h, body, sent.Add(30*time.Second), webhook.DefaultTolerance))
	fmt.Println(webhook.Verify(secret, h, body, sent.Add(10*time.Minute), webhook.DefaultTolerance))
	// Output:
	// <nil>
	// webhook: webhook-timestamp is outside the tolerance: 10m0s off
}
