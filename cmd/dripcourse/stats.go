package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/dripcourse/dripcourse/internal/drip"
	lessonreport "github.com/dripcourse/dripcourse/internal/report"
)

// statsCommand declares stats's --json.
func statsCommand(fs *flag.FlagSet) action {
	asJSON := fs.Bool("json", false, "print a JSON object instead of a table")
	return func(ctx context.Context, e *env) error { return cmdStats(ctx, e, *asJSON) }
}

func cmdStats(ctx context.Context, e *env, asJSON bool) error {
	a, err := openQuiet(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.stats(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printStats(e.stdout, rep)
	return nil
}

// stats gathers the per-lesson counts in course order.
func (a *app) stats(ctx context.Context) (*lessonreport.Stats, error) {
	return lessonreport.Build(ctx, a.db, a.lib.Content().Course)
}

func printStats(w io.Writer, rep *lessonreport.Stats) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "lesson\tsent\tfailed\tskipped\tbounced\thuman opens\tmachine opens\thuman clicks\tunsubscribes\t")
	pct := func(n, of int) string {
		if of == 0 {
			return fmt.Sprintf("%d", n)
		}
		return fmt.Sprintf("%d (%.1f%%)", n, 100*float64(n)/float64(of))
	}
	for _, l := range rep.Lessons {
		name := l.Slug
		if l.Removed {
			name += " (removed)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t\n", name, l.Sent, pct(l.Failed, l.Sent+l.Failed), l.Skipped, pct(l.Bounced, l.Sent+l.Failed),
			pct(l.HumanOpens, l.Sent), pct(l.MachineOpens, l.Sent), pct(l.HumanClicks, l.Sent), pct(l.Unsubscribes, l.Sent))
	}
	tw.Flush()
	fmt.Fprint(w, "\nreaders:")
	for _, s := range drip.Statuses {
		fmt.Fprintf(w, "  %s %d", s, rep.Readers[s])
	}
	fmt.Fprintln(w)
}
