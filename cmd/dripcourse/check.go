package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/dripcourse/dripcourse/internal/compose"
)

// checkCommand declares check's --against-live and --course.
func checkCommand(fs *flag.FlagSet) action {
	live := fs.Bool("against-live", false, "also show what these lessons would do to the readers in the database")
	slug := courseFlag(fs, "--against-live shows every course in turn")
	return func(ctx context.Context, e *env) error { return cmdCheck(ctx, e, *live, *slug) }
}

// cmdCheck loads the course and templates the way serve would and reports
// every problem, one file:line: message a line; with againstLive, also
// what the course would do to the readers in the database.
func cmdCheck(ctx context.Context, e *env, againstLive bool, slug string) error {
	ct, err := loadContent(e.cfg)
	if err != nil {
		fmt.Fprintln(e.stdout, err)
		return exitCode(1)
	}
	if _, err := pickCourses(ct, slug); err != nil {
		return err
	}
	printCheckOK(e.stdout, ct)
	if againstLive {
		fmt.Fprintln(e.stdout)
		return checkAgainstLive(ctx, e, ct, slug)
	}
	return nil
}

// printCheckOK says what loaded: the one course, or each of several.
func printCheckOK(w io.Writer, ct *compose.Content) {
	pages := len(ct.Templates.Pages())
	if ct.Set.Single() {
		fmt.Fprintf(w, "ok: %q, %d lessons over %d days; templates: %d pages and the emails\n",
			ct.Default().Title, len(ct.Default().Lessons), deliveryDays(ct), pages)
		return
	}
	fmt.Fprintf(w, "ok: %d courses; templates: %d pages and the emails\n", len(ct.Set.Courses), pages)
	for _, c := range ct.Set.Courses {
		fmt.Fprintf(w, "  %s: %q, %d lessons over %d days\n", c.Slug, c.Title, len(c.Lessons), compose.CourseInfo(c).Days)
	}
}
