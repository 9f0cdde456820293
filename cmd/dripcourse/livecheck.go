package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/schedule"
)

// checkAgainstLive prints the effect of the courses just checked (the
// one slug names, or each in turn) on the readers in the database: who
// gets which lesson next, which lessons current readers will skip, and
// which lessons no current reader will get. The lessons are the files
// checked, which are not published yet; the readers are each course's.
func checkAgainstLive(ctx context.Context, e *env, disk *compose.Content, slug string) error {
	courses, err := pickCourses(disk, slug)
	if err != nil {
		return err
	}
	a, err := openQuiet(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	return eachCourse(e.stdout, courses, func(crs *course.Course) error {
		readers, err := a.activeReaders(ctx, crs)
		if err == nil {
			printLiveEffect(e.stdout, crs, schedule.EffectOf(crs, readers))
		}
		return err
	})
}

func printLiveEffect(w io.Writer, crs *course.Course, ef schedule.Effect) {
	fmt.Fprintf(w, "Effect of these lessons on the %d readers now in the course:\n\n", ef.Readers)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "lesson\tnext for\twill still get\tskipped by")
	var nobody []string
	for _, l := range crs.Lessons {
		fmt.Fprintf(tw, "%02d %s\t%d\t%d\t%d\n", l.Number, l.Slug, ef.Next[l.Slug], ef.Future[l.Slug], ef.Skipped[l.Slug])
		if ef.Future[l.Slug] == 0 && ef.Skipped[l.Slug] > 0 {
			nobody = append(nobody, l.Slug)
		}
	}
	tw.Flush()
	if len(nobody) > 0 {
		fmt.Fprintf(w, "\nNobody now in the course will get: %v (they are past it; new readers will)\n", nobody)
	}
	var removed []string
	for slug, n := range ef.Removed {
		removed = append(removed, fmt.Sprintf("%s (had by %d)", slug, n))
	}
	sort.Strings(removed)
	if len(removed) > 0 {
		fmt.Fprintf(w, "\nNo longer in the course, never sent again: %v\n", removed)
	}
}
