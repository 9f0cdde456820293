package webhook

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestEveryEventArrivesSignedWithItsID(t *testing.T) {
	f := newFixture(t, nil)
	all := newReceiver(t, f.clk.Now)
	sentOnly := newReceiver(t, f.clk.Now)
	allID := f.box.AddEndpoint(all.srv.URL+"/hook", all.secret)
	f.box.AddEndpoint(sentOnly.srv.URL, sentOnly.secret, LessonSent)
	var ids, sentIDs []string
	for i, typ := range EventTypes() {
		id := f.event(typ, i)
		ids = append(ids, id)
		if typ == LessonSent {
			sentIDs = append(sentIDs, id)
		}
	}
	f.drain()
	for name, c := range map[string]struct {
		r    *receiver
		want []string
	}{"all": {all, ids}, "lesson.sent only": {sentOnly, sentIDs}} {
		n, repeats, bad := c.r.counts()
		if n != len(c.want) || repeats != 0 || len(bad) != 0 {
			t.Errorf("%s: %d ids (%d repeated), want %d; refused: %v", name, n, repeats, len(c.want), bad)
		}
		for _, id := range c.want {
			if c.r.arrivals(id) != 1 {
				t.Errorf("%s: event %s arrived %d times", name, id, c.r.arrivals(id))
			}
		}
	}
	var body struct {
		Type      string         `json:"type"`
		Timestamp time.Time      `json:"timestamp"`
		Data      map[string]int `json:"data"`
	}
	if err := json.Unmarshal([]byte(all.body(ids[2])), &body); err != nil || body.Type != EventTypes()[2] ||
		!body.Timestamp.Equal(t0) || body.Data["n"] != 2 {
		t.Errorf("body %s: %+v, %v", all.body(ids[2]), body, err)
	}
	for _, id := range ids {
		if s, _ := f.box.State(id, allID); s != Delivered {
			t.Errorf("event %s is %q, want delivered", id, s)
		}
	}
}

func TestDownReceiverGetsEveryEventLater(t *testing.T) {
	f := newFixture(t, nil)
	r := newReceiver(t, f.clk.Now)
	var down atomic.Bool
	down.Store(true)
	seenDown := sync.Map{}
	r.answer = func(id string, _ []byte) int {
		if down.Load() {
			seenDown.Store(id, true)
			return 503
		}
		return 204
	}
	ep := f.box.AddEndpoint(r.srv.URL, r.secret)
	var ids []string
	for i := range 20 {
		ids = append(ids, f.event(LessonSent, i))
		f.clk.Advance(time.Minute)
	}
	f.until(10*time.Minute, 5*time.Hour, func() bool { return f.clk.Now().Sub(t0) >= 5*time.Hour })
	if n, _, _ := r.counts(); n != 0 {
		t.Fatalf("%d events got through a receiver that was down", n)
	}
	down.Store(false)
	f.until(10*time.Minute, 3*24*time.Hour, func() bool { n, _, _ := r.counts(); return n == len(ids) })
	n, repeats, bad := r.counts()
	if n != len(ids) || repeats != 0 || len(bad) != 0 {
		t.Fatalf("%d of %d events (%d repeated); refused: %v", n, len(ids), repeats, bad)
	}
	for _, id := range ids {
		if _, ok := seenDown.Load(id); !ok || r.arrivals(id) != 1 {
			t.Errorf("event %s: tried while down %v, delivered %d times", id, ok, r.arrivals(id))
		}
	}
	checkAttemptNumbers(t, f.box.Attempts(), ep)
}

// checkAttemptNumbers checks that each delivery's attempts are numbered
// 1, 2, 3... and that all but the last failed.
func checkAttemptNumbers(t *testing.T, log []Attempt, ep int64) {
	t.Helper()
	byEvent := map[string][]Attempt{}
	for _, a := range log {
		if a.EndpointID == ep {
			byEvent[a.EventID] = append(byEvent[a.EventID], a)
		}
	}
	for id, as := range byEvent {
		for i, a := range as {
			if a.Number != i+1 || (i < len(as)-1) == a.OK() {
				t.Errorf("event %s attempt %d: number %d, status %d", id, i+1, a.Number, a.Status)
			}
		}
		if len(as) < 2 {
			t.Errorf("event %s was attempted %d times, want a failure then a success", id, len(as))
		}
	}
}

func TestSlowEndpointDoesNotDelayAnother(t *testing.T) {
	done := make(chan int64, 100)
	f := newFixture(t, func(c *Config) {
		c.PerEndpoint = 2 // fewer than the events, so the slow endpoint fills its cap
		c.Observe = func(a Attempt) { done <- a.EndpointID }
	})
	slow, fast := newReceiver(t, f.clk.Now), newReceiver(t, f.clk.Now)
	release := make(chan struct{})
	arrived := make(chan string, 10)
	slow.answer = func(id string, _ []byte) int { arrived <- id; <-release; return 204 }
	slowID := f.box.AddEndpoint(slow.srv.URL, slow.secret)
	fastID := f.box.AddEndpoint(fast.srv.URL, fast.secret)
	for i := range 5 {
		f.event(LessonSent, i)
	}
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	for delivered := 0; delivered < 5; {
		if _, err := f.d.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if ep := waitFor(t, done); ep == fastID {
			delivered++
		}
	}
	if n, _, _ := fast.counts(); n != 5 {
		t.Fatalf("the fast endpoint got %d of 5 events", n)
	}
	waitFor(t, arrived)
	waitFor(t, arrived)
	f.d.mu.Lock()
	busy := f.d.busy[slowID]
	f.d.mu.Unlock()
	if busy != 2 {
		t.Fatalf("slow endpoint: %d attempts in flight, want its cap of 2", busy)
	}
	close(release)
	released = true
	f.drain()
	if n, _, bad := slow.counts(); n != 5 || len(bad) != 0 {
		t.Fatalf("once released, the slow endpoint got %d of 5 events; refused %v", n, bad)
	}
}

func waitFor[T any](t *testing.T, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(20 * time.Second): // a failsafe, not a synchronisation
		t.Fatal("nothing came within 20 s")
	}
	var zero T
	return zero
}

func TestTwoDispatchersNeverOverlap(t *testing.T) {
	f := newFixture(t, nil)
	second, err := New(f.d.cfg)
	if err != nil {
		t.Fatal(err)
	}
	var rs []*receiver
	var failedOnce sync.Map
	for range 3 {
		r := newReceiver(t, f.clk.Now)
		r.answer = func(id string, body []byte) int {
			if _, seen := failedOnce.LoadOrStore(string(body)+id+r.srv.URL, true); !seen && len(body)%2 == 0 {
				return 500
			}
			return 204
		}
		f.box.AddEndpoint(r.srv.URL, r.secret)
		rs = append(rs, r)
	}
	for i := range 150 {
		f.event(LessonSent, i)
	}
	all := func() bool {
		for _, r := range rs {
			if n, _, _ := r.counts(); n != 150 {
				return false
			}
		}
		return true
	}
	for round := 0; !all(); round++ {
		if round > 10 {
			t.Fatal("not all delivered after 10 rounds")
		}
		var wg sync.WaitGroup
		for _, d := range []*Dispatcher{f.d, second} {
			wg.Go(func() { drainConcurrently(t, d) })
		}
		wg.Wait()
		f.clk.Advance(time.Hour)
	}
	for i, r := range rs {
		if _, repeats, bad := r.counts(); repeats != 0 || r.overlapCount() != 0 || len(bad) != 0 {
			t.Errorf("receiver %d: %d repeats, %d overlapping requests, refused: %v", i, repeats, r.overlapCount(), bad)
		}
	}
}

// drainConcurrently claims until a claim, made after the attempts in
// flight ended, finds nothing.
func drainConcurrently(t *testing.T, d *Dispatcher) {
	for {
		n, err := d.RunOnce(context.Background())
		if err != nil {
			t.Error(err)
			return
		}
		if n == 0 {
			d.Wait()
			if n, _ = d.RunOnce(context.Background()); n == 0 {
				d.Wait()
				return
			}
		}
	}
}

// While a dispatch pass runs (Yield), the dispatcher takes one attempt
// per endpoint at a time; once it ends, as many as PerEndpoint.
func TestYieldGivesWayToAPass(t *testing.T) {
	var passing atomic.Bool
	passing.Store(true)
	f := newFixture(t, func(c *Config) { c.Yield = passing.Load })
	rc := newReceiver(t, f.clk.Now)
	f.box.AddEndpoint(rc.srv.URL, rc.secret)
	for i := range 12 {
		f.event(LessonSent, i)
	}
	if n, err := f.d.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("during a pass, a claim started %d attempts (%v), want 1", n, err)
	}
	f.d.Wait()
	passing.Store(false)
	if n, err := f.d.RunOnce(context.Background()); err != nil || n != 8 {
		t.Fatalf("after the pass, a claim started %d attempts (%v), want the 8 an endpoint may have", n, err)
	}
	f.d.Wait()
	if got := f.drain() + 9; got != 12 {
		t.Errorf("%d events attempted in all, want 12", got)
	}
	if ids, repeats, bad := rc.counts(); ids != 12 || repeats != 0 || len(bad) != 0 {
		t.Errorf("receiver got %d events, %d repeats, bad %v", ids, repeats, bad)
	}
}
