package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

// Webhooks is the webhook side of the store: the endpoints the operator
// adds, and the outbox the webhook.Dispatcher drains (webhook_outbox.go).
// Events themselves are written by the store's own changes, in their
// transactions (webhook_emit.go). It seals endpoint secrets at rest with
// its Sealer.
type Webhooks struct {
	db     *DB
	sealer *webhook.Sealer
	// Now stamps what the caller gives no time for (an endpoint's
	// creation); time.Now unless a test sets it.
	Now func() time.Time
}

// Webhooks returns the webhook outbox of db, sealing secrets with s.
func (db *DB) Webhooks(s *webhook.Sealer) *Webhooks {
	return &Webhooks{db: db, sealer: s, Now: time.Now}
}

var _ webhook.Outbox = (*Webhooks)(nil)

// Endpoint is a webhook endpoint as the operator sees it. The secret is
// never read back: it is shown once, when the endpoint is added.
type Endpoint struct {
	ID             int64
	URL            string
	Types          []string
	Disabled       bool
	DisabledReason string
	DisabledAt     time.Time
	FailingSince   time.Time
	LastSuccessAt  time.Time
	CreatedAt      time.Time
}

// AddEndpoint adds an active endpoint subscribed to types (checked by
// the caller with webhook.ParseEventTypes) and returns its id. Events
// from now on are owed to it; earlier ones can be replayed to it.
func (w *Webhooks) AddEndpoint(ctx context.Context, url string, secret webhook.Secret, types []string) (int64, error) {
	if len(types) == 0 {
		return 0, fmt.Errorf("store: add webhook endpoint: no event types: %w", drip.ErrInvalid)
	}
	var id int64
	err := w.db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO webhook_endpoints (url, secret, status, created_at) VALUES (?, ?, 'active', ?) RETURNING id`,
			url, w.sealer.Seal(secret), unix(w.Now())).Scan(&id)
		if err != nil {
			return err
		}
		for _, t := range types {
			if _, err := tx.ExecContext(ctx, "INSERT INTO webhook_subscriptions (event_type, endpoint_id) VALUES (?, ?)", t, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: add webhook endpoint: %w", err)
	}
	return id, nil
}

const endpointCols = "id, url, status, disabled_reason, disabled_at, failing_since, last_success_at, created_at"

func scanEndpoint(scan func(...any) error) (Endpoint, error) {
	var e Endpoint
	var status string
	var disabled, failing, success, created int64
	err := scan(&e.ID, &e.URL, &status, &e.DisabledReason, &disabled, &failing, &success, &created)
	e.Disabled = status == "disabled"
	e.DisabledAt, e.FailingSince, e.LastSuccessAt, e.CreatedAt = fromUnix(disabled), fromUnix(failing), fromUnix(success), fromUnix(created)
	return e, err
}

// Endpoints lists every endpoint, oldest first, with its event types.
func (w *Webhooks) Endpoints(ctx context.Context) ([]Endpoint, error) {
	var out []Endpoint
	err := w.db.eachRow(ctx, "SELECT "+endpointCols+" FROM webhook_endpoints ORDER BY id", func(scan func(...any) error) error {
		e, err := scanEndpoint(scan)
		out = append(out, e)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: webhook endpoints: %w", err)
	}
	types := map[int64][]string{}
	err = w.db.eachRow(ctx, "SELECT endpoint_id, event_type FROM webhook_subscriptions ORDER BY event_type", func(scan func(...any) error) error {
		var id int64
		var t string
		err := scan(&id, &t)
		types[id] = append(types[id], t)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: webhook endpoints: %w", err)
	}
	for i := range out {
		out[i].Types = types[out[i].ID]
	}
	return out, nil
}

// Endpoint returns one endpoint, or drip.ErrNotFound.
func (w *Webhooks) Endpoint(ctx context.Context, id int64) (Endpoint, error) {
	all, err := w.Endpoints(ctx)
	if err != nil {
		return Endpoint{}, err
	}
	for _, e := range all {
		if e.ID == id {
			return e, nil
		}
	}
	return Endpoint{}, fmt.Errorf("store: webhook endpoint %d: %w", id, drip.ErrNotFound)
}

// SetEndpointEnabled enables or disables an endpoint by the operator's
// hand. Enabling clears its failure record, so that it has three fresh
// days before it could be disabled again; its pending deliveries resume.
func (w *Webhooks) SetEndpointEnabled(ctx context.Context, id int64, enabled bool, at time.Time) error {
	q, args := "UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = 'disabled by the operator', disabled_at = ? WHERE id = ?", []any{unix(at), id}
	if enabled {
		q, args = "UPDATE webhook_endpoints SET status = 'active', disabled_reason = '', disabled_at = 0, failing_since = 0 WHERE id = ?", []any{id}
	}
	res, err := w.db.w.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: webhook endpoint %d: %w", id, friendly(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: webhook endpoint %d: %w", id, drip.ErrNotFound)
	}
	return nil
}

// RemoveEndpoint deletes an endpoint, its subscriptions, deliveries and
// attempts. Events stay for other endpoints.
func (w *Webhooks) RemoveEndpoint(ctx context.Context, id int64) error {
	err := w.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM webhook_attempts WHERE endpoint_id = ?", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM webhook_deliveries WHERE endpoint_id = ?", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM webhook_subscriptions WHERE endpoint_id = ?", id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM webhook_endpoints WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return drip.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: remove webhook endpoint %d: %w", id, err)
	}
	return nil
}

// FindEndpoint finds an endpoint by id (as text) or by its exact URL, for
// the command line.
func (w *Webhooks) FindEndpoint(ctx context.Context, idOrURL string) (Endpoint, error) {
	all, err := w.Endpoints(ctx)
	if err != nil {
		return Endpoint{}, err
	}
	for _, e := range all {
		if fmt.Sprint(e.ID) == idOrURL || e.URL == strings.TrimSpace(idOrURL) {
			return e, nil
		}
	}
	return Endpoint{}, fmt.Errorf("store: no webhook endpoint %q: %w", idOrURL, drip.ErrNotFound)
}

// State returns a delivery's state; ok is false when there is none.
func (w *Webhooks) State(ctx context.Context, eventID string, endpointID int64) (webhook.State, bool, error) {
	var s webhook.State
	err := w.db.r.QueryRowContext(ctx, "SELECT state FROM webhook_deliveries WHERE event_id = ? AND endpoint_id = ?", eventID, endpointID).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: webhook delivery: %w", err)
	}
	return s, true, nil
}

// Attempts returns an endpoint's attempt log, oldest first.
func (w *Webhooks) Attempts(ctx context.Context, endpointID int64) ([]webhook.Attempt, error) {
	return w.attempts(ctx, "SELECT "+attemptCols+" FROM webhook_attempts WHERE endpoint_id = ? ORDER BY id", endpointID)
}

// RecentAttempts returns an endpoint's latest attempts, newest first.
func (w *Webhooks) RecentAttempts(ctx context.Context, endpointID int64, limit int) ([]webhook.Attempt, error) {
	return w.attempts(ctx, "SELECT "+attemptCols+" FROM webhook_attempts WHERE endpoint_id = ? ORDER BY id DESC LIMIT ?", endpointID, limit)
}

const attemptCols = "event_id, endpoint_id, number, at, latency_us, status, error, response, truncated"

func (w *Webhooks) attempts(ctx context.Context, q string, args ...any) ([]webhook.Attempt, error) {
	var out []webhook.Attempt
	err := w.db.eachRow(ctx, q, func(scan func(...any) error) error {
		var a webhook.Attempt
		var at, latency int64
		if err := scan(&a.EventID, &a.EndpointID, &a.Number, &at, &latency, &a.Status, &a.Error, &a.Response, &a.Truncated); err != nil {
			return err
		}
		a.At, a.Latency = fromUnix(at), time.Duration(latency)*time.Microsecond
		out = append(out, a)
		return nil
	}, args...)
	if err != nil {
		return nil, fmt.Errorf("store: webhook attempts: %w", err)
	}
	return out, nil
}

// Backlog counts the deliveries still pending, to every endpoint.
func (w *Webhooks) Backlog(ctx context.Context) (int, error) {
	var n int
	if err := w.db.r.QueryRowContext(ctx, "SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: webhook backlog: %w", err)
	}
	return n, nil
}
