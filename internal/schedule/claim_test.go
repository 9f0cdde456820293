package schedule_test

import (
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/schedule"
)

// at is a time on 4 May 2026, a Monday, in UTC.
func at(h, m int) time.Time { return time.Date(2026, 5, 4, h, m, 0, 0, time.UTC) }

// TestChoose is the claim's decision for each reader it takes as due: the
// next lesson, nothing when the course is over, or later when a lesson
// due in the window is claimed long after the window closed.
func TestChoose(t *testing.T) {
	c := courseOf(t, "a", "b", "c") // 08:00-10:00 UTC, every day
	for _, tt := range []struct {
		name     string
		received []string
		due, now time.Time
		lesson   string    // "" for none
		later    time.Time // zero: not put off
	}{
		{"a new reader gets the first lesson", nil, at(9, 0), at(9, 0), "a", time.Time{}},
		{"the lesson after the last one", []string{"a"}, at(9, 0), at(9, 5), "b", time.Time{}},
		{"a send cut short goes again", []string{"a", "b~"}, at(9, 0), at(9, 5), "b", time.Time{}},
		{"within the hour after the window", []string{"a"}, at(9, 0), at(10, 45), "b", time.Time{}},
		{"claimed in the afternoon after downtime: the next window", []string{"a"}, at(9, 0), at(12, 0), "", at(8, 0).AddDate(0, 0, 1)},
		{"due outside the window (asked for at night)", []string{"a"}, at(2, 0), at(3, 0), "b", time.Time{}},
		{"the course is over", []string{"a", "b", "c"}, at(9, 0), at(9, 5), "", time.Time{}},
		{"over, even when it would be late", []string{"a", "b", "c"}, at(9, 0), at(12, 0), "", time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := schedule.Reader{Timezone: "UTC", NextDue: tt.due, Received: receivedOf(tt.received...)}
			got := schedule.Choose(c, r, tt.now)
			slug := ""
			if got.Lesson != nil {
				slug = got.Lesson.Slug
			}
			if slug != tt.lesson || !got.Later.Equal(tt.later) {
				t.Errorf("Choose = lesson %q, later %s; want %q, %s", slug, got.Later, tt.lesson, tt.later)
			}
		})
	}
}

// TestStartAndResume: a new reader's first lesson goes at once unless the
// course waits for the window; a resumed reader's next lesson waits for
// their window, in their own timezone.
func TestStartAndResume(t *testing.T) {
	now := at(12, 0) // after the day's window in UTC; 21:00 in Tokyo
	immediate, waits := courseOf(t, "a", "b"), courseOf(t, "a", "b")
	waits.WaitForWindow = true
	tomorrow8 := at(8, 0).AddDate(0, 0, 1)
	tokyo8 := at(23, 0) // 08:00 the next morning in Tokyo
	for _, tt := range []struct {
		name string
		got  time.Time
		want time.Time
	}{
		{"start: at once", schedule.Start(immediate, "UTC", now), now},
		{"start: at once, whatever the timezone", schedule.Start(immediate, "Asia/Tokyo", now), now},
		{"start: a course that waits for the window", schedule.Start(waits, "UTC", now), tomorrow8},
		{"start: the window in the reader's timezone", schedule.Start(waits, "Asia/Tokyo", now), tokyo8},
		{"start: an unknown timezone is the course's", schedule.Start(waits, "Mars/Olympus", now), tomorrow8},
		{"resume: the next window", schedule.Resume(immediate, "UTC", now), tomorrow8},
		{"resume: in the window, at once", schedule.Resume(immediate, "UTC", at(9, 0)), at(9, 0)},
		{"resume: the reader's own window", schedule.Resume(immediate, "Asia/Tokyo", now), tokyo8},
	} {
		if !tt.got.Equal(tt.want) {
			t.Errorf("%s: %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}
