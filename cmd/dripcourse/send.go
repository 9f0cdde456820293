package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/dripcourse/dripcourse/internal/compose"
)

// sendCommand declares send's --now.
func sendCommand(fs *flag.FlagSet) action {
	var at time.Time
	fs.Func("now", "act as if the time were this RFC 3339 moment, e.g. 2026-12-01T09:00:00Z", func(v string) (err error) {
		if at, err = time.Parse(time.RFC3339, v); err != nil {
			return errors.New("write it like 2026-12-01T09:00:00Z")
		}
		return nil
	})
	return func(ctx context.Context, e *env) error { return cmdSend(ctx, e, at) }
}

// cmdSend runs one dispatch pass and exits: for deployments without a
// long-running process, and to see what a given moment (at, unless zero)
// would send.
func cmdSend(ctx context.Context, e *env, at time.Time) error {
	log := newLogger(e.cfg, e.stderr)
	return inLog(e.cfg, log, send(ctx, e, log, at))
}

func send(ctx context.Context, e *env, log *slog.Logger, at time.Time) error {
	now := e.now
	if !at.IsZero() {
		now = func() time.Time { return at }
	}
	a, err := openApp(ctx, e.cfg, log, now)
	if err != nil {
		return err
	}
	defer a.Close()
	sum, err := a.runner().SendDue(ctx)
	fmt.Fprintf(e.stdout, "sent %d lessons and %d confirmations; %d to retry, %d failed, %d bounced, %d readers completed\n",
		sum.Sent, sum.Confirmations, sum.Retried, sum.Failed, sum.Bounced, sum.Completed)
	if err != nil {
		return err
	}
	return printWaiting(ctx, e, a, now().UTC())
}

// printWaiting says, in one line, how many readers have a lesson due in
// the next day and when the first is due. A lesson is due in its reader's
// send window, and one that finds no pass in its window waits for the
// next: run from cron, send must run at least once in every window (every
// 15 minutes, say), and this line says when it is needed next.
func printWaiting(ctx context.Context, e *env, a *app, now time.Time) error {
	n, next, err := a.db.Waiting(ctx, now, now.Add(24*time.Hour))
	if err != nil {
		return err
	}
	if next.IsZero() {
		fmt.Fprintln(e.stdout, "no reader is waiting for a lesson")
		return nil
	}
	readers := fmt.Sprintf("%d readers wait", n)
	if n == 1 {
		readers = "1 reader waits"
	}
	fmt.Fprintf(e.stdout, "%s for their send window in the next 24 hours; the next is due %s\n", readers, next.Format("2006-01-02 15:04 MST"))
	return nil
}

func deliveryDays(ct *compose.Content) int { return compose.CourseInfo(ct.Default()).Days }
