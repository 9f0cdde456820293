package outboxtest

import (
	"errors"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/webhook"
)

func healthAndDisable(t *testing.T, u *suite) {
	ep := u.endpoint(sent)
	first := u.event(sent, t0)
	u.event(sent, t0)
	got := u.claim(t0, 2, 10, nil)
	if len(got) != 2 {
		t.Fatalf("claimed %d, want 2", len(got))
	}
	if f := u.record(outcome(got[0], t0.Add(time.Minute), 500, webhook.Pending, t0.Add(time.Hour))); !f.Equal(t0.Add(time.Minute)) {
		t.Fatalf("failing since %v after the first failure, want its time", f)
	}
	if f := u.record(outcome(got[1], t0.Add(2*time.Minute), 500, webhook.Pending, t0.Add(time.Hour))); !f.Equal(t0.Add(time.Minute)) {
		t.Fatalf("failing since %v after the second failure, want the first's time", f)
	}
	disable := func(id int64, before time.Time) bool {
		ok, err := u.s.Disable(u.ctx, id, webhook.Disabling{At: t0.Add(3 * time.Minute), Reason: "test", FailingBefore: before})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if disable(ep, t0) {
		t.Fatal("disabled although failing only since after FailingBefore")
	}
	if !disable(ep, t0.Add(time.Minute)) || disable(ep, t0.Add(time.Minute)) {
		t.Fatal("want disabled by the first call only")
	}
	if got := u.claim(t0.Add(2*time.Hour), 2, 10, nil); len(got) != 0 {
		t.Fatalf("claimed %d deliveries of a disabled endpoint", len(got))
	}
	if err := u.s.Requeue(u.ctx, first, ep, t0.Add(2*time.Hour)); !errors.Is(err, webhook.ErrEndpointDisabled) {
		t.Fatalf("requeue to a disabled endpoint: %v", err)
	}

	healthy := u.endpoint(completed)
	u.event(completed, t0)
	d := u.claim(t0, 2, 10, nil)[0]
	u.record(outcome(d, t0, 500, webhook.Pending, t0.Add(time.Minute)))
	d = u.claim(t0.Add(time.Minute), 2, 10, nil)[0]
	if f := u.record(outcome(d, t0.Add(time.Minute), 204, webhook.Delivered, time.Time{})); !f.IsZero() {
		t.Fatalf("failing since %v after a success, want zero", f)
	}
	if disable(healthy, t0.Add(100*time.Hour)) {
		t.Fatal("disabled a healthy endpoint")
	}
	if !disable(u.endpoint(sent), time.Time{}) {
		t.Fatal("a zero FailingBefore (410 Gone) did not disable at once")
	}
}

func requeue(t *testing.T, u *suite) {
	ep, other := u.endpoint(sent), u.endpoint(completed)
	id := u.event(sent, t0)
	d := u.claim(t0, 2, 10, nil)[0]
	if err := u.s.Requeue(u.ctx, id, ep, t0.Add(time.Minute)); !errors.Is(err, webhook.ErrInFlight) {
		t.Fatalf("requeue while leased: %v, want ErrInFlight", err)
	}
	u.record(outcome(d, t0.Add(time.Minute), 200, webhook.Delivered, time.Time{}))
	now := t0.Add(5 * time.Minute)
	for _, target := range []int64{ep, other} {
		if err := u.s.Requeue(u.ctx, id, target, now); err != nil {
			t.Fatalf("requeue to %d: %v", target, err)
		}
	}
	got := u.claim(now, 2, 10, nil)
	if len(got) != 2 {
		t.Fatalf("claimed %d after two requeues, want 2", len(got))
	}
	for _, d := range got {
		if d.EventID != id || d.Try != 1 || !d.Since.Equal(now) || (d.EndpointID == ep && d.Attempt != 2) {
			t.Fatalf("requeued delivery claimed as %+v", d)
		}
	}
	if err := u.s.Requeue(u.ctx, "msg_unknown", ep, now); !errors.Is(err, webhook.ErrNotFound) {
		t.Fatalf("unknown event: %v", err)
	}
	if err := u.s.Requeue(u.ctx, id, 987654, now); !errors.Is(err, webhook.ErrNotFound) {
		t.Fatalf("unknown endpoint: %v", err)
	}
}
