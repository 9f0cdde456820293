package store

import (
	"context"
	"fmt"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// DeliveriesOf returns a reader's deliveries, oldest first.
func (db *DB) DeliveriesOf(ctx context.Context, subscriberID int64) ([]drip.Delivery, error) {
	var out []drip.Delivery
	err := db.eachRow(ctx, `SELECT id, enrollment_id, subscriber_id, slug, status, attempts, message_id, last_reply, created_at, sent_at
		FROM deliveries WHERE subscriber_id = ? ORDER BY id`, func(scan func(...any) error) error {
		var d drip.Delivery
		var created, sent int64
		if err := scan(&d.ID, &d.EnrollmentID, &d.SubscriberID, &d.Slug, &d.Status, &d.Attempts, &d.MessageID, &d.LastReply, &created, &sent); err != nil {
			return err
		}
		d.CreatedAt, d.SentAt = fromUnix(created), fromUnix(sent)
		out = append(out, d)
		return nil
	}, subscriberID)
	if err != nil {
		return nil, fmt.Errorf("store: deliveries: %w", err)
	}
	return out, nil
}
