package webhook

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/clock"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// receiver is a webhook endpoint on 127.0.0.1 that verifies every request
// with Verify against the test clock, as a real receiver would.
type receiver struct {
	srv    *httptest.Server
	secret Secret
	now    func() time.Time
	// answer, when set, picks the status for a verified request; 204
	// otherwise. It runs outside the receiver's lock and may block.
	answer func(id string, body []byte) int

	mu       sync.Mutex
	got      map[string]int    // verified requests by webhook-id
	bodies   map[string]string // the body each webhook-id came with
	bad      []string          // why requests failed verification
	inFlight map[string]int    // requests being answered, by webhook-id
	overlaps int               // requests that came while one with their id was in flight
	requests int
}

func newReceiver(t *testing.T, now func() time.Time) *receiver {
	t.Helper()
	r := &receiver{secret: NewSecret(), now: now, got: map[string]int{}, bodies: map[string]string{},
		inFlight: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id := req.Header.Get(HeaderID)
	err := Verify(r.secret, req.Header, body, r.now(), 0)
	r.mu.Lock()
	r.requests++
	if err == nil && (req.Header.Get("Content-Type") != "application/json" || req.Method != http.MethodPost ||
		!strings.HasPrefix(req.UserAgent(), "dripcourse") || req.Header.Get("Cookie") != "") {
		r.bad = append(r.bad, "wrong method, content type or user agent, or a cookie")
	}
	if err != nil {
		r.bad = append(r.bad, err.Error())
		r.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if was, ok := r.bodies[id]; ok && was != string(body) {
		r.bad = append(r.bad, "webhook-id "+id+" came with two bodies")
	}
	r.bodies[id] = string(body)
	if r.inFlight[id] > 0 {
		r.overlaps++
	}
	r.inFlight[id]++
	r.mu.Unlock()
	status := http.StatusNoContent
	if r.answer != nil {
		status = r.answer(id, body)
	}
	r.mu.Lock()
	r.inFlight[id]--
	if status >= 200 && status <= 299 {
		r.got[id]++
	}
	r.mu.Unlock()
	w.WriteHeader(status)
}

// counts returns how many ids arrived, how many arrived more than once,
// and the verification failures.
func (r *receiver) counts() (ids, repeats int, bad []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.got {
		ids++
		if n > 1 {
			repeats++
		}
	}
	return ids, repeats, append([]string(nil), r.bad...)
}

// arrivals returns how often an event arrived and was accepted.
func (r *receiver) arrivals(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[id]
}

// body returns the body an event came with.
func (r *receiver) body(id string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies[id]
}

func (r *receiver) overlapCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.overlaps
}

func (r *receiver) requestCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// fixture is a dispatcher over an in-memory outbox and a stopped clock.
type fixture struct {
	t      *testing.T
	clk    *clock.Fake
	box    *MemOutbox
	d      *Dispatcher
	log    *syncBuffer
	mu     sync.Mutex
	alerts []Alert
}

func newFixture(t *testing.T, tweak func(*Config)) *fixture {
	t.Helper()
	f := &fixture{t: t, clk: clock.NewFake(t0), box: NewMemOutbox(), log: &syncBuffer{}}
	cfg := Config{Outbox: f.box, Now: f.clk.Now, AllowPrivate: true,
		Log:    slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Alert:  func(a Alert) { f.mu.Lock(); f.alerts = append(f.alerts, a); f.mu.Unlock() },
		Jitter: func(max time.Duration) time.Duration { return max }}
	if tweak != nil {
		tweak(&cfg)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.d = d
	return f
}

// event records an event of the given type with a small body.
func (f *fixture) event(typ string, n int) string {
	body, err := Payload(typ, f.clk.Now(), map[string]int{"n": n})
	if err != nil {
		f.t.Fatal(err)
	}
	return f.box.AddEvent(typ, f.clk.Now(), body)
}

// drain claims and attempts until nothing more is due now.
func (f *fixture) drain() int {
	f.t.Helper()
	total := 0
	for {
		f.d.Wait()
		n, err := f.d.RunOnce(context.Background())
		if err != nil {
			f.t.Fatal(err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}

// until advances the clock in steps, draining after each, until done
// says so or limit has passed.
func (f *fixture) until(step, limit time.Duration, done func() bool) {
	f.t.Helper()
	end := f.clk.Now().Add(limit)
	for f.drain(); !done(); f.drain() {
		if !f.clk.Now().Before(end) {
			f.t.Fatalf("not done after %v", limit)
		}
		f.clk.Advance(step)
	}
}

func (f *fixture) alertList() []Alert {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Alert(nil), f.alerts...)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
