package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/dripcourse/dripcourse/internal/bounce/intake"
	"github.com/dripcourse/dripcourse/internal/bounce/provider"
	"github.com/dripcourse/dripcourse/internal/bounce/receiver"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

// The wiring of bounces and complaints: the intake every way in shares,
// the provider webhooks its settings ask for, and the SMTP receiver.

// newIntake builds the intake and has /metrics serve the bounce rates.
func (a *app) newIntake() {
	a.intake = intake.New(intake.Config{DB: a.db, Signer: a.links.Signer(), Domain: a.cfg.BounceDomain,
		SoftLimit: a.cfg.SoftBounceLimit, Now: a.now, Log: a.log, Metrics: a.metrics})
	a.metrics.WatchBounceRates(func(ctx context.Context) (map[string]float64, error) {
		h, err := a.intake.Health(ctx)
		return h.Rates(), err
	})
}

// bounceHandlers are the HTTP ways in that the settings ask for: the raw
// message endpoint with DRIP_BOUNCE_TOKEN, and a webhook per provider
// whose settings are present. Either is nil when none is. The settings
// were checked with the same constructors (settings_bounce.go), so a
// provider that still cannot be built is logged and left out.
func (a *app) bounceHandlers() (raw, webhooks http.Handler) {
	if a.cfg.BounceToken != "" {
		raw = a.intake.RawHandler(a.cfg.BounceToken)
	}
	ps, err := a.bounceProviders()
	if err != nil {
		a.log.Error("bounce webhooks are not served", "err", err)
	}
	if len(ps) == 0 {
		return raw, nil
	}
	for _, p := range ps {
		a.log.Info("bounce webhook ready", "path", "/webhooks/bounce/"+p.Name())
	}
	return raw, a.intake.Webhooks(ps)
}

// bounceProviders builds one provider for each group of settings present.
func (a *app) bounceProviders() ([]provider.Provider, error) {
	c := a.cfg
	var ps []provider.Provider
	add := func(p provider.Provider, err error) error {
		if err == nil {
			ps = append(ps, p)
		}
		return err
	}
	var errs []error
	if len(c.SESTopicARNs) > 0 {
		errs = append(errs, add(provider.NewSES(provider.SESConfig{TopicARNs: c.SESTopicARNs, Client: a.bounceHTTP,
			AutoConfirm: true, OnConfirmation: a.snsConfirmed, Now: a.now})))
	}
	if c.PostmarkUser != "" {
		errs = append(errs, add(provider.NewPostmark(provider.PostmarkConfig{User: c.PostmarkUser, Password: c.PostmarkPassword})))
	}
	if c.MailgunKey != "" {
		errs = append(errs, add(provider.NewMailgun(provider.MailgunConfig{SigningKey: c.MailgunKey, Replays: a.replays(), Now: a.now})))
	}
	if c.SendGridKey != "" {
		errs = append(errs, add(provider.NewSendGrid(provider.SendGridConfig{VerificationKey: c.SendGridKey, Now: a.now})))
	}
	if c.BrevoToken != "" {
		errs = append(errs, add(provider.NewBrevo(provider.BrevoConfig{Token: c.BrevoToken})))
	}
	if c.BounceWebhookSecret != "" {
		errs = append(errs, add(provider.NewGeneric(provider.GenericConfig{Secret: c.BounceWebhookSecret, Replays: a.replays(), Now: a.now})))
	}
	if err := errors.Join(errs...); err != nil {
		return ps, fmt.Errorf("bounce webhooks: %w", err)
	}
	return ps, nil
}

// replays is where signed webhook requests' one-use values are kept: the
// shared database on PostgreSQL, so every instance refuses a replay, and
// memory on SQLite's single instance.
func (a *app) replays() provider.Replays {
	if a.cfg.DatabaseURL == "" {
		return provider.NewMemoryReplays(a.now, 0)
	}
	r := a.db.Replays(a.now)
	r.Failed = func(err error) {
		a.log.Warn("bounce webhook: replay memory unavailable; the request is refused and will be retried", "err", err)
	}
	return r
}

// snsConfirmed logs what became of an SNS subscription confirmation.
func (a *app) snsConfirmed(_ context.Context, c provider.Confirmation) {
	if c.Err != nil || !c.Confirmed {
		a.log.Warn("SES: the SNS subscription could not be confirmed; confirm it in the AWS console, or by visiting its SubscribeURL",
			"type", c.Type, "topic", c.TopicARN, "subscribe_url", c.SubscribeURL, "err", c.Err)
		return
	}
	a.log.Info("SES: SNS subscription confirmed", "type", c.Type, "topic", c.TopicARN)
}

// defaultBounceHTTP is the client SES verification fetches certificates
// and confirms subscriptions with: it refuses private destinations.
func defaultBounceHTTP() provider.HTTPClient { return webhook.NewClient(false) }

// listenBounces binds the bounce receiver's port when one is set, so that
// a port taken stops serve before anything else starts.
func listenBounces(cfg *Config) (net.Listener, error) {
	if cfg.BounceSMTPAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.BounceSMTPAddr)
	if err != nil {
		return nil, fmt.Errorf("bounce receiver: %w", err)
	}
	return ln, nil
}

// startReceiver serves the bounce domain's SMTP on ln, and returns the
// server to shut down, or nil without a listener.
func (a *app) startReceiver(ln net.Listener) (*receiver.Server, error) {
	if ln == nil {
		return nil, nil
	}
	srv, err := receiver.New(receiver.Config{Domain: a.cfg.BounceDomain, Valid: a.intake.Valid, Accept: a.intake.Accept,
		Log: a.log.With("part", "bounce receiver"), Now: a.now})
	if err != nil {
		ln.Close()
		return nil, err
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, receiver.ErrServerClosed) {
			a.log.Error("bounce receiver stopped", "err", err)
		}
	}()
	a.log.Info("receiving bounces over SMTP", "addr", ln.Addr().String(), "domain", a.cfg.BounceDomain)
	return srv, nil
}

// stopReceiver lets messages being recorded finish within ctx, then
// closes the rest: a client cut off before its 250 sends again later.
func stopReceiver(srv *receiver.Server, ctx context.Context, log *slog.Logger) {
	if srv == nil {
		return
	}
	if err := srv.Shutdown(ctx); err != nil {
		log.Warn("shutting down: bounce receiver connections were cut off", "err", err)
	}
}
