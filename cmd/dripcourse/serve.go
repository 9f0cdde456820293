package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/dripcourse/dripcourse/internal/admin"
	"github.com/dripcourse/dripcourse/internal/delivery"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/web"
)

// Web server timeouts: slow clients are cut off rather than allowed to
// hold connections open.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	shutdownGrace     = 30 * time.Second
	housekeepingEvery = time.Minute
)

func cmdServe(ctx context.Context, e *env) error {
	log := newLogger(e.cfg, e.stderr)
	a, err := openApp(ctx, e.cfg, log, e.now)
	if err != nil {
		return err
	}
	defer a.Close()
	srv := a.webServer()
	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("dripcourse is serving", "addr", ln.Addr().String(), "url", e.cfg.BaseURL, "course", a.lib.Content().Course.Title)

	// The pass's own context ends on shutdown, so it stops claiming; the
	// message in flight still finishes and is recorded.
	passCtx, cancelPasses := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelPasses()
	sched := a.scheduler(passCtx)
	sched.Start()
	go a.watchContent(passCtx)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case <-ctx.Done():
		log.Info("shutting down: no new claims; finishing the messages in flight")
	case err := <-serveErr:
		cancelPasses()
		<-sched.Stop().Done()
		return err
	}
	cancelPasses()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	httpErr := srv.Shutdown(shutdownCtx)
	select {
	case <-sched.Stop().Done():
	case <-shutdownCtx.Done():
		log.Error("dispatch pass did not finish in time")
	}
	if httpErr != nil && !errors.Is(httpErr, http.ErrServerClosed) {
		return httpErr
	}
	log.Info("stopped")
	return nil
}

func (a *app) webServer() *http.Server {
	if err := a.setupAdmin(context.Background()); err != nil {
		a.log.Error("admin password could not be set up: /admin refuses every login until it is", "err", err)
	}
	box, _ := a.sender.(*mailer.Outbox) // nil when mail goes to an SMTP server
	adm := &admin.Server{DB: a.db, Links: a.links, Composer: a.composer, Library: a.lib, Now: a.now, Log: a.log,
		Sender: a.sender, Outbox: box, LimitCounter: a.limitCounter}
	s := &web.Server{DB: a.db, Links: a.links, Composer: a.composer, Library: a.lib, Now: a.now, Log: a.log,
		MinFormTime: a.cfg.MinFormTime, MaxConfirmations: 3, ConfirmWindow: 24 * time.Hour, TrustedProxies: a.cfg.TrustedProxies,
		Admin: adm.Handler(), Limits: a.limits, LimitCounter: a.limitCounter, Metrics: a.metrics, MetricsToken: a.cfg.MetricsToken}
	return &http.Server{Handler: s.Handler(), ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: 16 << 10}
}

// scheduler runs one dispatch pass every tick. A pass still running when
// the next tick comes is not doubled (SkipIfStillRunning), and a panic in
// a pass is logged and the next tick runs as usual (Recover). The order of
// the two wrappers matters: with Recover outside, a panic would leave the
// skip lock held and stop dispatch for good.
func (a *app) scheduler(ctx context.Context) *cron.Cron {
	logger := cronLogger{a.log}
	c := cron.New(cron.WithLocation(time.UTC), cron.WithLogger(logger),
		cron.WithChain(cron.SkipIfStillRunning(logger), cron.Recover(logger)))
	r := a.runner()
	pass := func() {
		start := time.Now()
		sum, err := r.SendDue(ctx)
		a.metrics.Tick(time.Since(start), err)
		if err != nil {
			a.log.Error("dispatch pass", "err", err)
		}
		if sum != (delivery.Summary{}) {
			a.log.Info("dispatch pass", "sent", sum.Sent, "confirmations", sum.Confirmations, "retry", sum.Retried,
				"failed", sum.Failed, "bounced", sum.Bounced, "completed", sum.Completed, "took", time.Since(start))
		}
	}
	c.Schedule(cron.Every(a.cfg.Tick), cron.FuncJob(pass))
	c.Schedule(cron.Every(housekeepingEvery), cron.FuncJob(a.housekeeping(ctx)))
	return c
}

// housekeeping deletes what has expired: request counts no limiter reads
// any more, and ended admin sessions. Instances sharing a database take
// turns: one sweeps, the others skip that minute.
func (a *app) housekeeping(ctx context.Context) func() {
	sweep := func(ctx context.Context) error {
		swept, err := a.db.Housekeep(ctx, a.now(), a.limits.EffectiveWindow())
		if err == nil && swept != (store.Swept{}) {
			a.log.Info("housekeeping", "rate_windows", swept.RateWindows, "admin_sessions", swept.AdminSessions)
		}
		return err
	}
	return func() {
		if _, err := a.db.Exclusive(ctx, "housekeeping", sweep); err != nil {
			a.log.Error("housekeeping", "err", err)
		}
	}
}
