package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	lessonreport "github.com/dripcourse/dripcourse/internal/report"
	"io"
	"text/tabwriter"

	"github.com/dripcourse/dripcourse/internal/bounce/intake"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
)

// statsReport is what "stats --json" prints.
type statsReport struct {
	Lessons []lessonreport.Lesson `json:"lessons"`
	Readers map[drip.Status]int   `json:"readers"`
	// Completed is how many readers finished the course.
	Completed int `json:"completed"`
	// Bounces are the last 7 days' bounces and complaints, with the
	// providers' thresholds they are judged by.
	Bounces    intake.Health      `json:"bounces"`
	Thresholds []intake.Threshold `json:"thresholds"`
}

// statsCommand declares stats's --json and --course.
func statsCommand(fs *flag.FlagSet) action {
	asJSON := fs.Bool("json", false, "print a JSON object instead of a table")
	slug := courseFlag(fs, "every course in turn")
	return func(ctx context.Context, e *env) error { return cmdStats(ctx, e, *asJSON, *slug) }
}

// cmdStats reports on one course as it always has, or, with several and
// no --course, on each in turn (stats_courses.go).
func cmdStats(ctx context.Context, e *env, asJSON bool, slug string) error {
	a, err := openQuiet(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	courses, err := pickCourses(a.lib.Content(), slug)
	if err != nil {
		return err
	}
	if len(courses) > 1 {
		return a.statsEach(ctx, e, courses, asJSON)
	}
	rep, err := a.stats(ctx, courses[0])
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e.stdout, rep)
	}
	printStats(e.stdout, rep)
	return nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// stats gathers crs's per-lesson counts and readers, and the bounces.
func (a *app) stats(ctx context.Context, crs *course.Course) (*statsReport, error) {
	lessons, readers, err := a.courseStats(ctx, crs)
	if err != nil {
		return nil, err
	}
	completed, err := a.db.Completions(ctx, crs.Slug)
	if err != nil {
		return nil, err
	}
	health, err := a.intake.Health(ctx)
	if err != nil {
		return nil, err
	}
	return &statsReport{Readers: readers, Completed: completed, Lessons: lessons, Bounces: health, Thresholds: intake.Thresholds}, nil
}

// courseStats gathers the per-lesson counts of crs in course order
// (lessons removed from it but with history come last), and its readers.
// With one course, that is everything in the database; with several,
// what the readers of crs did in it and where they stand in it.
func (a *app) courseStats(ctx context.Context, crs *course.Course) ([]lessonreport.Lesson, map[drip.Status]int, error) {
	byslug, readers, err := a.db.Stats(ctx)
	if !a.lib.Content().Set.Single() {
		byslug, readers, err = a.db.CourseStats(ctx, crs.Slug)
	}
	if err != nil {
		return nil, nil, err
	}
	return lessonreport.InOrder(crs, byslug), readers, nil
}

func printStats(w io.Writer, rep *statsReport) {
	printLessons(w, rep.Lessons)
	printReaders(w, "readers:", rep.Readers)
	fmt.Fprintf(w, "finished the course: %d\n", rep.Completed)
	printBounceHealth(w, rep.Bounces)
}

// printLessons prints the per-lesson table.
func printLessons(w io.Writer, lessons []lessonreport.Lesson) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "lesson\tsent\tfailed\tskipped\tbounced\tsoft bounced\tcomplaints\thuman opens\tmachine opens\thuman clicks\tunsubscribes\t")
	pct := func(n, of int) string {
		if of == 0 {
			return fmt.Sprintf("%d", n)
		}
		return fmt.Sprintf("%d (%.1f%%)", n, 100*float64(n)/float64(of))
	}
	for _, l := range lessons {
		name := l.Slug
		if l.Removed {
			name += " (removed)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, l.Sent, pct(l.Failed, l.Sent+l.Failed), l.Skipped,
			pct(l.Bounced, l.Sent+l.Failed), pct(l.SoftBounced, l.Sent), pct(l.Complaints, l.Sent),
			pct(l.HumanOpens, l.Sent), pct(l.MachineOpens, l.Sent), pct(l.HumanClicks, l.Sent), pct(l.Unsubscribes, l.Sent))
	}
	tw.Flush()
}

// printReaders prints readers by status on one line, after a blank one.
func printReaders(w io.Writer, label string, readers map[drip.Status]int) {
	fmt.Fprint(w, "\n"+label)
	for _, s := range drip.Statuses {
		fmt.Fprintf(w, "  %s %d", s, readers[s])
	}
	fmt.Fprintln(w)
}

// printBounceHealth prints the window's bounces and complaints next to
// the thresholds providers enforce, and a warning line per one crossed.
func printBounceHealth(w io.Writer, h intake.Health) {
	rate := func(n int) string {
		if h.Sent == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f%%", 100*float64(n)/float64(h.Sent))
	}
	fmt.Fprintf(w, "\nlast 7 days: %d sent; hard bounces %d (%s; providers act at 5%%), soft bounces %d (%s), complaints %d (%s; providers act at 0.1%% and 0.3%%)\n",
		h.Sent, h.Hard, rate(h.Hard), h.Soft, rate(h.Soft), h.Complaints, rate(h.Complaints))
	if h.OurSending+h.Unmatched > 0 {
		fmt.Fprintf(w, "reports about our own sending (not charged to readers): %d; matching no reader: %d\n", h.OurSending, h.Unmatched)
	}
	if !h.Enough && h.Sent > 0 {
		fmt.Fprintf(w, "(fewer than %d sent: too few for the rates to say much)\n", intake.MinSent)
	}
	for _, t := range h.Crossed {
		fmt.Fprintf(w, "WARNING: the %s rate is %.2f%%, at or above %.1f%%: %s\n", t.Kind, 100*h.Rate(t.Kind), 100*t.Rate, t.Why)
	}
}
