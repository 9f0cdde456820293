package store

import (
	"context"
	"database/sql"
	"time"
)

// WebhookEventLife is how long a webhook event is kept once no delivery
// of it is pending: long enough to replay it, and to read its attempts
// in the admin.
const WebhookEventLife = 30 * 24 * time.Hour

// webhookSweepBatch bounds one sweep's transaction.
const webhookSweepBatch = 1000

// sweepAPI deletes expired Idempotency-Key answers, and webhook events
// older than WebhookEventLife with nothing pending, with their
// deliveries and attempts.
func (db *DB) sweepAPI(ctx context.Context, now time.Time, s *Swept) error {
	res, err := db.w.ExecContext(ctx, "DELETE FROM api_idempotency WHERE expires_at <= ?", unix(now))
	if err != nil {
		return err
	}
	s.Answers, _ = res.RowsAffected()
	return db.tx(ctx, func(tx *sql.Tx) error {
		s.WebhookEvents = 0 // a retried transaction starts afresh
		ids, err := columnStrings(ctx, tx, `SELECT msg_id FROM webhook_events e WHERE created_at <= ?
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.msg_id AND d.state = 'pending')
			ORDER BY created_at LIMIT ?`, unix(now.Add(-WebhookEventLife)), webhookSweepBatch)
		if err != nil || len(ids) == 0 {
			return err
		}
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		in := "(" + placeholders(len(ids)) + ")"
		for _, q := range []string{"DELETE FROM webhook_attempts WHERE event_id IN ", "DELETE FROM webhook_deliveries WHERE event_id IN ",
			"DELETE FROM webhook_events WHERE msg_id IN "} {
			if _, err := tx.ExecContext(ctx, q+in, args...); err != nil {
				return err
			}
		}
		s.WebhookEvents = int64(len(ids))
		return nil
	})
}
