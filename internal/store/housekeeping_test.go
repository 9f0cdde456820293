package store

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// TestExclusiveSkipsWhileHeld holds the job in one instance and tries it
// from that instance and another: both skip without running fn. Once the
// holder is done, the job runs again.
func TestExclusiveSkipsWhileHeld(t *testing.T) {
	stores(t, testExclusiveSkipsWhileHeld)
}

func testExclusiveSkipsWhileHeld(t *testing.T) {
	postgresOnly(t, "SQLite runs a single instance: Exclusive just runs the job")
	ctx := context.Background()
	dbs := openInstances(t, testTarget(t), 2)
	inside, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		ran, err := dbs[0].Exclusive(ctx, "housekeeping", func(context.Context) error {
			close(inside)
			<-release
			return nil
		})
		if err == nil && !ran {
			err = errors.New("the first caller did not run")
		}
		held <- err
	}()
	<-inside
	for i, db := range dbs {
		ran, err := db.Exclusive(ctx, "housekeeping", func(context.Context) error {
			t.Errorf("instance %d ran the job while another held it", i)
			return nil
		})
		if err != nil || ran {
			t.Fatalf("instance %d, while the job was held: ran %v, %v; want skipped", i, ran, err)
		}
	}
	if ran, err := dbs[1].Exclusive(ctx, "another job", func(context.Context) error { return nil }); !ran || err != nil {
		t.Fatalf("another job, while this one was held: ran %v, %v; want run", ran, err)
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if ran, err := dbs[1].Exclusive(ctx, "housekeeping", func(context.Context) error { return boom }); !ran || !errors.Is(err, boom) {
		t.Fatalf("after release: ran %v, %v; want run, with the job's error", ran, err)
	}
}

// TestExclusiveNeverOverlaps has two instances try the job from several
// goroutines at once: at most one runs it at any moment.
func TestExclusiveNeverOverlaps(t *testing.T) {
	stores(t, testExclusiveNeverOverlaps)
}

func testExclusiveNeverOverlaps(t *testing.T) {
	postgresOnly(t, "SQLite runs a single instance: Exclusive just runs the job")
	dbs := openInstances(t, testTarget(t), 2)
	var active, ran, overlaps atomic.Int32
	job := func(context.Context) error {
		if active.Add(1) != 1 {
			overlaps.Add(1)
		}
		runtime.Gosched() // give another caller the chance to get in
		active.Add(-1)
		return nil
	}
	var wg sync.WaitGroup
	for _, db := range dbs {
		for range 4 {
			wg.Go(func() {
				for range 20 {
					ok, err := db.Exclusive(context.Background(), "housekeeping", job)
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						ran.Add(1)
					}
				}
			})
		}
	}
	wg.Wait()
	if overlaps.Load() != 0 {
		t.Fatalf("the job ran %d times while it was already running", overlaps.Load())
	}
	if ran.Load() == 0 {
		t.Fatal("the job never ran")
	}
}

// postgresOnly skips a test of exclusion between instances on the SQLite
// run: SQLite serves a single instance, and Exclusive just runs the job.
func TestExclusiveRunsOnSQLite(t *testing.T) {
	stores(t, testExclusiveRunsOnSQLite)
}

func testExclusiveRunsOnSQLite(t *testing.T) {
	sqliteOnly(t)
	boom := errors.New("boom")
	calls := 0
	ran, err := open(t).Exclusive(context.Background(), "housekeeping", func(context.Context) error { calls++; return boom })
	if !ran || calls != 1 || !errors.Is(err, boom) {
		t.Fatalf("ran %v, %d calls, %v; want one run, with the job's error", ran, calls, err)
	}
}

func TestHousekeep(t *testing.T) {
	stores(t, testHousekeep)
}

func testHousekeep(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	c := db.RateCounter()
	const window = time.Minute
	now := t0.Add(30 * time.Second) // the current window started at t0
	for back := range 4 {
		must(t, c.Increment("k", t0.Add(-time.Duration(back)*window)))
	}
	must(t, db.CreateAdminSession(ctx, "expired", t0, t0.Add(-time.Hour)))
	must(t, db.CreateAdminSession(ctx, "live", now.Add(time.Hour), t0.Add(-time.Hour)))
	if _, err := db.InitSetting(ctx, KeySigningSecret, "not a number"); err != nil {
		t.Fatal(err)
	}
	swept, err := db.Housekeep(ctx, now, window)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Swept{RateWindows: 2, AdminSessions: 1}); swept != want {
		t.Fatalf("swept %+v, want %+v", swept, want)
	}
	if cur, prev, _ := c.Get("k", t0, t0.Add(-window)); cur != 1 || prev != 1 {
		t.Fatalf("the current and previous windows hold %d and %d, want 1 and 1", cur, prev)
	}
	if ok, _ := db.AdminSession(ctx, "live", now); !ok {
		t.Fatal("a live admin session was deleted")
	}
	if v, ok, _ := db.Setting(ctx, KeySigningSecret); !ok || v != "not a number" {
		t.Fatal("housekeeping touched a setting that is not a session")
	}
}

// A signup never confirmed is deleted, address and events, once
// UnconfirmedLife has passed since its last confirmation email was asked
// for; readers who confirmed at some point, or asked again lately, stay.
func TestHousekeepDeletesUnconfirmedSignups(t *testing.T) {
	stores(t, testHousekeepDeletesUnconfirmedSignups)
}

func testHousekeepDeletesUnconfirmedSignups(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	day := 24 * time.Hour
	subscribe := func(email string, at time.Time) int64 {
		t.Helper()
		res, err := db.Subscribe(ctx, signup(email, at))
		if err != nil {
			t.Fatal(err)
		}
		return res.SubscriberID
	}
	stale := subscribe("stale@example.com", t0)
	subscribe("asked-again@example.com", t0)
	subscribe("asked-again@example.com", t0.Add(20*day))
	active(t, db, "reader@example.com", t0)
	// Confirmed once, left, and signed up again: pending, with history.
	back := active(t, db, "back@example.com", t0)
	if _, err := db.Unsubscribe(ctx, back, 0, "", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	subscribe("back@example.com", t0.Add(2*time.Hour))

	if swept, err := db.Housekeep(ctx, t0.Add(UnconfirmedLife-time.Minute), time.Minute); err != nil || swept.Unconfirmed != 0 {
		t.Fatalf("before UnconfirmedLife: swept %+v, %v; want nothing unconfirmed", swept, err)
	}
	swept, err := db.Housekeep(ctx, t0.Add(UnconfirmedLife+3*time.Hour), time.Minute)
	if err != nil || swept.Unconfirmed != 1 {
		t.Fatalf("after UnconfirmedLife: swept %+v, %v; want 1 unconfirmed", swept, err)
	}
	if _, err := db.SubscriberByEmail(ctx, "stale@example.com"); !errors.Is(err, drip.ErrNotFound) {
		t.Fatalf("the stale signup is still there: %v", err)
	}
	if evs, err := db.Events(ctx, stale); err != nil || len(evs) != 0 {
		t.Fatalf("the stale signup's events are still there: %v, %v", evs, err)
	}
	var confirmations int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM confirmations WHERE subscriber_id = ?", stale).Scan(&confirmations); err != nil || confirmations != 0 {
		t.Fatalf("the stale signup's confirmation emails: %d, %v; want none", confirmations, err)
	}
	for _, email := range []string{"asked-again@example.com", "reader@example.com", "back@example.com"} {
		if _, err := db.SubscriberByEmail(ctx, email); err != nil {
			t.Errorf("%s was deleted: %v", email, err)
		}
	}
}
