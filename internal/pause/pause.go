// Package pause owns the rules of pausing and resuming one reader's
// enrollment that the admin, the JSON API and the command line share: when
// a reader's own pause ends, and what the operator's resume does.
package pause

import (
	"context"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
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
	if enr == nil || Until(rec, enr, now).IsZero() {
		return db.ResumeEnrollment(ctx, sub, crs.Slug, schedule.Resume(crs, tz, now), now)
	}
	received, err := db.Received(ctx, sub, crs.Slug)
	if err != nil {
		return false, err
	}
	return db.EndPause(ctx, sub, crs.Slug, schedule.Unpause(crs, tz, received, enr.LastSentAt, now), now)
}

// Until is when the reader's own pause of course e (their "pause a
// week" link) ends, while it is in force; zero otherwise. Such a pause
// only pushes the next lesson back, so it is found in the events: the
// reader's last pause of the course, with no resume, "next lesson now" or
// lesson of it claimed since, and the next lesson still to come.
func Until(rec *store.ReaderRecord, e *store.EnrollmentRecord, now time.Time) time.Time {
	if drip.EnrollmentStatus(e.Status) != drip.EnrollActive || !e.NextDueAt.After(now) {
		return time.Time{}
	}
	var paused time.Time
	for _, ev := range rec.Events {
		if ev.Course != e.Course && ev.Course != "" {
			continue
		}
		switch drip.EventKind(ev.Kind) {
		case drip.EventPause:
			paused = time.Time{}
			if ev.DeliveryID != 0 { // from a lesson's link, not the operator
				paused = ev.At
			}
		case drip.EventResume, drip.EventNext:
			paused = time.Time{}
		}
	}
	for _, d := range rec.Deliveries {
		if d.Course == e.Course && d.CreatedAt.After(paused) {
			return time.Time{}
		}
	}
	if paused.IsZero() {
		return time.Time{}
	}
	return e.NextDueAt
}
