package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/httprate"
	"golang.org/x/time/rate"

	"github.com/dripcourse/dripcourse/internal/bounce/intake"
	"github.com/dripcourse/dripcourse/internal/bounce/provider"
	"github.com/dripcourse/dripcourse/internal/captcha"
	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/delivery"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/metrics"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
	"github.com/dripcourse/dripcourse/internal/web"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

// app is the wired program: one store, one sender and one content pointer
// shared by the web server and the scheduler.
type app struct {
	cfg      *Config
	log      *slog.Logger
	db       *store.DB
	sender   mailer.Sender
	links    *links.Maker
	composer *compose.Composer
	lib      *compose.Library
	// stamp is the store's content stamp when lib's content was read
	// from the published versions (syncContent), which syncing guards:
	// the watcher and the admin's publish both call it.
	stamp   int64
	syncing sync.Mutex
	now     func() time.Time
	metrics *metrics.Metrics
	// limits are the per-IP caps on public actions; tests and the
	// benchmark, which post from one address, turn them off.
	limits web.Limits
	// limitCounter counts requests against limits in the shared database,
	// so instances share them; nil (SQLite, one instance) counts in memory.
	limitCounter httprate.LimitCounter
	// intake records bounce and complaint reports (bounces.go).
	intake *intake.Intake
	// bounceHTTP fetches SNS signing certificates and confirms
	// subscriptions; tests point it at a stand-in for Amazon.
	bounceHTTP provider.HTTPClient
	// captcha issues and checks the signup forms' captcha; nil when
	// DRIP_CAPTCHA is off.
	captcha *captcha.Issuer
	// webhooks is the webhook outbox, its endpoints' secrets sealed under
	// a key derived from the signing secret (webhooks.go).
	webhooks *store.Webhooks
	// dispatcher sends webhooks while serve runs; nil otherwise.
	dispatcher *webhook.Dispatcher
	// passes counts the dispatch passes running in this process; the
	// webhook dispatcher gives way while there is one.
	passes atomic.Int32
}

func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	return newLoggerAt(cfg, w, slog.LevelInfo)
}

// newLoggerAt is newLogger writing only lines at level or above.
func newLoggerAt(cfg *Config, w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// inLog returns err to be printed as the command's one line, or, when the
// log is JSON, writes it to the log instead and asks only for the exit
// status: a JSON log stays JSON to its last line.
func inLog(cfg *Config, log *slog.Logger, err error) error {
	var ec exitCode
	if err == nil || cfg.LogFormat != "json" || errors.As(err, &ec) {
		return err
	}
	log.Error("stopped", "err", err)
	return exitCode(1)
}

// openApp loads the content, opens the database (creating it if need be)
// and the sender. On error everything opened so far is closed again.
func openApp(ctx context.Context, cfg *Config, log *slog.Logger, now func() time.Time) (*app, error) {
	return openAppWith(ctx, cfg, log, now, false)
}

// openExisting is openApp for the commands that work on readers already
// there: with no database it says so, and creates nothing.
func openExisting(ctx context.Context, cfg *Config, log *slog.Logger, now func() time.Time) (*app, error) {
	return openAppWith(ctx, cfg, log, now, true)
}

func openAppWith(ctx context.Context, cfg *Config, log *slog.Logger, now func() time.Time, existing bool) (*app, error) {
	a := &app{cfg: cfg, log: log, now: now}
	disk, diskErr := loadContent(cfg)
	var err error
	if a.db, err = openStore(ctx, cfg, log, existing); err != nil {
		return nil, err
	}
	ct, err := a.publishedContent(ctx, disk, diskErr, !existing)
	if err != nil {
		a.db.Close()
		return nil, err
	}
	a.lib = compose.NewLibrary(ct, time.Now())
	secret, err := a.loadSecret(ctx)
	if err != nil {
		a.db.Close()
		return nil, err
	}
	if err := a.pinDefault(ctx); err != nil {
		a.db.Close()
		return nil, err
	}
	if cfg.DatabaseURL != "" {
		if _, err := a.db.InitSetting(ctx, store.KeyInstancesStarted, now().UTC().Format(time.RFC3339)); err != nil {
			a.db.Close()
			return nil, err
		}
	}
	if a.sender, err = openSender(cfg, log); err != nil {
		a.db.Close()
		return nil, err
	}
	if cfg.SMTP != nil && cfg.PostalAddress == "" {
		log.Warn("DRIP_POSTAL_ADDRESS is empty, but bulk mail must carry the sender's postal address (CAN-SPAM): set it, and every email's footer shows it")
	}
	a.links = links.NewMaker(cfg.BaseURL, token.NewSigner(secret))
	if a.captcha, err = newCaptcha(cfg, secret, a.db, now); err != nil {
		a.db.Close()
		return nil, err
	}
	if err := a.openWebhooks(secret); err != nil {
		a.db.Close()
		return nil, err
	}
	a.limits = web.DefaultLimits
	if cfg.DatabaseURL != "" {
		a.limitCounter = a.db.RateCounter()
	}
	a.metrics = metrics.New(func(ctx context.Context) (map[string]int, error) { return a.db.DueByCourse(ctx, a.now()) }, courseSlugs(ct)...)
	a.composer = &compose.Composer{Links: a.links, FromName: cfg.FromName, FromAddr: cfg.From, ReplyTo: cfg.ReplyTo,
		PostalAddress: cfg.PostalAddress, UnsubMailto: cfg.UnsubMailto, Tracking: cfg.Tracking, BounceDomain: cfg.BounceDomain}
	a.bounceHTTP = defaultBounceHTTP()
	a.newIntake()
	return a, nil
}

// pinDefault fixes which course links, forms and rows without a course
// mean (store.DB.PinDefaultCourse): for a database made when dripcourse
// served one course, that course, whatever the order of the set now.
func (a *app) pinDefault(ctx context.Context) error {
	ct := a.lib.Content()
	slug, err := a.db.PinDefaultCourse(ctx, ct.Set.Default().Slug)
	if err != nil {
		return err
	}
	if _, ok := ct.Set.Course(slug); !ok {
		a.log.Warn("the default course is not in the lessons directory: links and forms without a course go to the first course instead",
			"default", slug, "first", ct.Set.Default().Slug)
	}
	a.lib.Pin(slug)
	return nil
}

func courseSlugs(ct *compose.Content) []string {
	var out []string
	for _, c := range ct.Set.Courses {
		out = append(out, c.Slug)
	}
	return out
}

// openStore opens the database, logging through log. With existing, a
// database that is not there is an error that says where it was looked
// for, and nothing is created, not even the data directory.
func openStore(ctx context.Context, cfg *Config, log *slog.Logger, existing bool) (*store.DB, error) {
	opts := []store.Option{store.WithLog(log)}
	if existing {
		opts = append(opts, store.Existing())
	} else if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	db, err := store.Open(ctx, cfg.store(), opts...)
	switch {
	case !errors.Is(err, store.ErrNoDatabase):
		return db, err
	case cfg.DatabaseURL != "":
		return nil, errors.New("the PostgreSQL database in DRIP_DATABASE_URL has no dripcourse tables yet: start dripcourse serve on it first")
	}
	return nil, fmt.Errorf("no database in %s: nothing to show yet (dripcourse serve or import creates it there; or set DRIP_DATA to the directory that holds dripcourse.db)", cfg.Data)
}

func (a *app) Close() error {
	return errors.Join(a.sender.Close(), a.db.Close())
}

func openSender(cfg *Config, log *slog.Logger) (mailer.Sender, error) {
	var dkim *mailer.DKIM
	if cfg.DKIMKey != "" {
		domain := cfg.DKIMDomain
		if domain == "" {
			_, domain, _ = strings.Cut(cfg.From, "@")
		}
		var err error
		if dkim, err = mailer.LoadDKIM(cfg.DKIMKey, domain, cfg.DKIMSelector); err != nil {
			return nil, err
		}
	}
	if cfg.SMTP == nil {
		dir := filepath.Join(cfg.Data, "outbox")
		log.Info("no DRIP_SMTP_URL set: every outgoing message is written as an .eml file to " + dir)
		return mailer.NewOutbox(dir, dkim)
	}
	log.Info("sending mail through " + cfg.SMTP.Redacted())
	return mailer.NewSMTP(*cfg.SMTP, dkim)
}

// store names the database: the shared PostgreSQL, or SQLite in DATA.
func (c *Config) store() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.Data, "dripcourse.db")
}

// loadSecret returns the link-signing secret. Instances sharing PostgreSQL
// share the secret too, kept in the database (the first one to start makes
// it); a SQLite deployment keeps it in DATA/secret.
func (a *app) loadSecret(ctx context.Context) ([]byte, error) {
	if a.cfg.DatabaseURL == "" {
		return loadSecret(filepath.Join(a.cfg.Data, "secret"))
	}
	fresh := make([]byte, 32)
	rand.Read(fresh)
	v, err := a.db.InitSetting(ctx, store.KeySigningSecret, hex.EncodeToString(fresh))
	if err != nil {
		return nil, fmt.Errorf("signing secret: %w", err)
	}
	s, err := hex.DecodeString(v)
	if err != nil || len(s) < 32 {
		return nil, fmt.Errorf("signing secret in the database's settings (%s) is damaged: restore it from a backup", store.KeySigningSecret)
	}
	return s, nil
}

func loadSecret(file string) ([]byte, error) {
	b, err := os.ReadFile(file)
	if err == nil {
		s, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(s) < 32 {
			return nil, fmt.Errorf("signing secret %s is damaged: restore it from a backup (deleting it breaks every link already sent)", file)
		}
		return s, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("signing secret: %w", err)
	}
	s := make([]byte, 32)
	rand.Read(s)
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("signing secret: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(s) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("signing secret: %w", err)
	}
	return s, f.Close()
}

// runner is the dispatcher, sharing the app's store, sender and content.
func (a *app) runner() *delivery.Runner {
	r := &delivery.Runner{DB: a.db, Sender: a.sender, Composer: a.composer, Content: a.lib.Content,
		Now: a.now, Log: a.log, Workers: a.cfg.Connections, Lease: a.cfg.Lease, Observe: a.metrics.Send, Passes: &a.passes}
	if a.cfg.Rate > 0 {
		// A claimed batch must be sent well inside its lease, or its tail
		// would be handed back unsent, claim after claim.
		r.Batch = min(256, max(1, int(a.cfg.Rate*a.cfg.Lease.Seconds()/8)))
	}
	switch {
	case a.cfg.Rate <= 0:
	case a.cfg.DatabaseURL != "":
		// Instances sharing the database share the rate: it is the SMTP
		// server's (or the provider's) limit, not each instance's.
		r.Limit = a.db.Budget("smtp", a.cfg.Rate)
	default:
		r.Limit = rate.NewLimiter(rate.Limit(a.cfg.Rate), max(1, int(a.cfg.Rate)))
	}
	return r
}

// newCaptcha is the signup forms' captcha, keyed by a key of its own
// derived from the signing secret (so every instance sharing the secret
// accepts the others' challenges), spending solutions in the database;
// nil when DRIP_CAPTCHA is off.
func newCaptcha(cfg *Config, secret []byte, db *store.DB, now func() time.Time) (*captcha.Issuer, error) {
	if !cfg.Captcha {
		return nil, nil
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("dripcourse captcha v1"))
	return captcha.New(captcha.Config{Key: m.Sum(nil), MaxNumber: cfg.CaptchaDifficulty, Now: now, Spender: db.Spender(now)})
}
