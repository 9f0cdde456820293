package outboxtest

import (
	"context"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/webhook"
)

// mem adapts webhook.MemOutbox to Store.
type mem struct{ *webhook.MemOutbox }

func (m mem) AddEndpoint(_ context.Context, url string, secret webhook.Secret, types []string) (int64, error) {
	return m.MemOutbox.AddEndpoint(url, secret, types...), nil
}

func (m mem) AddEvent(_ context.Context, typ string, at time.Time, body []byte) (string, error) {
	return m.MemOutbox.AddEvent(typ, at, body), nil
}

func (m mem) State(_ context.Context, eventID string, endpointID int64) (webhook.State, bool, error) {
	s, ok := m.MemOutbox.State(eventID, endpointID)
	return s, ok, nil
}

func (m mem) Attempts(_ context.Context, endpointID int64) ([]webhook.Attempt, error) {
	var out []webhook.Attempt
	for _, a := range m.MemOutbox.Attempts() {
		if a.EndpointID == endpointID {
			out = append(out, a)
		}
	}
	return out, nil
}

func TestMemOutbox(t *testing.T) {
	Run(t, func(*testing.T) Store { return mem{webhook.NewMemOutbox()} })
}
