package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/dripcourse/dripcourse/internal/admin"
	"github.com/dripcourse/dripcourse/internal/bounce/receiver"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/delivery"
	"github.com/dripcourse/dripcourse/internal/forecast"
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
	housekeepingEvery = time.Minute
	// shutdownBudget is the longest serve takes to stop after SIGTERM,
	// whatever the mail server does: inside the 30 s that container
	// runtimes and systemd wait before they kill.
	shutdownBudget = 10 * time.Second
)

func cmdServe(ctx context.Context, e *env) error {
	log := newLogger(e.cfg, e.stderr)
	return inLog(e.cfg, log, serve(ctx, e, log))
}

func serve(ctx context.Context, e *env, log *slog.Logger) error {
	// The ports are bound first: if one is taken, nothing else happens,
	// and above all no one-time admin password is made and printed, then
	// lost.
	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer ln.Close()
	bounceLn, err := listenBounces(e.cfg)
	if err != nil {
		return err
	}
	if bounceLn != nil {
		defer bounceLn.Close()
	}
	if e.cfg.BaseURLFromAddr {
		e.cfg.BaseURL = addrURL(e.cfg.Addr, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	}
	a, err := openApp(ctx, e.cfg, log, e.now)
	if err != nil {
		return err
	}
	defer a.Close()
	a.warnFormWidget()
	srv := a.webServer()
	bounces, err := a.startReceiver(bounceLn)
	if err != nil {
		return err
	}
	log.Info("dripcourse is serving", "addr", ln.Addr().String(), "url", e.cfg.BaseURL, "courses", courseTitles(a.lib.Content().Set))

	// The pass's own context ends on shutdown, so it stops claiming; the
	// message in flight still finishes and is recorded.
	passCtx, cancelPasses := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelPasses()
	sched := a.scheduler(passCtx)
	sched.Start()
	hooksDone, err := a.startWebhooks(passCtx)
	if err != nil {
		return err
	}
	defer func() { <-hooksDone }() // attempts in flight end within webhook.Timeout and are recorded
	go a.watchContent(passCtx)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(a.perClient(ln)) }()

	select {
	case <-ctx.Done():
		log.Info("shutting down: no new claims; finishing the messages in flight")
	case err := <-serveErr:
		cancelPasses()
		<-sched.Stop().Done()
		if bounces != nil {
			bounces.Close()
		}
		return err
	}
	cancelPasses()
	a.stop(srv, bounces, sched, e.shutdown)
	log.Info("stopped")
	return nil
}

// stop ends serving within budget. The web server takes no new requests
// and finishes those in progress; the dispatcher claims nothing more; the
// sender gives up its dials and greetings at once and lets messages under
// way finish for most of the budget, then cuts them (they are sent again
// later). The rest of the budget is for recording what was sent. The
// bounce receiver, when there is one, finishes recording the messages it
// has taken within the same time; a client cut off sends again later.
func (a *app) stop(srv *http.Server, bounces *receiver.Server, sched *cron.Cron, budget time.Duration) {
	end := time.Now().Add(budget)
	sendCtx, cancelSends := context.WithDeadline(context.Background(), end.Add(-budget/5))
	defer cancelSends()
	senderDone := make(chan error, 1)
	go func() { senderDone <- a.shutdownSender(sendCtx) }()
	receiverDone := make(chan struct{})
	go func() { stopReceiver(bounces, sendCtx, a.log); close(receiverDone) }()
	defer func() { <-receiverDone }()
	if err := srv.Shutdown(sendCtx); err != nil {
		srv.Close()
		a.log.Warn("shutting down: requests still in progress were cut off", "err", err)
	}
	endCtx, cancelEnd := context.WithDeadline(context.Background(), end)
	defer cancelEnd()
	select {
	case <-sched.Stop().Done():
	case <-endCtx.Done():
		a.log.Error("shutting down: the dispatch pass did not finish in time")
	}
	select {
	case err := <-senderDone:
		if err != nil {
			a.log.Warn("shutting down: closing the mail connections", "err", err)
		}
	case <-endCtx.Done():
	}
}

// shutdownSender stops an SMTP sender (see mailer.SMTP.Shutdown); the
// outbox has nothing to stop.
func (a *app) shutdownSender(ctx context.Context) error {
	if s, ok := a.sender.(interface{ Shutdown(context.Context) error }); ok {
		return s.Shutdown(ctx)
	}
	return nil
}

func (a *app) webServer() *http.Server {
	if err := a.setupAdmin(context.Background()); err != nil {
		a.log.Error("admin password could not be set up: /admin refuses every login until it is", "err", err)
	}
	raw, hooks := a.bounceHandlers()
	box, _ := a.sender.(*mailer.Outbox) // nil when mail goes to an SMTP server
	adm := &admin.Server{DB: a.db, Links: a.links, Composer: a.composer, Library: a.lib, Now: a.now, Log: a.log,
		Sender: a.sender, Outbox: box, LimitCounter: a.limitCounter, FormOrigins: a.cfg.FormOrigins, Captcha: a.captcha != nil,
		Integrations: &admin.Integrations{Webhooks: a.webhooks, Replay: a.replayWebhook, AllowPrivate: a.cfg.WebhookAllowPrivate},
		Publishing:   &admin.Publishing{Published: a.syncContent},
		LoadContent:  loadUnits}
	s := &web.Server{DB: a.db, Links: a.links, Composer: a.composer, Library: a.lib, Now: a.now, Log: a.log,
		MinFormTime: a.cfg.MinFormTime, MaxConfirmations: 3, ConfirmWindow: 24 * time.Hour,
		MaxConfirmationsPerHour: a.cfg.MaxConfirmationsPerHour, TrustedProxies: a.cfg.TrustedProxies,
		FormOrigins: a.cfg.FormOrigins, Captcha: a.captcha,
		Admin: adm.Handler(), Limits: a.limits, LimitCounter: a.limitCounter, Metrics: a.metrics,
		MetricsToken: a.cfg.MetricsToken, MetricsLoopback: localSite(a.cfg.BaseURL), BounceRaw: raw, BounceWebhooks: hooks,
		API: a.apiHandler()}
	return &http.Server{Handler: s.Handler(), ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
}

// localSite reports whether the base URL names this machine (localhost or
// a loopback address): a site that is not public, whose /metrics may
// answer loopback clients without a token.
func localSite(baseURL string) bool {
	u, err := url.Parse(baseURL)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(u.Hostname())
	return err == nil && ip.IsLoopback()
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
// any more, ended admin sessions, signups never confirmed, webhook replay
// values, spent captcha solutions and form stamps, and form confirmations
// the hourly cap no longer reads; it folds opens and clicks older than
// DRIP_EVENT_RETENTION into daily counts; it remakes each course's
// forecast of the week ahead every few minutes; and it weighs the week's bounce and complaint rates
// (logging a warning for a threshold crossed). Instances sharing a
// database take turns: one sweeps, the others skip that minute.
func (a *app) housekeeping(ctx context.Context) func() {
	sweep := func(ctx context.Context) error {
		a.intake.CheckHealth(ctx)
		swept, err := a.db.Housekeep(ctx, a.now(), a.limits.EffectiveWindow())
		if err == nil && swept != (store.Swept{}) {
			a.log.Info("housekeeping", "rate_windows", swept.RateWindows, "admin_sessions", swept.AdminSessions,
				"unconfirmed_signups", swept.Unconfirmed, "one_use_values", swept.OneUse, "form_confirmations", swept.FormConfirms,
				"api_answers", swept.Answers, "webhook_events", swept.WebhookEvents)
		}
		if err != nil {
			return err
		}
		if err := a.rollUpEvents(ctx); err != nil {
			return err
		}
		_, err = forecast.Remake(ctx, a.db, a.lib.Content().Set.Courses, a.now())
		return err
	}
	return func() {
		if _, err := a.db.Exclusive(ctx, "housekeeping", sweep); err != nil {
			a.log.Error("housekeeping", "err", err)
		}
	}
}

// rollupBudget bounds the time one housekeeping run spends folding old
// opens and clicks: a backlog of millions is worked through over several
// minutes, a batch per transaction, never in one.
const rollupBudget = 20 * time.Second

// rollUpEvents folds opens and clicks older than DRIP_EVENT_RETENTION
// into daily counts (store.RollUpEvents), when it is set.
func (a *app) rollUpEvents(ctx context.Context) error {
	if a.cfg.EventRetention <= 0 {
		return nil
	}
	folded, more, err := a.db.RollUpEvents(ctx, a.now().Add(-a.cfg.EventRetention), rollupBudget)
	if folded > 0 {
		a.log.Info("housekeeping: events rolled up", "folded", folded, "more", more)
	}
	return err
}

// courseTitles names the courses served, for the start-up line.
func courseTitles(set *course.Set) string {
	titles := make([]string, len(set.Courses))
	for i, c := range set.Courses {
		titles[i] = c.Title
	}
	return strings.Join(titles, ", ")
}
