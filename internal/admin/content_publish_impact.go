package admin

import (
	"context"
	"sort"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/forecast"
	"github.com/dripcourse/dripcourse/internal/schedule"
)

// impact is what publishing a course's new content does to the readers
// now in it: dripcourse check --against-live, in the browser.
type impact struct {
	Readers int
	Lessons []impactLine // the new course's lessons, in order
	// Nobody lists lessons no reader now in the course will get (they
	// are past them); Removed lists lessons no longer in the course that
	// readers have had.
	Nobody  []impactLine
	Removed []removedLesson
	Next    []impactLine // the lessons some reader gets next
}

// impactLine is one lesson of the new course and its readers.
type impactLine struct {
	Number                int
	Slug, Title           string
	Next, Future, Skipped int
}

// removedLesson is a lesson readers have had that the new course lacks.
type removedLesson struct {
	Slug    string
	Readers int
}

// impactOf projects course crs (the drafts' or a version's) onto the
// readers in the database with the dispatcher's rules.
func (s *Server) impactOf(ctx context.Context, crs *course.Course) (*impact, error) {
	readers, err := forecast.Readers(ctx, s.DB, crs.Slug)
	if err != nil {
		return nil, err
	}
	ef := schedule.EffectOf(crs, readers)
	im := &impact{Readers: ef.Readers}
	for _, l := range crs.Lessons {
		line := impactLine{Number: l.Number, Slug: l.Slug, Title: l.Title, Next: ef.Next[l.Slug], Future: ef.Future[l.Slug], Skipped: ef.Skipped[l.Slug]}
		im.Lessons = append(im.Lessons, line)
		if line.Next > 0 {
			im.Next = append(im.Next, line)
		}
		if line.Future == 0 && line.Skipped > 0 {
			im.Nobody = append(im.Nobody, line)
		}
	}
	for slug, n := range ef.Removed {
		im.Removed = append(im.Removed, removedLesson{Slug: slug, Readers: n})
	}
	sort.Slice(im.Removed, func(i, j int) bool { return im.Removed[i].Slug < im.Removed[j].Slug })
	return im, nil
}
