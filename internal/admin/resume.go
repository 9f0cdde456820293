package admin

import (
	"context"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
)

// Resume is the operator's resume, from the admin or the command line. A
// course the operator paused restarts at the reader's next send window,
// as the reader's own resume would. A pause the reader asked for from a
// lesson ("pause a week") is ended instead: the next lesson comes when it
// would have without the pause, never before the next window.
func Resume(ctx context.Context, db *store.DB, crs *course.Course, sub int64, now time.Time) (bool, error) {
	rec, err := db.ReaderData(ctx, sub)
	if err != nil {
		return false, err
	}
	var enr *store.EnrollmentRecord
	for i := range rec.Enrollments {
		if rec.Enrollments[i].Course == crs.Slug {
			enr = &rec.Enrollments[i]
		}
	}
	tz := rec.Subscriber.Timezone
	if enr == nil || readerPause(rec, enr, now).IsZero() {
		return db.ResumeEnrollment(ctx, sub, crs.Slug, schedule.Resume(crs, tz, now), now)
	}
	received, err := db.Received(ctx, sub, crs.Slug)
	if err != nil {
		return false, err
	}
	return db.EndPause(ctx, sub, crs.Slug, schedule.Unpause(crs, tz, received, enr.LastSentAt, now), now)
}
