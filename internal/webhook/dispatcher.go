package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"sync"
	"time"
)

// Config sets up a Dispatcher. Only Outbox is required.
type Config struct {
	Outbox Outbox
	// Now is the clock; time.Now when nil. Latency is measured on the
	// real monotonic clock whatever Now is.
	Now func() time.Time
	// Log receives a debug line per attempt and warnings; nothing logged
	// holds a secret or an endpoint URL's path or query.
	Log *slog.Logger
	// Alert is told when this dispatcher disables an endpoint, once per
	// disabling across all instances. It must not block for long.
	Alert func(Alert)
	// AllowPrivate lets endpoints be on loopback and private networks
	// (and on plain http for localhost); for development and tests.
	AllowPrivate bool
	// Client sends the attempts; NewClient(AllowPrivate) when nil.
	Client *http.Client
	// PerEndpoint caps the attempts in flight to one endpoint in this
	// dispatcher (8 by default), so that a slow endpoint holds only that
	// many goroutines and claimed rows.
	PerEndpoint int
	// Yield, when set, reports whether the dispatcher should give way: a
	// dispatch pass is sending lessons in this process. Meanwhile it
	// claims only on Run's tick, one attempt per endpoint at a time, and
	// catches up at full speed once Yield reports false: readers' mail
	// first, other tools' notifications a few seconds later.
	Yield func() bool
	// MaxInFlight caps the attempts in flight in all (64 by default).
	MaxInFlight int
	// Lease is how long a claim reserves a delivery; after it, a crashed
	// dispatcher's claim comes due again. It must outlast an attempt and
	// its recording: 2 minutes by default, at least 3 × Timeout.
	Lease time.Duration
	// Jitter draws each backoff; FullJitter when nil.
	Jitter Jitter
	// Observe, when set, is told of every attempt (for metrics). It must
	// be safe to call from several goroutines.
	Observe func(Attempt)
}

// Alert tells the operator that an endpoint was disabled.
type Alert struct {
	EndpointID int64
	Host       string // the URL's host only: its path may hold a token
	Reason     string
	At         time.Time
}

// Dispatcher drains an Outbox. Each claimed delivery is attempted on its
// own goroutine, so a slow or failing endpoint holds up neither the
// claims nor other endpoints.
type Dispatcher struct {
	cfg      Config
	client   *http.Client
	log      *slog.Logger
	claimMu  sync.Mutex // one claim at a time, so Busy is exact
	mu       sync.Mutex
	busy     map[int64]int
	inFlight int
	wg       sync.WaitGroup
	wake     chan struct{}
}

// New checks cfg, fills in its defaults and returns a Dispatcher.
func New(cfg Config) (*Dispatcher, error) {
	if cfg.Outbox == nil {
		return nil, errors.New("webhook: a dispatcher needs an outbox")
	}
	if cfg.Lease == 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Lease < 3*Timeout {
		return nil, fmt.Errorf("webhook: a lease of %v does not outlast an attempt; use at least %v", cfg.Lease, 3*Timeout)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Jitter == nil {
		cfg.Jitter = FullJitter
	}
	cfg.PerEndpoint = positiveOr(cfg.PerEndpoint, 8)
	cfg.MaxInFlight = positiveOr(cfg.MaxInFlight, 64)
	d := &Dispatcher{cfg: cfg, client: cfg.Client, log: cfg.Log, busy: map[int64]int{}, wake: make(chan struct{}, 1)}
	if d.client == nil {
		d.client = NewClient(cfg.AllowPrivate)
	}
	if d.log == nil {
		d.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return d, nil
}

func positiveOr(n, def int) int {
	if n < 1 {
		return def
	}
	return n
}

// RunOnce claims what is due and has a free slot, starts an attempt for
// each, and returns how many it started without waiting for them.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	d.claimMu.Lock()
	defer d.claimMu.Unlock()
	d.mu.Lock()
	free, busy := d.cfg.MaxInFlight-d.inFlight, maps.Clone(d.busy)
	d.mu.Unlock()
	if free <= 0 {
		return 0, nil
	}
	per := d.cfg.PerEndpoint
	if d.yielding() {
		per = 1
	}
	batch, err := d.cfg.Outbox.Claim(ctx, Claim{Now: d.cfg.Now(), Lease: d.cfg.Lease,
		PerEndpoint: per, Busy: busy, Limit: free})
	if err != nil {
		return 0, fmt.Errorf("webhook: claim: %w", err)
	}
	for _, dl := range batch {
		d.start(ctx, dl)
	}
	return len(batch), nil
}

func (d *Dispatcher) start(ctx context.Context, dl Delivery) {
	d.mu.Lock()
	d.busy[dl.EndpointID]++
	d.inFlight++
	d.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		// An attempt runs to its end and is recorded even when ctx is
		// cancelled: cutting it off would only repeat it later.
		a, recorded := d.deliver(context.WithoutCancel(ctx), dl)
		d.release(dl.EndpointID)
		if recorded && d.cfg.Observe != nil {
			d.cfg.Observe(a) // after the slot is free, so observers may claim again
		}
		d.nudge()
	}()
}

func (d *Dispatcher) release(endpointID int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.busy[endpointID]--; d.busy[endpointID] <= 0 {
		delete(d.busy, endpointID)
	}
	d.inFlight--
}

func (d *Dispatcher) yielding() bool { return d.cfg.Yield != nil && d.cfg.Yield() }

// nudge wakes Run for another claim, without blocking.
func (d *Dispatcher) nudge() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Wait returns when every attempt started so far is recorded.
func (d *Dispatcher) Wait() { d.wg.Wait() }

// Run claims on every tick, and whenever an attempt ends or a replay
// asks, until ctx is done; then it waits for the attempts in flight
// (each ends within Timeout) and returns. A failing claim is logged and
// tried again on the next tick.
func (d *Dispatcher) Run(ctx context.Context, tick <-chan time.Time) {
	defer d.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		case <-d.wake:
			if d.yielding() {
				continue // the next tick claims
			}
		}
		if _, err := d.RunOnce(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("webhook claim failed", "err", err)
		}
	}
}

// Replay makes one delivery due at once, with a fresh retry window, and
// wakes Run. Its webhook-id stays the event's.
func (d *Dispatcher) Replay(ctx context.Context, eventID string, endpointID int64) error {
	if err := d.cfg.Outbox.Requeue(ctx, eventID, endpointID, d.cfg.Now()); err != nil {
		return err // ErrNotFound, ErrInFlight and the like say it all
	}
	d.nudge()
	return nil
}
