package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

func TestAPIKeys(t *testing.T) { stores(t, testAPIKeys) }

func testAPIKeys(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	k, err := db.CreateAPIKey(ctx, "shop", "abc", "h1", []string{"subscribers:read", "enroll:confirmed"}, t0)
	if err != nil || k.ID == 0 || len(k.Scopes) != 2 || !k.CreatedAt.Equal(t0) {
		t.Fatalf("create: %+v, %v", k, err)
	}
	if _, err := db.CreateAPIKey(ctx, "shop", "def", "h2", nil, t0); !errors.Is(err, ErrKeyName) {
		t.Fatalf("a second live key named shop: %v", err)
	}
	got, hash, err := db.APIKeyByPrefix(ctx, "abc")
	if err != nil || hash != "h1" || got.Name != "shop" {
		t.Fatalf("by prefix: %+v %q %v", got, hash, err)
	}
	if _, _, err := db.APIKeyByPrefix(ctx, "nope"); !errors.Is(err, drip.ErrNotFound) {
		t.Fatalf("unknown prefix: %v", err)
	}
	// last used: written once a minute at most.
	for i, at := range []time.Time{t0.Add(time.Second), t0.Add(30 * time.Second), t0.Add(2 * time.Minute)} {
		if err := db.TouchAPIKey(ctx, k.ID, at, time.Minute); err != nil {
			t.Fatal(err)
		}
		got, _, _ := db.APIKeyByPrefix(ctx, "abc")
		want := []time.Time{t0.Add(time.Second), t0.Add(time.Second), t0.Add(2 * time.Minute)}[i]
		if !got.LastUsedAt.Equal(want) {
			t.Fatalf("use %d: last used %v, want %v", i, got.LastUsedAt, want)
		}
	}
	r, err := db.RevokeAPIKey(ctx, "shop", t0.Add(time.Hour))
	if err != nil || !r.Revoked() || r.ID != k.ID {
		t.Fatalf("revoke: %+v, %v", r, err)
	}
	if _, err := db.RevokeAPIKey(ctx, "shop", t0); !errors.Is(err, drip.ErrNotFound) {
		t.Fatalf("revoke twice: %v", err)
	}
	if _, err := db.CreateAPIKey(ctx, "shop", "def", "h2", nil, t0); err != nil {
		t.Fatalf("a revoked key's name is free again: %v", err)
	}
	list, err := db.APIKeys(ctx)
	if err != nil || len(list) != 2 || list[0].Revoked() || !list[1].Revoked() {
		t.Fatalf("list: %+v, %v", list, err)
	}
}

func TestIdempotencyKeys(t *testing.T) { stores(t, testIdempotencyKeys) }

func testIdempotencyKeys(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	begin := func(hash string, at time.Time) Idempotent {
		t.Helper()
		got, err := db.BeginIdempotent(ctx, 1, "k1", hash, at, time.Minute, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// Of several at once, one starts; the others see it running.
	var wg sync.WaitGroup
	var mu sync.Mutex
	started := 0
	for range 6 {
		wg.Go(func() {
			got, err := db.BeginIdempotent(ctx, 1, "k1", "h", t0, time.Minute, 24*time.Hour)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
			}
			if got.Started {
				started++
			} else if got.Status != 0 {
				t.Errorf("a running request's key read as answered: %+v", got)
			}
		})
	}
	wg.Wait()
	if started != 1 {
		t.Fatalf("%d requests started with one key", started)
	}
	if err := db.FinishIdempotent(ctx, 1, "k1", 201, "application/json", []byte(`{"id":1}`)); err != nil {
		t.Fatal(err)
	}
	if got := begin("other", t0.Add(time.Hour)); got.Started || got.Status != 201 || string(got.Body) != `{"id":1}` || got.RequestHash != "h" {
		t.Fatalf("replay: %+v", got)
	}
	if got := begin("h", t0.Add(25*time.Hour)); !got.Started {
		t.Fatalf("an expired key did not start afresh: %+v", got)
	}
	// A request that crashed holds its key only for the lock.
	if got := begin("h", t0.Add(25*time.Hour+2*time.Minute)); !got.Started {
		t.Fatalf("a stale running key was not taken over: %+v", got)
	}
	if err := db.AbandonIdempotent(ctx, 1, "k1"); err != nil {
		t.Fatal(err)
	}
	if got := begin("h", t0.Add(25*time.Hour+2*time.Minute)); !got.Started {
		t.Fatalf("an abandoned key did not start again: %+v", got)
	}
}

// Housekeeping deletes expired answers and old webhook events that
// nothing is pending for, and keeps the rest.
func TestHousekeepAPI(t *testing.T) { stores(t, testHousekeepAPI) }

func testHousekeepAPI(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	if _, err := db.BeginIdempotent(ctx, 1, "old", "h", t0, time.Minute, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	hooks := populateHooks(t, db)
	done, _ := hooks.AddEvent(ctx, webhook.LessonSent, t0, []byte(`{}`))
	pending, _ := hooks.AddEvent(ctx, webhook.LessonSent, t0.Add(time.Second), []byte(`{}`))
	c, err := hooks.Claim(ctx, webhook.Claim{Now: t0, Lease: time.Minute, PerEndpoint: 1, Limit: 1})
	if err != nil || len(c) != 1 || c[0].EventID != done {
		t.Fatalf("claim: %+v, %v", c, err)
	}
	if _, err := hooks.Record(ctx, webhook.Outcome{Attempt: webhook.Attempt{EventID: done, EndpointID: c[0].EndpointID, Number: 1, At: t0, Status: 200},
		State: webhook.Delivered}); err != nil {
		t.Fatal(err)
	}
	swept, err := db.Housekeep(ctx, t0.Add(WebhookEventLife+time.Hour), time.Minute)
	if err != nil || swept.Answers != 1 || swept.WebhookEvents != 1 {
		t.Fatalf("swept %+v, %v", swept, err)
	}
	if n := countRows(t, db, "webhook_events"); n != 1 {
		t.Fatalf("%d events left, want the pending one (%s)", n, pending)
	}
	if n := countRows(t, db, "webhook_attempts"); n != 0 {
		t.Fatalf("%d attempts left", n)
	}
}
