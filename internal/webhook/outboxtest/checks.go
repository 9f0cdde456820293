package outboxtest

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/webhook"
)

const sent, completed = webhook.LessonSent, webhook.EnrollmentCompleted

func leaseExcludesThenExpires(t *testing.T, u *suite) {
	ep := u.endpoint(sent)
	id := u.event(sent, t0)
	got := u.claim(t0, 2, 10, nil)
	want, _ := webhook.Payload(sent, t0, nil)
	if len(got) != 1 {
		t.Fatalf("claimed %d, want 1", len(got))
	}
	d := got[0]
	if d.EventID != id || d.EndpointID != ep || d.Attempt != 1 || d.Try != 1 || !d.Since.Equal(t0) ||
		!d.LeaseUntil.Equal(t0.Add(lease)) || !bytes.Equal(d.Body, want) || d.URL == "" || d.Secret == "" {
		t.Fatalf("claimed %+v", d)
	}
	if got := u.claim(t0.Add(lease-time.Second), 2, 10, nil); len(got) != 0 {
		t.Fatalf("claimed %d deliveries still leased", len(got))
	}
	got = u.claim(t0.Add(lease), 2, 10, nil)
	if len(got) != 1 || got[0].Attempt != 2 || got[0].Try != 2 {
		t.Fatalf("after the lease: %+v, want attempt 2", got)
	}
	if s := u.state(id, ep); s != webhook.Pending {
		t.Fatalf("state %q, want pending", s)
	}
}

func quotasAndOrder(t *testing.T, u *suite) {
	a, b := u.endpoint(sent), u.endpoint(sent)
	var ids []string
	for i := range 10 {
		ids = append(ids, u.event(sent, t0.Add(time.Duration(i)*time.Second)))
	}
	now := t0.Add(time.Hour)
	got := u.claim(now, 3, 100, map[int64]int{a: 1})
	per := map[int64][]string{}
	for _, d := range got {
		per[d.EndpointID] = append(per[d.EndpointID], d.EventID)
	}
	if len(per[a]) != 2 || len(per[b]) != 3 || per[a][0] != ids[0] || per[a][1] != ids[1] || per[b][2] != ids[2] {
		t.Fatalf("claimed %v; want 2 of endpoint %d (busy 1) and 3 of %d, the earliest first", per, a, b)
	}
	if got := u.claim(now, 3, 4, nil); len(got) != 4 {
		t.Fatalf("claimed %d with a limit of 4", len(got))
	}
	x, y := u.endpoint(completed), u.endpoint(webhook.LessonOpened)
	u.event(completed, t0.Add(time.Minute))
	u.event(webhook.LessonOpened, t0)
	for _, d := range u.claim(now, 3, 1, map[int64]int{a: 3, b: 3}) {
		if d.EndpointID != y {
			t.Fatalf("served endpoint %d first; %d waited longer (and %d later)", d.EndpointID, y, x)
		}
	}
}

func subscriptionsAndDueTimes(t *testing.T, u *suite) {
	s, c := u.endpoint(sent), u.endpoint(completed)
	id := u.event(sent, t0)
	if _, ok, err := u.s.State(u.ctx, id, c); ok || err != nil {
		t.Fatalf("a delivery to an endpoint not subscribed to the type (%v, %v)", ok, err)
	}
	later := u.event(sent, t0.Add(time.Hour))
	for _, d := range u.claim(t0, 5, 10, nil) {
		if d.EventID == later || d.EndpointID != s {
			t.Fatalf("claimed %s to %d before it was due", d.EventID, d.EndpointID)
		}
	}
}

func recordAndFence(t *testing.T, u *suite) {
	ep := u.endpoint(sent)
	for range 3 {
		u.event(sent, t0)
	}
	got := u.claim(t0, 3, 10, nil)
	if len(got) != 3 {
		t.Fatalf("claimed %d, want 3", len(got))
	}
	at := t0.Add(time.Second)
	u.record(outcome(got[0], at, 200, webhook.Delivered, time.Time{}))
	u.record(outcome(got[1], at, 503, webhook.Pending, t0.Add(10*time.Minute)))
	u.record(outcome(got[2], at, 500, webhook.Failed, time.Time{}))
	for i, want := range []webhook.State{webhook.Delivered, webhook.Pending, webhook.Failed} {
		if s := u.state(got[i].EventID, ep); s != want {
			t.Fatalf("delivery %d is %q, want %q", i, s, want)
		}
	}
	if again := u.claim(t0.Add(10*time.Minute-time.Second), 3, 10, nil); len(again) != 0 {
		t.Fatalf("claimed %d before the retry time", len(again))
	}
	again := u.claim(t0.Add(10*time.Minute), 3, 10, nil)
	if len(again) != 1 || again[0].EventID != got[1].EventID || again[0].Attempt != 2 || again[0].Try != 2 {
		t.Fatalf("at the retry time: %+v", again)
	}
	stale := outcome(got[1], t0.Add(11*time.Minute), 200, webhook.Delivered, time.Time{})
	if _, err := u.s.Record(u.ctx, stale); !errors.Is(err, webhook.ErrLeaseLost) {
		t.Fatalf("record with attempt 1 after attempt 2's claim: %v, want ErrLeaseLost", err)
	}
	if s := u.state(got[1].EventID, ep); s != webhook.Pending {
		t.Fatalf("the stale record changed the state to %q", s)
	}
	log, err := u.s.Attempts(u.ctx, ep)
	if err != nil || len(log) != 4 {
		t.Fatalf("%d attempts logged (%v), want 4, the stale one included", len(log), err)
	}
	if a := log[1]; a.Status != 503 || a.Error != "HTTP 503" || a.Latency != 12*time.Millisecond ||
		string(a.Response) != "ok" || a.Number != 1 || !a.At.Equal(at) {
		t.Fatalf("attempt kept as %+v", a)
	}
}

func concurrentClaims(t *testing.T, u *suite) {
	for range 3 {
		u.endpoint(sent)
	}
	for range 60 {
		u.event(sent, t0)
	}
	var mu sync.Mutex
	seen := map[[2]any]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				got, err := u.s.Claim(u.ctx, webhook.Claim{Now: t0, Lease: lease, PerEndpoint: 5, Limit: 7})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					seen[[2]any{d.EventID, d.EndpointID}]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for k, n := range seen {
		if n != 1 {
			t.Errorf("delivery %v claimed %d times within one lease", k, n)
		}
	}
	if len(seen) != 180 {
		t.Errorf("claimed %d distinct deliveries, want 180", len(seen))
	}
}
