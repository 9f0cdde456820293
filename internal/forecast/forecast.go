// Package forecast keeps what is due of each course over the next week:
// the projection of every active reader through the schedule
// (schedule.DueByDay), made by housekeeping every few minutes and stored,
// so that the dashboard and `dripcourse schedule` read a row instead of
// projecting every active reader of a large course on each view.
package forecast

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
)

const (
	// RemakeAfter is the age at which housekeeping makes a course's
	// forecast again.
	RemakeAfter = 4 * time.Minute
	// MaxAge is the oldest stored forecast that is shown; an older one,
	// or one made from another version of the course, is made afresh from
	// the readers for the one view.
	MaxAge = 10 * time.Minute
)

// Week is what is due of a course from MadeAt to a week later.
type Week struct {
	Counts map[string]map[string]int // day (UTC, 2006-01-02) -> lesson slug -> readers
	Active int                       // the active readers projected
	MadeAt time.Time
	Stored bool // read from the stored forecast, not made for this view
}

// Read returns the week ahead of crs at now: the stored forecast when it
// is recent and was made from this version of the course, otherwise one
// made now from the readers (not stored: that is housekeeping's work).
func Read(ctx context.Context, db *store.DB, crs *course.Course, now time.Time) (Week, error) {
	f, found, err := db.StoredForecast(ctx, crs.Slug)
	if err != nil {
		return Week{}, err
	}
	if found && f.Fingerprint == Fingerprint(crs) && !f.MadeAt.After(now) && now.Sub(f.MadeAt) <= MaxAge {
		return Week{Counts: f.Counts, Active: f.Active, MadeAt: f.MadeAt, Stored: true}, nil
	}
	return Make(ctx, db, crs, now)
}

// Make projects every active reader of crs over the week from now.
func Make(ctx context.Context, db *store.DB, crs *course.Course, now time.Time) (Week, error) {
	readers, err := Readers(ctx, db, crs.Slug)
	if err != nil {
		return Week{}, err
	}
	return Week{Counts: schedule.DueByDay(crs, readers, now, now.Add(schedule.DueWeek)), Active: len(readers), MadeAt: now}, nil
}

// Readers loads every active reader of a course as the schedule's
// projections take them: this week's forecast, and what an edit of the
// course would do (schedule.EffectOf).
func Readers(ctx context.Context, db *store.DB, slug string) ([]schedule.Reader, error) {
	active, err := db.ActiveReaders(ctx, slug)
	if err != nil {
		return nil, err
	}
	readers := make([]schedule.Reader, len(active))
	for i, a := range active {
		readers[i] = schedule.Reader{Timezone: a.Timezone, Joined: a.Joined, NextDue: a.NextDue, Received: a.Received}
	}
	return readers, nil
}

// Summary totals the week and says it in the words the schedule command
// and the dashboard share, with when it was projected when it was read
// from the stored forecast.
func (w Week) Summary() (total int, words string) {
	total, words = schedule.DueSummary(w.Counts, w.Active)
	if w.Stored {
		words += ", as projected at " + w.MadeAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	return total, words
}

// Remake makes and stores the forecast of each course whose stored one
// is older than RemakeAfter or was made from another version of it. It
// returns how many it made.
func Remake(ctx context.Context, db *store.DB, courses []*course.Course, now time.Time) (int, error) {
	made := 0
	for _, crs := range courses {
		f, found, err := db.StoredForecast(ctx, crs.Slug)
		if err != nil {
			return made, err
		}
		fp := Fingerprint(crs)
		if found && f.Fingerprint == fp && !f.MadeAt.After(now) && now.Sub(f.MadeAt) < RemakeAfter {
			continue
		}
		w, err := Make(ctx, db, crs, now)
		if err != nil {
			return made, fmt.Errorf("forecast: %s: %w", crs.Slug, err)
		}
		if err := db.SaveForecast(ctx, store.Forecast{Course: crs.Slug, Fingerprint: fp, MadeAt: now, Active: w.Active, Counts: w.Counts}); err != nil {
			return made, err
		}
		made++
	}
	return made, nil
}

// Fingerprint sums what a projection depends on in crs: its lessons'
// order, numbers and delays, its window and days, its timezone and a
// cohort's start. An edit of a lesson's text leaves it alone.
func Fingerprint(crs *course.Course) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|%v|%d|%v\n", crs.Timezone, crs.Window, crs.Weekdays, crs.Start.Unix(), crs.WaitForWindow)
	for _, l := range crs.Lessons {
		fmt.Fprintf(h, "%s|%d|%d\n", l.Slug, l.Number, l.Delay)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
