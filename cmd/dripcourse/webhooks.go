package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/dripcourse/dripcourse/internal/api"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

// webhookTick is how often serve looks for webhook deliveries due. A
// claim that finds nothing is one small indexed read; an attempt that
// ends claims again at once, so a backlog drains faster than the tick.
const webhookTick = time.Second

// openWebhooks opens the webhook outbox. Endpoint secrets are sealed
// under a key derived from the signing secret, so a copy of the database
// alone does not give them away.
func (a *app) openWebhooks(signingSecret []byte) error {
	sealer, err := webhook.NewSealer(signingSecret)
	if err != nil {
		return err
	}
	a.webhooks = a.db.Webhooks(sealer)
	return nil
}

// startWebhooks runs the webhook dispatcher until ctx ends; the returned
// channel closes once the attempts in flight are recorded. Instances
// sharing a PostgreSQL database claim with SKIP LOCKED, so they share the
// work and never attempt one delivery twice at once.
func (a *app) startWebhooks(ctx context.Context) (<-chan struct{}, error) {
	d, err := webhook.New(webhook.Config{Outbox: a.webhooks, Now: a.now, Log: a.log,
		Alert: a.webhookAlert, AllowPrivate: a.cfg.WebhookAllowPrivate,
		Yield: func() bool { return a.passes.Load() > 0 }})
	if err != nil {
		return nil, err
	}
	a.dispatcher = d
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(webhookTick)
		defer t.Stop()
		d.Run(ctx, t.C)
	}()
	return done, nil
}

// webhookAlert is the operator's alert for an endpoint that failed for
// DisableAfter and was disabled: an error in the log (which monitoring
// watches), and the admin's Webhooks page shows it disabled, with why.
func (a *app) webhookAlert(al webhook.Alert) {
	a.log.Error("webhook endpoint disabled after failing for 3 days: fix it, then enable it in /admin/webhooks",
		"endpoint", al.EndpointID, "host", al.Host, "reason", al.Reason)
}

// replayWebhook makes one event due again to one endpoint, through the
// running dispatcher when there is one.
func (a *app) replayWebhook(ctx context.Context, eventID string, endpointID int64) error {
	if a.dispatcher != nil {
		return a.dispatcher.Replay(ctx, eventID, endpointID)
	}
	if a.webhooks == nil {
		return errors.New("webhooks: not open")
	}
	return a.webhooks.Requeue(ctx, eventID, endpointID, a.now())
}

// apiHandler is the JSON API under /api/v1, its per-key rate counted in
// the shared database when there is one.
func (a *app) apiHandler() http.Handler {
	s := &api.Server{DB: a.db, Library: a.lib, Now: a.now, Log: a.log, RatePerMinute: a.cfg.APIRate,
		LimitCounter: a.limitCounter, MaxConfirmations: 3, ConfirmWindow: 24 * time.Hour,
		MaxConfirmationsPerHour: a.cfg.MaxConfirmationsPerHour}
	return s.Handler()
}
