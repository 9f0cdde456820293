package store

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// A Budget is a rate, in tokens per second, shared by every instance using
// the database: the SMTP send rate when several instances share one
// PostgreSQL. It follows the generic cell-rate algorithm on one row per
// budget name: the row holds the time from which the next token is free,
// and reserving k tokens moves that time on by k intervals in one atomic
// statement. Reservations from all instances therefore never overlap, and
// never add up to more than the rate.
//
// A round trip per message would cost more than the message, so an
// instance reserves about a tenth of a second of budget at once and hands
// those tokens out locally, one interval apart, sleeping until each
// token's time.
//
// Instances read their own clocks; skew between them lets short bursts
// exceed the rate by the skew's worth of tokens, so keep clocks in sync.
type Budget struct {
	db       *DB
	name     string
	interval time.Duration
	batch    int

	// Now and Sleep are the clock and the wait, replaced by tests. Sleep
	// is called with every token's delay, which may be zero or negative.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	next time.Time // the next local token's time, if left > 0
	left int       // local tokens not yet handed out
}

// budgetAhead is how much of the budget an instance reserves at once.
const budgetAhead = 100 * time.Millisecond

// Budget returns the budget called name, allowing perSecond tokens per
// second (which must be positive) across every instance.
func (db *DB) Budget(name string, perSecond float64) *Budget {
	// Rounding the interval up keeps the budget at or under the rate.
	interval := time.Duration(max(1, math.Ceil(1e6/perSecond))) * time.Microsecond
	return &Budget{db: db, name: name, interval: interval, batch: max(1, int(budgetAhead/interval)),
		Now: time.Now, Sleep: sleep}
}

// Wait blocks until the caller may use one token, or ctx ends. It
// satisfies the same interface as x/time/rate's Limiter.Wait.
//
// Without the database there is no shared budget to draw on: Wait then
// returns the error after one interval, so that a caller who goes ahead
// anyway still keeps this instance alone within the rate.
func (b *Budget) Wait(ctx context.Context) error {
	at, err := b.take(ctx)
	if err != nil {
		if serr := b.Sleep(ctx, b.interval); serr != nil {
			return fmt.Errorf("store: budget %s: %w", b.name, serr)
		}
		return err
	}
	if err := b.Sleep(ctx, at.Sub(b.Now())); err != nil {
		return fmt.Errorf("store: budget %s: %w", b.name, err)
	}
	return nil
}

// take hands out the next local token, reserving a new batch when none is
// left. A token whose interval has already passed is dropped rather than
// used late: the slots after it may belong to other instances, and using it
// now would put two messages in one slot.
func (b *Budget) take(ctx context.Context) (time.Time, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.Now()
	for b.left > 0 && !now.Before(b.next.Add(b.interval)) {
		b.next, b.left = b.next.Add(b.interval), b.left-1
	}
	if b.left == 0 {
		start, err := b.db.reserve(ctx, b.name, now, b.batch, b.interval)
		if err != nil {
			return time.Time{}, err
		}
		b.next, b.left = start, b.batch
	}
	at := b.next
	b.next, b.left = b.next.Add(b.interval), b.left-1
	return at, nil
}

// reserve takes k tokens of the named budget in one statement and returns
// the first one's time; the others follow one interval apart. Tokens are
// never handed out for the past: an idle budget starts again from now.
// On PostgreSQL the row lock orders concurrent reservations, and each sees
// the tat its predecessor left.
func (db *DB) reserve(ctx context.Context, name string, now time.Time, k int, interval time.Duration) (time.Time, error) {
	cost := int64(k) * interval.Microseconds()
	q := `INSERT INTO budgets (name, tat) VALUES (?1, ?2)
		ON CONFLICT (name) DO UPDATE SET tat = ` + db.d.greatest("budgets.tat", "?3") + ` + ?4
		RETURNING tat`
	var tat int64
	if err := db.w.QueryRowContext(ctx, q, name, now.UnixMicro()+cost, now.UnixMicro(), cost).Scan(&tat); err != nil {
		return time.Time{}, fmt.Errorf("store: budget %s: %w", name, friendly(err))
	}
	return time.UnixMicro(tat - cost).UTC(), nil
}

// sleep waits for d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
