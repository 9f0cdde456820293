package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/apikey"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

// receiver is a webhook endpoint on 127.0.0.1 that verifies every
// delivery's signature and counts events by webhook-id; while down it
// answers 503.
type receiver struct {
	mu     sync.Mutex
	secret webhook.Secret
	now    func() time.Time
	down   bool
	types  map[string]string // webhook-id → type
	why    map[string]string // webhook-id → data.reason
	bad    int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if err := webhook.Verify(rc.secret, r.Header, body, rc.now(), webhook.DefaultTolerance); err != nil {
		rc.bad++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var ev struct {
		Type string
		Data struct{ Reason string }
	}
	_ = json.Unmarshal(body, &ev)
	rc.types[r.Header.Get("webhook-id")] = ev.Type
	if rc.why != nil {
		rc.why[r.Header.Get("webhook-id")] = ev.Data.Reason
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) got() map[string]string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string]string{}
	for k, v := range rc.types {
		out[k] = v
	}
	return out
}

// TestAPIChangesReachAWebhookReceiver enrolls readers through the API
// while the receiver is down, then brings it up: every event written with
// the changes arrives, signed, once per webhook-id.
func TestAPIChangesReachAWebhookReceiver(t *testing.T) {
	databases(t, func(t *testing.T, target string) {
		f := newFixture(t, target, 0)
		sealer, err := webhook.NewSealer([]byte("0123456789abcdef0123456789abcdef"))
		if err != nil {
			t.Fatal(err)
		}
		hooks := f.db.Webhooks(sealer)
		rc := &receiver{secret: webhook.NewSecret(), now: f.clock.Now, down: true, types: map[string]string{}, why: map[string]string{}}
		ts := httptest.NewServer(rc)
		t.Cleanup(ts.Close)
		types := []string{webhook.SubscriberConfirmed, webhook.EnrollmentStarted, webhook.EnrollmentPaused, webhook.SubscriberUnsubscribed}
		ep, err := hooks.AddEndpoint(context.Background(), ts.URL+"/hooks", rc.secret, types)
		if err != nil {
			t.Fatal(err)
		}
		d, err := webhook.New(webhook.Config{Outbox: hooks, Now: f.clock.Now, AllowPrivate: true, Jitter: func(time.Duration) time.Duration { return 0 }})
		if err != nil {
			t.Fatal(err)
		}
		key := f.key("shop", apikey.Scopes()...)
		var ann Subscriber
		f.do(key, "POST", "/subscribers", map[string]any{"email": "ann@example.com", "course": trust, "confirmed": true}).decode(t, &ann)
		f.do(key, "POST", "/subscribers", map[string]any{"email": "bob@example.com", "course": trust, "confirmed": true})
		// A pending reader confirmed through the API.
		f.do(key, "POST", "/subscribers", map[string]any{"email": "cat@example.com", "course": trust})
		f.do(key, "POST", "/subscribers", map[string]any{"email": "cat@example.com", "course": trust, "confirmed": true})
		f.do(key, "POST", "/subscribers/"+itoa(ann.ID)+"/enrollments/"+trust+"/pause", nil)
		f.do(key, "POST", "/subscribers/"+itoa(ann.ID)+"/enrollments/"+trust+"/unsubscribe", nil)

		drain(t, d) // every attempt fails: the receiver is down
		if n, _ := hooks.Backlog(context.Background()); n != 8 {
			t.Fatalf("%d deliveries pending while the receiver is down, want 8", n)
		}
		rc.mu.Lock()
		rc.down = false
		rc.mu.Unlock()
		f.clock.Advance(time.Hour) // past every backoff
		drain(t, d)
		got := rc.got()
		count := map[string]int{}
		for _, typ := range got {
			count[typ]++
		}
		want := map[string]int{webhook.SubscriberConfirmed: 3, webhook.EnrollmentStarted: 3, webhook.EnrollmentPaused: 1, webhook.SubscriberUnsubscribed: 1}
		for typ, n := range want {
			if count[typ] != n {
				t.Errorf("%s: %d events arrived, want %d (all: %v)", typ, count[typ], n, got)
			}
		}
		for id, typ := range got {
			if why := rc.why[id]; typ == webhook.EnrollmentStarted && why != "api" {
				t.Errorf("an enrollment started through the API gives the reason %q, want api", why)
			}
		}
		if rc.bad != 0 {
			t.Errorf("%d deliveries had a bad signature", rc.bad)
		}
		if n, _ := hooks.Backlog(context.Background()); n != 0 {
			t.Errorf("%d deliveries still pending", n)
		}
		atts, _ := hooks.Attempts(context.Background(), ep)
		if len(atts) != 16 {
			t.Errorf("%d attempts logged, want 8 failed and 8 delivered", len(atts))
		}
	})
}

// drain runs the dispatcher until a pass claims nothing.
func drain(t *testing.T, d *webhook.Dispatcher) {
	t.Helper()
	for range 100 {
		n, err := d.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		d.Wait()
		if n == 0 {
			return
		}
	}
	t.Fatal("the dispatcher never ran out of work")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
