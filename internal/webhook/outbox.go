package webhook

import (
	"context"
	"errors"
	"time"
)

// Outbox is what the Dispatcher needs from the store. A delivery is one
// event owed to one endpoint, created (pending, due at once) in the same
// transaction as the event, for every active endpoint subscribed to its
// type. Implementations must be safe for concurrent use, and, where
// several instances share one database, make Claim and Record atomic
// (row locks and SKIP LOCKED on PostgreSQL).
type Outbox interface {
	// Claim leases due deliveries and returns them. A delivery is due
	// when it is pending, its endpoint is active, and its NextAt is at or
	// before c.Now. Claiming sets NextAt to c.Now+c.Lease (so a claim that
	// is never recorded comes due again when its lease ends) and adds one
	// to both Attempt and Try. Claim takes at most c.PerEndpoint minus
	// c.Busy[endpoint] deliveries of any one endpoint, at most c.Limit in
	// all, the earliest due first within an endpoint, and serves the
	// endpoints in the order of their earliest due delivery. Deliveries
	// another instance is claiming at the same moment are skipped.
	Claim(ctx context.Context, c Claim) ([]Delivery, error)

	// Record appends o.Attempt to the attempt log. If the delivery's
	// Attempt still equals o.Number (no later claim took it over), it
	// also sets its state: delivered, failed (given up), or pending and
	// due at o.NextAt. It updates the endpoint's health: a success sets
	// its last success and clears its failing-since time; a failure sets
	// failing-since to o.At unless already set. It returns the endpoint's
	// failing-since time after the update (zero when the endpoint is
	// healthy), and ErrLeaseLost, with the attempt logged and the health
	// updated, when the fence did not match.
	Record(ctx context.Context, o Outcome) (failingSince time.Time, err error)

	// Disable stops deliveries to an endpoint: it marks the endpoint
	// disabled if it is active and either d.FailingBefore is zero or the
	// endpoint's failing-since time is set and at or before
	// d.FailingBefore (no success came in between). It reports whether
	// this call disabled it, so that one instance alerts, once. Pending
	// deliveries stay pending; they resume if the endpoint is enabled.
	Disable(ctx context.Context, endpointID int64, d Disabling) (bool, error)

	// Requeue makes one delivery due at now, with a fresh retry window
	// (Try back to 0, Since = now), whatever its state; it creates the
	// delivery if the event and endpoint exist but it does not. It
	// returns ErrNotFound for an unknown event or endpoint,
	// ErrEndpointDisabled, and ErrInFlight while a claim's lease on the
	// delivery is running.
	Requeue(ctx context.Context, eventID string, endpointID int64, now time.Time) error
}

// Errors an Outbox returns.
var (
	ErrLeaseLost        = errors.New("webhook: the delivery was claimed again before this attempt was recorded")
	ErrNotFound         = errors.New("webhook: no such event or endpoint")
	ErrEndpointDisabled = errors.New("webhook: the endpoint is disabled")
	ErrInFlight         = errors.New("webhook: the delivery is being attempted now; try again in a minute")
)

// Claim asks the outbox for due deliveries.
type Claim struct {
	Now         time.Time
	Lease       time.Duration
	PerEndpoint int
	// Busy counts the claimed deliveries still in flight in this
	// dispatcher, by endpoint, which Claim deducts from PerEndpoint.
	Busy  map[int64]int
	Limit int
}

// Delivery is a claimed delivery: everything one attempt needs.
type Delivery struct {
	EventID    string // the webhook-id, the same on every attempt
	EndpointID int64
	URL        string
	Secret     Secret
	Body       []byte // {"type","timestamp","data"}, exactly as signed and sent
	// Attempt numbers the attempts at this delivery over its life; it is
	// the fence Record checks.
	Attempt int
	// Try numbers the attempts since Since, from 1; backoff follows it.
	Try int
	// Since opens the retry window: the event's time, or the latest
	// Requeue. Retries stop MaxRetryAge after it.
	Since      time.Time
	LeaseUntil time.Time
}

// State is a delivery's state.
type State string

// A delivery is pending until it is delivered or given up.
const (
	Pending   State = "pending"
	Delivered State = "delivered"
	Failed    State = "failed"
)

// Attempt is one row of the attempt log.
type Attempt struct {
	EventID    string
	EndpointID int64
	Number     int // the Delivery's Attempt
	At         time.Time
	Latency    time.Duration
	// Status is the HTTP status answered, 0 when there was no answer.
	Status int
	// Error says why the attempt failed, "" when it succeeded. It never
	// contains the secret, nor the URL's path and query (which often hold
	// a token of their own).
	Error string
	// Response is the start of the answer's body, at most ResponseLimit
	// bytes; Truncated says there was more.
	Response  []byte
	Truncated bool
}

// OK reports a 2xx answer.
func (a Attempt) OK() bool { return a.Status >= 200 && a.Status <= 299 && a.Error == "" }

// Outcome is an attempt and what it makes of its delivery.
type Outcome struct {
	Attempt
	State  State
	NextAt time.Time // when State is Pending
}

// Disabling says why an endpoint is disabled.
type Disabling struct {
	At     time.Time
	Reason string
	// FailingBefore, when not zero, disables the endpoint only if it has
	// been failing since then or earlier.
	FailingBefore time.Time
}
