package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/delivery"
	"github.com/dripcourse/dripcourse/internal/store"
)

// liveEffect is what a course on disk would do to the readers in the
// database, before it is loaded.
type liveEffect struct {
	Readers int
	Next    map[string]int // slug -> readers who get it next
	Future  map[string]int // slug -> readers who will still get it
	Skipped map[string]int // slug -> readers past it who never had it
	Removed map[string]int // slug in the database but not in the course -> readers who had it
}

func computeLiveEffect(crs *course.Course, readers []store.ActiveReader) liveEffect {
	ef := liveEffect{Readers: len(readers), Next: map[string]int{}, Future: map[string]int{}, Skipped: map[string]int{}, Removed: map[string]int{}}
	for _, r := range readers {
		had := map[string]bool{}
		for _, rc := range r.Received {
			had[rc.Slug] = true
			if _, ok := crs.Lesson(rc.Slug); !ok {
				ef.Removed[rc.Slug]++
			}
		}
		plan := delivery.Project(crs, r, time.Time{})
		will := map[string]bool{}
		for i, p := range plan {
			will[p.Lesson.Slug] = true
			ef.Future[p.Lesson.Slug]++
			if i == 0 {
				ef.Next[p.Lesson.Slug]++
			}
		}
		for _, l := range crs.Lessons {
			if !had[l.Slug] && !will[l.Slug] {
				ef.Skipped[l.Slug]++
			}
		}
	}
	return ef
}

// checkAgainstLive prints the effect of the on-disk course on current
// readers: who gets which lesson next, which lessons current readers will
// skip, and which lessons no current reader will get.
func checkAgainstLive(ctx context.Context, e *env) error {
	crs, readers, err := activeReaders(ctx, e)
	if err != nil {
		return err
	}
	printLiveEffect(e.stdout, crs, computeLiveEffect(crs, readers))
	return nil
}

func printLiveEffect(w io.Writer, crs *course.Course, ef liveEffect) {
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
