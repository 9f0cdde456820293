package webhook

import (
	"context"
	"testing"
	"time"
)

// One tick starts the work; each attempt's end claims the next, so a
// backlog drains without waiting for more ticks, and a replay needs none.
func TestRunDrainsOnOneTickAndReplayWakesIt(t *testing.T) {
	observed := make(chan Attempt, 100)
	f := newFixture(t, func(c *Config) { c.Observe = func(a Attempt) { observed <- a } })
	r := newReceiver(t, f.clk.Now)
	ep := f.box.AddEndpoint(r.srv.URL, r.secret)
	var ids []string
	for i := range 7 {
		ids = append(ids, f.event(LessonSent, i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	tick := make(chan time.Time, 1)
	stopped := make(chan struct{})
	go func() { f.d.Run(ctx, tick); close(stopped) }()
	tick <- f.clk.Now()
	for range ids {
		if a := waitFor(t, observed); !a.OK() {
			t.Fatalf("attempt failed: %+v", a)
		}
	}
	if err := f.d.Replay(ctx, ids[3], ep); err != nil {
		t.Fatal(err)
	}
	if a := waitFor(t, observed); a.EventID != ids[3] || r.arrivals(ids[3]) != 2 {
		t.Fatalf("replayed %s, %d arrivals", a.EventID, r.arrivals(ids[3]))
	}
	cancel()
	waitFor(t, stopped)
	if n, repeats, bad := r.counts(); n != 7 || repeats != 1 || len(bad) != 0 {
		t.Fatalf("%d events, %d repeated; refused %v", n, repeats, bad)
	}
}

func TestNewChecksItsConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("a dispatcher without an outbox")
	}
	if _, err := New(Config{Outbox: NewMemOutbox(), Lease: 15 * time.Second}); err == nil {
		t.Error("a lease shorter than an attempt")
	}
	d, err := New(Config{Outbox: NewMemOutbox()})
	if err != nil || d.cfg.Lease != 2*time.Minute || d.cfg.PerEndpoint != 8 || d.cfg.MaxInFlight != 64 || d.client.Timeout != Timeout {
		t.Fatalf("defaults: %+v, %v", d, err)
	}
}

func TestParseEventTypes(t *testing.T) {
	got, err := ParseEventTypes("lesson.sent, lesson.opened lesson.sent,,enrollment.completed")
	if err != nil || len(got) != 3 || got[0] != EnrollmentCompleted || got[2] != LessonSent {
		t.Fatalf("%v, %v", got, err)
	}
	for _, bad := range []string{"", " , ", "lesson.sent,lesson.exploded", "LESSON.SENT"} {
		if _, err := ParseEventTypes(bad); err == nil {
			t.Errorf("ParseEventTypes(%q) accepted", bad)
		}
	}
}

func TestPayload(t *testing.T) {
	b, err := Payload(LessonSent, time.Date(2026, 3, 2, 8, 0, 0, 5, time.FixedZone("x", 3600)), map[string]string{"course": "go"})
	want := `{"type":"lesson.sent","timestamp":"2026-03-02T07:00:00.000000005Z","data":{"course":"go"}}`
	if err != nil || string(b) != want {
		t.Fatalf("%s, %v", b, err)
	}
	if b, _ := Payload(EnrollmentStarted, t0, nil); string(b) != `{"type":"enrollment.started","timestamp":"2026-03-02T08:00:00Z","data":{}}` {
		t.Fatalf("nil data: %s", b)
	}
	if _, err := Payload(LessonSent, t0, func() {}); err == nil {
		t.Fatal("a function marshalled")
	}
}
