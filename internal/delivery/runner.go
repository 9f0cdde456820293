// Package delivery sends what is due. Runner.SendDue is one dispatch
// pass: claim due work with a lease (package schedule chooses each
// reader's lesson), render it, send it, and record each outcome before
// the next message on the same connection, so a crash can repeat at most
// the messages in flight, and never lose one.
package delivery

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/store"
)

// Runner sends due confirmations and lessons.
type Runner struct {
	DB       *store.DB
	Sender   mailer.Sender
	Composer *compose.Composer
	Content  func() *compose.Content
	Now      func() time.Time
	Log      *slog.Logger // nil logs nothing
	// Workers is how many messages are sent at once; match it to the SMTP
	// sender's connections.
	Workers int
	// Batch is how many items one claim takes; 256 by default. Each claim
	// prepares its statements and commits, so small claims cost
	// throughput (64 cost 8%), and a claim holds SQLite's single writer,
	// which outcomes wait behind (512 were no faster).
	Batch int
	// Lease is how long a claimed item stays reserved; after it, a crashed
	// sender's work comes due again.
	Lease time.Duration
	// Limit caps messages per second across workers; nil means no cap.
	// An x/time/rate Limiter serves one instance; the store's Budget is
	// shared by every instance on one database.
	Limit interface {
		Wait(ctx context.Context) error
	}
	// Observe, when set, is told of every lesson attempt: its course, its
	// result and how long render, send and record took together (for
	// metrics and the benchmark). It must be safe to call from several
	// goroutines.
	Observe func(course string, result drip.DeliveryStatus, took time.Duration)
	// Passes, when set, counts the passes running now (its value goes up
	// while SendDue runs), so that background work such as webhook
	// deliveries can give way to the mail readers are waiting for.
	Passes *atomic.Int32

	missing sync.Map // courses found missing, logged once (missingCourse)
}

// Summary counts what a pass did.
type Summary struct {
	Confirmations int
	Sent          int
	Retried       int
	Failed        int
	Bounced       int
	Completed     int
}

func (s *Summary) add(o Summary) {
	s.Confirmations += o.Confirmations
	s.Sent += o.Sent
	s.Retried += o.Retried
	s.Failed += o.Failed
	s.Bounced += o.Bounced
	s.Completed += o.Completed
}

func (r *Runner) defaults() {
	if r.Workers < 1 {
		r.Workers = 1
	}
	if r.Batch < 1 {
		r.Batch = 256
	}
	if r.Lease <= 0 {
		r.Lease = 10 * time.Minute
	}
	if r.Log == nil {
		r.Log = slog.New(slog.DiscardHandler) // the caller's logger, or none: never the process-wide default
	}
}

// SendDue runs one pass as of the current time: every confirmation and
// every lesson due by then is sent, one lesson per reader's course at most. When ctx
// is cancelled it stops claiming, finishes and records the messages in
// flight, and returns.
func (r *Runner) SendDue(ctx context.Context) (Summary, error) {
	r.defaults()
	if r.Passes != nil {
		r.Passes.Add(1)
		defer r.Passes.Add(-1)
	}
	now := r.Now().UTC()
	ct := r.Content()
	var total Summary
	// Confirmations and lessons share the connections, so a failure of
	// our setup counts across both.
	gate := newSetupGate(r.Workers)
	s, err := r.sendConfirmations(ctx, ct, gate)
	total.add(s)
	if err != nil {
		return total, err
	}
	s, err = r.sendLessons(ctx, ct, now, gate)
	total.add(s)
	return total, cmp.Or(err, gate.unresolved())
}

// work fans jobs from claim out to the workers until claim returns none,
// fails, or ctx ends. Each worker handles its job fully (send and record)
// before taking the next. An error from handle stops the pass: nothing
// more is claimed or sent, and work returns the first such error.
//
// Jobs still queued when ctx ends or the pass stops are not sent: skip
// releases them so they come due again at once instead of when their
// lease runs out.
func work[J any](ctx context.Context, r *Runner, claim func() ([]J, error), handle func(context.Context, J) (Summary, error), skip func(J)) (Summary, error) {
	jobs := make(chan J, r.Batch)
	var mu sync.Mutex
	var total Summary
	var stop error // the first error from handle, under mu
	stopped := func() error {
		mu.Lock()
		defer mu.Unlock()
		return stop
	}
	var wg sync.WaitGroup
	// The in-flight message must finish even after ctx is cancelled.
	sendCtx := context.WithoutCancel(ctx)
	for range r.Workers {
		wg.Go(func() {
			for j := range jobs {
				if ctx.Err() != nil || stopped() != nil {
					skip(j)
					continue
				}
				s, err := handle(sendCtx, j)
				mu.Lock()
				total.add(s)
				stop = cmp.Or(stop, err)
				mu.Unlock()
			}
		})
	}
	var err error
	for ctx.Err() == nil && stopped() == nil {
		var batch []J
		batch, err = claim()
		if err != nil || len(batch) == 0 {
			break
		}
		for _, j := range batch {
			jobs <- j
		}
	}
	close(jobs)
	wg.Wait()
	err = cmp.Or(err, stop)
	if ctx.Err() != nil {
		// Shutdown: a claim cut short by it is not a failure, and what
		// was claimed but not sent has been released.
		err = nil
		if !errors.Is(ctx.Err(), context.Canceled) {
			err = ctx.Err()
		}
	}
	return total, err
}

// leased takes a token from the rate limiter, then reports whether the
// claim leased until `until` may still be sent, with a context that ends
// an eighth of the lease before the lease does. Another instance may
// retake work whose lease has run out, so work that waited into the last
// quarter of its lease goes back instead, and a send must end, and its
// outcome be recorded, before the lease does.
func (r *Runner) leased(ctx context.Context, until time.Time) (context.Context, context.CancelFunc, bool) {
	r.wait(ctx)
	// The lease is in r.Now's time, which tests set: the deadline is
	// counted from it, not from the wall clock.
	ctx, cancel := context.WithTimeout(ctx, until.Sub(r.Now())-r.Lease/8)
	return ctx, cancel, r.enoughLease(until)
}

// enoughLease reports whether a claim leased until `until` still has a
// quarter of its lease left, enough to start a send in.
func (r *Runner) enoughLease(until time.Time) bool {
	return until.Sub(r.Now()) >= r.Lease/4
}

// wait takes a token from the rate limiter, if there is one.
func (r *Runner) wait(ctx context.Context) {
	if r.Limit != nil {
		r.Limit.Wait(ctx)
	}
}
