package webhook

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoffBounds(t *testing.T) {
	caps := []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
		time.Hour, 3 * time.Hour, 6 * time.Hour, 6 * time.Hour, 6 * time.Hour}
	for i, want := range caps {
		try := i + 1
		if got := Backoff(try, func(max time.Duration) time.Duration { return max }); got != want {
			t.Errorf("try %d, longest wait %v, want %v", try, got, want)
		}
		if got := Backoff(try, func(time.Duration) time.Duration { return 0 }); got != time.Second {
			t.Errorf("try %d, shortest wait %v, want 1s", try, got)
		}
		for range 200 {
			if got := Backoff(try, FullJitter); got < time.Second || got > want {
				t.Fatalf("try %d: full jitter drew %v, outside [1s, %v]", try, got, want)
			}
		}
	}
}

// A delivery that always fails is tried until the next try would fall
// more than three days after its event, and then given up.
func TestRetriesStopAfterThreeDays(t *testing.T) {
	for name, j := range map[string]Jitter{
		"longest waits":  func(max time.Duration) time.Duration { return max },
		"shortest waits": func(max time.Duration) time.Duration { return max / 50 },
		"full jitter":    FullJitter,
	} {
		d := Delivery{Since: t0}
		at, tries := t0, 0
		for {
			d.Try++
			tries++
			state, next := nextTry(d, at, 0, j)
			if state == Failed {
				break
			}
			if state != Pending || !next.After(at) || next.Sub(t0) > MaxRetryAge {
				t.Fatalf("%s: try %d at %v: %q, next %v", name, tries, at.Sub(t0), state, next.Sub(t0))
			}
			at = next
		}
		if at.Sub(t0) > MaxRetryAge || at.Sub(t0) < MaxRetryAge-7*time.Hour {
			t.Errorf("%s: the last try was %v after the event, want within the last 6 h of 3 days", name, at.Sub(t0))
		}
		t.Logf("%s: %d tries, the last %v after the event", name, tries, at.Sub(t0).Round(time.Minute))
	}
}

func TestRetryAfterIsHonouredUpToSixHours(t *testing.T) {
	d := Delivery{Since: t0, Try: 1}
	none := func(time.Duration) time.Duration { return 0 }
	if _, next := nextTry(d, t0, 20*time.Minute, none); next.Sub(t0) != 20*time.Minute {
		t.Errorf("Retry-After 20 min: next try after %v", next.Sub(t0))
	}
	if _, next := nextTry(d, t0, 48*time.Hour, none); next.Sub(t0) != 6*time.Hour {
		t.Errorf("Retry-After 48 h: next try after %v, want the 6 h cap", next.Sub(t0))
	}
	h := http.Header{}
	for v, want := range map[string]time.Duration{"120": 2 * time.Minute, "": 0, "soon": 0, "-5": 0,
		t0.Add(time.Hour).Format(http.TimeFormat): time.Hour, t0.Add(-time.Hour).Format(http.TimeFormat): 0} {
		h.Set("Retry-After", v)
		if got := retryAfter(h, t0); got != want {
			t.Errorf("Retry-After %q = %v, want %v", v, got, want)
		}
	}
}

func TestGivenUpDeliveryIsFailed(t *testing.T) {
	f := newFixture(t, nil)
	r := newReceiver(t, f.clk.Now)
	r.answer = func(string, []byte) int { return 503 }
	ep := f.box.AddEndpoint(r.srv.URL, r.secret)
	id := f.event(LessonSent, 1)
	f.until(30*time.Minute, MaxRetryAge+time.Hour, func() bool { s, _ := f.box.State(id, ep); return s == Failed })
	log := f.box.Attempts()
	last := log[len(log)-1]
	if last.At.Sub(t0) > MaxRetryAge || len(log) < 10 {
		t.Fatalf("%d attempts, the last %v after the event", len(log), last.At.Sub(t0))
	}
	f.clk.Advance(24 * time.Hour)
	if f.drain(); len(f.box.Attempts()) != len(log) {
		t.Fatal("a given-up delivery was tried again")
	}
}
