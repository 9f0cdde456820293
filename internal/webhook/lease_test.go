package webhook

import (
	"context"
	"errors"
	"testing"
	"time"
)

// An instance that claims and dies leaves its deliveries leased; they
// come due again when the lease ends, and the dead claim's late record
// cannot undo the new attempt's outcome.
func TestCrashedClaimComesBackAfterItsLease(t *testing.T) {
	f := newFixture(t, nil)
	r := newReceiver(t, f.clk.Now)
	ep := f.box.AddEndpoint(r.srv.URL, r.secret)
	id := f.event(LessonSent, 1)
	ctx := context.Background()
	crashed, err := f.box.Claim(ctx, Claim{Now: f.clk.Now(), Lease: 2 * time.Minute, PerEndpoint: 2, Limit: 10})
	if err != nil || len(crashed) != 1 {
		t.Fatalf("claim: %v, %v", crashed, err)
	}
	if f.drain() != 0 {
		t.Fatal("a leased delivery was claimed again before its lease ended")
	}
	f.clk.Advance(2 * time.Minute)
	if f.drain() != 1 || r.arrivals(id) != 1 {
		t.Fatalf("after the lease: %d arrivals", r.arrivals(id))
	}
	late := Outcome{Attempt: Attempt{EventID: id, EndpointID: ep, Number: crashed[0].Attempt, At: f.clk.Now(), Status: 500, Error: "HTTP 500"},
		State: Pending, NextAt: f.clk.Now()}
	if _, err := f.box.Record(ctx, late); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("late record: %v, want ErrLeaseLost", err)
	}
	if s, _ := f.box.State(id, ep); s != Delivered {
		t.Fatalf("state %q after the late record, want delivered", s)
	}
	if n := len(f.box.Attempts()); n != 2 {
		t.Fatalf("%d attempts logged, want both", n)
	}
}

func TestReplay(t *testing.T) {
	f := newFixture(t, nil)
	r := newReceiver(t, f.clk.Now)
	ep := f.box.AddEndpoint(r.srv.URL, r.secret)
	late := f.box.AddEndpoint(r.srv.URL+"/late", r.secret, EnrollmentCompleted)
	id := f.event(LessonSent, 1)
	f.drain()
	ctx := context.Background()
	if err := f.d.Replay(ctx, id, ep); err != nil {
		t.Fatal(err)
	}
	if err := f.d.Replay(ctx, id, late); err != nil { // not subscribed: replay creates the delivery
		t.Fatal(err)
	}
	if f.drain(); r.arrivals(id) != 3 {
		t.Fatalf("event arrived %d times, want 3 with the same id", r.arrivals(id))
	}
	for name, c := range map[string]struct {
		event string
		ep    int64
		want  error
	}{
		"unknown event":    {"msg_nope", ep, ErrNotFound},
		"unknown endpoint": {id, 999, ErrNotFound},
	} {
		if err := f.d.Replay(ctx, c.event, c.ep); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	busy := f.event(LessonSent, 2)
	if _, err := f.box.Claim(ctx, Claim{Now: f.clk.Now(), Lease: time.Minute, PerEndpoint: 1, Limit: 1}); err != nil {
		t.Fatal(err)
	}
	if err := f.d.Replay(ctx, busy, ep); !errors.Is(err, ErrInFlight) {
		t.Errorf("replay while leased: %v, want ErrInFlight", err)
	}
	if _, err := f.box.Disable(ctx, late, Disabling{At: f.clk.Now(), Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := f.d.Replay(ctx, id, late); !errors.Is(err, ErrEndpointDisabled) {
		t.Errorf("replay to a disabled endpoint: %v", err)
	}
}

// A claim serves every endpoint with due work, the one waiting longest
// first, and none beyond its free slots.
func TestClaimIsFairAcrossEndpoints(t *testing.T) {
	box := NewMemOutbox()
	busy, idle, quiet := box.AddEndpoint("https://a.example/", NewSecret()), box.AddEndpoint("https://b.example/", NewSecret()),
		box.AddEndpoint("https://c.example/", NewSecret(), EnrollmentCompleted)
	for i := range 100 {
		box.AddEvent(LessonSent, t0.Add(time.Duration(i)*time.Second), []byte("{}"))
	}
	now := t0.Add(time.Hour)
	got, err := box.Claim(context.Background(), Claim{Now: now, Lease: time.Minute, PerEndpoint: 3,
		Busy: map[int64]int{busy: 1}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	per := map[int64]int{}
	for _, d := range got {
		per[d.EndpointID]++
		if d.Attempt != 1 || d.Try != 1 || !d.LeaseUntil.Equal(now.Add(time.Minute)) || d.Since.After(now) {
			t.Errorf("claimed %+v", d)
		}
	}
	if per[busy] != 2 || per[idle] != 3 || per[quiet] != 0 {
		t.Fatalf("claimed by endpoint %v, want 2 of the busy one, 3 of the idle one", per)
	}
	if got[0].Since != t0 || got[len(got)-1].Since.Sub(t0) != 2*time.Second {
		t.Fatalf("claimed out of order: first %v, last %v", got[0].Since, got[len(got)-1].Since)
	}
}
