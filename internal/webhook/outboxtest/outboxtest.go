// Package outboxtest checks that an implementation of webhook.Outbox
// keeps the contract the Dispatcher relies on: leases that exclude and
// then expire, quotas per endpoint, the attempt fence, endpoint health
// and disabling, requeues, and concurrent claims that never hand out one
// delivery twice. The store's tests run it against each database; the
// package's own test runs it against webhook.MemOutbox.
package outboxtest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/webhook"
)

// Store is an Outbox under test, with the store's side of events and
// endpoints that the Outbox interface leaves out.
type Store interface {
	webhook.Outbox
	// AddEndpoint adds an active endpoint subscribed to types.
	AddEndpoint(ctx context.Context, url string, secret webhook.Secret, types []string) (int64, error)
	// AddEvent records an event, and a pending delivery due at at for
	// each active endpoint subscribed to its type, in one transaction.
	AddEvent(ctx context.Context, typ string, at time.Time, body []byte) (string, error)
	// State returns a delivery's state; ok is false when there is none.
	State(ctx context.Context, eventID string, endpointID int64) (s webhook.State, ok bool, err error)
	// Attempts returns an endpoint's attempt log, oldest first.
	Attempts(ctx context.Context, endpointID int64) ([]webhook.Attempt, error)
}

// t0 is a whole second: stores keep unix seconds.
var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

const lease = 2 * time.Minute

// Run runs every check, each on a fresh, empty Store from open.
func Run(t *testing.T, open func(t *testing.T) Store) {
	checks := []struct {
		name string
		fn   func(*testing.T, *suite)
	}{
		{"LeaseExcludesThenExpires", leaseExcludesThenExpires},
		{"QuotasAndOrder", quotasAndOrder},
		{"SubscriptionsAndDueTimes", subscriptionsAndDueTimes},
		{"RecordAndFence", recordAndFence},
		{"HealthAndDisable", healthAndDisable},
		{"Requeue", requeue},
		{"ConcurrentClaims", concurrentClaims},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) { c.fn(t, &suite{t: t, s: open(t), ctx: context.Background()}) })
	}
}

// suite wraps a Store so that the checks read as the contract does.
type suite struct {
	t   *testing.T
	s   Store
	ctx context.Context
	n   int
}

func (u *suite) endpoint(types ...string) int64 {
	u.t.Helper()
	u.n++
	id, err := u.s.AddEndpoint(u.ctx, "https://hooks.example/"+strconv.Itoa(u.n), webhook.NewSecret(), types)
	if err != nil {
		u.t.Fatal(err)
	}
	return id
}

func (u *suite) event(typ string, at time.Time) string {
	u.t.Helper()
	body, err := webhook.Payload(typ, at, nil)
	if err != nil {
		u.t.Fatal(err)
	}
	id, err := u.s.AddEvent(u.ctx, typ, at, body)
	if err != nil {
		u.t.Fatal(err)
	}
	return id
}

func (u *suite) claim(now time.Time, per, limit int, busy map[int64]int) []webhook.Delivery {
	u.t.Helper()
	got, err := u.s.Claim(u.ctx, webhook.Claim{Now: now, Lease: lease, PerEndpoint: per, Busy: busy, Limit: limit})
	if err != nil {
		u.t.Fatal(err)
	}
	return got
}

func (u *suite) state(eventID string, ep int64) webhook.State {
	u.t.Helper()
	s, ok, err := u.s.State(u.ctx, eventID, ep)
	if err != nil || !ok {
		u.t.Fatalf("state of %s to %d: %v, %v", eventID, ep, ok, err)
	}
	return s
}

// outcome builds the record of an attempt at d.
func outcome(d webhook.Delivery, at time.Time, status int, state webhook.State, next time.Time) webhook.Outcome {
	a := webhook.Attempt{EventID: d.EventID, EndpointID: d.EndpointID, Number: d.Attempt, At: at,
		Latency: 12 * time.Millisecond, Status: status, Response: []byte("ok")}
	if status < 200 || status > 299 {
		a.Error = "HTTP " + strconv.Itoa(status)
	}
	return webhook.Outcome{Attempt: a, State: state, NextAt: next}
}

func (u *suite) record(o webhook.Outcome) time.Time {
	u.t.Helper()
	failing, err := u.s.Record(u.ctx, o)
	if err != nil {
		u.t.Fatalf("record %+v: %v", o.Attempt, err)
	}
	return failing
}
