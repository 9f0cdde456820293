package main

import (
	"context"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/compose"
)

// cmdSend runs one dispatch pass and exits: for deployments without a
// long-running process, and to see what a given moment would send.
func cmdSend(ctx context.Context, e *env) error {
	now := e.now
	if v := e.flag("now"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return fmt.Errorf("--now %q: write it like 2026-12-01T09:00:00Z", v)
		}
		now = func() time.Time { return t }
	}
	log := newLogger(e.cfg, e.stderr)
	a, err := openApp(ctx, e.cfg, log, now)
	if err != nil {
		return err
	}
	defer a.Close()
	sum, err := a.runner().SendDue(ctx)
	fmt.Fprintf(e.stdout, "sent %d lessons and %d confirmations; %d to retry, %d failed, %d bounced, %d readers completed\n",
		sum.Sent, sum.Confirmations, sum.Retried, sum.Failed, sum.Bounced, sum.Completed)
	return err
}

func deliveryDays(ct *compose.Content) int { return compose.CourseInfo(ct.Course).Days }
