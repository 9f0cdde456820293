package webhook

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkDeliveries measures attempts per second to fast receivers on
// 127.0.0.1 (each answers 204 at once), through the in-memory outbox and
// Run's own wake-ups: signing, the HTTP round trip on kept-alive
// connections, and recording.
func BenchmarkDeliveries(b *testing.B) {
	for _, c := range []struct{ endpoints, per int }{{1, 2}, {1, 8}, {4, 2}} {
		b.Run(fmt.Sprintf("endpoints=%d/per-endpoint=%d", c.endpoints, c.per), func(b *testing.B) {
			benchDeliveries(b, c.endpoints, c.per)
		})
	}
}

func benchDeliveries(b *testing.B, endpoints, per int) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	box := NewMemOutbox()
	for range endpoints {
		box.AddEndpoint(srv.URL, NewSecret())
	}
	total := int64(b.N * endpoints)
	var n, failed atomic.Int64
	done := make(chan struct{})
	d, err := New(Config{Outbox: box, AllowPrivate: true, PerEndpoint: per, Observe: func(a Attempt) {
		if !a.OK() {
			failed.Add(1)
		}
		if n.Add(1) == total {
			close(done)
		}
	}})
	if err != nil {
		b.Fatal(err)
	}
	body, _ := Payload(LessonSent, time.Now(), map[string]any{"subscriber": 12345, "course": "go", "lesson": "day-3"})
	for range b.N {
		box.AddEvent(LessonSent, time.Now(), body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tick := make(chan time.Time, 1)
	b.ResetTimer()
	go d.Run(ctx, tick)
	tick <- time.Now()
	<-done
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d attempts failed", failed.Load())
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "deliveries/s")
}
