package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/dripcourse/dripcourse/internal/webhook"
)

// benchWebhook subscribes an endpoint on 127.0.0.1 to lesson.sent and
// runs the dispatcher of every instance for the whole benchmark, as serve
// does, so the pass pays for writing the events and for the deliveries
// running beside it. done reports, after the pass, how long the backlog
// took to drain and how many deliveries arrived.
func benchWebhook(ctx context.Context, apps []*app) (done func(w io.Writer) error, err error) {
	var got atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	a := apps[0]
	if _, err := a.webhooks.AddEndpoint(ctx, recv.URL+"/bench", webhook.NewSecret(), []string{webhook.LessonSent}); err != nil {
		recv.Close()
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	var waits []<-chan struct{}
	for _, b := range apps {
		b.cfg.WebhookAllowPrivate = true
		w, err := b.startWebhooks(runCtx)
		if err != nil {
			stop()
			recv.Close()
			return nil, err
		}
		waits = append(waits, w)
	}
	return func(w io.Writer) error {
		defer recv.Close()
		defer func() {
			stop()
			for _, c := range waits {
				<-c
			}
		}()
		start := time.Now()
		for {
			n, err := a.webhooks.Backlog(ctx)
			if err != nil {
				return err
			}
			if n == 0 {
				break
			}
			if time.Since(start) > 10*time.Minute {
				return fmt.Errorf("bench: %d webhook deliveries still pending after 10 minutes", n)
			}
			time.Sleep(50 * time.Millisecond)
		}
		fmt.Fprintf(w, "webhooks:  %d lesson.sent deliveries received; the backlog was empty %.2fs after the pass and the raw comparison ended\n",
			got.Load(), time.Since(start).Seconds())
		return nil
	}, nil
}
