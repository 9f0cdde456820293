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

// Attempt is one SMTP attempt's reply.
type Attempt struct {
	DeliveryID int64
	Reply
	At int64
}

// AttemptsOf returns every attempt's reply for a reader's deliveries.
func (db *DB) AttemptsOf(ctx context.Context, subscriberID int64) ([]Attempt, error) {
	var out []Attempt
	err := db.eachRow(ctx, `SELECT a.delivery_id, a.code, a.enhanced, a.text, a.at FROM attempts a
		JOIN deliveries d ON d.id = a.delivery_id WHERE d.subscriber_id = ? ORDER BY a.id`, func(scan func(...any) error) error {
		var a Attempt
		if err := scan(&a.DeliveryID, &a.Code, &a.Enhanced, &a.Text, &a.At); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	}, subscriberID)
	if err != nil {
		return nil, fmt.Errorf("store: attempts: %w", err)
	}
	return out, nil
}
