package store

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/webhook"
)

// Two instances on one PostgreSQL database, each with its own pool and
// dispatcher, drain one backlog together: every event arrives once, and
// no event is ever being delivered by both at the same moment.
func TestWebhookDispatchersShareOneDatabase(t *testing.T) {
	stores(t, testWebhookDispatchersShareOneDatabase)
}

func testWebhookDispatchersShareOneDatabase(t *testing.T) {
	postgresOnly(t, "SQLite runs one instance")
	ctx := context.Background()
	dbs := openInstances(t, testTarget(t), 2)
	var mu sync.Mutex
	got, inFlight, overlaps := map[string]int{}, map[string]int{}, 0
	secret := webhook.NewSecret()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(secret, r.Header, body, time.Now(), webhook.DefaultTolerance); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		id := r.Header.Get("webhook-id")
		mu.Lock()
		if inFlight[id]++; inFlight[id] > 1 {
			overlaps++
		}
		got[id]++
		mu.Unlock()
		time.Sleep(time.Millisecond) // a receiver takes a moment: a second claim of this delivery would overlap it
		mu.Lock()
		inFlight[id]--
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	first := dbs[0].Webhooks(testSealer(t))
	if _, err := first.AddEndpoint(ctx, srv.URL+"/in", secret, []string{webhook.LessonSent}); err != nil {
		t.Fatal(err)
	}
	const events = 200
	for i := range events {
		if _, err := first.AddEvent(ctx, webhook.LessonSent, time.Now(), []byte(`{"n":`+strconv.Itoa(i)+`}`)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var byInstance [2]atomic.Int64
	for i, db := range dbs {
		d, err := webhook.New(webhook.Config{Outbox: db.Webhooks(testSealer(t)), AllowPrivate: true,
			Observe: func(webhook.Attempt) { byInstance[i].Add(1) }})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for idle := 0; idle < 3; {
				n, err := d.RunOnce(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					d.Wait() // what is in flight ends, and may free the last claims
					idle++
				} else {
					idle = 0
				}
			}
			d.Wait()
		})
	}
	wg.Wait()
	if n, err := first.Backlog(ctx); err != nil || n != 0 {
		t.Fatalf("%d deliveries left (%v)", n, err)
	}
	if byInstance[0].Load() == 0 || byInstance[1].Load() == 0 {
		t.Errorf("attempts by instance: %d and %d; both should have shared the work", byInstance[0].Load(), byInstance[1].Load())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != events || overlaps != 0 {
		t.Errorf("%d of %d events arrived, %d deliveries overlapped", len(got), events, overlaps)
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s arrived %d times", id, n)
		}
	}
}
