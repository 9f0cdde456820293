package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/dripcourse/dripcourse/internal/store"
)

// byCLI names the publisher of versions republished from the command line.
const byCLI = "cli"

// courseVersions lists the published versions, newest first, of one unit
// or of every unit.
func courseVersions(ctx context.Context, e *env, f courseFlags, args []string) error {
	unit, err := f.unit()
	if err != nil {
		return err
	}
	if len(args) != 0 || f.version != 0 {
		return errors.New(courseUsage)
	}
	a, err := openQuiet(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	units := []string{unit}
	if unit == "" {
		snap, err := a.db.Latest(ctx)
		if err != nil {
			return err
		}
		units = sortedKeys(snap.Versions)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COURSE\tVERSION\tPUBLISHED\tBY\tFILES\tBYTES")
	for _, u := range units {
		vs, err := a.db.Versions(ctx, u)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return fmt.Errorf("course versions: nothing of %s is published", unitName(u))
		}
		for _, v := range vs {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\n", unitName(u), v.Number, v.At.UTC().Format(time.RFC3339), v.By, v.Files, v.Bytes)
		}
	}
	return tw.Flush()
}

// courseRepublish makes an older version the latest again (a rollback),
// through the checks.
func courseRepublish(ctx context.Context, e *env, f courseFlags, args []string) error {
	unit, err := f.unit()
	if err != nil {
		return err
	}
	if unit == "" || f.version <= 0 || len(args) != 0 {
		return errors.New(courseUsage)
	}
	a, err := openApp(ctx, e.cfg, quietLogger(e), e.now)
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.db.Republish(ctx, unit, f.version, byCLI, e.now(), loader().Check)
	if err != nil {
		return printProblems(e, "", err)
	}
	fmt.Fprintf(e.stdout, "published %s version %d, with the files of version %d\n", unitName(unit), v.Number, f.version)
	return nil
}

func sortedKeys(m map[string]store.Version) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
