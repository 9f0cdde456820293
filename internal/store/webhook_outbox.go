package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/webhook"
)

// dueEndpoint is an active endpoint with a delivery due.
type dueEndpoint struct {
	id     int64
	url    string
	sealed string
	due    int64
}

// Claim implements webhook.Outbox. Endpoints are few (the operator adds
// them), so it asks each active one for its earliest pending delivery,
// one index lookup each, and then takes its due deliveries through the
// same index: the claim costs O(endpoints + claimed), whatever the
// backlog. On PostgreSQL rows another instance is claiming are skipped
// (SKIP LOCKED), so instances share the work without sending one
// delivery twice at once.
func (w *Webhooks) Claim(ctx context.Context, c webhook.Claim) ([]webhook.Delivery, error) {
	var out []webhook.Delivery
	err := w.db.tx(ctx, func(tx *sql.Tx) error {
		out = nil // a retried transaction starts afresh
		eps, err := dueEndpoints(ctx, tx, unix(c.Now))
		if err != nil {
			return err
		}
		for _, ep := range eps {
			n := min(c.PerEndpoint-c.Busy[ep.id], c.Limit-len(out))
			if len(out) >= c.Limit {
				break
			}
			if n <= 0 {
				continue
			}
			got, err := w.claimEndpoint(ctx, tx, ep, c, n)
			if err != nil {
				return err
			}
			out = append(out, got...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim webhook deliveries: %w", err)
	}
	return out, nil
}

// dueEndpoints lists the active endpoints with a delivery due at now,
// the one waiting longest first.
func dueEndpoints(ctx context.Context, tx *sql.Tx, now int64) ([]dueEndpoint, error) {
	rows, err := tx.QueryContext(ctx, `SELECT e.id, e.url, e.secret,
		(SELECT min(d.next_at) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.state = 'pending')
		FROM webhook_endpoints e WHERE e.status = 'active'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var eps []dueEndpoint
	for rows.Next() {
		var ep dueEndpoint
		var due sql.NullInt64
		if err := rows.Scan(&ep.id, &ep.url, &ep.sealed, &due); err != nil {
			return nil, err
		}
		if due.Valid && due.Int64 <= now {
			ep.due = due.Int64
			eps = append(eps, ep)
		}
	}
	slices.SortFunc(eps, func(a, b dueEndpoint) int { return cmp.Or(cmp.Compare(a.due, b.due), cmp.Compare(a.id, b.id)) })
	return eps, rows.Err()
}

// claimEndpoint leases up to n due deliveries of one endpoint, earliest
// first.
func (w *Webhooks) claimEndpoint(ctx context.Context, tx *sql.Tx, ep dueEndpoint, c webhook.Claim, n int) ([]webhook.Delivery, error) {
	ids, err := columnStrings(ctx, tx, `SELECT event_id FROM webhook_deliveries
		WHERE endpoint_id = ? AND state = 'pending' AND next_at <= ? ORDER BY next_at, event_id LIMIT ?`+w.db.d.skipLocked, ep.id, unix(c.Now), n)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	secret, err := w.sealer.Open(ep.sealed)
	if err != nil {
		return nil, fmt.Errorf("endpoint %d: %w", ep.id, err)
	}
	leaseEnd := c.Now.Add(c.Lease)
	out := make([]webhook.Delivery, 0, len(ids))
	for _, id := range ids {
		d := webhook.Delivery{EventID: id, EndpointID: ep.id, URL: ep.url, Secret: secret, LeaseUntil: leaseEnd}
		var since int64
		err := tx.QueryRowContext(ctx, `UPDATE webhook_deliveries SET next_at = ?, lease_until = ?, attempt = attempt + 1, try = try + 1
			WHERE event_id = ? AND endpoint_id = ? RETURNING attempt, try, since`, unix(leaseEnd), unix(leaseEnd), id, ep.id).Scan(&d.Attempt, &d.Try, &since)
		if err != nil {
			return nil, err
		}
		if err := tx.QueryRowContext(ctx, "SELECT body FROM webhook_events WHERE msg_id = ?", id).Scan(&d.Body); err != nil {
			return nil, err
		}
		d.Since = fromUnix(since)
		out = append(out, d)
	}
	return out, nil
}

func columnStrings(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Record implements webhook.Outbox: the attempt is logged and the
// endpoint's health updated even when the fence fails, in one
// transaction.
func (w *Webhooks) Record(ctx context.Context, o webhook.Outcome) (time.Time, error) {
	var failing int64
	var fenced bool
	err := w.db.tx(ctx, func(tx *sql.Tx) error {
		a := o.Attempt
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_attempts (event_id, endpoint_id, number, at, latency_us, status, error, response, truncated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.EventID, a.EndpointID, a.Number, unix(a.At), a.Latency.Microseconds(), a.Status, a.Error,
			responseText(a.Response), flag(a.Truncated)); err != nil {
			return err
		}
		var err error
		if failing, err = recordHealth(ctx, tx, a); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, next_at = CASE WHEN ? = 'pending' THEN ? ELSE next_at END, lease_until = 0
			WHERE event_id = ? AND endpoint_id = ? AND attempt = ?`, string(o.State), string(o.State), unix(o.NextAt), a.EventID, a.EndpointID, a.Number)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		fenced = n == 1
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("store: record webhook attempt: %w", err)
	}
	if !fenced {
		return fromUnix(failing), webhook.ErrLeaseLost
	}
	return fromUnix(failing), nil
}

// recordHealth sets the endpoint's last success, or when it started
// failing, and returns its failing-since time (0 when healthy or gone).
func recordHealth(ctx context.Context, tx *sql.Tx, a webhook.Attempt) (int64, error) {
	q, args := "UPDATE webhook_endpoints SET failing_since = CASE WHEN failing_since = 0 THEN ? ELSE failing_since END WHERE id = ? RETURNING failing_since",
		[]any{unix(a.At), a.EndpointID}
	if a.OK() {
		q, args = "UPDATE webhook_endpoints SET last_success_at = ?, failing_since = 0 WHERE id = ? RETURNING failing_since", []any{unix(a.At), a.EndpointID}
	}
	var failing int64
	err := tx.QueryRowContext(ctx, q, args...).Scan(&failing)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // removed meanwhile
	}
	return failing, err
}

// Disable implements webhook.Outbox.
func (w *Webhooks) Disable(ctx context.Context, endpointID int64, d webhook.Disabling) (bool, error) {
	var disabled bool
	err := w.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = ?, disabled_at = ?
			WHERE id = ? AND status = 'active' AND (? = 0 OR (failing_since <> 0 AND failing_since <= ?))`,
			d.Reason, unix(d.At), endpointID, unix(d.FailingBefore), unix(d.FailingBefore))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		disabled = n == 1
		if disabled {
			return nil
		}
		_, err = endpointStatus(ctx, tx, endpointID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: disable webhook endpoint %d: %w", endpointID, err)
	}
	return disabled, nil
}

func endpointStatus(ctx context.Context, tx *sql.Tx, id int64) (string, error) {
	var status string
	err := tx.QueryRowContext(ctx, "SELECT status FROM webhook_endpoints WHERE id = ?", id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", webhook.ErrNotFound
	}
	return status, err
}

// Requeue implements webhook.Outbox.
func (w *Webhooks) Requeue(ctx context.Context, eventID string, endpointID int64, now time.Time) error {
	err := w.db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM webhook_events WHERE msg_id = ?", eventID).Scan(&n); err != nil {
			return err
		}
		status, err := endpointStatus(ctx, tx, endpointID)
		switch {
		case err != nil:
			return err
		case n == 0:
			return webhook.ErrNotFound
		case status != "active":
			return webhook.ErrEndpointDisabled
		}
		var lease int64
		err = tx.QueryRowContext(ctx, "SELECT lease_until FROM webhook_deliveries WHERE event_id = ? AND endpoint_id = ?"+w.db.d.forUpdate,
			eventID, endpointID).Scan(&lease)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if lease > unix(now) {
			return webhook.ErrInFlight
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (event_id, endpoint_id, state, next_at, since) VALUES (?, ?, 'pending', ?, ?)
			ON CONFLICT (event_id, endpoint_id) DO UPDATE SET state = 'pending', next_at = excluded.next_at, lease_until = 0, try = 0, since = excluded.since`,
			eventID, endpointID, unix(now), unix(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: replay webhook event: %w", err)
	}
	return nil
}

// AddEvent records an event with its deliveries, as a change of the
// store's own does in its transaction: for tests of the outbox, and for
// events that report no change of the store's.
func (w *Webhooks) AddEvent(ctx context.Context, typ string, at time.Time, body []byte) (string, error) {
	var id string
	err := w.db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = newEventWriter(tx).insert(ctx, typ, 0, at, body)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: add webhook event: %w", err)
	}
	return id, nil
}

// responseText keeps the start of a receiver's answer as text a column
// of either database takes: valid UTF-8 without NUL bytes.
func responseText(b []byte) string {
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", "\uFFFD")
}
