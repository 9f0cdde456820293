package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"text/tabwriter"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/forecast"
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

// activeReaders loads every reader now in crs, for the commands that
// project a course onto them.
func (a *app) activeReaders(ctx context.Context, crs *course.Course) ([]schedule.Reader, error) {
	return forecast.Readers(ctx, a.db, crs.Slug)
}

// eachCourseReaders opens the app and runs fn with each course the
// --course flag picks (every course without it) and its active readers,
// under a heading when there are several.
func eachCourseReaders(ctx context.Context, e *env, slug string, fn func(*course.Course, []schedule.Reader)) error {
	a, err := openQuiet(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	courses, err := pickCourses(a.lib.Content(), slug)
	if err != nil {
		return err
	}
	return eachCourse(e.stdout, courses, func(crs *course.Course) error {
		readers, err := a.activeReaders(ctx, crs)
		if err == nil {
			fn(crs, readers)
		}
		return err
	})
}

// scheduleCommand declares schedule's --course.
func scheduleCommand(fs *flag.FlagSet) action {
	slug := courseFlag(fs, "every course in turn")
	return func(ctx context.Context, e *env) error {
		now := e.now().UTC()
		a, err := openQuiet(ctx, e)
		if err != nil {
			return err
		}
		defer a.Close()
		courses, err := pickCourses(a.lib.Content(), *slug)
		if err != nil {
			return err
		}
		return eachCourse(e.stdout, courses, func(crs *course.Course) error {
			week, err := forecast.Read(ctx, a.db, crs, now)
			if err == nil {
				printSchedule(e.stdout, crs, week)
			}
			return err
		})
	}
}

// printSchedule prints what is due of crs over the next week, per day
// and lesson.
func printSchedule(w io.Writer, crs *course.Course, week forecast.Week) {
	days := make([]string, 0, len(week.Counts))
	for d := range week.Counts {
		days = append(days, d)
	}
	sort.Strings(days)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "day (UTC)\tlesson\treaders")
	for _, d := range days {
		for _, l := range crs.Lessons {
			if n := week.Counts[d][l.Slug]; n > 0 {
				fmt.Fprintf(tw, "%s\t%02d %s\t%d\n", d, l.Number, l.Slug, n)
			}
		}
	}
	tw.Flush()
	_, words := week.Summary()
	fmt.Fprintln(w, words)
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
