package main

import (
	"context"
	"flag"
	"fmt"
)

// checkCommand declares check's --against-live.
func checkCommand(fs *flag.FlagSet) action {
	live := fs.Bool("against-live", false, "also show what these lessons would do to the readers in the database")
	return func(ctx context.Context, e *env) error { return cmdCheck(ctx, e, *live) }
}

// cmdCheck loads the course and templates the way serve would and reports
// every problem, one file:line: message a line; with againstLive, also
// what the course would do to the readers in the database.
func cmdCheck(ctx context.Context, e *env, againstLive bool) error {
	ct, err := loadContent(e.cfg)
	if err != nil {
		fmt.Fprintln(e.stdout, err)
		return exitCode(1)
	}
	fmt.Fprintf(e.stdout, "ok: %q, %d lessons over %d days; templates: %d pages and the emails\n",
		ct.Default().Title, len(ct.Default().Lessons), deliveryDays(ct), len(ct.Templates.Pages()))
	if againstLive {
		fmt.Fprintln(e.stdout)
		return checkAgainstLive(ctx, e)
	}
	return nil
}
