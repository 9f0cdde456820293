package store

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// openInstances opens target n times, as n instances would.
func openInstances(t testing.TB, target string, n int) []*DB {
	t.Helper()
	dbs := make([]*DB, n)
	for i := range dbs {
		dbs[i] = openAt(t, target)
	}
	return dbs
}

// tokenLog records the time of every token a budget hands out: the clock
// stands still at t0, so each Sleep's delay is its token's offset.
type tokenLog struct {
	mu    sync.Mutex
	times []time.Time
}

func (l *tokenLog) attach(b *Budget) {
	b.Now = func() time.Time { return t0 }
	b.Sleep = func(_ context.Context, d time.Duration) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.times = append(l.times, t0.Add(d))
		return nil
	}
}

// TestBudgetSharedByInstances has three instances, each with its own
// connections to one database and four senders, take 300 tokens at once.
// The tokens must be 300 distinct slots at least one interval apart, with
// no slot lost between them: together they stay within the rate.
func TestBudgetSharedByInstances(t *testing.T) {
	stores(t, testBudgetSharedByInstances)
}

func testBudgetSharedByInstances(t *testing.T) {
	const instances, senders, each = 3, 4, 25
	var log tokenLog
	var wg sync.WaitGroup
	for _, db := range openInstances(t, testTarget(t), instances) {
		b := db.Budget("smtp", 100)
		log.attach(b)
		for range senders {
			wg.Go(func() {
				for range each {
					if err := b.Wait(context.Background()); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	const n, interval = instances * senders * each, 10 * time.Millisecond
	slices.SortFunc(log.times, time.Time.Compare)
	if len(log.times) != n {
		t.Fatalf("%d tokens handed out, want %d", len(log.times), n)
	}
	for i := 1; i < n; i++ {
		if gap := log.times[i].Sub(log.times[i-1]); gap < interval {
			t.Fatalf("tokens %d and %d are %v apart, want at least %v", i-1, i, gap, interval)
		}
	}
	if span := log.times[n-1].Sub(log.times[0]); span != (n-1)*interval {
		t.Fatalf("%d tokens span %v, want %v: slots were skipped or shared", n, span, (n-1)*interval)
	}
	if !log.times[0].Equal(t0) {
		t.Fatalf("first token at %v, want now (%v)", log.times[0], t0)
	}
}

// TestBudgetDoesNotSaveUpIdleTime checks that a budget idle for a while
// starts again from now, instead of handing out the slots it missed (a
// burst), and that an instance drops reserved tokens that went stale.
func TestBudgetDoesNotSaveUpIdleTime(t *testing.T) {
	stores(t, testBudgetDoesNotSaveUpIdleTime)
}

func testBudgetDoesNotSaveUpIdleTime(t *testing.T) {
	b := open(t).Budget("smtp", 100) // 10 ms apart, 10 reserved at once
	now := t0
	var slept []time.Duration
	b.Now = func() time.Time { return now }
	b.Sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	ctx := context.Background()
	b.Wait(ctx)
	b.Wait(ctx)
	now = now.Add(time.Second) // the other eight reserved tokens are now in the past
	b.Wait(ctx)
	b.Wait(ctx)
	want := []time.Duration{0, 10 * time.Millisecond, 0, 10 * time.Millisecond}
	if !slices.Equal(slept, want) {
		t.Fatalf("waits %v, want %v", slept, want)
	}
}

// TestBudgetKeepsPaceWithoutDatabase checks that when the database can't
// be reached, Wait says so, and still waits one interval, so a sender that
// carries on keeps this instance within the rate.
func TestBudgetKeepsPaceWithoutDatabase(t *testing.T) {
	stores(t, testBudgetKeepsPaceWithoutDatabase)
}

func testBudgetKeepsPaceWithoutDatabase(t *testing.T) {
	db, err := Open(context.Background(), testTarget(t))
	if err != nil {
		t.Fatal(err)
	}
	b := db.Budget("smtp", 4)
	var slept []time.Duration
	b.Sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	db.Close()
	if err := b.Wait(context.Background()); err == nil {
		t.Fatal("Wait on a closed database returned no error")
	}
	if want := []time.Duration{250 * time.Millisecond}; !slices.Equal(slept, want) {
		t.Fatalf("waits %v, want %v", slept, want)
	}
}

func TestBudgetBatchSize(t *testing.T) {
	stores(t, testBudgetBatchSize)
}

func testBudgetBatchSize(t *testing.T) {
	db := open(t)
	cases := []struct {
		rate     float64
		interval time.Duration
		batch    int
	}{
		{0.5, 2 * time.Second, 1},
		{3, 333334 * time.Microsecond, 1},
		{100, 10 * time.Millisecond, 10},
		{2000, 500 * time.Microsecond, 200},
	}
	for _, c := range cases {
		b := db.Budget("x", c.rate)
		if b.interval != c.interval || b.batch != c.batch {
			t.Errorf("rate %v: interval %v, batch %d; want %v, %d", c.rate, b.interval, b.batch, c.interval, c.batch)
		}
	}
}
