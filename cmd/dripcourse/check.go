package main

import (
	"context"
	"fmt"
)

// cmdCheck loads the course and templates the way serve would and reports
// every problem, one file:line: message a line.
func cmdCheck(ctx context.Context, e *env) error {
	ct, err := loadContent(e.cfg)
	if err != nil {
		fmt.Fprintln(e.stdout, err)
		return exitCode(1)
	}
	fmt.Fprintf(e.stdout, "ok: %q, %d lessons over %d days; templates: %d pages and the emails\n",
		ct.Course.Title, len(ct.Course.Lessons), deliveryDays(ct), len(ct.Templates.Pages()))
	if e.flag("against-live") == "true" {
		fmt.Fprintln(e.stdout)
		return checkAgainstLive(ctx, e)
	}
	return nil
}
