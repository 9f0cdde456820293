package store

import (
	"bytes"
	"testing"

	"github.com/dripcourse/dripcourse/internal/webhook"
	"github.com/dripcourse/dripcourse/internal/webhook/outboxtest"
)

// testSealer seals with a fixed signing secret.
func testSealer(t testing.TB) *webhook.Sealer {
	t.Helper()
	s, err := webhook.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The SQL outbox keeps the contract the dispatcher relies on, on both
// databases.
func TestWebhookOutboxContract(t *testing.T) {
	stores(t, func(t *testing.T) {
		outboxtest.Run(t, func(t *testing.T) outboxtest.Store { return open(t).Webhooks(testSealer(t)) })
	})
}
