package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/dripcourse/dripcourse/internal/admin"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/schedule"
)

// openQuiet opens the app for a one-shot command on the readers already
// in the database, logging only warnings and errors: such a command
// reports by what it prints.
// With no database it says so and creates none.
func openQuiet(ctx context.Context, e *env) (*app, error) {
	return openExisting(ctx, e.cfg, quietLogger(e), e.now)
}

// quietLogger is the log of a command that reports by what it prints: it
// passes on only what the operator must hear whatever the command, such
// as a damaged outcome journal line set aside when the database opened,
// as warnings and errors on stderr.
func quietLogger(e *env) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelWarn}
	if e.cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}

// activeReaders opens the app and loads every reader now in the course,
// for the commands that project the course onto them.
func activeReaders(ctx context.Context, e *env) (*course.Course, []schedule.Reader, error) {
	a, err := openQuiet(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	defer a.Close()
	crs := a.lib.Content().Default()
	active, err := a.db.ActiveReaders(ctx, crs.Slug)
	readers := make([]schedule.Reader, len(active))
	for i, r := range active {
		readers[i] = schedule.Reader{Timezone: r.Timezone, Joined: r.Joined, NextDue: r.NextDue, Received: r.Received}
	}
	return crs, readers, err
}

func cmdSchedule(ctx context.Context, e *env) error {
	crs, readers, err := activeReaders(ctx, e)
	if err != nil {
		return err
	}
	now := e.now().UTC()
	counts := schedule.DueByDay(crs, readers, now, now.Add(schedule.DueWeek))
	days := make([]string, 0, len(counts))
	for d := range counts {
		days = append(days, d)
	}
	sort.Strings(days)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "day (UTC)\tlesson\treaders")
	for _, d := range days {
		for _, l := range crs.Lessons {
			if n := counts[d][l.Slug]; n > 0 {
				fmt.Fprintf(tw, "%s\t%02d %s\t%d\n", d, l.Number, l.Slug, n)
			}
		}
	}
	tw.Flush()
	_, words := schedule.DueSummary(counts, len(readers))
	fmt.Fprintln(e.stdout, words)
	return nil
}

func cmdSubscriber(ctx context.Context, e *env) error {
	if len(e.args) != 2 || (e.args[0] != "pause" && e.args[0] != "resume") {
		return fmt.Errorf("usage: dripcourse subscriber pause|resume EMAIL")
	}
	a, err := openQuiet(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	sub, err := a.db.SubscriberByEmail(ctx, e.args[1])
	if errors.Is(err, drip.ErrNotFound) {
		return fmt.Errorf("no reader with the address %s", e.args[1])
	}
	if err != nil {
		return err
	}
	crs, now := a.lib.Content().Default(), e.now()
	var changed bool
	if e.args[0] == "pause" {
		changed, err = a.db.PauseEnrollment(ctx, sub.ID, crs.Slug, now)
	} else {
		changed, err = admin.Resume(ctx, a.db, crs, sub.ID, now)
	}
	if err != nil {
		return err
	}
	if !changed {
		fmt.Fprintf(e.stdout, "%s: nothing to %s (the course is not %s)\n", sub.Email, e.args[0], map[string]string{"pause": "running", "resume": "paused"}[e.args[0]])
		return nil
	}
	en, _ := a.db.Enrollment(ctx, sub.ID, crs.Slug)
	fmt.Fprintf(e.stdout, "%s: %s; next lesson due %s\n", sub.Email, en.Status, en.NextDueAt.Format(time.RFC3339))
	return nil
}

func cmdBackup(ctx context.Context, e *env) error {
	if len(e.args) != 1 {
		return fmt.Errorf("usage: dripcourse backup FILE")
	}
	if _, err := os.Stat(e.args[0]); err == nil {
		return fmt.Errorf("%s exists: choose a new file name", e.args[0])
	}
	a, err := openQuiet(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.db.Backup(ctx, e.args[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", e.args[0])
	return nil
}
